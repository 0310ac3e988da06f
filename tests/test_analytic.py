"""The mathematics of gancourse.analytic: the optimal discriminator, C(G) = 2 JSD - log 4, and the
non-saturating objective under D*, checked against closed forms, Monte Carlo and autograd."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Normal

from gancourse.analytic import (
    discriminator_value_grid,
    gan_value_grid,
    nonsaturating_value_grid,
    optimal_discriminator,
    optimal_discriminator_from_log,
    optimal_logit,
    support_mask,
)
from gancourse.data import GaussianMixture1D
from gancourse.divergences import integrate_grid, js_grid, kl_gaussian, kl_grid
from gancourse.losses.gan import discriminator_loss

F64 = torch.float64
LOG4 = math.log(4.0)


def normal_log_pdf(x: torch.Tensor, mean: float | torch.Tensor, std: float) -> torch.Tensor:
    mean_t = torch.as_tensor(mean, dtype=F64)
    return Normal(mean_t, torch.tensor(std, dtype=F64)).log_prob(x)


@pytest.fixture
def grid() -> torch.Tensor:
    return torch.linspace(-20.0, 20.0, 8001, dtype=F64)


@pytest.fixture
def data() -> GaussianMixture1D:
    return GaussianMixture1D(weights=[0.3, 0.7], means=[-2.0, 1.5], stds=[0.5, 0.8])


GENERATORS = [(0.0, 1.0), (1.0, 2.0), (-2.0, 0.5), (3.0, 0.7), (0.5, 3.0)]


# ------------------------------------------------------------------ the optimal discriminator


@pytest.mark.parametrize(("mu_p", "mu_q", "sigma"), [(1.0, -1.0, 1.0), (0.0, 3.0, 0.5)])
def test_optimal_discriminator_of_equal_variance_gaussians_is_logistic(
    grid: torch.Tensor, mu_p: float, mu_q: float, sigma: float
) -> None:
    """log N(x; mu_p, s^2) - log N(x; mu_q, s^2) = w x + b: logistic regression is exact."""
    w = (mu_p - mu_q) / sigma**2
    b = -(mu_p**2 - mu_q**2) / (2 * sigma**2)
    expected = torch.sigmoid(w * grid + b)
    log_p, log_q = normal_log_pdf(grid, mu_p, sigma), normal_log_pdf(grid, mu_q, sigma)
    assert torch.allclose(optimal_logit(log_p, log_q), w * grid + b, atol=1e-9)
    assert torch.allclose(optimal_discriminator_from_log(log_p, log_q), expected, atol=1e-12)
    # from densities: the same where they do not underflow
    inner = grid.abs() < 6
    d_pdf = optimal_discriminator(log_p.exp(), log_q.exp())
    assert torch.allclose(d_pdf[inner], expected[inner], atol=1e-12)
    # it crosses 1/2 half-way between the means
    mid = torch.tensor([(mu_p + mu_q) / 2], dtype=F64)
    half = optimal_discriminator_from_log(
        normal_log_pdf(mid, mu_p, sigma), normal_log_pdf(mid, mu_q, sigma)
    )
    assert half.item() == pytest.approx(0.5, abs=1e-12)


def test_optimal_discriminator_of_unequal_variances_is_quadratic_in_the_logit() -> None:
    x = torch.linspace(-5, 5, 101, dtype=F64)
    mu_p, s_p, mu_q, s_q = 0.5, 1.0, -1.0, 2.0
    logit = math.log(s_q / s_p) - (x - mu_p) ** 2 / (2 * s_p**2) + (x - mu_q) ** 2 / (2 * s_q**2)
    got = optimal_logit(normal_log_pdf(x, mu_p, s_p), normal_log_pdf(x, mu_q, s_q))
    assert torch.allclose(got, logit, atol=1e-12)


def test_from_log_stays_accurate_where_the_densities_underflow() -> None:
    x = torch.tensor([40.0], dtype=F64)  # N(0,1) and N(1,1) densities are 0 in float64 here
    log_p, log_q = normal_log_pdf(x, 0.0, 1.0), normal_log_pdf(x, 1.0, 1.0)
    assert log_p.exp().item() == 0.0 and log_q.exp().item() == 0.0
    assert optimal_discriminator(log_p.exp(), log_q.exp()).item() == 0.5  # the 0/0 convention
    d = optimal_discriminator_from_log(log_p, log_q).item()
    assert d == pytest.approx(1 / (1 + math.exp(39.5)), rel=1e-9)  # logit = 0.5 - x


def test_conventions_where_a_density_vanishes() -> None:
    ninf = -math.inf
    log_p = torch.tensor([0.0, ninf, ninf, -1.0], dtype=F64, requires_grad=True)
    log_q = torch.tensor([ninf, 0.0, ninf, -1.0], dtype=F64)
    d = optimal_discriminator_from_log(log_p, log_q)
    assert d.tolist() == [1.0, 0.0, 0.5, 0.5]
    d.sum().backward()
    assert torch.all(torch.isfinite(log_p.grad))
    dens = optimal_discriminator(
        torch.tensor([1.0, 0.0, 0.0, 0.3]), torch.tensor([0.0, 2.0, 0.0, 0.3])
    )
    assert dens.tolist() == [1.0, 0.0, 0.5, 0.5]


def test_optimal_discriminator_validation() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        optimal_discriminator(torch.tensor([0.5, -0.1]), torch.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="broadcast"):
        optimal_logit(torch.zeros(3), torch.zeros(4))


# ------------------------------------------------------------------ V(D, G) and C(G)


def test_optimal_discriminator_maximises_the_value(
    grid: torch.Tensor, data: GaussianMixture1D
) -> None:
    log_p, log_q = data.log_pdf(grid), normal_log_pdf(grid, 0.0, 1.5)
    best = optimal_logit(log_p, log_q).requires_grad_(True)
    value = discriminator_value_grid(best, log_p, log_q, grid)
    # V(D*, G) = C(G)
    assert value.item() == pytest.approx(gan_value_grid(log_p, log_q, grid).item(), abs=1e-12)
    # stationary: dV/dl(x) = p sigma(-l) - q sigma(l) (times quadrature weights) = 0 at l*
    (grad,) = torch.autograd.grad(value, best)
    assert grad.abs().max().item() < 1e-15
    # any other discriminator is worse: random perturbations and a constant D = 1/2
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        other = best.detach() + 0.3 * torch.randn(grid.shape, generator=gen, dtype=F64)
        assert discriminator_value_grid(other, log_p, log_q, grid) < value
    constant = discriminator_value_grid(torch.zeros_like(grid), log_p, log_q, grid)
    assert constant.item() == pytest.approx(-LOG4, abs=1e-8)  # log(1/2) + log(1/2)


@pytest.mark.parametrize(("mu", "sigma"), GENERATORS)
def test_gan_value_is_2_jsd_minus_log_4(
    grid: torch.Tensor, data: GaussianMixture1D, mu: float, sigma: float
) -> None:
    log_p, log_q = data.log_pdf(grid), normal_log_pdf(grid, mu, sigma)
    c = gan_value_grid(log_p, log_q, grid).item()
    # equal up to log 2 times the mass the grid misses (the -log 4 is -log 2 times both masses)
    assert c == pytest.approx(2 * js_grid(log_p, log_q, grid).item() - LOG4, abs=1e-9)
    assert -LOG4 < c < 0


def test_gan_value_extremes(grid: torch.Tensor, data: GaussianMixture1D) -> None:
    log_p = data.log_pdf(grid)
    assert gan_value_grid(log_p, log_p, grid).item() == pytest.approx(-LOG4, abs=1e-9)
    # disjoint supports: uniform densities on [-3, -1] and [1, 2]
    ninf = torch.tensor(-math.inf, dtype=F64)
    log_a = torch.where((grid >= -3) & (grid <= -1), torch.tensor(-math.log(2), dtype=F64), ninf)
    log_b = torch.where((grid >= 1) & (grid <= 2), torch.tensor(0.0, dtype=F64), ninf)
    # where one density is 0, D* is 0 or 1 and every integrand p log D*, q log(1 - D*) is 0
    c = gan_value_grid(log_a, log_b, grid)
    assert c.item() == 0.0
    # JSD = log 2 times the mean mass on the grid (1 up to the trapezoid rule's h / 2 per jump)
    mass = (integrate_grid(log_a.exp(), grid) + integrate_grid(log_b.exp(), grid)).item() / 2
    assert js_grid(log_a, log_b, grid).item() == pytest.approx(math.log(2) * mass, rel=1e-12)


def test_gan_value_agrees_with_monte_carlo_and_the_discriminator_loss(
    grid: torch.Tensor, data: GaussianMixture1D
) -> None:
    """C(G) by quadrature vs -discriminator_loss(l*(x_real), l*(x_fake)) on fresh samples."""
    gen = torch.Generator().manual_seed(1)
    n = 200_000
    x_real = data.sample(n, generator=gen).squeeze(1).to(F64)  # (n,)
    x_fake = 0.5 + 1.5 * torch.randn(n, generator=gen, dtype=F64)  # p_g = N(0.5, 1.5^2)
    l_real = optimal_logit(data.log_pdf(x_real), normal_log_pdf(x_real, 0.5, 1.5))
    l_fake = optimal_logit(data.log_pdf(x_fake), normal_log_pdf(x_fake, 0.5, 1.5))
    mc = -discriminator_loss(l_real, l_fake).item()
    per_sample_sd = math.hypot(
        torch.nn.functional.softplus(-l_real).std().item(),
        torch.nn.functional.softplus(l_fake).std().item(),
    )
    exact = gan_value_grid(data.log_pdf(grid), normal_log_pdf(grid, 0.5, 1.5), grid).item()
    assert abs(mc - exact) < 4 * per_sample_sd / math.sqrt(n)


def test_envelope_theorem_the_minimax_gradient_at_fixed_d_star(
    grid: torch.Tensor, data: GaussianMixture1D
) -> None:
    """dC/dtheta = d/dtheta E_{q_theta}[log(1 - D0)] with D0 = D* of theta0 held fixed."""
    log_p = data.log_pdf(grid)
    theta = torch.tensor(0.7, dtype=F64, requires_grad=True)
    (dc,) = torch.autograd.grad(
        gan_value_grid(log_p, normal_log_pdf(grid, theta, 1.2), grid), theta
    )
    d0_logit = optimal_logit(log_p, normal_log_pdf(grid, 0.7, 1.2))  # frozen: no grad
    q = normal_log_pdf(grid, theta, 1.2).exp()
    frozen = integrate_grid(q * -torch.nn.functional.softplus(d0_logit), grid)  # E_q log(1 - D0)
    (dfrozen,) = torch.autograd.grad(frozen, theta)
    assert dc.item() == pytest.approx(dfrozen.item(), abs=1e-9)
    assert abs(dc.item()) > 0.01  # not trivially zero


# ------------------------------------------------------------------ the non-saturating objective


@pytest.mark.parametrize(("mu", "sigma"), GENERATORS)
def test_nonsaturating_value_identity(
    grid: torch.Tensor, data: GaussianMixture1D, mu: float, sigma: float
) -> None:
    """E_q[-log D*] = KL(q||p) - 2 JSD + log 4 + E_p[log D*]."""
    log_p, log_q = data.log_pdf(grid), normal_log_pdf(grid, mu, sigma)
    ns = nonsaturating_value_grid(log_p, log_q, grid).item()
    kl_rev = kl_grid(log_q, log_p, grid).item()
    jsd = js_grid(log_p, log_q, grid).item()
    e_p_log_d = -integrate_grid(
        log_p.exp() * torch.nn.functional.softplus(-optimal_logit(log_p, log_q)), grid
    ).item()
    assert ns == pytest.approx(kl_rev - 2 * jsd + LOG4 + e_p_log_d, abs=1e-10)


def test_nonsaturating_value_is_not_kl_minus_2_jsd_plus_a_constant(
    grid: torch.Tensor, data: GaussianMixture1D
) -> None:
    """The gap E_q[-log D*] - (KL(q||p) - 2 JSD) = log 4 + E_p[log D*] moves with q: it is log 2
    at q = p, and differs between generators; only the *gradients* (D* frozen) agree."""
    log_p = data.log_pdf(grid)
    gaps = []
    for log_q in (log_p, normal_log_pdf(grid, 0.0, 1.0), normal_log_pdf(grid, 3.0, 0.7)):
        ns = nonsaturating_value_grid(log_p, log_q, grid)
        gaps.append((ns - kl_grid(log_q, log_p, grid) + 2 * js_grid(log_p, log_q, grid)).item())
    assert gaps[0] == pytest.approx(math.log(2), abs=1e-9)  # E_q[-log 1/2] = log 2
    assert max(gaps) - min(gaps) > 0.1


@pytest.mark.parametrize(("theta0", "sigma"), [(0.0, 1.0), (1.0, 0.6), (-3.0, 2.0)])
def test_nonsaturating_gradient_is_that_of_reverse_kl_minus_2_jsd(
    grid: torch.Tensor, data: GaussianMixture1D, theta0: float, sigma: float
) -> None:
    """Arjovsky & Bottou (2017), Thm 2.5: with D0 = D* of theta0 held fixed,
    d/dtheta E_{q_theta}[-log D0] = d/dtheta [KL(q_theta||p) - 2 JSD(p||q_theta)] at theta0."""
    log_p = data.log_pdf(grid)
    d0_logit = optimal_logit(log_p, normal_log_pdf(grid, theta0, sigma))  # frozen
    theta = torch.tensor(theta0, dtype=F64, requires_grad=True)
    log_q = normal_log_pdf(grid, theta, sigma)
    ns_frozen = integrate_grid(log_q.exp() * torch.nn.functional.softplus(-d0_logit), grid)
    (g_ns,) = torch.autograd.grad(ns_frozen, theta)
    log_q = normal_log_pdf(grid, theta, sigma)
    target = kl_grid(log_q, log_p, grid) - 2 * js_grid(log_p, log_q, grid)
    (g_target,) = torch.autograd.grad(target, theta)
    assert g_ns.item() == pytest.approx(g_target.item(), abs=1e-8)
    # and it is NOT the gradient of the un-frozen objective E_q[-log D*_q]
    theta2 = torch.tensor(theta0, dtype=F64, requires_grad=True)
    full = nonsaturating_value_grid(log_p, normal_log_pdf(grid, theta2, sigma), grid)
    (g_full,) = torch.autograd.grad(full, theta2)
    assert abs(g_full.item() - g_ns.item()) > 1e-3


def test_nonsaturating_value_of_gaussians_at_equal_means(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.0, 1.0)
    assert nonsaturating_value_grid(log_p, log_p, grid).item() == pytest.approx(math.log(2))
    # p_g with mass where p_data has none: D* = 0 there and -log D* is infinite
    ninf = torch.tensor(-math.inf, dtype=F64)
    log_p_box = torch.where(grid.abs() <= 1, torch.tensor(-math.log(2), dtype=F64), ninf)
    assert nonsaturating_value_grid(log_p_box, log_p, grid).item() == math.inf


# ------------------------------------------------------------------ 2-D grids and helpers


def test_gan_value_on_a_2d_grid_matches_1d_when_one_coordinate_is_shared() -> None:
    """p(x, y) = a(x) u(y), q(x, y) = b(x) u(y): the ratio p/q = a/b, so C and the JSD are those
    of the x-marginals; also a check of the (len(x), len(y)) layout."""
    x = torch.linspace(-10.0, 10.0, 801, dtype=F64)
    y = torch.linspace(-8.0, 9.0, 341, dtype=F64)
    X, Y = torch.meshgrid(x, y, indexing="ij")  # (801, 341)
    log_u = normal_log_pdf(Y, 0.5, 1.3)
    log_p = normal_log_pdf(X, -1.0, 0.8) + log_u
    log_q = normal_log_pdf(X, 1.5, 1.2) + log_u
    c2 = gan_value_grid(log_p, log_q, (x, y)).item()
    c1 = gan_value_grid(normal_log_pdf(x, -1.0, 0.8), normal_log_pdf(x, 1.5, 1.2), x).item()
    assert c2 == pytest.approx(c1, abs=1e-7)
    assert c2 == pytest.approx(2 * js_grid(log_p, log_q, (x, y)).item() - LOG4, abs=1e-9)
    kl2 = kl_grid(log_q, log_p, (x, y)).item()
    assert kl2 == pytest.approx(kl_gaussian(1.5, 1.2, -1.0, 0.8).item(), abs=1e-6)


def test_grid_shapes_are_checked(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.0, 1.0)
    with pytest.raises(ValueError, match="last dimension"):
        gan_value_grid(log_p[:-1], log_p[:-1], grid)
    with pytest.raises(ValueError, match="last dimension"):
        discriminator_value_grid(torch.zeros(5, dtype=F64), log_p, log_p, grid)
    with pytest.raises(ValueError, match="strictly increasing"):
        nonsaturating_value_grid(log_p, log_p, grid.flip(0))


def test_support_mask() -> None:
    density = torch.tensor([0.0, 0.0005, 0.002, 1.0, 0.5, 0.0009], dtype=F64)
    assert support_mask(density).tolist() == [False, False, True, True, True, False]
    assert support_mask(density, rel_threshold=0.6).tolist() == [False] * 3 + [True, False, False]
    batch = torch.stack([density, 10 * density])  # relative to each row's own maximum
    assert torch.equal(support_mask(batch)[0], support_mask(batch)[1])
    with pytest.raises(ValueError, match="rel_threshold"):
        support_mask(density, rel_threshold=0.0)
    with pytest.raises(ValueError, match="non-negative"):
        support_mask(-density)
