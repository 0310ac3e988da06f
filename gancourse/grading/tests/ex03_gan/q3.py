from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False)
def test_q3_updates_the_discriminator(d_step):
    import copy
    import torch
    import torch.nn.functional as F
    from torch import nn
    from gancourse.grading import Answer, replaced_globals
    step = Answer('q3', 'd_step', d_step)
    with torch.random.fork_rng():
        torch.manual_seed(30)
        generator = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3))
        discriminator = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        real, z = (torch.randn(5, 3) + 1.0, torch.randn(4, 2))
        for p in discriminator.parameters():
            p.grad = torch.randn_like(p)
    d_optimizer = torch.optim.SGD(discriminator.parameters(), lr=0.5)
    g_before = [p.detach().clone() for p in generator.parameters()]
    d_before = torch.cat([p.detach().flatten() for p in discriminator.parameters()])
    sp = F.softplus
    references = dict(discriminator_loss=lambda r, f: sp(-r).mean() + sp(f).mean(), minimax_generator_loss=lambda f: -sp(f).mean(), nonsaturating_generator_loss=lambda f: sp(-f).mean())
    stale = torch.cat([p.grad.flatten() for p in discriminator.parameters()])
    ref_d = copy.deepcopy(discriminator)
    with torch.no_grad():
        fake = generator(z)
    real_logits, fake_logits = (ref_d(real), ref_d(fake))

    def grad(loss):
        grads = torch.autograd.grad(loss, list(ref_d.parameters()), retain_graph=True)
        return torch.cat([g.flatten() for g in grads])
    want_loss = sp(-real_logits).mean() + sp(fake_logits).mean()
    g = grad(want_loss)
    with replaced_globals(d_step, **references):
        result = step(generator, discriminator, d_optimizer, real, z)
    if any((not torch.equal(p, q) for p, q in zip(generator.parameters(), g_before))):
        step.fail("d_step changed the generator's parameters: a discriminator step updates D only (step d_optimizer, which holds D's parameters, and nothing else).")
    if any((p.grad is not None for p in generator.parameters())):
        step.fail("the generator's parameters received gradients during d_step: detach the generated samples (generator(z).detach(), or generate them under torch.no_grad()) so that D's loss does not backpropagate into G.")
    d_after = torch.cat([p.detach().flatten() for p in discriminator.parameters()])
    mistakes = {"D's parameters moved by lr * (this step's gradient + the gradient already in .grad): call d_optimizer.zero_grad() before loss.backward(), which adds to .grad.": d_before - 0.5 * (g + stale), "D's parameters did not change: call loss.backward() and then d_optimizer.step() (d_optimizer.zero_grad() goes before backward(), not between backward() and step()).": d_before, 'D was trained with the labels swapped (real as fake, fake as real): discriminator_loss takes the logits on the real batch first.': d_before - 0.5 * grad(sp(real_logits).mean() + sp(-fake_logits).mean()), "D was trained with the generator's non-saturating loss: a D step minimises discriminator_loss(D(real), D(G(z))).": d_before - 0.5 * grad(sp(-fake_logits).mean()), "D was trained with the generator's minimax loss: a D step minimises discriminator_loss(D(real), D(G(z))).": d_before - 0.5 * grad(-sp(fake_logits).mean()), "D's parameters moved uphill: D minimises its loss L_D (gradient descent), it does not maximise it.": d_before + 0.5 * g, "D's step used the real batch only: its loss has a term for the generated batch too.": d_before - 0.5 * grad(sp(-real_logits).mean()), "D's step used the generated batch only: its loss has a term for the real batch too.": d_before - 0.5 * grad(sp(fake_logits).mean())}
    step.close(d_after, d_before - 0.5 * g, mistakes=mistakes, what="D's parameters after one SGD step (lr 0.5)")
    if isinstance(result, torch.Tensor):
        step.fail('d_step should return the loss as a Python float (loss.item()), not a tensor: a tensor keeps its autograd graph alive while you store it.')
    if not isinstance(result, float):
        step.fail(f'd_step should return the loss as a float, got {type(result).__name__}.')
    step.close(torch.tensor(result), want_loss, what='the loss d_step returned (before the step)')

@test_case(points=1, hidden=False)
def test_q3_leaves_the_generator_alone(d_step):
    import torch
    import torch.nn.functional as F
    from torch import nn
    from gancourse.grading import Answer, replaced_globals
    step = Answer('q3', 'd_step', d_step)
    with torch.random.fork_rng():
        torch.manual_seed(33)
        generator = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3))
        discriminator = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        real, z = (torch.randn(5, 3) + 1.0, torch.randn(4, 2))
        for p in generator.parameters():
            p.grad = torch.randn_like(p)
    d_optimizer = torch.optim.SGD(discriminator.parameters(), lr=0.5)
    g_before = [p.detach().clone() for p in generator.parameters()]
    d_before = torch.cat([p.detach().flatten() for p in discriminator.parameters()])
    sp = F.softplus
    references = dict(discriminator_loss=lambda r, f: sp(-r).mean() + sp(f).mean(), minimax_generator_loss=lambda f: -sp(f).mean(), nonsaturating_generator_loss=lambda f: sp(-f).mean())
    g_grads = [p.grad.clone() for p in generator.parameters()]
    with replaced_globals(d_step, **references):
        step(generator, discriminator, d_optimizer, real, z)
    if any((not torch.equal(p, q) for p, q in zip(generator.parameters(), g_before))):
        step.fail("d_step changed the generator's parameters: a discriminator step updates D only (step d_optimizer, which holds D's parameters, and nothing else).")
    if any((p.grad is None for p in generator.parameters())):
        step.fail("d_step cleared the generator's .grad (generator.zero_grad()?): leave G's gradients alone, and detach the generated samples so that none reach G.")
    if any((not torch.equal(p.grad, q) for p, q in zip(generator.parameters(), g_grads))):
        step.fail("d_step changed the generator's .grad: detach the generated samples (generator(z).detach(), or generate them under torch.no_grad()) so that D's loss does not backpropagate into G.")
    d_after = torch.cat([p.detach().flatten() for p in discriminator.parameters()])
    if torch.equal(d_after, d_before):
        step.fail("d_step did not change D's parameters: call d_optimizer.step().")

