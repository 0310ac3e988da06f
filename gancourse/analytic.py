r"""What a GAN computes when the densities are known: the optimal discriminator, the game's value.

For a fixed generator with density :math:`p_g`, the discriminator that maximises the value of the
GAN game (Goodfellow et al., 2014)

.. math::
    V(D, G) = \mathbb E_{x \sim p_\text{data}} \log D(x)
            + \mathbb E_{x \sim p_g} \log\big(1 - D(x)\big)

is :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`. Its logit is the log density
ratio, :math:`\ell^*(x) = \log p_\text{data}(x) - \log p_g(x)`, which is how it is computed here
(stable where both densities are tiny). Plugging :math:`D^*` into the game gives

.. math::
    C(G) = V(D^*, G) = 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g) - \log 4,

and the non-saturating generator objective under :math:`D^*` is

.. math::
    \mathbb E_{p_g}\big[-\log D^*\big]
    = \mathrm{KL}(p_g\,\|\,p_\text{data}) - 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g) + \log 4
      + \mathbb E_{p_\text{data}}\big[\log D^*\big].

The ``*_grid`` functions integrate these expectations with the trapezoid rule on a 1-D grid or a
2-D grid ``(x, y)`` (see :mod:`gancourse.divergences` for the grid conventions), from
log-densities, with :math:`0 \log 0 = 0`. Everything is in nats and differentiates with autograd.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from gancourse.divergences import Grid, _broadcast, _check_grid, integrate_grid

__all__ = [
    "discriminator_value_grid",
    "gan_value_grid",
    "nonsaturating_value_grid",
    "optimal_discriminator",
    "optimal_discriminator_from_log",
    "optimal_logit",
    "support_mask",
]

_NEG_INF = -math.inf


def optimal_discriminator(p_data: Tensor, p_g: Tensor) -> Tensor:
    r"""The optimal discriminator from the two densities, elementwise:

    .. math::
        D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)} .

    Where both densities are 0 every value of :math:`D` is optimal (those points do not enter
    :math:`V`); the function returns :math:`\tfrac12` there. For densities that underflow in the
    tails, prefer :func:`optimal_discriminator_from_log`. Raises ``ValueError`` for negative
    densities or shapes that do not broadcast.
    """
    _broadcast(p_data=p_data, p_g=p_g)
    if bool(torch.any(p_data < 0)) or bool(torch.any(p_g < 0)):
        raise ValueError("densities must be non-negative; pass log-densities to the _from_log form")
    total = p_data + p_g
    safe = torch.where(total > 0, total, torch.ones_like(total))
    return torch.where(total > 0, p_data / safe, torch.full_like(total, 0.5))


def optimal_logit(log_p_data: Tensor, log_p_g: Tensor) -> Tensor:
    r"""The logit of the optimal discriminator, the log density ratio, elementwise:

    .. math::
        \ell^*(x) = \log p_\text{data}(x) - \log p_g(x), \qquad D^*(x) = \sigma\big(\ell^*(x)\big).

    It is :math:`+\infty` where only :math:`p_g` vanishes, :math:`-\infty` where only
    :math:`p_\text{data}` does, and 0 (:math:`D^* = \tfrac12`, by convention) where both do.
    """
    _broadcast(log_p_data=log_p_data, log_p_g=log_p_g)
    neither = (log_p_data == _NEG_INF) & (log_p_g == _NEG_INF)
    zero = torch.zeros((), dtype=log_p_data.dtype, device=log_p_data.device)
    # where() on the inputs too: -inf - (-inf) would put a nan into the gradient.
    return torch.where(
        neither, zero, torch.where(neither, zero, log_p_data) - torch.where(neither, zero, log_p_g)
    )


def optimal_discriminator_from_log(log_p_data: Tensor, log_p_g: Tensor) -> Tensor:
    r"""The optimal discriminator from log-densities, :math:`D^* = \sigma(\log p_\text{data} -
    \log p_g)`: the same as :func:`optimal_discriminator`, without forming the tiny densities
    (their ratio stays accurate where both underflow to 0)."""
    return torch.sigmoid(optimal_logit(log_p_data, log_p_g))


def _expect(log_p: Tensor, values: Tensor, grid: Grid) -> Tensor:
    r""":math:`\int p(x)\,v(x)\,dx` with the integrand set to 0 where :math:`p = 0`."""
    support = log_p > _NEG_INF
    zero = torch.zeros_like(values)
    integrand = torch.where(support, torch.exp(log_p) * torch.where(support, values, zero), zero)
    return integrate_grid(integrand, grid)


def discriminator_value_grid(
    logits: Tensor, log_p_data: Tensor, log_p_g: Tensor, grid: Grid
) -> Tensor:
    r"""The value of the game for a given discriminator, :math:`D = \sigma(\ell)` with ``logits``
    :math:`\ell` on the grid:

    .. math::
        V(D, G) = \int p_\text{data}(x) \log \sigma\big(\ell(x)\big)\,dx
                + \int p_g(x) \log\big(1 - \sigma(\ell(x))\big)\,dx
                = -\int p_\text{data}\,\operatorname{softplus}(-\ell)
                  - \int p_g\,\operatorname{softplus}(\ell),

    i.e. minus the expected :func:`gancourse.losses.gan.discriminator_loss`. Every
    discriminator has :math:`V(D, G) \le V(D^*, G) = C(G)` (:func:`gan_value_grid`).
    """
    _check_grid(grid, logits, log_p_data, log_p_g)
    _broadcast(logits=logits, log_p_data=log_p_data, log_p_g=log_p_g)
    return -_expect(log_p_data, F.softplus(-logits), grid) - _expect(
        log_p_g, F.softplus(logits), grid
    )


def gan_value_grid(log_p_data: Tensor, log_p_g: Tensor, grid: Grid) -> Tensor:
    r"""The value of the game at the optimal discriminator, by numerical integration:

    .. math::
        C(G) = \int p_\text{data} \log \frac{p_\text{data}}{p_\text{data} + p_g}
             + \int p_g \log \frac{p_g}{p_\text{data} + p_g}
             = 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g) - \log 4 ,

    integrated directly from the first form (the second is what the tests and the book check it
    against). It lies in :math:`[-\log 4, 0]`: :math:`-\log 4` if and only if
    :math:`p_g = p_\text{data}`, 0 for disjoint supports.
    """
    _check_grid(grid, log_p_data, log_p_g)
    _broadcast(log_p_data=log_p_data, log_p_g=log_p_g)
    log_sum = _log_sum(log_p_data, log_p_g)
    return _expect(log_p_data, log_p_data - log_sum, grid) + _expect(
        log_p_g, log_p_g - log_sum, grid
    )


def nonsaturating_value_grid(log_p_data: Tensor, log_p_g: Tensor, grid: Grid) -> Tensor:
    r"""The non-saturating generator objective at the optimal discriminator, by integration:

    .. math::
        \mathbb E_{x \sim p_g}\big[-\log D^*(x)\big]
        = \int p_g(x) \log \frac{p_\text{data}(x) + p_g(x)}{p_\text{data}(x)}\,dx .

    Infinite where :math:`p_g > 0 = p_\text{data}` (there :math:`D^* = 0`). It equals
    :math:`\mathrm{KL}(p_g\|p_\text{data}) - 2\,\mathrm{JSD} + \log 4
    + \mathbb E_{p_\text{data}}[\log D^*]`; with :math:`D^*` held fixed, its gradient with
    respect to the generator is that of :math:`\mathrm{KL}(p_g\|p_\text{data}) - 2\,\mathrm{JSD}`.
    """
    _check_grid(grid, log_p_data, log_p_g)
    _broadcast(log_p_data=log_p_data, log_p_g=log_p_g)
    return _expect(log_p_g, _log_sum(log_p_data, log_p_g) - log_p_data, grid)


def _log_sum(log_p: Tensor, log_q: Tensor) -> Tensor:
    r""":math:`\log(p + q)`, with a finite stand-in (and a clean gradient) where both are 0."""
    neither = (log_p == _NEG_INF) & (log_q == _NEG_INF)
    zero = torch.zeros((), dtype=log_p.dtype, device=log_p.device)
    return torch.logaddexp(torch.where(neither, zero, log_p), torch.where(neither, zero, log_q))


def support_mask(density: Tensor, rel_threshold: float = 1e-3) -> Tensor:
    r"""Where a density is not negligible: :math:`\{x : p(x) > \tau \max_x p(x)\}`, as a boolean
    tensor of the density's shape (the maximum is over the last dimension, per density in a batch).

    The book measures how far a trained discriminator is from :math:`D^*` on this set: outside it
    there are almost no data samples, so nothing pins the discriminator down there.
    """
    if not 0.0 < rel_threshold < 1.0:
        raise ValueError(f"rel_threshold must be in (0, 1), got {rel_threshold!r}")
    if density.dim() == 0 or bool(torch.any(density < 0)):
        raise ValueError("density must be a non-negative tensor of values on a grid")
    peak = density.amax(dim=-1, keepdim=True)
    return density > rel_threshold * peak
