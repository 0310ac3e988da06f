"""The mathematics of gancourse.divergences: closed forms, grid integrals (1-D and 2-D),
Monte-Carlo estimates, the Jensen-Shannon divergence, Wasserstein-1 and f-divergences."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from gancourse.divergences import (
    entropy_gaussian,
    entropy_grid,
    entropy_monte_carlo,
    f_divergence_grid,
    f_gan,
    f_js,
    f_kl,
    f_reverse_kl,
    integrate_grid,
    js_grid,
    kl_gaussian,
    kl_grid,
    kl_monte_carlo,
    monte_carlo_mean,
    wasserstein1_grid,
    wasserstein1_samples,
)

F64 = torch.float64


def normal_log_pdf(x: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return Normal(torch.tensor(mean, dtype=F64), torch.tensor(std, dtype=F64)).log_prob(x)


@pytest.fixture
def grid() -> torch.Tensor:
    return torch.linspace(-20.0, 20.0, 8001, dtype=F64)


PAIRS = [(0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 1.0, 2.0), (1.0, 2.0, 0.0, 1.0), (-3.0, 0.5, 2.0, 1.5)]


@pytest.mark.parametrize(("mp", "sp", "mq", "sq"), PAIRS)
def test_kl_gaussian_matches_torch_distributions(
    mp: float, sp: float, mq: float, sq: float
) -> None:
    expected = kl_divergence(
        Normal(torch.tensor(mp, dtype=F64), torch.tensor(sp, dtype=F64)),
        Normal(torch.tensor(mq, dtype=F64), torch.tensor(sq, dtype=F64)),
    )
    assert torch.allclose(kl_gaussian(mp, sp, mq, sq), expected, rtol=0, atol=1e-12)


def test_kl_gaussian_known_value() -> None:
    # KL(N(0,1) || N(1,4)) = log 2 + (1 + 1) / 8 - 1/2 = log 2 - 1/4
    assert kl_gaussian(0.0, 1.0, 1.0, 2.0).item() == pytest.approx(math.log(2) - 0.25, abs=1e-14)


def test_kl_of_a_distribution_with_itself_is_zero() -> None:
    means = torch.linspace(-3, 3, 7, dtype=F64)
    stds = torch.linspace(0.1, 5, 7, dtype=F64)
    assert torch.all(kl_gaussian(means, stds, means, stds).abs() < 1e-14)


def test_kl_is_asymmetric_and_nonnegative() -> None:
    forward = kl_gaussian(0.0, 1.0, 1.0, 2.0)
    reverse = kl_gaussian(1.0, 2.0, 0.0, 1.0)
    assert forward > 0 and reverse > 0
    assert abs(forward - reverse) > 0.5


def test_kl_gaussian_broadcasts_and_keeps_dtype_and_grad() -> None:
    mean_q = torch.zeros(3, 1, dtype=torch.float32, requires_grad=True)
    out = kl_gaussian(torch.ones(4), 1.0, mean_q, 1.0)
    assert out.shape == (3, 4) and out.dtype == torch.float32
    out.sum().backward()
    # d/d mu_q of (mu_p - mu_q)^2 / 2 = -(mu_p - mu_q) = -1, summed over 4 columns
    assert torch.allclose(mean_q.grad, torch.full((3, 1), -4.0))


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_non_positive_std_raises(bad: float) -> None:
    with pytest.raises(ValueError, match="std_p must be positive"):
        kl_gaussian(0.0, bad, 0.0, 1.0)
    with pytest.raises(ValueError, match="std_q must be positive"):
        kl_gaussian(0.0, 1.0, 0.0, torch.tensor([1.0, bad]))
    with pytest.raises(ValueError, match="std must be positive"):
        entropy_gaussian(bad)


def test_mismatched_shapes_raise() -> None:
    with pytest.raises(ValueError, match="broadcast"):
        kl_gaussian(torch.zeros(3), 1.0, torch.zeros(4), 1.0)


def test_entropy_gaussian_matches_torch_distributions() -> None:
    stds = torch.tensor([0.1, 1.0, 3.0], dtype=F64)
    expected = Normal(torch.zeros(3, dtype=F64), stds).entropy()
    assert torch.allclose(entropy_gaussian(stds), expected, atol=1e-14)
    assert entropy_gaussian(1.0).item() == pytest.approx(0.5 * math.log(2 * math.pi * math.e))


def test_integrate_grid_integrates_a_density_to_one(grid: torch.Tensor) -> None:
    total = integrate_grid(normal_log_pdf(grid, 1.0, 2.0).exp(), grid).item()
    assert total == pytest.approx(1.0, abs=1e-9)
    uneven = torch.sort(torch.cat([grid, torch.tensor([0.123, 4.567], dtype=F64)])).values
    total = integrate_grid(normal_log_pdf(uneven, 0.0, 1.0).exp(), uneven).item()
    assert total == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(("mp", "sp", "mq", "sq"), PAIRS)
def test_numerical_kl_matches_closed_form(
    grid: torch.Tensor, mp: float, sp: float, mq: float, sq: float
) -> None:
    numeric = kl_grid(normal_log_pdf(grid, mp, sp), normal_log_pdf(grid, mq, sq), grid)
    assert numeric.item() == pytest.approx(kl_gaussian(mp, sp, mq, sq).item(), abs=1e-6)


def test_numerical_entropy_matches_closed_form(grid: torch.Tensor) -> None:
    assert entropy_grid(normal_log_pdf(grid, 0.5, 1.7), grid).item() == pytest.approx(
        entropy_gaussian(1.7).item(), abs=1e-7
    )


def test_kl_grid_handles_zero_density_and_its_gradient(grid: torch.Tensor) -> None:
    # p is a uniform density on [-1, 1] (log p = -inf outside): 0 log 0 = 0 and no nan gradient.
    log_p = torch.where(
        grid.abs() <= 1,
        torch.tensor(-math.log(2.0), dtype=F64),
        torch.tensor(-math.inf, dtype=F64),
    )
    mean = torch.tensor(0.3, dtype=F64, requires_grad=True)
    log_q = Normal(mean, torch.tensor(1.0, dtype=F64)).log_prob(grid)
    kl = kl_grid(log_p, log_q, grid)
    kl.backward()
    assert torch.isfinite(kl) and kl > 0
    # d/dmu of E_p[(x - mu)^2 / 2] = mu - E_p[x] = 0.3
    assert mean.grad.item() == pytest.approx(0.3, abs=1e-3)


def test_kl_grid_is_infinite_when_q_vanishes_where_p_does_not(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.0, 1.0)
    log_q = torch.where(grid > 0, torch.tensor(0.0, dtype=F64), torch.tensor(-math.inf, dtype=F64))
    assert kl_grid(log_p, log_q, grid).item() == math.inf


def test_grid_validation(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.0, 1.0)
    with pytest.raises(ValueError, match="last dimension"):
        kl_grid(log_p[:-1], log_p[:-1], grid)
    with pytest.raises(ValueError, match="strictly increasing"):
        kl_grid(log_p, log_p, grid.flip(0))
    with pytest.raises(ValueError, match="1-D"):
        integrate_grid(log_p, grid[None])


def test_monte_carlo_kl_and_entropy_agree_with_closed_forms_within_their_error() -> None:
    gen = torch.Generator().manual_seed(0)
    x = 0.5 + 1.5 * torch.randn(200_000, generator=gen, dtype=F64)  # x ~ p = N(0.5, 1.5^2)
    log_p, log_q = normal_log_pdf(x, 0.5, 1.5), normal_log_pdf(x, -1.0, 1.0)
    kl = kl_monte_carlo(log_p, log_q)
    assert abs(kl.value - kl_gaussian(0.5, 1.5, -1.0, 1.0)) < 4 * kl.std_error
    h = entropy_monte_carlo(log_p)
    assert abs(h.value - entropy_gaussian(1.5)) < 4 * h.std_error
    # the standard errors are those of a mean: s / sqrt(n)
    assert kl.std_error.item() == pytest.approx((log_p - log_q).std().item() / math.sqrt(x.numel()))


def test_cross_entropy_minus_kl_is_the_entropy_sample_by_sample() -> None:
    """-mean log q(x_i) - KL_hat = -mean log p(x_i): an identity, exact up to rounding."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(1000, generator=gen, dtype=F64)
    log_p = normal_log_pdf(x, 0.0, 1.0)
    for mean, std in [(0.0, 1.0), (2.0, 0.5), (-1.0, 3.0)]:
        log_q = normal_log_pdf(x, mean, std)
        diff = -log_q.mean() - kl_monte_carlo(log_p, log_q).value
        assert diff.item() == pytest.approx(entropy_monte_carlo(log_p).value.item(), abs=1e-12)


