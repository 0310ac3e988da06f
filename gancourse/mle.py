r"""Maximum-likelihood estimation of a Gaussian: in closed form, and by gradient descent.

The Gaussian is parameterised by its mean :math:`\mu` and the *logarithm* of its standard
deviation, :math:`s = \log\sigma`. Every real pair :math:`(\mu, s)` is then a valid Gaussian, so
gradient descent needs no constraint (a step on :math:`\sigma` itself can jump below zero).

``fit_gaussian`` is the one optimisation loop; ``fit_gaussian_mle`` (minimise the average negative
log-likelihood of samples) and ``fit_gaussian_kl`` (minimise a forward or reverse KL divergence to
a density known on a grid) only choose what it minimises. ``mle_error_curve`` repeats the
closed-form estimate on many fresh samples to measure how its error shrinks with the sample size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypeVar

import torch
from torch import Tensor

from gancourse.divergences import kl_grid
from gancourse.progress import progress_bar

__all__ = [
    "FitRecord",
    "GaussianFit",
    "GaussianParams",
    "MLEErrorCurve",
    "fit_gaussian",
    "fit_gaussian_kl",
    "fit_gaussian_mle",
    "gaussian_log_prob",
    "gaussian_mle",
    "gaussian_nll",
    "loglog_slope",
    "mle_error_curve",
]

_LOG_2PI = math.log(2.0 * math.pi)
T = TypeVar("T")


class GaussianParams(NamedTuple):
    """Mean and standard deviation of a Gaussian (tensors)."""

    mean: Tensor
    std: Tensor


def gaussian_mle(x: Tensor, dim: int = 0) -> GaussianParams:
    r"""Closed-form maximum-likelihood estimate of a Gaussian from samples along ``dim``.

    .. math::
        \hat\mu = \frac1n \sum_{i=1}^n x_i, \qquad
        \hat\sigma = \sqrt{\frac1n \sum_{i=1}^n (x_i - \hat\mu)^2}.

    Note the :math:`1/n`: the MLE of the variance is biased (its expectation is
    :math:`\frac{n-1}{n}\sigma^2`), unlike ``torch.std``'s default, which divides by :math:`n-1`.
    With several columns (``x`` of shape ``(n, d)``) each column gets its own estimate.
    """
    if not x.is_floating_point():
        raise ValueError(f"x must be a floating-point tensor, got dtype {x.dtype}")
    if x.dim() == 0 or x.shape[dim] < 1:
        raise ValueError(f"need at least one sample along dim {dim}, got shape {tuple(x.shape)}")
    mean = x.mean(dim=dim)
    std = ((x - mean.unsqueeze(dim)) ** 2).mean(dim=dim).sqrt()
    return GaussianParams(mean, std)


def gaussian_log_prob(x: Tensor, mean: Tensor | float, log_std: Tensor | float) -> Tensor:
    r"""Elementwise Gaussian log-density with :math:`\sigma = e^{s}` (arguments broadcast):

    .. math::
        \log \mathcal N(x; \mu, \sigma^2) = -s - \tfrac12 \log(2\pi)
            - \frac{(x - \mu)^2}{2 e^{2s}} .
    """
    mean_t = torch.as_tensor(mean, dtype=x.dtype, device=x.device)
    log_std_t = torch.as_tensor(log_std, dtype=x.dtype, device=x.device)
    try:
        torch.broadcast_shapes(x.shape, mean_t.shape, log_std_t.shape)
    except RuntimeError:
        raise ValueError(
            f"shapes do not broadcast: x {tuple(x.shape)}, mean {tuple(mean_t.shape)}, "
            f"log_std {tuple(log_std_t.shape)}"
        ) from None
    return -log_std_t - 0.5 * _LOG_2PI - 0.5 * (x - mean_t) ** 2 * torch.exp(-2.0 * log_std_t)


def gaussian_nll(x: Tensor, mean: Tensor | float, log_std: Tensor | float) -> Tensor:
    r"""Average negative log-likelihood of the samples ``x`` under :math:`\mathcal N(\mu, e^{2s})`:

    .. math::
        \mathrm{NLL}(\mu, s) = \frac1n \sum_{i=1}^n \Big( s + \tfrac12\log(2\pi)
            + \frac{(x_i - \mu)^2}{2 e^{2s}} \Big).

    Its minimiser is :func:`gaussian_mle`. A scalar tensor that autograd differentiates.
    """
    if x.numel() == 0:
        raise ValueError("x is empty")
    return -gaussian_log_prob(x, mean, log_std).mean()


@dataclass(frozen=True)
class FitRecord:
    """One recorded step of a fit: the loss at ``(mean, std)`` *before* that step's update."""

    step: int
    loss: float
    mean: float
    std: float


