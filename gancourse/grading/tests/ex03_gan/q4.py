from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 2

@test_case(points=1, hidden=False)
def test_q4_updates_the_generator(g_step):
    import copy
    import torch
    import torch.nn.functional as F
    from torch import nn
    from gancourse.grading import Answer, replaced_globals
    step = Answer('q4', 'g_step', g_step)
    with torch.random.fork_rng():
        torch.manual_seed(40)
        generator = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3))
        discriminator = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        z = torch.randn(5, 2)
        for p in generator.parameters():
            p.grad = torch.randn_like(p)
    g_optimizer = torch.optim.SGD(generator.parameters(), lr=0.5)
    stale = torch.cat([p.grad.flatten() for p in generator.parameters()])
    g_before = torch.cat([p.detach().flatten() for p in generator.parameters()])
    d_before = [p.detach().clone() for p in discriminator.parameters()]
    ref_g = copy.deepcopy(generator)
    fake_logits = discriminator(ref_g(z))

    def grad(loss):
        grads = torch.autograd.grad(loss, list(ref_g.parameters()), retain_graph=True)
        return torch.cat([g.flatten() for g in grads])
    sp = F.softplus
    want_loss = sp(-fake_logits).mean()
    g = grad(want_loss)
    references = dict(discriminator_loss=lambda r, f: sp(-r).mean() + sp(f).mean(), minimax_generator_loss=lambda f: -sp(f).mean(), nonsaturating_generator_loss=lambda f: sp(-f).mean())
    with replaced_globals(g_step, **references):
        result = step(generator, discriminator, g_optimizer, z)
    if any((not torch.equal(p, q) for p, q in zip(discriminator.parameters(), d_before))):
        step.fail("g_step changed the discriminator's parameters: a generator step updates G only (step g_optimizer, which holds G's parameters, and nothing else).")
    g_after = torch.cat([p.detach().flatten() for p in generator.parameters()])
    mistakes = {"G's parameters moved by lr * (this step's gradient + the gradient already in .grad): call g_optimizer.zero_grad() before loss.backward(), which adds to .grad.": g_before - 0.5 * (g + stale), "G's parameters did not change: the generated samples must stay connected to G (no .detach() or torch.no_grad() in g_step), and g_optimizer.step() must follow loss.backward().": g_before, 'G moved by the stale gradients only: no gradient of the loss reached G. Did you detach the generated samples? Only d_step does.': g_before - 0.5 * stale, 'G was trained with the saturating (minimax) loss: g_step uses nonsaturating_generator_loss.': g_before - 0.5 * grad(-sp(fake_logits).mean()), "G was trained with label 0 for its samples (D's fake term -mean log(1 - D(G(z)))): G's loss is -mean log D(G(z)), label 1.": g_before - 0.5 * grad(sp(fake_logits).mean()), "G's parameters moved uphill: G minimises its loss (gradient descent), it does not maximise it.": g_before + 0.5 * g}
    step.close(g_after, g_before - 0.5 * g, mistakes=mistakes, what="G's parameters after one SGD step (lr 0.5)")
    if isinstance(result, torch.Tensor):
        step.fail('g_step should return the loss as a Python float (loss.item()), not a tensor: a tensor keeps its autograd graph alive while you store it.')
    if not isinstance(result, float):
        step.fail(f'g_step should return the loss as a float, got {type(result).__name__}.')
    step.close(torch.tensor(result), want_loss, what='the loss g_step returned (before the step)')

