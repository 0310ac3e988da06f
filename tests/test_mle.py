"""The mathematics of gancourse.mle: closed-form MLE, the NLL, fitting by gradient descent."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Normal

from gancourse.divergences import kl_grid
from gancourse.mle import (
    fit_gaussian,
    fit_gaussian_kl,
    fit_gaussian_mle,
    gaussian_log_prob,
    gaussian_mle,
    gaussian_nll,
    loglog_slope,
    mle_error_curve,
)

F64 = torch.float64


@pytest.fixture
def sample() -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    return 2.0 + 0.7 * torch.randn(500, generator=gen, dtype=F64)


def test_closed_form_mle_on_a_small_sample() -> None:
    x = torch.tensor([1.0, 2.0, 4.0, 5.0], dtype=F64)
    est = gaussian_mle(x)
    assert est.mean.item() == 3.0
    # biased variance: (4 + 1 + 1 + 4) / 4 = 2.5, not the unbiased 10 / 3
    assert est.std.item() == pytest.approx(math.sqrt(2.5), abs=1e-15)
    assert est.std.item() == pytest.approx(x.std(correction=0).item(), abs=1e-15)
    assert est.std.item() != pytest.approx(x.std().item())


def test_closed_form_mle_per_column() -> None:
    x = torch.stack([torch.arange(5.0), 10 * torch.arange(5.0)], dim=1)  # (5, 2)
    est = gaussian_mle(x)
    assert est.mean.shape == (2,) and torch.allclose(est.mean, torch.tensor([2.0, 20.0]))
    assert torch.allclose(est.std, torch.tensor([math.sqrt(2.0), 10 * math.sqrt(2.0)]))
    rows = gaussian_mle(x.T, dim=1)
    assert torch.allclose(rows.mean, est.mean) and torch.allclose(rows.std, est.std)


def test_log_prob_matches_torch_distributions(sample: torch.Tensor) -> None:
    expected = Normal(torch.tensor(1.5, dtype=F64), torch.tensor(0.3, dtype=F64)).log_prob(sample)
    assert torch.allclose(gaussian_log_prob(sample, 1.5, math.log(0.3)), expected, atol=1e-12)
    assert gaussian_nll(sample, 1.5, math.log(0.3)).item() == pytest.approx(
        -expected.mean().item(), abs=1e-12
    )


def test_closed_form_is_a_stationary_point_and_the_minimum(sample: torch.Tensor) -> None:
    est = gaussian_mle(sample)
    mean = est.mean.clone().requires_grad_(True)
    log_std = est.std.log().clone().requires_grad_(True)
    nll = gaussian_nll(sample, mean, log_std)
    nll.backward()
    assert abs(mean.grad.item()) < 1e-12 and abs(log_std.grad.item()) < 1e-12
    for dm, ds in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        assert gaussian_nll(sample, est.mean + dm, est.std.log() + ds) > nll


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_gradient_descent_converges_to_the_closed_form(
    sample: torch.Tensor, optimizer: str
) -> None:
    est = gaussian_mle(sample)
    lr, steps = (0.2, 300) if optimizer == "gd" else (0.05, 2000)
    fit = fit_gaussian_mle(sample, init_mean=-1.0, init_std=2.0, steps=steps, lr=lr,
                           optimizer=optimizer, progress=False)
    assert fit.mean == pytest.approx(est.mean.item(), abs=1e-6)
    assert fit.std == pytest.approx(est.std.item(), abs=1e-6)
    assert fit.loss == pytest.approx(
        gaussian_nll(sample, est.mean, est.std.log()).item(), abs=1e-10
    )


def test_fit_history_is_recorded(sample: torch.Tensor) -> None:
    fit = fit_gaussian_mle(sample, steps=20, lr=0.2, record_every=5, progress=False)
    assert [r.step for r in fit.history] == [0, 5, 10, 15, 20]
    assert fit.history[0].mean == 0.0 and fit.history[0].std == 1.0
    assert fit.history[-1].loss == fit.loss
    assert fit.history[-1].loss < fit.history[0].loss


def test_fit_validation(sample: torch.Tensor) -> None:
    with pytest.raises(ValueError, match="init_std must be positive"):
        fit_gaussian_mle(sample, init_std=0.0, progress=False)
    with pytest.raises(ValueError, match="optimizer"):
        fit_gaussian(lambda m, s: m**2, optimizer="lbfgs", progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="1-D"):
        fit_gaussian_mle(sample[:, None], progress=False)
    with pytest.raises(ValueError, match="broadcast"):
        gaussian_log_prob(torch.zeros(3), torch.zeros(4), 0.0)
    with pytest.raises(ValueError, match="at least one sample"):
        gaussian_mle(torch.zeros(0))
    with pytest.raises(ValueError, match="floating-point"):
        gaussian_mle(torch.arange(3))


def mixture_log_pdf(grid: torch.Tensor) -> torch.Tensor:
    w = torch.tensor([0.4, 0.6], dtype=F64)
    comps = Normal(torch.tensor([-2.0, 2.0], dtype=F64), torch.tensor([0.6, 0.8], dtype=F64))
    return torch.logsumexp(w.log() + comps.log_prob(grid[:, None]), dim=1)


def test_forward_kl_fit_matches_the_moments_of_the_mixture() -> None:
    grid = torch.linspace(-10, 10, 2001, dtype=F64)
    fit = fit_gaussian_kl(mixture_log_pdf(grid), grid, "forward", steps=300, lr=0.5, progress=False)
    mean = 0.4 * -2.0 + 0.6 * 2.0
    var = 0.4 * (0.6**2 + 4.0) + 0.6 * (0.8**2 + 4.0) - mean**2
    assert fit.mean == pytest.approx(mean, abs=1e-6)
    assert fit.std == pytest.approx(math.sqrt(var), abs=1e-4)


def test_reverse_kl_fit_sits_on_one_mode_and_beats_the_forward_fit_at_its_own_objective() -> None:
    grid = torch.linspace(-10, 10, 2001, dtype=F64)
    log_p = mixture_log_pdf(grid)
    left = fit_gaussian_kl(log_p, grid, "reverse", init_mean=-1.0, steps=300, lr=0.5,
                           progress=False)
    right = fit_gaussian_kl(log_p, grid, "reverse", init_mean=0.0, init_std=3.0, steps=300, lr=0.5,
                            progress=False)
    assert left.mean == pytest.approx(-2.0, abs=0.1) and left.std == pytest.approx(0.6, abs=0.1)
    assert right.mean == pytest.approx(2.0, abs=0.1) and right.std == pytest.approx(0.8, abs=0.1)
    forward = fit_gaussian_kl(log_p, grid, "forward", steps=300, lr=0.5, progress=False)
    log_q_forward = gaussian_log_prob(grid, forward.mean, math.log(forward.std))
    assert kl_grid(log_q_forward, log_p, grid).item() > right.loss
    with pytest.raises(ValueError, match="direction"):
        fit_gaussian_kl(log_p, grid, "backward", progress=False)  # type: ignore[arg-type]


def test_mle_error_shrinks_like_one_over_sqrt_n() -> None:
    gen = torch.Generator().manual_seed(0)
    curve = mle_error_curve(
        [10, 100, 1000, 10000], 400, mean=1.0, std=2.0, generator=gen, progress=False
    )
    assert loglog_slope(curve.ns, curve.mean_rmse)[0] == pytest.approx(-0.5, abs=0.05)
    assert loglog_slope(curve.ns, curve.std_rmse)[0] == pytest.approx(-0.5, abs=0.05)
    # RMSE of the mean is sigma / sqrt(n); of the std about sigma / sqrt(2n)
    assert curve.mean_rmse[-1] == pytest.approx(2.0 / math.sqrt(10000), rel=0.15)
    assert curve.std_rmse[-1] == pytest.approx(2.0 / math.sqrt(20000), rel=0.15)


def test_loglog_slope_recovers_a_power_law() -> None:
    xs = [1.0, 10.0, 100.0]
    slope, intercept = loglog_slope(xs, [3.0 * x**-0.5 for x in xs])
    assert slope == pytest.approx(-0.5) and intercept == pytest.approx(math.log(3.0))
    with pytest.raises(ValueError):
        loglog_slope([1.0], [1.0])
