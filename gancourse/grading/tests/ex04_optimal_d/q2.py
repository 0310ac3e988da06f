from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 5

@test_case(points=1, hidden=False)
def test_q2_kl_of_two_gaussians(kl_divergence):
    import math
    import torch
    from gancourse.grading import Answer, normal_kl, normal_log_density
    kl = Answer('q2', 'kl_divergence', kl_divergence)
    x = torch.linspace(-12.0, 12.0, 2401, dtype=torch.float64)
    dx = 0.01
    p = normal_log_density(x, 0.0, 1.0).exp()
    q = normal_log_density(x, 1.0, 4.0).exp()
    got = kl(p, q, dx)
    per_point = {(2401,): 'you returned the integrand at every grid point: sum it and multiply by dx, one number.'}
    kl.shape(got, (), what='KL(p || q)', mistakes=per_point)
    want = normal_kl(0.0, 1.0, 1.0, 4.0)
    mistakes = {'you computed KL(q || p): p and q are swapped. KL(p || q) = sum of p log(p / q) dx takes the expectation under p, the first argument.': normal_kl(1.0, 4.0, 0.0, 1.0), 'you used log base 2 (your KL is in bits): the course works in nats, with the natural log torch.log.': want / math.log(2), 'you used log base 10: use the natural log, torch.log (nats).': want / math.log(10), 'the sign is wrong: KL(p || q) = sum of p log(p / q) dx, not p log(q / p); it is never negative.': -want, 'you left out dx: the integral is the sum of the integrand times the grid step dx.': want / dx, 'you averaged over the grid points (a mean): the integral is the sum times dx.': want / (2401 * dx)}
    kl.close(got, want, what='KL(N(0, 1) || N(1, 4)) on a grid of step 0.01', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q2_kl_where_p_vanishes(kl_divergence):
    import math
    import torch
    from gancourse.grading import Answer
    kl = Answer('q2', 'kl_divergence', kl_divergence)
    dx = 1 / 64
    p = torch.zeros(400, dtype=torch.float64)
    p[100:164] = 1.0
    q = torch.zeros(400, dtype=torch.float64)
    q[100:228] = 0.5
    got = kl.tensor(kl(p, q, dx), what='KL(p || q)')
    kl.shape(got, (), what='KL(p || q)')
    if bool(torch.isnan(got)):
        kl.fail('KL(p || q) is NaN where p has zeros: there p * log(p / q) is 0 * log 0 or 0 * log(0 / 0), NaN in floating point. The convention is 0 log 0 = 0: make those terms 0 (torch.xlogy, or torch.where).')
    if bool(torch.isinf(got)):
        kl.fail('KL(p || q) is infinite, though q > 0 wherever p > 0: did you swap p and q? KL(q || p) is infinite here because q has mass where p has none.')
    mistakes = {'you used log base 2 (your KL is in bits, 1 bit here): the course works in nats, with the natural log torch.log.': 1.0, 'the sign is wrong: KL(p || q) = sum of p log(p / q) dx, not p log(q / p); it is never negative.': -math.log(2), 'you left out dx: the integral is the sum of the integrand times the grid step dx.': 64 * math.log(2)}
    kl.close(got, math.log(2), what='KL(uniform on [0, 1) || uniform on [0, 2))', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q2_js_of_two_gaussians(js_divergence):
    import math
    import torch
    from gancourse.data import GaussianMixture1D
    from gancourse.grading import Answer, normal_kl, normal_log_density
    js = Answer('q2', 'js_divergence', js_divergence)
    x = torch.linspace(-12.0, 12.0, 2401, dtype=torch.float64)
    dx = 0.01
    (mu_p, sd_p), (mu_q, sd_q) = ((0.0, 1.0), (1.0, 2.0))
    p = normal_log_density(x, mu_p, sd_p ** 2).exp()
    q = normal_log_density(x, mu_q, sd_q ** 2).exp()
    got = js(p, q, dx)
    js.shape(got, (), what='JSD(p || q)')
    log_m = GaussianMixture1D([0.5, 0.5], [mu_p, mu_q], [sd_p, sd_q]).log_pdf(x)
    h_m = -(log_m.exp() * log_m).sum() * dx
    h_p, h_q = (0.5 * math.log(2 * math.pi * math.e * s ** 2) for s in (sd_p, sd_q))
    want = h_m - (h_p + h_q) / 2

    def kl_m_to(mu, sd):
        second_moment = 0.5 * (sd_p ** 2 + (mu_p - mu) ** 2) + 0.5 * (sd_q ** 2 + (mu_q - mu) ** 2)
        return -h_m + 0.5 * math.log(2 * math.pi * sd ** 2) + second_moment / (2 * sd ** 2)
    mistakes = {'you used log base 2 (your JSD is in bits): the course works in nats, with the natural log torch.log.': want / math.log(2), 'the factor 1/2 is missing: your result is KL(p || m) + KL(q || m), twice the JSD.': 2 * want, 'you took m = p + q: the mixture is m = (p + q) / 2, a density (it integrates to 1).': want - math.log(2), 'you computed KL(m || p) and KL(m || q): the arguments are swapped. The JSD averages KL(p || m) and KL(q || m).': 0.5 * kl_m_to(mu_p, sd_p) + 0.5 * kl_m_to(mu_q, sd_q), 'you averaged KL(p || q) and KL(q || p): that is a symmetrised KL, not the JSD, which compares p and q with their mixture m = (p + q) / 2.': 0.5 * normal_kl(mu_p, sd_p ** 2, mu_q, sd_q ** 2) + 0.5 * normal_kl(mu_q, sd_q ** 2, mu_p, sd_p ** 2), 'you left out dx: the integral is the sum of the integrand times the grid step dx.': want / dx}
    js.close(got, want, what='JSD(N(0, 1) || N(1, 4)) on a grid of step 0.01', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q2_js_of_disjoint_supports(js_divergence):
    import math
    import torch
    from gancourse.grading import Answer
    js = Answer('q2', 'js_divergence', js_divergence)
    dx = 1 / 64
    p = torch.zeros(300, dtype=torch.float64)
    p[40:104] = 1.0
    q = torch.zeros(300, dtype=torch.float64)
    q[200:232] = 2.0
    got = js.tensor(js(p, q, dx), what='JSD(p || q)')
    js.shape(got, (), what='JSD(p || q)')
    if bool(torch.isnan(got)):
        js.fail('the JSD of two densities with disjoint supports is NaN: where p = 0, p * log(p / m) is 0 * log 0, NaN in floating point. The convention is 0 log 0 = 0: make those terms 0 (torch.xlogy, or torch.where). The answer here is log 2.')
    if bool(torch.isinf(got)):
        js.fail('the JSD is infinite, yet it never exceeds log 2: it averages KL(p || m) and KL(q || m), both finite since m >= p / 2 and m >= q / 2. KL(m || p), KL(m || q), KL(p || q) and KL(q || p) are infinite when the supports are disjoint.')
    mistakes = {'you used log base 2: your JSD of disjoint densities is 1 (bit) instead of log 2 (nats). Use the natural log, torch.log.': 1.0, 'the factor 1/2 is missing: you got 2 log 2 for disjoint supports, twice the JSD.': 2 * math.log(2), 'you took m = p + q (your JSD is 0 for disjoint supports): the mixture is m = (p + q) / 2.': 0.0}
    js.close(got, math.log(2), what='the JSD of densities with disjoint supports', mistakes=mistakes)
    js.close(js(q, p, dx), math.log(2), what='JSD(q || p) for the same densities', mistakes=mistakes)