def test_monte_carlo_validation() -> None:
    with pytest.raises(ValueError, match="same shape"):
        kl_monte_carlo(torch.zeros(5), torch.zeros(4))
    with pytest.raises(ValueError, match="at least 2"):
        monte_carlo_mean(torch.zeros(1))


# ------------------------------------------------------------------ 2-D grids, JSD, W1, f-div


def uniform_log_pdf(x: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """log of the uniform density on [lo, hi]; -inf outside."""
    inside = (x >= lo) & (x <= hi)
    value = torch.tensor(-math.log(hi - lo), dtype=F64)
    return torch.where(inside, value, torch.tensor(-math.inf, dtype=F64))


def test_integrate_grid_2d_of_a_gaussian_density_is_one() -> None:
    x = torch.linspace(-15.0, 17.0, 801, dtype=F64)  # 8 standard deviations either side
    y = torch.linspace(-12.0, 12.0, 601, dtype=F64)  # a different size: catches swapped axes
    X, Y = torch.meshgrid(x, y, indexing="ij")  # (801, 601)
    # a correlated 2-D Gaussian: mean (1, 0), std (2, 1.5), correlation 0.6
    mvn = torch.distributions.MultivariateNormal(
        torch.tensor([1.0, 0.0], dtype=F64),
        covariance_matrix=torch.tensor([[4.0, 1.8], [1.8, 2.25]], dtype=F64),
    )
    density = mvn.log_prob(torch.stack([X, Y], dim=-1)).exp()
    assert integrate_grid(density, (x, y)).item() == pytest.approx(1.0, abs=1e-8)
    # first moment: E[x] = 1, E[y] = 0
    assert integrate_grid(X * density, (x, y)).item() == pytest.approx(1.0, abs=1e-8)
    assert integrate_grid(Y * density, (x, y)).item() == pytest.approx(0.0, abs=1e-8)
    # a batch of two densities keeps its leading dimension
    both = torch.stack([density, 2 * density])
    assert torch.allclose(integrate_grid(both, (x, y)), torch.tensor([1.0, 2.0], dtype=F64))


def test_kl_and_entropy_on_a_2d_grid_match_closed_forms() -> None:
    """Independent coordinates: the 2-D KL and entropy are sums of the 1-D closed forms."""
    x = torch.linspace(-12.0, 12.0, 481, dtype=F64)
    y = torch.linspace(-16.0, 18.0, 681, dtype=F64)
    X, Y = torch.meshgrid(x, y, indexing="ij")
    log_p = normal_log_pdf(X, 0.0, 1.0) + normal_log_pdf(Y, 1.0, 2.0)
    log_q = normal_log_pdf(X, 1.0, 1.5) + normal_log_pdf(Y, 2.0, 1.0)
    expected = kl_gaussian(0.0, 1.0, 1.0, 1.5) + kl_gaussian(1.0, 2.0, 2.0, 1.0)
    assert kl_grid(log_p, log_q, (x, y)).item() == pytest.approx(expected.item(), abs=1e-6)
    h = entropy_gaussian(1.0) + entropy_gaussian(2.0)
    assert entropy_grid(log_p, (x, y)).item() == pytest.approx(h.item(), abs=1e-6)


def test_2d_grid_validation() -> None:
    x = torch.linspace(0, 1, 5, dtype=F64)
    y = torch.linspace(0, 1, 7, dtype=F64)
    with pytest.raises(ValueError, match=r"\(\.\.\., 5, 7\).*indexing='ij'"):
        integrate_grid(torch.zeros(7, 5, dtype=F64), (x, y))  # axes swapped ("xy" layout)
    with pytest.raises(ValueError, match="grid y must be strictly increasing"):
        integrate_grid(torch.zeros(5, 7, dtype=F64), (x, y.flip(0)))
    with pytest.raises(ValueError, match="pair"):
        integrate_grid(torch.zeros(5, dtype=F64), (x,))
    with pytest.raises(ValueError, match="grid x must be 1-D"):
        integrate_grid(torch.zeros(5, 7, dtype=F64), (x[None], y))


def test_js_of_identical_densities_is_zero(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.3, 1.2)
    assert js_grid(log_p, log_p, grid).abs().item() < 1e-14


def test_js_of_disjoint_densities_is_log_2_exactly(grid: torch.Tensor) -> None:
    """Disjoint supports: 0 log 0 = 0 gives log 2, not nan, whatever the quadrature weights."""
    log_p = uniform_log_pdf(grid, -3.0, -1.0)
    log_q = uniform_log_pdf(grid, 1.0, 4.0)
    mass_p = integrate_grid(log_p.exp(), grid).item()
    mass_q = integrate_grid(log_q.exp(), grid).item()
    js = js_grid(log_p, log_q, grid)
    assert torch.isfinite(js)
    # JSD = log 2 times the average mass on the grid (which the trapezoid rule gets nearly right)
    assert js.item() == pytest.approx(math.log(2) * (mass_p + mass_q) / 2, rel=1e-12)
    assert js.item() == pytest.approx(math.log(2), abs=2e-3)
    # two far-apart Gaussians: their tails overlap, but not measurably
    far = js_grid(normal_log_pdf(grid, -8.0, 0.5), normal_log_pdf(grid, 8.0, 0.5), grid)
    assert far.item() == pytest.approx(math.log(2), abs=1e-12)


def test_js_is_symmetric_bounded_and_a_mixture_of_kls(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.0, 1.0)
    log_m_half = torch.logaddexp(log_p, normal_log_pdf(grid, 1.0, 2.0)) - math.log(2)
    for mean, std in [(1.0, 2.0), (-2.0, 0.5), (0.0, 3.0), (4.0, 1.0)]:
        log_q = normal_log_pdf(grid, mean, std)
        js = js_grid(log_p, log_q, grid)
        assert js.item() == pytest.approx(js_grid(log_q, log_p, grid).item(), abs=1e-14)
        assert 0 < js.item() < math.log(2)
    # the definition, with m computed separately and kl_grid doing the integrals
    log_q = normal_log_pdf(grid, 1.0, 2.0)
    expected = 0.5 * kl_grid(log_p, log_m_half, grid) + 0.5 * kl_grid(log_q, log_m_half, grid)
    assert js_grid(log_p, log_q, grid).item() == pytest.approx(expected.item(), abs=1e-12)


def test_js_of_two_uniforms_with_partial_overlap() -> None:
    """U[0, 2] vs U[1, 3]: half of each mass is shared (p = q there), half is not, so
    JSD = (1/2) log 2. The grid puts points on the jumps; its spacing bounds the error."""
    grid = torch.linspace(-1.0, 4.0, 50_001, dtype=F64)
    js = js_grid(uniform_log_pdf(grid, 0.0, 2.0), uniform_log_pdf(grid, 1.0, 3.0), grid)
    assert js.item() == pytest.approx(0.5 * math.log(2), abs=1e-3)


def test_js_gradient_is_finite_where_both_densities_vanish(grid: torch.Tensor) -> None:
    mean = torch.tensor(0.5, dtype=F64, requires_grad=True)
    log_q = Normal(mean, torch.tensor(0.3, dtype=F64)).log_prob(grid)
    log_q = torch.where(grid.abs() < 5, log_q, torch.tensor(-math.inf, dtype=F64))
    log_p = uniform_log_pdf(grid, -1.0, 1.0)
    js = js_grid(log_p, log_q, grid)
    js.backward()
    assert torch.isfinite(js) and torch.isfinite(mean.grad)
    # moving q out of p's support raises the JSD: positive derivative at mean 0.5 > 0
    assert mean.grad.item() > 0


def test_wasserstein1_grid_closed_forms(grid: torch.Tensor) -> None:
    # equal standard deviations: q is p translated, W1 = |mu_p - mu_q|
    for mp, mq, s in [(0.0, 1.0, 1.0), (-2.0, 3.5, 0.4), (1.0, 1.0, 2.0)]:
        w = wasserstein1_grid(normal_log_pdf(grid, mp, s), normal_log_pdf(grid, mq, s), grid)
        assert w.item() == pytest.approx(abs(mp - mq), abs=1e-7)
    # same mean, different stds: W1 = E|Z| |s_p - s_q| = sqrt(2/pi) |s_p - s_q| (the quantile
    # functions mu + s Phi^{-1}(u) never cross)
    w = wasserstein1_grid(normal_log_pdf(grid, 0.0, 1.0), normal_log_pdf(grid, 0.0, 3.0), grid)
    assert w.item() == pytest.approx(math.sqrt(2 / math.pi) * 2.0, abs=1e-5)


def test_wasserstein1_keeps_growing_when_js_saturates(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.0, 0.1)
    for shift in (2.0, 4.0, 8.0):
        log_q = normal_log_pdf(grid, shift, 0.1)
        assert js_grid(log_p, log_q, grid).item() == pytest.approx(math.log(2), abs=1e-12)
        assert wasserstein1_grid(log_p, log_q, grid).item() == pytest.approx(shift, abs=1e-6)


def test_wasserstein1_samples_exact_cases() -> None:
    # point masses: all of x at 0, all of y at 2.5 -> W1 = 2.5
    x = torch.zeros(100, dtype=F64)
    assert wasserstein1_samples(x, x + 2.5).item() == pytest.approx(2.5, abs=1e-14)
    # a sample and its translate, shuffled: sorting undoes the shuffle
    gen = torch.Generator().manual_seed(3)
    z = torch.randn(1000, generator=gen, dtype=F64)
    shuffled = (z - 0.7)[torch.randperm(1000, generator=gen)]
    assert wasserstein1_samples(z, shuffled).item() == pytest.approx(0.7, abs=1e-12)
    # W1 of two-point laws {0, 1} and {0, 3}: move the mass 1/2 at 1 to 3 -> 1
    a = torch.tensor([0.0, 1.0], dtype=F64)
    b = torch.tensor([3.0, 0.0], dtype=F64)
    assert wasserstein1_samples(a, b).item() == pytest.approx(1.0)
    # (n, 1) samples as GaussianMixture1D.sample returns them
    assert wasserstein1_samples(a[:, None], b[:, None]).item() == pytest.approx(1.0)


def test_wasserstein1_samples_converges_to_the_grid_value(grid: torch.Tensor) -> None:
    gen = torch.Generator().manual_seed(4)
    n = 200_000
    x = 0.5 + 1.0 * torch.randn(n, generator=gen, dtype=F64)  # N(0.5, 1)
    y = -1.0 + 2.0 * torch.randn(n, generator=gen, dtype=F64)  # N(-1, 4)
    from_samples = wasserstein1_samples(x, y).item()
    from_grid = wasserstein1_grid(
        normal_log_pdf(grid, 0.5, 1.0), normal_log_pdf(grid, -1.0, 2.0), grid
    ).item()
    # the empirical W1 has O(1/sqrt(n)) fluctuations: 2e-3 is about 3-4 of them here
    assert from_samples == pytest.approx(from_grid, abs=2e-2)
    assert from_samples == pytest.approx(from_grid, abs=1e-2)


def test_wasserstein1_gradient_is_the_sign_of_the_shift() -> None:
    x = torch.linspace(-1, 1, 101, dtype=F64)
    shift = torch.tensor(0.8, dtype=F64, requires_grad=True)
    wasserstein1_samples(x, x + shift).backward()
    assert shift.grad.item() == pytest.approx(1.0)


def test_wasserstein1_validation(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.0, 1.0)
    with pytest.raises(ValueError, match="masses on the grid that differ"):
        wasserstein1_grid(log_p, normal_log_pdf(grid, 19.0, 1.0), grid)  # half of q is cut off
    with pytest.raises(ValueError, match="1-D grid"):
        wasserstein1_grid(log_p, log_p, (grid, grid))
    with pytest.raises(ValueError, match="same size"):
        wasserstein1_samples(torch.zeros(5), torch.zeros(6))
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, 1\)"):
        wasserstein1_samples(torch.zeros(5, 2), torch.zeros(5, 2))