@dataclass(frozen=True)
class GaussianFit:
    """Result of :func:`fit_gaussian`: final parameters, final loss and the recorded path."""

    mean: float
    std: float
    loss: float
    history: list[FitRecord] = field(default_factory=list)


Objective = Callable[[Tensor, Tensor], Tensor]


def fit_gaussian(
    objective: Objective,
    *,
    init_mean: float = 0.0,
    init_std: float = 1.0,
    steps: int = 500,
    lr: float = 0.1,
    optimizer: Literal["gd", "adam"] = "gd",
    record_every: int = 1,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
    progress: bool = True,
    desc: str = "fit",
) -> GaussianFit:
    r"""Minimise ``objective(mean, log_std)`` over the unconstrained pair :math:`(\mu, s)`.

    ``optimizer="gd"`` is plain full-batch gradient descent,
    :math:`\theta \leftarrow \theta - \eta \nabla_\theta L(\theta)`; ``"adam"`` is Adam with
    learning rate :math:`\eta`. Every ``record_every`` steps (and after the last one) the loss and
    parameters are stored in ``history`` for plots and animations.
    """
    if steps < 0 or record_every < 1:
        raise ValueError(f"need steps >= 0 and record_every >= 1, got {steps} and {record_every}")
    if init_std <= 0:
        raise ValueError(f"init_std must be positive, got {init_std}")
    mean = torch.tensor(float(init_mean), dtype=dtype, device=device, requires_grad=True)
    log_std = torch.tensor(math.log(init_std), dtype=dtype, device=device, requires_grad=True)
    if optimizer == "gd":
        opt: torch.optim.Optimizer = torch.optim.SGD([mean, log_std], lr=lr)
    elif optimizer == "adam":
        opt = torch.optim.Adam([mean, log_std], lr=lr)
    else:
        raise ValueError(f"optimizer must be 'gd' or 'adam', got {optimizer!r}")

    history: list[FitRecord] = []

    def record(step: int, loss: Tensor) -> None:
        history.append(FitRecord(step, loss.item(), mean.item(), log_std.exp().item()))

    for step in progress_bar(range(steps), desc=desc, enabled=progress):
        opt.zero_grad(set_to_none=True)
        loss = objective(mean, log_std)
        if step % record_every == 0:
            record(step, loss.detach())
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = objective(mean, log_std)
    record(steps, final)
    return GaussianFit(mean.item(), log_std.exp().item(), final.item(), history)


def fit_gaussian_mle(x: Tensor, **kwargs: object) -> GaussianFit:
    r"""Maximum likelihood by gradient descent: minimise :func:`gaussian_nll` of the samples ``x``.

    Runs on ``x``'s device and dtype; keyword arguments go to :func:`fit_gaussian`. Converges to
    :func:`gaussian_mle` (use float64 and enough steps to compare them tightly).
    """
    if x.dim() != 1:
        raise ValueError(f"x must be 1-D (n samples), got shape {tuple(x.shape)}")
    kwargs.setdefault("desc", "MLE by gradient descent")
    return fit_gaussian(
        lambda mean, log_std: gaussian_nll(x, mean, log_std),
        device=x.device,
        dtype=x.dtype,
        **kwargs,  # type: ignore[arg-type]
    )


