from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False)
def test_q1_values(reparameterize):
    import torch
    from gancourse.grading import Answer
    rep = Answer('q1', 'reparameterize', reparameterize)
    mu = torch.tensor([[0.5, -1.0, 2.0], [0.0, 1.5, -0.5]])
    logvar = torch.tensor([[0.4, -1.2, 1.0], [2.0, -0.6, 0.0]])
    eps = torch.tensor([[1.0, -0.5, 0.3], [-1.2, 0.8, 2.0]])
    z = rep.tensor(rep(mu, logvar, eps), what='z')
    again = rep.tensor(rep(mu, logvar, eps), what='z')
    if z.shape == again.shape and (not torch.equal(z, again)):
        rep.fail('two calls with the same mu, logvar and eps returned different z: your function draws its own noise (torch.randn, torch.normal, .sample()). Use the eps it is given: z = mu + exp(logvar / 2) * eps.')
    rep.shape(z, (2, 3), what='z for a (2, 3) batch')
    std = torch.exp(logvar / 2)
    mistakes = {'you used logvar as the standard deviation (mu + logvar * eps): logvar is the log of the variance, so sigma = exp(logvar / 2).': mu + logvar * eps, 'you used the variance exp(logvar) as the standard deviation: sigma = exp(logvar / 2), the square root of the variance.': mu + torch.exp(logvar) * eps, 'you used exp(-logvar / 2), one over the standard deviation: sigma = exp(logvar / 2).': mu + torch.exp(-logvar / 2) * eps, 'you left out the mean: z = mu + sigma * eps.': std * eps, 'you swapped mu and logvar: the first argument is the mean, the second the log-variance.': logvar + torch.exp(mu / 2) * eps}
    rep.close(z, mu + std * eps, what='z = mu + exp(logvar / 2) * eps', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q1_gradients(reparameterize):
    import torch
    from gancourse.grading import Answer
    rep = Answer('q1', 'reparameterize', reparameterize)
    mu = torch.tensor([[0.3, -0.7], [1.2, 0.0], [-1.5, 2.0]], requires_grad=True)
    logvar = torch.tensor([[0.5, -1.0], [1.5, 0.2], [-0.4, 0.8]], requires_grad=True)
    eps = torch.tensor([[0.6, -1.1], [1.4, 0.3], [-0.9, -2.0]])
    z = rep.tensor(rep(mu, logvar, eps), what='z')
    if z.grad_fn is None:
        rep.fail('z is cut off from autograd, so no gradient would reach the encoder: did you compute it under torch.no_grad(), call .detach(), .sample() or NumPy? Write z = mu + exp(logvar / 2) * eps with torch operations.')
    rep.shape(z, (3, 2), what='z for a (3, 2) batch')
    w = torch.tensor([[1.0, -2.0], [0.5, 3.0], [-1.0, 1.5]])
    g_mu, g_logvar = torch.autograd.grad((w * z).sum(), (mu, logvar), allow_unused=True)
    for arg, grad in (('mu', g_mu), ('logvar', g_logvar)):
        if grad is None:
            rep.fail(f'no gradient reaches `{arg}`: something cut it out of the autograd graph (`.detach()`, `.item()`, `math.exp`, NumPy); use torch operations.')
    if not bool(g_mu.any()) and (not bool(g_logvar.any())):
        rep.fail('the gradients of z with respect to mu and logvar are zero: torch.normal(mu, std) samples without a gradient through its mean and standard deviation, the problem the trick solves. Write z = mu + exp(logvar / 2) * eps.')
    std = torch.exp(logvar.detach() / 2)
    mistakes = {'you used logvar as the standard deviation (mu + logvar * eps): logvar is the log of the variance, so sigma = exp(logvar / 2).': w * eps, 'you used the variance exp(logvar) as the standard deviation: sigma = exp(logvar / 2), the square root of the variance.': w * torch.exp(logvar.detach()) * eps}
    rep.close(g_mu, w, what='the gradient of sum(w * z) with respect to mu (dz/dmu = 1)')
    rep.close(g_logvar, w * std * eps / 2, what='the gradient of sum(w * z) with respect to logvar (dz/dlogvar = sigma * eps / 2)', mistakes=mistakes)

