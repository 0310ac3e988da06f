r"""Paths through a latent space, and how far a path strays from a set of points.

``lerp`` walks the straight segment between two codes, ``slerp`` the arc of a great circle
(White, 2016). Under a Gaussian prior :math:`\mathcal N(0, I_d)` almost all the mass lies near the
sphere of radius :math:`\sqrt d`, while the midpoint of a straight segment between two typical
codes has a norm of only about :math:`\sqrt{d/2}`: the straight path dips into a region that
the prior, and hence the decoder's training, rarely visits. ``slerp`` keeps the norm of
equal-norm endpoints.

``nearest_distances`` measures how far points (interpolated codes, or decoded images) lie from
the nearest member of a reference set (training codes, or training images);
``neighbour_spacing`` gives the yardstick: how far each member of the set lies from its nearest
*other* member.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["lerp", "nearest_distances", "neighbour_spacing", "slerp"]


def _check_pair(name: str, z0: Tensor, z1: Tensor, steps: int) -> None:
    if z0.shape != z1.shape:
        raise ValueError(
            f"{name}: the endpoints must have the same shape, got {tuple(z0.shape)} and "
            f"{tuple(z1.shape)}"
        )
    if z0.dim() == 0 or z0.numel() == 0:
        raise ValueError(f"{name}: the endpoints must be non-empty vectors, got {tuple(z0.shape)}")
    if not (z0.is_floating_point() and z1.is_floating_point()):
        raise TypeError(f"{name}: the endpoints must be floating point, got {z0.dtype}")
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"{name}: steps must be an int >= 2 (both endpoints), got {steps!r}")


def _fractions(steps: int, z: Tensor) -> Tensor:
    """``t_k = k / (steps - 1)`` shaped ``(steps, 1, ..., 1)`` to broadcast against ``z``."""
    t = torch.linspace(0.0, 1.0, steps, dtype=z.dtype, device=z.device)
    return t.view(steps, *([1] * z.dim()))  # (steps,) -> (steps, 1, ..., 1)


def lerp(z0: Tensor, z1: Tensor, steps: int) -> Tensor:
    r"""Linear interpolation at ``steps`` evenly spaced fractions :math:`t_k = k/(\text{steps}-1)`:

    .. math::
        z(t) = (1 - t)\, z_0 + t\, z_1 .

    ``z0`` and ``z1`` have the same shape ``S``; returns ``(steps, *S)``, with ``out[0] = z0`` and
    ``out[-1] = z1`` exactly.
    """
    _check_pair("lerp", z0, z1, steps)
    t = _fractions(steps, z0)
    return (1.0 - t) * z0 + t * z1  # (steps, *S)


def slerp(z0: Tensor, z1: Tensor, steps: int, *, dim: int | None = -1, eps: float = 1e-7) -> Tensor:
    r"""Spherical linear interpolation (White, 2016) at ``steps`` evenly spaced fractions:

    .. math::
        z(t) = \frac{\sin\big((1 - t)\,\Omega\big)}{\sin\Omega}\, z_0
             + \frac{\sin(t\,\Omega)}{\sin\Omega}\, z_1,
        \qquad \cos\Omega = \frac{\langle z_0, z_1\rangle}{\lVert z_0\rVert\, \lVert z_1\rVert}.

    The angle :math:`\Omega` is taken along ``dim`` (default: the last dimension, so a batch of
    codes ``(P, d)`` gives ``P`` separate arcs; ``dim=None`` treats the whole tensor as one
    vector). For equal-norm endpoints every :math:`z(t)` has that norm. Where the endpoints are
    parallel (:math:`\sin\Omega <` ``eps``, :math:`\cos\Omega > 0`) or one of them is zero, the
    arc is the straight segment and :func:`lerp` is returned there. Opposite endpoints lie on
    infinitely many great circles: that raises a ``ValueError``.

    Returns ``(steps, *z0.shape)``, with ``out[0] = z0`` and ``out[-1] = z1`` up to rounding.
    """
    _check_pair("slerp", z0, z1, steps)
    if dim is None:
        flat = slerp(z0.reshape(-1), z1.reshape(-1), steps, dim=-1, eps=eps)  # (steps, numel)
        return flat.view(steps, *z0.shape)
    t = _fractions(steps, z0)  # (steps, 1, ..., 1)
    n0 = z0.norm(dim=dim, keepdim=True)
    n1 = z1.norm(dim=dim, keepdim=True)
    both = n0 * n1
    cos = ((z0 * z1).sum(dim=dim, keepdim=True) / both.clamp_min(1e-30)).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    degenerate = (sin < eps) | (both == 0)  # parallel, opposite or zero: no unique arc
    opposite = degenerate & (cos < 0) & (both > 0)
    if bool(opposite.any()):
        raise ValueError(
            "slerp: the endpoints point in opposite directions, so no unique great circle joins "
            "them; perturb one endpoint or use lerp"
        )
    safe_sin = torch.where(degenerate, torch.ones_like(sin), sin)
    w0 = torch.sin((1.0 - t) * omega) / safe_sin  # (steps, ..., 1, ...)
    w1 = torch.sin(t * omega) / safe_sin
    arc = w0 * z0 + w1 * z1
    return torch.where(degenerate, lerp(z0, z1, steps), arc)  # (steps, *S)


def nearest_distances(
    points: Tensor, reference: Tensor, *, chunk_size: int = 1024
) -> tuple[Tensor, Tensor]:
    r"""Euclidean distance from each point to its nearest reference point, and that point's index:

    .. math::
        d(p) = \min_{j} \lVert p - r_j \rVert_2, \qquad
        j^*(p) = \arg\min_j \lVert p - r_j \rVert_2 .

    ``points`` ``(N, ...)`` and ``reference`` ``(M, ...)`` with the same number of values per item
    (flattened, e.g. images ``(N, 1, 28, 28)``); returns ``(N,)`` distances and ``(N,)`` int64
    indices into ``reference``. Works in chunks of ``chunk_size`` points to bound memory.
    """
    if points.dim() < 1 or reference.dim() < 1 or reference.shape[0] == 0:
        raise ValueError(
            f"need points (N, ...) and a non-empty reference (M, ...), got {tuple(points.shape)} "
            f"and {tuple(reference.shape)}"
        )
    p = points.reshape(points.shape[0], -1)  # (N, ...) -> (N, F)
    r = reference.reshape(reference.shape[0], -1)  # (M, ...) -> (M, F)
    if p.shape[1] != r.shape[1]:
        raise ValueError(
            f"points have {p.shape[1]} values each but reference items have {r.shape[1]}"
        )
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    r_sq = r.pow(2).sum(dim=1)  # (M,)
    dists, idx = [], []
    for block in p.split(chunk_size):
        # |p - r|^2 = |p|^2 - 2 p.r + |r|^2; clamp the rounding error below zero
        sq = block.pow(2).sum(dim=1, keepdim=True) - 2.0 * block @ r.T + r_sq  # (n, M)
        best, where = sq.min(dim=1)
        dists.append(best.clamp_min(0.0).sqrt())
        idx.append(where)
    return torch.cat(dists), torch.cat(idx)


def neighbour_spacing(reference: Tensor, *, chunk_size: int = 1024) -> Tensor:
    r"""Distance from each reference point to its nearest *other* reference point:

    .. math::
        s_i = \min_{j \ne i} \lVert r_i - r_j \rVert_2 .

    ``reference`` ``(M, ...)`` with :math:`M \ge 2`; returns ``(M,)``. Its median is the typical
    spacing of the set, the natural unit for :func:`nearest_distances` to it (a point at distance
    1 in that unit is as far from the set as a typical member is from its neighbour).
    """
    if reference.dim() < 1 or reference.shape[0] < 2:
        raise ValueError(f"need at least two reference points, got shape {tuple(reference.shape)}")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    r = reference.reshape(reference.shape[0], -1)  # (M, ...) -> (M, F)
    r_sq = r.pow(2).sum(dim=1)  # (M,)
    out = []
    for start in range(0, r.shape[0], chunk_size):
        block = r[start : start + chunk_size]  # (n, F)
        sq = block.pow(2).sum(dim=1, keepdim=True) - 2.0 * block @ r.T + r_sq  # (n, M)
        rows = torch.arange(block.shape[0], device=r.device)
        sq[rows, rows + start] = float("inf")  # not the point itself
        out.append(sq.min(dim=1).values.clamp_min(0.0).sqrt())
    return torch.cat(out)