def fit_gaussian_kl(
    log_p: Tensor,
    grid: Tensor,
    direction: Literal["forward", "reverse"],
    **kwargs: object,
) -> GaussianFit:
    r"""Fit :math:`q = \mathcal N(\mu, e^{2s})` to a density ``p`` known on a grid by minimising

    * ``"forward"``: :math:`\mathrm{KL}(p\,\|\,q) = \int p \log(p/q)\,dx` (what maximum likelihood
      minimises as the sample grows; mode-covering), or
    * ``"reverse"``: :math:`\mathrm{KL}(q\,\|\,p) = \int q \log(q/p)\,dx` (mode-seeking),

    both integrated numerically with :func:`gancourse.divergences.kl_grid`. ``log_p`` is
    :math:`\log p` at the points of ``grid``; keyword arguments go to :func:`fit_gaussian`.
    """
    if direction not in ("forward", "reverse"):
        raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")
    if log_p.shape != grid.shape or grid.dim() != 1:
        raise ValueError(
            f"log_p {tuple(log_p.shape)} must be given at the points of a 1-D grid "
            f"{tuple(grid.shape)}"
        )

    def objective(mean: Tensor, log_std: Tensor) -> Tensor:
        log_q = gaussian_log_prob(grid, mean, log_std)
        if direction == "forward":
            return kl_grid(log_p, log_q, grid)
        return kl_grid(log_q, log_p, grid)

    kwargs.setdefault("desc", f"{direction} KL fit")
    return fit_gaussian(objective, device=grid.device, dtype=grid.dtype, **kwargs)  # type: ignore[arg-type]


class MLEErrorCurve(NamedTuple):
    """Root-mean-square errors of the closed-form MLE for each sample size ``n``."""

    ns: list[int]
    mean_rmse: list[float]
    std_rmse: list[float]


def mle_error_curve(
    ns: Sequence[int],
    repeats: int,
    *,
    mean: float = 0.0,
    std: float = 1.0,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> MLEErrorCurve:
    r"""Sampling experiment on consistency: for each ``n``, draw ``repeats`` independent data sets
    of ``n`` samples from :math:`\mathcal N(\mu, \sigma^2)`, estimate with :func:`gaussian_mle`
    and return the root-mean-square errors

    .. math::
        \mathrm{RMSE}_\mu(n) = \sqrt{\tfrac1R \textstyle\sum_{r=1}^R (\hat\mu_r - \mu)^2},
        \qquad \mathrm{RMSE}_\sigma(n)
        = \sqrt{\tfrac1R \textstyle\sum_{r=1}^R (\hat\sigma_r - \sigma)^2}.

    Theory: :math:`\mathrm{RMSE}_\mu = \sigma/\sqrt n` exactly and
    :math:`\mathrm{RMSE}_\sigma \approx \sigma/\sqrt{2n}` for large ``n``. ``generator`` must live
    on ``device`` (a CPU generator for the CPU).
    """
    if repeats < 2 or any(n < 1 for n in ns) or std <= 0:
        raise ValueError(
            f"need repeats >= 2, every n >= 1 and std > 0; got {repeats}, {list(ns)}, {std}"
        )
    mean_rmse, std_rmse = [], []
    for n in progress_bar(list(ns), desc="MLE error vs n", enabled=progress):
        x = mean + std * torch.randn(
            repeats, n, generator=generator, device=device, dtype=torch.float64
        )
        est = gaussian_mle(x, dim=1)  # (repeats,) estimates of each parameter
        mean_rmse.append(((est.mean - mean) ** 2).mean().sqrt().item())
        std_rmse.append(((est.std - std) ** 2).mean().sqrt().item())
    return MLEErrorCurve(list(ns), mean_rmse, std_rmse)


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    r"""Least-squares line through :math:`(\log x, \log y)`: returns ``(slope, intercept)``, so
    that :math:`y \approx e^{\text{intercept}}\, x^{\text{slope}}`."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError(f"need two sequences of equal length >= 2, got {len(xs)} and {len(ys)}")
    lx = torch.log(torch.as_tensor(list(xs), dtype=torch.float64))
    ly = torch.log(torch.as_tensor(list(ys), dtype=torch.float64))
    lx_c = lx - lx.mean()
    slope = (lx_c * (ly - ly.mean())).sum() / (lx_c**2).sum()
    intercept = ly.mean() - slope * lx.mean()
    return slope.item(), intercept.item()
