from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False)
def test_q3_value(negative_elbo):
    import torch
    import torch.nn.functional as F
    from gancourse.grading import Answer, normal_kl
    elbo = Answer('q3', 'negative_elbo', negative_elbo)
    logits = torch.tensor([[2.0, -1.0, 0.5, -3.0, 1.5], [-0.5, 3.0, -2.0, 0.0, 1.0]])
    x = torch.tensor([[1.0, 0.0, 0.7, 0.0, 1.0], [0.2, 1.0, 0.0, 0.5, 1.0]])
    mu = torch.tensor([[0.5, -1.0, 2.0], [0.0, 1.5, -0.5]])
    logvar = torch.tensor([[0.4, -1.2, 1.0], [2.0, -0.6, 0.0]])
    got = elbo(logits, x, mu, logvar)
    per_image = {(2,): 'you returned one loss per image: average them over the batch, a single number.'}
    elbo.shape(got, (), what='the negative ELBO', mistakes=per_image)
    bernoulli = torch.distributions.Bernoulli(logits=logits.double(), validate_args=False)
    rec = -bernoulli.log_prob(x.double())
    kl = normal_kl(mu, logvar.exp(), 0.0, 1.0).sum(dim=1)
    want = (rec.sum(dim=1) + kl).mean()
    sigmoid_twice = F.binary_cross_entropy_with_logits(torch.sigmoid(logits), x, reduction='none')
    swapped = F.softplus(x) - x * logits
    mistakes = {'you subtracted the KL: the loss to minimise is -ELBO = reconstruction + KL, so the KL is added.': (rec.sum(dim=1) - kl).mean(), 'you returned the ELBO: the loss to minimise is its negative, reconstruction + KL.': -want, "you averaged the reconstruction over the pixels (reduction='mean' or .mean()): sum it over the P pixels. With a mean the KL weighs P times more (784 on digits).": (rec.mean(dim=1) + kl).mean(), 'you summed over the batch: average the per-image losses over the B images.': 2 * want, 'you applied a sigmoid before binary_cross_entropy_with_logits, which applies one itself: pass it the logits.': (sigmoid_twice.sum(dim=1) + kl).mean(), 'you swapped the arguments of binary_cross_entropy_with_logits: the logits come first, the target images x second.': (swapped.sum(dim=1) + kl).mean(), 'the KL term is missing: the loss is reconstruction + KL.': rec.sum(dim=1).mean(), 'the KL is twice too big: its factor 1/2 is missing.': (rec.sum(dim=1) + 2 * kl).mean(), 'you averaged the KL over the latent coordinates: sum it over them.': (rec.sum(dim=1) + kl / 3).mean()}
    elbo.close(got, want, what='the negative ELBO of 2 images', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q3_gradients(negative_elbo):
    import torch
    import torch.nn.functional as F
    from gancourse.grading import Answer
    elbo = Answer('q3', 'negative_elbo', negative_elbo)
    logits = torch.tensor([[1.0, -2.0, 0.0, 4.0], [-1.5, 0.5, 2.5, -0.5], [0.3, -3.0, 1.0, 2.0]], requires_grad=True)
    x = torch.tensor([[1.0, 0.0, 0.4, 1.0], [0.0, 1.0, 1.0, 0.0], [0.9, 0.0, 0.0, 1.0]])
    mu = torch.tensor([[0.8, -0.4], [0.0, 1.2], [-1.0, 0.5]], requires_grad=True)
    logvar = torch.tensor([[0.3, -0.5], [1.0, 0.0], [-1.5, 0.6]], requires_grad=True)
    got = elbo.tensor(elbo(logits, x, mu, logvar), what='the negative ELBO')
    elbo.differentiable(got, {'logits': logits, 'mu': mu, 'logvar': logvar}, what='the negative ELBO')
    b = 3
    want = (torch.sigmoid(logits.detach()) - x) / b
    twice = logits.detach().clone().requires_grad_(True)
    g_twice, = torch.autograd.grad(F.binary_cross_entropy_with_logits(torch.sigmoid(twice), x, reduction='sum') / b, twice)
    wrong_grad = {"you averaged the reconstruction over the pixels (reduction='mean' or .mean()): sum it over the P pixels. With a mean the KL weighs P times more (784 on digits).": want / 4, 'you applied a sigmoid before binary_cross_entropy_with_logits, which applies one itself: pass it the logits.': g_twice}
    elbo.close(logits.grad, want, what='d loss / d logits = (sigmoid(logits) - x) / B', mistakes=wrong_grad)
    kl_sign = {'you subtracted the KL: the loss to minimise is -ELBO = reconstruction + KL, so the KL is added.': -mu.detach() / b}
    elbo.close(mu.grad, mu.detach() / b, what='d loss / d mu = mu / B', mistakes=kl_sign)
    elbo.close(logvar.grad, (logvar.detach().exp() - 1) / (2 * b), what='d loss / d logvar = (exp(logvar) - 1) / (2B)')

