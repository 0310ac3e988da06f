from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 4

@test_case(points=1, hidden=False)
def test_q3_value_of_two_gaussians(generator_value):
    import math
    import torch
    from gancourse.data import GaussianMixture1D
    from gancourse.grading import Answer, normal_kl, normal_log_density
    value = Answer('q3', 'generator_value', generator_value)
    x = torch.linspace(-12.0, 12.0, 2401, dtype=torch.float64)
    dx = 0.01
    (mu_d, sd_d), (mu_g, sd_g) = ((0.0, 1.0), (1.5, 0.7))
    p_data = normal_log_density(x, mu_d, sd_d ** 2).exp()
    p_g = normal_log_density(x, mu_g, sd_g ** 2).exp()
    got = value.tensor(value(p_data, p_g, dx), what='C(G)')
    value.shape(got, (), what='C(G)')
    if bool(torch.isneginf(got)):
        value.fail('C(G) is -inf: did you compute log(1 - D*) as torch.log(1 - D*)? In the tails, where p_g is tiny next to p_data, D* rounds to 1.0 and 1 - D* to 0. Compute log(1 - D*) = log(p_g) - log(p_data + p_g) from the densities instead.')
    log_m = GaussianMixture1D([0.5, 0.5], [mu_d, mu_g], [sd_d, sd_g]).log_pdf(x)
    h_m = -(log_m.exp() * log_m).sum() * dx
    h_d, h_g = (0.5 * math.log(2 * math.pi * math.e * s ** 2) for s in (sd_d, sd_g))
    jsd = h_m - (h_d + h_g) / 2
    want = -math.log(4) + 2 * jsd
    kl_dg = normal_kl(mu_d, sd_d ** 2, mu_g, sd_g ** 2)
    kl_gd = normal_kl(mu_g, sd_g ** 2, mu_d, sd_d ** 2)
    mistakes = {"the sign is wrong: you returned the discriminator's loss, -V(D*, G). C(G) = E_data[log D*] + E_g[log(1 - D*)] is at most 0.": -want, 'you used log base 2 (bits): the course works in nats, with the natural log torch.log.': want / math.log(2), "you swapped D* and 1 - D*: real data gets log D* (D is the probability of 'real'), generated samples get log(1 - D*).": want - kl_dg - kl_gd, 'you got 2 JSD, without the -log 4: a factor 1/2 went missing inside the logs. D* = p_data / (p_data + p_g) = p_data / (2m), not p_data / m.': 2 * jsd, 'you got -log 4 + JSD: C(G) = -log 4 + 2 JSD (the sum of KL(p_data || m) and KL(p_g || m), not their average).': -math.log(4) + jsd, 'you left out dx: the integral is the sum of the integrand times the grid step dx.': want / dx, 'you averaged over the grid points (a mean): the integral is the sum times dx.': want / (2401 * dx)}
    value.close(got, want, what='C(G) for p_data = N(0, 1), p_g = N(1.5, 0.7**2)', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q3_minimum_at_p_g_equal_p_data(generator_value):
    import math
    import torch
    from gancourse.data import GaussianMixture1D
    from gancourse.grading import Answer
    value = Answer('q3', 'generator_value', generator_value)
    x = torch.linspace(-10.0, 10.0, 2001, dtype=torch.float64)
    dx = 0.01
    p = GaussianMixture1D(weights=[0.4, 0.6], means=[-2.0, 1.5], stds=[0.8, 1.1]).pdf(x)
    got = value(p, p.clone(), dx)
    value.shape(got, (), what='C(G)')
    mistakes = {"the sign is wrong: you returned the discriminator's loss, -V(D*, G). C(G) = E_data[log D*] + E_g[log(1 - D*)] is at most 0.": math.log(4), 'you used log base 2 (bits): the course works in nats, with the natural log torch.log.': -2.0, 'you got 0 where p_g = p_data, 2 JSD without the -log 4: a factor 1/2 went missing inside the logs. D* = p_data / (p_data + p_g) = p_data / (2m), not p_data / m.': 0.0, 'you left out dx: the integral is the sum of the integrand times the grid step dx.': -math.log(4) / dx}
    value.close(got, -math.log(4), what='C(G) at p_g = p_data, the minimum -log 4,', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q3_disjoint_supports(generator_value):
    import math
    import torch
    from gancourse.grading import Answer
    value = Answer('q3', 'generator_value', generator_value)
    dx = 1 / 64
    p_data = torch.zeros(300, dtype=torch.float64)
    p_data[40:104] = 1.0
    p_g = torch.zeros(300, dtype=torch.float64)
    p_g[200:232] = 2.0
    got = value.tensor(value(p_data, p_g, dx), what='C(G)')
    value.shape(got, (), what='C(G)')
    if bool(torch.isnan(got)):
        value.fail('C(G) is NaN when the supports are disjoint: where p_data = 0, p_data * log D* is 0 * log 0, where p_g = 0, p_g * log(1 - D*) is too (and 0 * log(0 / 0) where both are 0), NaN in floating point. The convention is 0 log 0 = 0: make those terms 0 (torch.xlogy, or torch.where).')
    mistakes = {'you got 2 log 2 for disjoint supports, 2 JSD without the -log 4: a factor 1/2 went missing inside the logs. D* = p_data / (p_data + p_g) = p_data / (2m), not p_data / m.': 2 * math.log(2)}
    value.close(got, 0.0, what='C(G) for disjoint supports', mistakes=mistakes)

