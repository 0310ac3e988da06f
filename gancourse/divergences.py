r"""Divergences and entropies between probability densities.

Three ways of computing the same quantity appear throughout the course, and the functions here are
named for which one they use:

``*_gaussian``     closed form, for univariate Gaussians given by mean and standard deviation;
``*_grid``         numerical integration (trapezoid rule) of log-densities evaluated on a 1-D grid;
``*_monte_carlo``  an average over samples ``x_i ~ p``, returned with its standard error.

Grid functions take *log*-densities rather than densities: far in the tails a density underflows to
0 and its logarithm to ``-inf``, whereas a log-density computed directly (e.g. with ``logsumexp``
for a mixture) stays finite. Later chapters add the Jensen-Shannon divergence and the Wasserstein
distance under the same naming scheme (``js_grid``, ``wasserstein1_...``).

Every function takes tensors on any device and differentiates with autograd.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

__all__ = [
    "Estimate",
    "entropy_gaussian",
    "entropy_grid",
    "entropy_monte_carlo",
    "integrate_grid",
    "kl_gaussian",
    "kl_grid",
    "kl_monte_carlo",
    "monte_carlo_mean",
]

_LOG_2PI_E = math.log(2.0 * math.pi) + 1.0


class Estimate(NamedTuple):
    """A Monte-Carlo estimate: the sample mean and its standard error ``s / sqrt(n)``."""

    value: Tensor
    std_error: Tensor


def _as_tensors(*values: Tensor | float) -> list[Tensor]:
    """Turn Python numbers into tensors on the device and dtype of the first tensor argument.

    Without any tensor argument the result is float64 on the CPU, so that closed-form values
    printed in the book are exact to many digits.
    """
    ref = next((v for v in values if isinstance(v, Tensor) and v.is_floating_point()), None)
    dtype = torch.float64 if ref is None else ref.dtype
    device = torch.device("cpu") if ref is None else ref.device
    return [
        v
        if isinstance(v, Tensor) and v.is_floating_point()
        else torch.as_tensor(v, dtype=dtype, device=device)
        for v in values
    ]


def _check_positive(name: str, value: Tensor) -> None:
    if not bool(torch.all(value > 0)):
        raise ValueError(f"{name} must be positive everywhere, got min {value.min().item():.4g}")


def _broadcast(**tensors: Tensor) -> None:
    try:
        torch.broadcast_shapes(*(t.shape for t in tensors.values()))
    except RuntimeError:
        shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in tensors.items())
        raise ValueError(f"shapes do not broadcast: {shapes}") from None


def kl_gaussian(
    mean_p: Tensor | float, std_p: Tensor | float, mean_q: Tensor | float, std_q: Tensor | float
) -> Tensor:
    r"""KL divergence between two univariate Gaussians, elementwise (arguments broadcast).

    .. math::
        \mathrm{KL}\big(\mathcal N(\mu_p, \sigma_p^2)\,\|\,\mathcal N(\mu_q, \sigma_q^2)\big)
        = \log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}{2\sigma_q^2}
          - \frac12 .

    It is zero if and only if the two Gaussians are equal, and it is not symmetric.
    Raises ``ValueError`` if a standard deviation is not positive or the shapes do not broadcast.
    """
    mean_p, std_p, mean_q, std_q = _as_tensors(mean_p, std_p, mean_q, std_q)
    _broadcast(mean_p=mean_p, std_p=std_p, mean_q=mean_q, std_q=std_q)
    _check_positive("std_p", std_p)
    _check_positive("std_q", std_q)
    return (
        torch.log(std_q)
        - torch.log(std_p)
        + (std_p**2 + (mean_p - mean_q) ** 2) / (2.0 * std_q**2)
        - 0.5
    )


def entropy_gaussian(std: Tensor | float) -> Tensor:
    r"""Differential entropy of a univariate Gaussian, elementwise:
    :math:`H = \tfrac12\log(2\pi e\,\sigma^2)`.

    It does not depend on the mean. Raises ``ValueError`` if ``std`` is not positive.
    """
    (std,) = _as_tensors(std)
    _check_positive("std", std)
    return 0.5 * _LOG_2PI_E + torch.log(std)


def _check_grid(grid: Tensor, *values: Tensor) -> None:
    if grid.dim() != 1 or grid.numel() < 2:
        raise ValueError(f"grid must be 1-D with at least 2 points, got shape {tuple(grid.shape)}")
    if not bool(torch.all(grid[1:] > grid[:-1])):
        raise ValueError("grid must be strictly increasing")
    for v in values:
        if v.dim() == 0 or v.shape[-1] != grid.numel():
            raise ValueError(
                f"values on the grid must have last dimension {grid.numel()} (the grid size), "
                f"got shape {tuple(v.shape)}"
            )


def integrate_grid(values: Tensor, grid: Tensor) -> Tensor:
    r"""Trapezoid rule along the last dimension: :math:`\int f(x)\,dx \approx \sum_k
    \tfrac12 (f_k + f_{k+1})(x_{k+1} - x_k)`.

    ``grid`` is 1-D and strictly increasing (not necessarily even); ``values`` has the grid size
    as its last dimension, leading dimensions are kept.
    """
    _check_grid(grid, values)
    return torch.trapezoid(values, x=grid, dim=-1)


def kl_grid(log_p: Tensor, log_q: Tensor, grid: Tensor) -> Tensor:
    r"""KL divergence by numerical integration of log-densities on a 1-D grid.

    .. math::
        \mathrm{KL}(p\,\|\,q) = \int p(x)\,\big(\log p(x) - \log q(x)\big)\,dx

    integrated with the trapezoid rule (:func:`integrate_grid`). Where :math:`p(x) = 0` the
    integrand is taken to be 0 (the convention :math:`0 \log 0 = 0`), with a zero gradient.
    The grid must cover where ``p`` has its mass: mass outside it is simply missing.
    """
    _check_grid(grid, log_p, log_q)
    _broadcast(log_p=log_p, log_q=log_q)
    support = log_p > -math.inf
    # Masking the difference (not only the product) keeps -inf - (-inf) = nan out of the gradient.
    diff = torch.where(support, log_p - log_q, torch.zeros_like(log_q))
    p = torch.where(support, torch.exp(log_p), torch.zeros_like(log_p))
    return integrate_grid(p * diff, grid)


def entropy_grid(log_p: Tensor, grid: Tensor) -> Tensor:
    r"""Differential entropy by numerical integration on a 1-D grid:
    :math:`H(p) = -\int p(x) \log p(x)\,dx` (with :math:`0 \log 0 = 0`)."""
    _check_grid(grid, log_p)
    support = log_p > -math.inf
    integrand = torch.where(support, torch.exp(log_p) * log_p, torch.zeros_like(log_p))
    return -integrate_grid(integrand, grid)


def monte_carlo_mean(values: Tensor) -> Estimate:
    r"""Sample mean of a 1-D tensor with its standard error :math:`s/\sqrt{n}`, where
    :math:`s^2 = \frac{1}{n-1}\sum_i (v_i - \bar v)^2`."""
    if values.dim() != 1 or values.numel() < 2:
        raise ValueError(f"need a 1-D tensor of at least 2 values, got shape {tuple(values.shape)}")
    n = values.numel()
    return Estimate(values.mean(), values.std(correction=1) / math.sqrt(n))


def kl_monte_carlo(log_p_x: Tensor, log_q_x: Tensor) -> Estimate:
    r"""Monte-Carlo estimate of :math:`\mathrm{KL}(p\,\|\,q)` from samples :math:`x_i \sim p`:

    .. math::
        \widehat{\mathrm{KL}} = \frac1n \sum_{i=1}^n \big(\log p(x_i) - \log q(x_i)\big).

    ``log_p_x`` and ``log_q_x`` are the two log-densities at the *same* samples, drawn from ``p``
    (not from ``q``: the estimate is then of the other divergence). Unbiased, but a single
    estimate can be negative when the true KL is small.
    """
    if log_p_x.shape != log_q_x.shape:
        raise ValueError(
            f"log_p_x {tuple(log_p_x.shape)} and log_q_x {tuple(log_q_x.shape)} must have the same "
            "shape: both are evaluated at the same samples"
        )
    return monte_carlo_mean(log_p_x - log_q_x)


def entropy_monte_carlo(log_p_x: Tensor) -> Estimate:
    r"""Monte-Carlo estimate of :math:`H(p)` from samples :math:`x_i \sim p`:
    :math:`\widehat H = -\frac1n \sum_i \log p(x_i)`."""
    est = monte_carlo_mean(log_p_x)
    return Estimate(-est.value, est.std_error)
