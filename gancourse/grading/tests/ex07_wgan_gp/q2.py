from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 4

@test_case(points=1, hidden=False)
def test_q2_linear_critic(gradient_penalty):
    import torch
    from torch import nn
    from gancourse.grading import Answer
    gp = Answer('q2', 'gradient_penalty', gradient_penalty)
    gen = torch.Generator().manual_seed(72)
    w = torch.randn(1, 16, generator=gen, dtype=torch.float64)
    w = 3 * w / w.norm()
    critic = nn.Sequential(nn.Flatten(), nn.Linear(16, 1, bias=False))
    with torch.no_grad():
        critic[1].weight.copy_(w)
    real = torch.randn(4, 1, 4, 4, generator=gen)
    fake = torch.randn(4, 1, 4, 4, generator=gen)
    got = gp(critic, real, fake, torch.Generator().manual_seed(0))
    gp.shape(got, (), what='the gradient penalty')
    mistakes = {'you penalised ||g||^2 instead of (||g|| - 1)^2: the penalty pulls the gradient norm towards 1, not towards 0.': 10.0 * 9.0, 'you forgot the factor lambda_ (10 by default): return lambda_ * mean (||g|| - 1)^2.': 4.0, 'you took one norm of the gradient over the whole batch: take the norm per sample (over its C*H*W entries, e.g. grad.flatten(1).norm(dim=1)), then the mean over the batch of (||g_i|| - 1)^2.': 10.0 * (3.0 * 2.0 - 1.0) ** 2, 'you summed over the batch: take the mean of (||g_i|| - 1)^2 over the batch.': 4 * 40.0, "you penalised the gradient entry by entry, (g - 1)^2: penalise the Euclidean norm of each sample's gradient, (||g_i|| - 1)^2.": 10.0 * ((w - 1) ** 2).mean()}
    gp.close(got, 40.0, what='the penalty of a linear critic with ||w|| = 3 (exactly 40)', mistakes=mistakes)
    if got.grad_fn is None:
        gp.fail("the penalty is not connected to the critic's parameters, so penalty.backward() cannot train the critic: call torch.autograd.grad(..., create_graph=True) (without it the gradient is a constant, detached from the graph).")
    critic.zero_grad(set_to_none=True)
    got.backward()
    grad = critic[1].weight.grad
    if grad is None or not bool(grad.abs().sum() > 0):
        gp.fail("no gradient reached the critic's weights from the penalty: compute the input gradient with torch.autograd.grad(..., create_graph=True) and do not detach it.")
    gp.close(grad, 20.0 * (3.0 - 1.0) * w / 3.0, rtol=0.001, atol=1e-05, what='d penalty / d w for the linear critic, 20 (||w|| - 1) w / ||w||')

