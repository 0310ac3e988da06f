from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False)
def test_q2_value(gaussian_nll):
    import math
    import torch
    from gancourse.grading import Answer, normal_log_density as logpdf
    nll = Answer('q2', 'gaussian_nll', gaussian_nll)
    x, mean, log_var = (torch.tensor([0.0, 1.0, 3.0]), torch.tensor(1.0), torch.tensor(math.log(2.0)))
    got = nll(x, mean, log_var)
    per_sample = {(3,): 'you returned one value per sample: return their mean, a single number.'}
    nll.shape(got, (), what='the NLL', mistakes=per_sample)
    want = -logpdf(x, 1.0, 2.0).mean()
    mistakes = {'you left out the constant 0.5 * log(2 * pi).': want - 0.5 * math.log(2 * math.pi), 'you summed over the samples: the question asks for the mean.': 3 * want, 'you returned the log-likelihood: the NLL is its negative.': -want, 'you treated log_var as the log of the standard deviation: it is the log of the variance, sigma**2 = exp(log_var).': -logpdf(x, 1.0, 4.0).mean(), 'you used log_var itself as the variance: the variance is exp(log_var).': -logpdf(x, 1.0, math.log(2.0)).mean(), 'the factor 1/2 in front of log_var is missing.': want + 0.5 * math.log(2.0), 'the factor 1/2 in front of (x - mean)**2 / var is missing.': want + 5 / 12}
    nll.close(got, want, what='the NLL of [0, 1, 3] under N(1, 2)', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q2_gradients_flow(gaussian_nll):
    import torch
    from gancourse.grading import Answer
    nll = Answer('q2', 'gaussian_nll', gaussian_nll)
    x = torch.tensor([-1.0, 0.5, 2.0, 2.5])
    mean = torch.tensor(0.5, requires_grad=True)
    log_var = torch.tensor(-0.3, requires_grad=True)
    got = nll.tensor(nll(x, mean, log_var), what='the NLL')
    nll.differentiable(got, {'mean': mean, 'log_var': log_var}, what='the NLL')
    m, s = (torch.tensor(0.5, dtype=torch.float64, requires_grad=True), torch.tensor(-0.3, dtype=torch.float64, requires_grad=True))
    ref = -torch.distributions.Normal(m, torch.exp(0.5 * s)).log_prob(x.double()).mean()
    g_m, g_s = torch.autograd.grad(ref, (m, s))
    nll.close(mean.grad, g_m, what='d NLL / d mean')
    nll.close(log_var.grad, g_s, what='d NLL / d log_var')

