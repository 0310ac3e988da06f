r"""Divergences, distances and entropies between probability densities.

Three ways of computing the same quantity appear throughout the course, and the functions here are
named for which one they use:

``*_gaussian``     closed form, for univariate Gaussians given by mean and standard deviation;
``*_grid``         numerical integration (trapezoid rule) of log-densities evaluated on a grid;
``*_monte_carlo``  an average over samples ``x_i ~ p``, returned with its standard error;
``*_samples``      a distance between two samples, computed exactly for the empirical laws.

A *grid* is either a 1-D tensor of strictly increasing points, or a pair ``(x, y)`` of such
tensors for the plane. Values on a 1-D grid have the grid size as their last dimension; values on
a 2-D grid have shape ``(..., len(x), len(y))``, the layout of
``torch.meshgrid(x, y, indexing="ij")``. Leading dimensions are kept (a batch of densities).

Grid functions take *log*-densities rather than densities: far in the tails a density underflows to
0 and its logarithm to ``-inf``, whereas a log-density computed directly (e.g. with ``logsumexp``
for a mixture) stays finite. Where a density is exactly 0 (``log p = -inf``) the convention
:math:`0 \log 0 = 0` applies, so that two densities with disjoint supports have a Jensen-Shannon
divergence of exactly :math:`\log 2`, not ``nan``. All divergences are in nats.

Every function takes tensors on any device and differentiates with autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple, Union

import torch
from torch import Tensor

__all__ = [
    "Estimate",
    "Grid",
    "entropy_gaussian",
    "entropy_grid",
    "entropy_monte_carlo",
    "f_divergence_grid",
    "f_gan",
    "f_js",
    "f_kl",
    "f_reverse_kl",
    "integrate_grid",
    "js_grid",
    "kl_gaussian",
    "kl_grid",
    "kl_monte_carlo",
    "monte_carlo_mean",
    "wasserstein1_grid",
    "wasserstein1_samples",
]

_LOG_2PI_E = math.log(2.0 * math.pi) + 1.0
_LOG_2 = math.log(2.0)

#: A 1-D grid (a strictly increasing tensor) or a 2-D grid ``(x, y)`` of two such tensors.
Grid = Union[Tensor, tuple[Tensor, Tensor]]


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


def _check_axis(name: str, axis: object) -> Tensor:
    if not isinstance(axis, Tensor) or axis.dim() != 1 or axis.numel() < 2:
        shape = tuple(axis.shape) if isinstance(axis, Tensor) else type(axis).__name__
        raise ValueError(f"{name} must be 1-D with at least 2 points, got shape {shape}")
    if not bool(torch.all(axis[1:] > axis[:-1])):
        raise ValueError(f"{name} must be strictly increasing")
    return axis


def _grid_axes(grid: Grid) -> tuple[Tensor, ...]:
    """The axes of a 1-D grid ``(grid,)`` or of a 2-D grid ``(x, y)``, validated."""
    if isinstance(grid, Tensor):
        return (_check_axis("grid", grid),)
    if isinstance(grid, (tuple, list)) and len(grid) == 2:
        return (_check_axis("grid x", grid[0]), _check_axis("grid y", grid[1]))
    raise ValueError(
        "grid must be a 1-D tensor of points or a pair (x, y) of 1-D tensors for a 2-D grid, got "
        f"{type(grid).__name__}" + (f" of length {len(grid)}" if isinstance(grid, tuple) else "")
    )


def _check_grid(grid: Grid, *values: Tensor) -> tuple[Tensor, ...]:
    axes = _grid_axes(grid)
    sizes = tuple(a.numel() for a in axes)
    for v in values:
        if v.dim() < len(sizes) or tuple(v.shape[-len(sizes) :]) != sizes:
            if len(sizes) == 1:
                raise ValueError(
                    f"values on the grid must have last dimension {sizes[0]} (the grid size), "
                    f"got shape {tuple(v.shape)}"
                )
            raise ValueError(
                f"values on a 2-D grid (x, y) must have shape (..., {sizes[0]}, {sizes[1]}), i.e. "
                "(..., len(x), len(y)) as torch.meshgrid(x, y, indexing='ij') makes them; got "
                f"shape {tuple(v.shape)}"
            )
    return axes


def integrate_grid(values: Tensor, grid: Grid) -> Tensor:
    r"""Trapezoid rule over the grid's dimensions; leading dimensions are kept.

    On a 1-D grid (strictly increasing, not necessarily even), along the last dimension:

    .. math::
        \int f(x)\,dx \approx \sum_k \tfrac12 (f_k + f_{k+1})(x_{k+1} - x_k).

    On a 2-D grid ``(x, y)``, ``values`` has shape ``(..., len(x), len(y))`` (``values[..., i, j]
    = f(x_i, y_j)``, the layout of ``torch.meshgrid(x, y, indexing="ij")``) and the rule is applied
    along ``y`` and then along ``x``: :math:`\iint f(x, y)\,dy\,dx`.
    """
    axes = _check_grid(grid, values)
    if len(axes) == 1:
        return torch.trapezoid(values, x=axes[0], dim=-1)
    x, y = axes
    return torch.trapezoid(torch.trapezoid(values, x=y, dim=-1), x=x, dim=-1)


def _plogp_ratio(log_p: Tensor, log_r: Tensor) -> Tensor:
    r"""The integrand :math:`p\,(\log p - \log r)`, set to 0 where :math:`p = 0`."""
    support = log_p > -math.inf
    # Masking the difference (not only the product) keeps -inf - (-inf) = nan out of the gradient.
    diff = torch.where(support, log_p - log_r, torch.zeros_like(log_r))
    p = torch.where(support, torch.exp(log_p), torch.zeros_like(log_p))
    return p * diff


def kl_grid(log_p: Tensor, log_q: Tensor, grid: Grid) -> Tensor:
    r"""KL divergence by numerical integration of log-densities on a 1-D or 2-D grid.

    .. math::
        \mathrm{KL}(p\,\|\,q) = \int p(x)\,\big(\log p(x) - \log q(x)\big)\,dx

    integrated with the trapezoid rule (:func:`integrate_grid`). Where :math:`p(x) = 0` the
    integrand is taken to be 0 (the convention :math:`0 \log 0 = 0`), with a zero gradient; where
    :math:`q(x) = 0 < p(x)` it is :math:`+\infty`. The grid must cover where ``p`` has its mass:
    mass outside it is simply missing.
    """
    _check_grid(grid, log_p, log_q)
    _broadcast(log_p=log_p, log_q=log_q)
    return integrate_grid(_plogp_ratio(log_p, log_q), grid)


def js_grid(log_p: Tensor, log_q: Tensor, grid: Grid) -> Tensor:
    r"""Jensen-Shannon divergence by numerical integration on a 1-D or 2-D grid, in nats.

    .. math::
        \mathrm{JSD}(p\,\|\,q) = \tfrac12 \mathrm{KL}(p\,\|\,m) + \tfrac12 \mathrm{KL}(q\,\|\,m),
        \qquad m = \tfrac12 (p + q),

    with :math:`\log m = \operatorname{logaddexp}(\log p, \log q) - \log 2` and
    :math:`0 \log 0 = 0`. It is symmetric, lies in :math:`[0, \log 2]`, is 0 if and only if
    :math:`p = q` and equals :math:`\log 2` exactly when the supports are disjoint (there
    :math:`m = p/2` on the support of ``p`` and :math:`m = q/2` on that of ``q``).
    """
    _check_grid(grid, log_p, log_q)
    _broadcast(log_p=log_p, log_q=log_q)
    # Where both densities vanish, logaddexp's gradient is exp(-inf - (-inf)) = nan: feed it zeros
    # there instead (those points are masked out of the integrand anyway).
    neither = (log_p == -math.inf) & (log_q == -math.inf)
    zero = torch.zeros((), dtype=log_p.dtype, device=log_p.device)
    log_m = torch.logaddexp(torch.where(neither, zero, log_p), torch.where(neither, zero, log_q))
    log_m = log_m - _LOG_2
    return 0.5 * integrate_grid(_plogp_ratio(log_p, log_m) + _plogp_ratio(log_q, log_m), grid)


def entropy_grid(log_p: Tensor, grid: Grid) -> Tensor:
    r"""Differential entropy by numerical integration on a 1-D or 2-D grid:
    :math:`H(p) = -\int p(x) \log p(x)\,dx` (with :math:`0 \log 0 = 0`)."""
    _check_grid(grid, log_p)
    support = log_p > -math.inf
    integrand = torch.where(support, torch.exp(log_p) * log_p, torch.zeros_like(log_p))
    return -integrate_grid(integrand, grid)


def wasserstein1_grid(
    log_p: Tensor, log_q: Tensor, grid: Tensor, *, mass_tol: float = 1e-3
) -> Tensor:
    r"""Wasserstein-1 (earth mover's) distance between two densities on a 1-D grid.

    In one dimension the optimal transport plan moves mass in order, and the distance is the
    area between the two cumulative distribution functions:

    .. math::
        W_1(p, q) = \int \big|F_p(x) - F_q(x)\big|\,dx, \qquad F_p(x) = \int_{x_0}^{x} p(t)\,dt,

    with :math:`F_p, F_q` by the cumulative trapezoid rule from the first grid point and the outer
    integral by the trapezoid rule. Unlike the KL and JS divergences it stays finite, and keeps
    growing, however far apart the supports are. Only for 1-D grids (in the plane there is no
    such formula). Raises ``ValueError`` if the two densities' masses on the grid differ by more
    than ``mass_tol``: the grid then misses mass of one of them.
    """
    if not isinstance(grid, Tensor):
        raise ValueError(
            "wasserstein1_grid needs a 1-D grid (W1 = integral of |F_p - F_q| holds on the line "
            "only); for points in the plane use an optimal-transport solver"
        )
    (axis,) = _check_grid(grid, log_p, log_q)
    _broadcast(log_p=log_p, log_q=log_q)
    p, q = torch.exp(log_p), torch.exp(log_q)
    zeros = torch.zeros(p.shape[:-1] + (1,), dtype=p.dtype, device=p.device)
    cdf_p = torch.cat([zeros, torch.cumulative_trapezoid(p, x=axis, dim=-1)], dim=-1)  # (..., G)
    cdf_q = torch.cat([zeros, torch.cumulative_trapezoid(q, x=axis, dim=-1)], dim=-1)  # (..., G)
    gap = (cdf_p[..., -1] - cdf_q[..., -1]).abs().max().item()
    if gap > mass_tol:
        raise ValueError(
            f"the two densities have masses on the grid that differ by {gap:.3g} (> mass_tol "
            f"{mass_tol:g}); W1 compares distributions of equal mass: widen the grid to cover both"
        )
    return integrate_grid((cdf_p - cdf_q).abs(), axis)


def _as_1d_sample(name: str, x: Tensor) -> Tensor:
    if not isinstance(x, Tensor) or not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor of samples")
    if x.dim() == 2 and x.shape[1] == 1:
        return x[:, 0]  # (n, 1) -> (n,): the (n, 1) samples of GaussianMixture1D.sample
    if x.dim() != 1:
        raise ValueError(
            f"{name} must hold 1-D samples, shape (n,) or (n, 1), got {tuple(x.shape)}"
        )
    return x


def wasserstein1_samples(x: Tensor, y: Tensor) -> Tensor:
    r"""Wasserstein-1 distance between the empirical distributions of two 1-D samples of equal size.

    .. math::
        W_1\Big(\tfrac1n \textstyle\sum_i \delta_{x_i},\, \tfrac1n \sum_i \delta_{y_i}\Big)
        = \frac1n \sum_{i=1}^{n} \big|x_{(i)} - y_{(i)}\big|,

    where :math:`x_{(i)}` is the :math:`i`-th smallest value: on the line, matching sorted values
    is an optimal transport plan. Exact for the two samples, and a consistent estimate of
    :math:`W_1` between the distributions they were drawn from. ``x`` and ``y`` have shape ``(n,)``
    or ``(n, 1)``; differentiable in both.
    """
    xs, ys = _as_1d_sample("x", x), _as_1d_sample("y", y)
    if xs.numel() != ys.numel() or xs.numel() == 0:
        raise ValueError(
            f"need two non-empty samples of the same size, got {xs.numel()} and {ys.numel()}; "
            "subsample the larger one"
        )
    return (torch.sort(xs).values - torch.sort(ys).values).abs().mean()


def f_kl(u: Tensor) -> Tensor:
    r"""Generator of the KL divergence: :math:`f(u) = u \log u`, so
    :math:`D_f = \mathrm{KL}(P\|Q)`."""
    return torch.xlogy(u, u)


def f_reverse_kl(u: Tensor) -> Tensor:
    r"""Generator of the reverse KL: :math:`f(u) = -\log u`, so :math:`D_f = \mathrm{KL}(Q\|P)`."""
    return -torch.log(u)


def f_js(u: Tensor) -> Tensor:
    r"""Generator of the Jensen-Shannon divergence, scaled so that :math:`D_f = \mathrm{JSD}(P\|Q)`:

    .. math::
        f(u) = \tfrac12 \Big(u \log u - (u + 1) \log \frac{u + 1}{2}\Big).
    """
    return 0.5 * (torch.xlogy(u, u) - (u + 1.0) * torch.log((u + 1.0) / 2.0))


def f_gan(u: Tensor) -> Tensor:
    r"""Generator of the GAN's divergence: :math:`f(u) = u \log u - (u + 1) \log (u + 1)`, so that
    :math:`D_f(P\|Q) = 2\,\mathrm{JSD}(P\|Q) - \log 4`, the value of the GAN game at the optimal
    discriminator. (:math:`f(1) = -\log 4 \ne 0`: a divergence up to that constant.)"""
    return torch.xlogy(u, u) - torch.xlogy(u + 1.0, u + 1.0)


def f_divergence_grid(
    log_p: Tensor, log_q: Tensor, grid: Grid, f: Callable[[Tensor], Tensor]
) -> Tensor:
    r"""The f-divergence :math:`D_f(P\|Q) = \mathbb E_Q\, f\big(p/q\big)` on a 1-D or 2-D grid:

    .. math::
        D_f(P\,\|\,Q) = \int q(x)\, f\!\left(\frac{p(x)}{q(x)}\right) dx,

    with :math:`p/q = \exp(\log p - \log q)` and the integrand 0 where both densities vanish.
    ``f`` maps a tensor of ratios to a tensor of the same shape (e.g. :func:`f_kl`,
    :func:`f_reverse_kl`, :func:`f_js`, :func:`f_gan`). Raises ``ValueError`` if ``q = 0`` where
    ``p > 0`` (the ratio is infinite: use a grid or a ``q`` without such points) or if
    ``q f(p/q)`` is not finite (far in the tails the ratio can overflow to ``inf`` or underflow to
    0, where e.g. :math:`-\log u` is infinite: shrink the grid to where the ratio is
    representable, :math:`|\log p - \log q| < 700` in float64).
    """
    _check_grid(grid, log_p, log_q)
    _broadcast(log_p=log_p, log_q=log_q)
    q_support = log_q > -math.inf
    if bool(torch.any((log_p > -math.inf) & ~q_support)):
        raise ValueError(
            "q vanishes where p does not: p/q is infinite there and D_f needs f's behaviour at "
            "infinity; choose a q with q > 0 wherever p > 0 on the grid"
        )
    safe_log_ratio = torch.where(q_support, log_p - log_q, torch.zeros_like(log_p))
    q = torch.where(q_support, torch.exp(log_q), torch.zeros_like(log_q))
    integrand = torch.where(q_support, q * f(torch.exp(safe_log_ratio)), torch.zeros_like(q))
    if not bool(torch.all(torch.isfinite(integrand))):
        raise ValueError(
            "q f(p/q) is not finite at some grid points (far in the tails p/q overflowed to inf "
            "or underflowed to 0): restrict the grid to where the ratio is representable"
        )
    return integrate_grid(integrand, grid)


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