@test_case(points=1, hidden=False)
def test_q2_interpolation(gradient_penalty):
    import copy
    import torch
    from torch import nn
    from gancourse.grading import Answer

    def penalty(critic, x_hat, lam=10.0, per_sample=True, squared=False):
        """The reference, in float64, from a copy of the critic."""
        f = copy.deepcopy(critic).double()
        x_hat = x_hat.detach().double().requires_grad_(True)
        g, = torch.autograd.grad(f(x_hat).sum(), x_hat)
        norms = g.flatten(1).norm(dim=1) if per_sample else g.norm()
        return lam * (norms ** 2 if squared else (norms - 1) ** 2).mean()
    gp = Answer('q2', 'gradient_penalty', gradient_penalty)
    with torch.random.fork_rng():
        torch.manual_seed(73)
        critic = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1))
        with torch.no_grad():
            critic[1].weight.mul_(3.0)
        real = torch.randn(6, 1, 4, 4)
        fake = 2 * torch.randn(6, 1, 4, 4) + 1
        torch.manual_seed(0)
        got = gp(critic, real, fake, torch.Generator().manual_seed(7))
        torch.manual_seed(0)
        eps_global = torch.rand(6, 1, 1, 1)
        torch.manual_seed(0)
        eps_like = torch.rand_like(real)
    eps = torch.rand(6, 1, 1, 1, generator=torch.Generator().manual_seed(7))
    eps_pixel = torch.rand(6, 1, 4, 4, generator=torch.Generator().manual_seed(7))
    gp.shape(got, (), what='the gradient penalty')
    x_hat = eps * real + (1 - eps) * fake
    want = penalty(critic, x_hat)
    mistakes = {'you drew one eps per pixel (torch.rand(real.shape, ...)): draw one eps per sample, torch.rand(B, 1, 1, 1, generator=generator), shared by all pixels of that sample, so that x_hat lies on the line between the real and the generated sample.': penalty(critic, eps_pixel * real + (1 - eps_pixel) * fake), 'you drew one eps per pixel with torch.rand_like(real) (which also ignores `generator`): draw one eps per sample, torch.rand(B, 1, 1, 1, generator=generator).': penalty(critic, eps_like * real + (1 - eps_like) * fake), 'your eps did not come from `generator`: draw it with torch.rand(B, 1, 1, 1, generator=generator, device=real.device).': penalty(critic, eps_global * real + (1 - eps_global) * fake), 'you computed the penalty at the real samples only: evaluate it at the interpolates x_hat = eps * real + (1 - eps) * fake.': penalty(critic, real), 'you computed the penalty at the generated samples only: evaluate it at the interpolates x_hat = eps * real + (1 - eps) * fake.': penalty(critic, fake), 'you swapped eps and 1 - eps: use x_hat = eps * real + (1 - eps) * fake.': penalty(critic, (1 - eps) * real + eps * fake), 'you took one norm of the gradient over the whole batch: take the norm per sample (over its C*H*W entries, e.g. grad.flatten(1).norm(dim=1)), then the mean over the batch of (||g_i|| - 1)^2.': penalty(critic, x_hat, per_sample=False), 'you penalised ||g||^2 instead of (||g|| - 1)^2: the penalty pulls the gradient norm towards 1, not towards 0.': penalty(critic, x_hat, squared=True), 'you forgot the factor lambda_ (10 by default): return lambda_ * mean (||g|| - 1)^2.': penalty(critic, x_hat, lam=1.0)}
    gp.close(got, want, what='the penalty of a small tanh critic', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q2_reaches_the_critic(gradient_penalty):
    import copy
    import torch
    from torch import nn
    from gancourse.grading import Answer
    gp = Answer('q2', 'gradient_penalty', gradient_penalty)
    with torch.random.fork_rng():
        torch.manual_seed(74)
        critic = nn.Sequential(nn.Flatten(), nn.Linear(18, 6), nn.Tanh(), nn.Linear(6, 1))
        real, fake = (torch.randn(5, 2, 3, 3), torch.randn(5, 2, 3, 3))
    got = gp(critic, real, fake, torch.Generator().manual_seed(11))
    got = gp.tensor(got, what='the gradient penalty')
    if got.grad_fn is None:
        gp.fail("the penalty is not connected to the critic's parameters, so penalty.backward() cannot train the critic: call torch.autograd.grad(..., create_graph=True) (without it the gradient is a constant, detached from the graph).")
    critic.zero_grad(set_to_none=True)
    got.backward()
    ref = copy.deepcopy(critic).double()
    eps = torch.rand(5, 1, 1, 1, generator=torch.Generator().manual_seed(11)).double()
    x_hat = (eps * real.double() + (1 - eps) * fake.double()).requires_grad_(True)
    g, = torch.autograd.grad(ref(x_hat).sum(), x_hat, create_graph=True)
    want = 10.0 * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()
    grads = torch.autograd.grad(want, list(ref.parameters()), allow_unused=True)
    gp.close(got, want.detach(), what='the penalty of a (5, 2, 3, 3) batch')
    names = [name for name, _ in critic.named_parameters()]
    for name, p, q in zip(names, critic.parameters(), grads):
        mine = torch.zeros_like(p) if p.grad is None else p.grad
        theirs = torch.zeros_like(p, dtype=torch.float64) if q is None else q
        if mine.abs().sum() == 0 and theirs.abs().sum() > 0:
            gp.fail(f"no gradient reached the critic's `{name}` from the penalty: compute the input gradient with torch.autograd.grad(..., create_graph=True) and do not detach it.")
        gp.close(mine, theirs, rtol=0.001, atol=1e-06, what=f"d penalty / d {name} (the critic's parameters)")

