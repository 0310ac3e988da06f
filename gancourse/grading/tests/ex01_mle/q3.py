from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False)
def test_q3_values(gaussian_kl):
    import torch
    from gancourse.grading import Answer, normal_kl
    kl = Answer('q3', 'gaussian_kl', gaussian_kl)
    mu_p, var_p = (torch.tensor([0.0, 1.0, -2.0]), torch.tensor([1.0, 0.5, 2.0]))
    mu_q, var_q = (torch.tensor([1.0, 0.0, 0.5]), torch.tensor([2.0, 3.0, 0.25]))
    got = kl(mu_p, var_p, mu_q, var_q)
    summed = {(): 'you reduced the result to one number: return one KL per element, nothing summed.'}
    kl.shape(got, (3,), what='the KL of 3 pairs', mistakes=summed)
    want = normal_kl(mu_p, var_p, mu_q, var_q)
    mistakes = {'you computed KL(q || p): the arguments are swapped. KL(p || q) takes the expectation under p, the first distribution.': normal_kl(mu_q, var_q, mu_p, var_p), 'the factor 1/2 is missing: your result is twice KL(p || q).': 2 * want, 'you used the variances as if they were standard deviations (var where sigma belongs): sigma = sqrt(var).': normal_kl(mu_p, var_p ** 2, mu_q, var_q ** 2), 'the log term is log(sigma_q / sigma_p) = 0.5 * log(var_q / var_p): you used the variances there without the factor 1/2.': want + 0.5 * torch.log(var_q / var_p), 'the constant -1/2 is missing.': want + 0.5}
    kl.close(got, want, what='KL(p || q) for 3 pairs of Gaussians', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q3_properties(gaussian_kl):
    import torch
    from gancourse.grading import Answer
    kl = Answer('q3', 'gaussian_kl', gaussian_kl)
    mu, var = (torch.tensor([0.0, -1.5, 3.0, 0.2]), torch.tensor([1.0, 0.1, 4.0, 2.5]))
    kl.close(kl(mu, var, mu, var), torch.zeros(4), what='KL(p || p), which must be 0,')
    got = kl(mu, var, mu + 1.0, var)
    kl.close(got, 0.5 / var, what='KL between Gaussians 1 apart with equal variances')
    r = torch.tensor(4.0)
    swapped = {'you computed KL(q || p): the arguments are swapped. KL(p || q) takes the expectation under p, the first distribution.': (1 / r - 1 + r.log()).expand(4) / 2}
    got = kl(mu, var * r, mu, var)
    kl.close(got, (r - 1 - r.log()).expand(4) / 2, what='KL for var_p = 4 var_q', mistakes=swapped)

