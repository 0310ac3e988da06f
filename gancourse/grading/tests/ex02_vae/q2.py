from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False)
def test_q2_values(kl_to_standard_normal):
    import torch
    from gancourse.grading import Answer, normal_kl
    kl = Answer('q2', 'kl_to_standard_normal', kl_to_standard_normal)
    mu = torch.tensor([[0.5, -1.0, 2.0, 0.0], [0.0, 1.5, -0.5, 1.0], [-2.0, 0.3, 0.0, 0.7]])
    logvar = torch.tensor([[0.4, -1.2, 1.0, 0.0], [2.0, -0.6, 0.0, -2.0], [0.5, 0.1, -0.3, 1.5]])
    got = kl(mu, logvar)
    wrong_shape = {(): 'you reduced over the batch too: return one KL per image, shape (B,) (question 3 averages over the batch).', (4,): 'you summed over dim 0, the batch: sum over dim 1, the D latent coordinates, one KL per image.', (3, 4): 'you returned one KL per latent coordinate: sum them over the D latent coordinates (dim 1), one KL per image.', (3, 1): 'you kept the summed dimension (keepdim=True): return shape (B,).'}
    kl.shape(got, (3,), what='the KL of a (3, 4) batch', mistakes=wrong_shape)
    want = normal_kl(mu, logvar.exp(), 0.0, 1.0).sum(dim=1)
    mistakes = {'the sign is wrong: KL = -1/2 * sum(1 + logvar - mu**2 - exp(logvar)), which is never negative.': -want, 'the factor 1/2 is missing: your result is twice the KL.': 2 * want, 'you averaged over the latent coordinates: the KL of independent coordinates is the sum of their KLs (sum over dim 1, not mean).': want / 4, 'you treated logvar as the log of the standard deviation: it is the log of the variance, sigma**2 = exp(logvar).': normal_kl(mu, (2 * logvar).exp(), 0.0, 1.0).sum(1), "you computed KL(N(0, I) || q), the arguments of the KL reversed: the VAE's term is KL(q(z|x) || N(0, I)).": normal_kl(0.0, 1.0, mu, logvar.exp()).sum(dim=1), 'the constant 1 inside the sum is missing.': want + 4 / 2}
    kl.close(got, want, what='the KL of 3 images with D = 4', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q2_special_cases(kl_to_standard_normal):
    import math
    import torch
    from gancourse.grading import Answer
    kl = Answer('q2', 'kl_to_standard_normal', kl_to_standard_normal)
    no_one = {'the constant 1 inside the sum is missing.': torch.full((2,), 3 / 2)}
    got = kl(torch.zeros(2, 3), torch.zeros(2, 3))
    kl.close(got, torch.zeros(2), what='the KL of N(0, I) to itself, which must be 0,', mistakes=no_one)
    mu = torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    not_squared = {'the sign is wrong: KL = -1/2 * sum(1 + logvar - mu**2 - exp(logvar)), which is never negative.': -(mu ** 2).sum(dim=1) / 2, 'you averaged over the latent coordinates: the KL of independent coordinates is the sum of their KLs (sum over dim 1, not mean).': (mu ** 2).mean(dim=1) / 2, 'you wrote mu where mu**2 belongs.': mu.sum(dim=1) / 2}
    got = kl(mu, torch.zeros(2, 3))
    kl.close(got, (mu ** 2).sum(dim=1) / 2, what='the KL with logvar = 0, sum(mu**2) / 2,', mistakes=not_squared)
    logvar = torch.full((2, 3), math.log(4.0))
    log_std = {'you treated logvar as the log of the standard deviation: it is the log of the variance, sigma**2 = exp(logvar).': torch.full((2,), 3 * (16 - 1 - math.log(16)) / 2)}
    got = kl(torch.zeros(2, 3), logvar)
    kl.close(got, torch.full((2,), 3 * (4 - 1 - math.log(4)) / 2), what='the KL with mu = 0 and variance 4 in D = 3 coordinates', mistakes=log_std)

