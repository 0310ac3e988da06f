"""The mathematics of gancourse.divergences: closed forms, grid integrals and Monte-Carlo
estimates."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from gancourse.divergences import (
    entropy_gaussian,
    entropy_grid,
    entropy_monte_carlo,
    integrate_grid,
    kl_gaussian,
    kl_grid,
    kl_monte_carlo,
    monte_carlo_mean,
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
    expected = kl_divergence(Normal(torch.tensor(mp, dtype=F64), torch.tensor(sp, dtype=F64)),
                             Normal(torch.tensor(mq, dtype=F64), torch.tensor(sq, dtype=F64)))
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