@pytest.mark.parametrize(("mp", "sp", "mq", "sq"), PAIRS)
def test_f_divergences_reproduce_kl_reverse_kl_and_js(
    mp: float, sp: float, mq: float, sq: float
) -> None:
    # +-14 holds all but 1e-10 of every mass, and p/q stays within float64's range on it
    grid = torch.linspace(-14.0, 14.0, 7001, dtype=F64)
    log_p, log_q = normal_log_pdf(grid, mp, sp), normal_log_pdf(grid, mq, sq)
    kl = kl_gaussian(mp, sp, mq, sq).item()
    assert f_divergence_grid(log_p, log_q, grid, f_kl).item() == pytest.approx(kl, abs=1e-6)
    reverse = kl_gaussian(mq, sq, mp, sp).item()
    assert f_divergence_grid(log_p, log_q, grid, f_reverse_kl).item() == pytest.approx(
        reverse, abs=1e-6
    )
    js = js_grid(log_p, log_q, grid).item()
    assert f_divergence_grid(log_p, log_q, grid, f_js).item() == pytest.approx(js, abs=1e-10)
    gan = f_divergence_grid(log_p, log_q, grid, f_gan).item()
    assert gan == pytest.approx(2 * js - math.log(4), abs=1e-10)


def test_f_generators_are_convex_and_vanish_at_one() -> None:
    u = torch.linspace(0.01, 20, 2000, dtype=F64)
    for f in (f_kl, f_reverse_kl, f_js, f_gan):
        second_difference = f(u[2:]) - 2 * f(u[1:-1]) + f(u[:-2])
        assert torch.all(second_difference > 0), f.__name__
    one = torch.tensor(1.0, dtype=F64)
    for f in (f_kl, f_reverse_kl, f_js):
        assert f(one).item() == pytest.approx(0.0, abs=1e-15)
    assert f_gan(one).item() == pytest.approx(-math.log(4))
    assert f_kl(torch.tensor(0.0)).item() == 0.0  # 0 log 0 = 0


def test_f_divergence_validation(grid: torch.Tensor) -> None:
    log_p = normal_log_pdf(grid, 0.0, 1.0)
    with pytest.raises(ValueError, match="q vanishes where p does not"):
        f_divergence_grid(log_p, uniform_log_pdf(grid, -1.0, 1.0), grid, f_kl)
    wide = torch.linspace(-60.0, 60.0, 1001, dtype=F64)
    with pytest.raises(ValueError, match="not finite"):  # p/q = exp(~1350) overflows
        f_divergence_grid(
            normal_log_pdf(wide, 0.0, 3.0), normal_log_pdf(wide, 0.0, 1.0), wide, f_kl
        )
