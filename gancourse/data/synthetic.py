"""Synthetic data sets whose densities are known, for experiments that need the truth.

* :class:`GaussianMixture1D`: a 1-D mixture of Gaussians with an exact ``pdf`` / ``log_pdf``
  (maximum likelihood, the 1-D GAN picture, the optimal discriminator).
* :func:`ring_of_gaussians` and :func:`grid_of_gaussians`: the 2-D "8 Gaussians" and
  "25 Gaussians" of the mode-collapse and WGAN-GP experiments, returned as a :class:`MixtureSet`
  that also carries the mode centres and the std, which mode-coverage metrics need.
* :func:`swiss_roll`: the 2-D Swiss roll of the WGAN-GP toy experiments.

Conventions: samples are float32 tensors of shape ``(n, dim)``; randomness comes from an optional
``torch.Generator`` (numbers are drawn on the generator's device, the CPU when it is ``None``, and
then moved to ``device``, so a seeded generator gives the same data on every device).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

__all__ = [
    "GaussianMixture1D",
    "MixtureSet",
    "SwissRoll",
    "grid_of_gaussians",
    "ring_of_gaussians",
    "swiss_roll",
]

_LOG_2PI = math.log(2.0 * math.pi)


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer (a number of samples), got {n!r}")
    return n


def _draw_device(generator: torch.Generator | None) -> torch.device:
    return generator.device if generator is not None else torch.device("cpu")


def _as_float_tensor(x: torch.Tensor | float | Sequence[float]) -> torch.Tensor:
    t = torch.as_tensor(x)
    return t if t.is_floating_point() else t.to(torch.get_default_dtype())


def _to_floats(name: str, values: Sequence[float] | torch.Tensor) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in torch.as_tensor(values, dtype=torch.float64).reshape(-1))
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"{name} must be a sequence of numbers, got {values!r}") from err
    if not all(math.isfinite(v) for v in out):
        raise ValueError(f"{name} must be finite, got {out}")
    return out


class GaussianMixture1D:
    r"""A mixture of 1-D Gaussians, :math:`p(x) = \sum_k w_k \, \mathcal N(x; \mu_k, \sigma_k^2)`.

    Args:
        weights: mixture weights :math:`w_k > 0`, summing to 1 (or to anything positive with
            ``normalize=True``, which divides by the sum).
        means: component means :math:`\mu_k`.
        stds: component standard deviations :math:`\sigma_k > 0`.
        normalize: rescale ``weights`` to sum to 1 instead of rejecting them.

    Example::

        two_modes = GaussianMixture1D(weights=[0.5, 0.5], means=[-2.0, 2.0], stds=[0.5, 0.5])
        x = two_modes.sample(1000, generator=torch.Generator().manual_seed(0))  # (1000, 1)
        nll = -two_modes.log_pdf(x).mean()
    """

    def __init__(
        self,
        weights: Sequence[float] | torch.Tensor,
        means: Sequence[float] | torch.Tensor,
        stds: Sequence[float] | torch.Tensor,
        *,
        normalize: bool = False,
    ) -> None:
        w = _to_floats("weights", weights)
        mu = _to_floats("means", means)
        sigma = _to_floats("stds", stds)
        if not (len(w) == len(mu) == len(sigma)):
            raise ValueError(
                f"weights, means and stds need one entry per component; got lengths "
                f"{len(w)}, {len(mu)} and {len(sigma)}"
            )
        if not w:
            raise ValueError("a mixture needs at least one component")
        if any(v <= 0 for v in w):
            raise ValueError(f"weights must all be positive, got {w}; drop components of weight 0")
        if any(s <= 0 for s in sigma):
            raise ValueError(f"stds must all be positive, got {sigma}")
        total = math.fsum(w)
        if normalize:
            w = tuple(v / total for v in w)
        elif abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"weights sum to {total:.6g}, not 1; fix them or pass normalize=True to divide "
                "them by their sum"
            )
        self._weights, self._means, self._stds = w, mu, sigma

    @property
    def weights(self) -> tuple[float, ...]:
        """Mixture weights, summing to 1."""
        return self._weights

    @property
    def means(self) -> tuple[float, ...]:
        """Component means."""
        return self._means

    @property
    def stds(self) -> tuple[float, ...]:
        """Component standard deviations."""
        return self._stds

    @property
    def n_components(self) -> int:
        return len(self._weights)

    @property
    def mean(self) -> float:
        r"""The mixture's mean :math:`\sum_k w_k \mu_k`."""
        return math.fsum(w * m for w, m in zip(self._weights, self._means, strict=True))

    @property
    def variance(self) -> float:
        r"""The mixture's variance :math:`\sum_k w_k (\sigma_k^2 + \mu_k^2) - \text{mean}^2`.

        With :attr:`mean`, the single Gaussian that minimises KL(p || q) (maximum likelihood).
        """
        triples = zip(self._weights, self._means, self._stds, strict=True)
        second = math.fsum(w * (s * s + m * m) for w, m, s in triples)
        return second - self.mean**2

    def __repr__(self) -> str:
        return (
            f"GaussianMixture1D(weights={list(self._weights)}, means={list(self._means)}, "
            f"stds={list(self._stds)})"
        )

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        *,
        device: str | torch.device | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` samples, shape ``(n, 1)`` float32 (one feature per sample, ready for an MLP).

        A component is chosen for each sample with probability ``weights``, then a value from it.
        """
        _check_n(n)
        where = _draw_device(generator)
        w = torch.tensor(self._weights, dtype=torch.float64, device=where)
        mu = torch.tensor(self._means, dtype=torch.float64, device=where)
        sigma = torch.tensor(self._stds, dtype=torch.float64, device=where)
        if n == 0:
            component = torch.zeros(0, dtype=torch.long, device=where)
        else:
            component = torch.multinomial(w, n, replacement=True, generator=generator)  # (n,)
        noise = torch.randn(n, dtype=torch.float64, device=where, generator=generator)  # (n,)
        x = (mu[component] + sigma[component] * noise).to(torch.float32).unsqueeze(1)  # (n, 1)
        return x.to(device) if device is not None else x

    def log_pdf(self, x: torch.Tensor | float | Sequence[float]) -> torch.Tensor:
        r"""The log density at every element of ``x`` (any shape; the result has the same shape).

        Computed as :math:`\operatorname{logsumexp}_k \big(\log w_k - \log\sigma_k
        - \tfrac12\log 2\pi - \tfrac12 ((x - \mu_k)/\sigma_k)^2\big)`, which stays finite far
        from every mode where ``pdf`` underflows to 0. Same dtype and device as ``x`` (integer
        input becomes the default float dtype).
        """
        x = _as_float_tensor(x)
        params = dict(dtype=x.dtype, device=x.device)
        log_w = torch.tensor(self._weights, **params).log()  # (K,)
        mu = torch.tensor(self._means, **params)  # (K,)
        sigma = torch.tensor(self._stds, **params)  # (K,)
        z = (x.unsqueeze(-1) - mu) / sigma  # (..., K)
        per_component = log_w - sigma.log() - 0.5 * _LOG_2PI - 0.5 * z.square()  # (..., K)
        return torch.logsumexp(per_component, dim=-1)  # (...)

    def pdf(self, x: torch.Tensor | float | Sequence[float]) -> torch.Tensor:
        """The density at every element of ``x`` (same shape as ``x``)."""
        return self.log_pdf(x).exp()


class _ToySet:
    samples: torch.Tensor
    name: str

    def __len__(self) -> int:
        return int(self.samples.shape[0])


@dataclass(frozen=True, eq=False, repr=False)
class MixtureSet(_ToySet):
    r"""An equal-weight mixture of isotropic 2-D Gaussians, with a data set drawn from it.

    :math:`p(x) = \frac1K \sum_k \mathcal N(x; c_k, \sigma^2 I)`.

    Attributes:
        name: e.g. ``"ring-8"`` or ``"grid-25"``.
        centres: ``(K, 2)`` float32 mode centres (on the same device as ``samples``).
        std: :math:`\sigma`, the standard deviation of every mode along each axis.
        samples: ``(n, 2)`` float32, the data set drawn when the set was made.

    A mode-coverage metric typically counts a sample as "good" when it lies within ``3 * std`` of
    its nearest centre, and a mode as covered when enough good samples fall near it.
    """

    name: str
    centres: torch.Tensor
    std: float
    samples: torch.Tensor

    @property
    def n_modes(self) -> int:
        return int(self.centres.shape[0])

    def __repr__(self) -> str:
        return (
            f"MixtureSet(name={self.name!r}, n_modes={self.n_modes}, std={self.std}, "
            f"samples={tuple(self.samples.shape)}, device={self.samples.device})"
        )

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Fresh samples from the mixture, ``(n, 2)`` float32 on the device of :attr:`samples`."""
        _check_n(n)
        where = _draw_device(generator)
        centres = self.centres.to(where)
        mode = torch.randint(self.n_modes, (n,), device=where, generator=generator)  # (n,)
        noise = torch.randn(n, 2, device=where, generator=generator)  # (n, 2)
        return (centres[mode] + self.std * noise).to(self.samples.device)

    def log_pdf(self, x: torch.Tensor) -> torch.Tensor:
        r"""The log density at points ``x`` of shape ``(..., 2)``; returns shape ``(...)``.

        :math:`\operatorname{logsumexp}_k\big(-\log K - \log(2\pi\sigma^2)
        - \lVert x - c_k \rVert^2 / 2\sigma^2\big)`: finite even far from every mode.
        """
        x = _as_float_tensor(x)
        if x.shape[-1:] != (2,):
            raise ValueError(f"x must have shape (..., 2), got {tuple(x.shape)}")
        centres = self.centres.to(device=x.device, dtype=x.dtype)  # (K, 2)
        sq_dist = (x.unsqueeze(-2) - centres).square().sum(-1)  # (..., K)
        log_norm = -math.log(self.n_modes) - math.log(2.0 * math.pi * self.std**2)
        return torch.logsumexp(log_norm - sq_dist / (2.0 * self.std**2), dim=-1)  # (...)

    def pdf(self, x: torch.Tensor) -> torch.Tensor:
        """The density at points ``x`` of shape ``(..., 2)``; returns shape ``(...)``."""
        return self.log_pdf(x).exp()


def _mixture_set(
    name: str, centres: torch.Tensor, std: float, n: int,
    generator: torch.Generator | None, device: str | torch.device | None,
) -> MixtureSet:
    _check_n(n)
    if not (isinstance(std, (int, float)) and math.isfinite(std) and std > 0):
        raise ValueError(f"std must be a positive number, got {std!r}")
    target = torch.device(device) if device is not None else torch.device("cpu")
    empty = torch.empty(0, 2, device=target)
    mixture = MixtureSet(name=name, centres=centres.to(target), std=float(std), samples=empty)
    return MixtureSet(
        name=name, centres=mixture.centres, std=mixture.std,
        samples=mixture.sample(n, generator=generator),
    )


def ring_of_gaussians(
    n: int,
    modes: int = 8,
    radius: float = 2.0,
    std: float = 0.02,
    *,
    generator: torch.Generator | None = None,
    device: str | torch.device | None = None,
) -> MixtureSet:
    """``modes`` Gaussians evenly spaced on a circle (the "8 Gaussians" of mode-collapse studies).

    Centre ``k`` is ``radius * (cos(2 pi k / modes), sin(2 pi k / modes))``, the first at
    ``(radius, 0)``. Returns a :class:`MixtureSet` with ``n`` samples in ``.samples`` (``(n, 2)``),
    ``.centres`` ``(modes, 2)``, ``.std``, ``.sample(m)`` for fresh batches and ``.log_pdf``.
    ``n=0`` gives just the distribution.
    """
    if isinstance(modes, bool) or not isinstance(modes, int) or modes < 1:
        raise ValueError(f"modes must be a positive integer, got {modes!r}")
    if not radius > 0:
        raise ValueError(f"radius must be positive, got {radius!r}")
    angle = 2.0 * math.pi * torch.arange(modes, dtype=torch.float64) / modes  # (modes,)
    centres = radius * torch.stack([angle.cos(), angle.sin()], dim=1)  # (modes, 2)
    centres[centres.abs() < 1e-12 * radius] = 0.0  # cos(pi/2) is 6e-17 in floating point
    return _mixture_set(f"ring-{modes}", centres.float(), std, n, generator, device)


def grid_of_gaussians(
    n: int,
    side: int = 5,
    spacing: float = 2.0,
    std: float = 0.02,
    *,
    generator: torch.Generator | None = None,
    device: str | torch.device | None = None,
) -> MixtureSet:
    """``side**2`` Gaussians on a square grid centred at 0 (the "25 Gaussians", centres -4..4).

    Coordinates along each axis are ``(i - (side - 1) / 2) * spacing`` for ``i < side``; centres
    are ordered row by row (x fastest). Returns a :class:`MixtureSet` like
    :func:`ring_of_gaussians`.
    """
    if isinstance(side, bool) or not isinstance(side, int) or side < 1:
        raise ValueError(f"side must be a positive integer, got {side!r}")
    if not spacing > 0:
        raise ValueError(f"spacing must be positive, got {spacing!r}")
    axis = (torch.arange(side, dtype=torch.float64) - (side - 1) / 2) * spacing  # (side,)
    ys, xs = torch.meshgrid(axis, axis, indexing="ij")
    centres = torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)  # (side**2, 2)
    return _mixture_set(f"grid-{side * side}", centres.float(), std, n, generator, device)


@dataclass(frozen=True, eq=False, repr=False)
class SwissRoll(_ToySet):
    """The 2-D Swiss roll with a data set drawn from it (no closed-form density).

    Attributes:
        name: ``"swiss-roll"``.
        noise: std of the Gaussian noise, in the roll's original units (before dividing by 7.5).
        samples: ``(n, 2)`` float32.
    """

    name: str
    noise: float
    samples: torch.Tensor

    #: Divides the roll's coordinates (radius up to 4.5 pi ~ 14.1) to land in about [-2, 2].
    SCALE = 7.5

    def __repr__(self) -> str:
        return (
            f"SwissRoll(noise={self.noise}, samples={tuple(self.samples.shape)}, "
            f"device={self.samples.device})"
        )

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""Fresh points, ``(n, 2)`` float32 on the device of :attr:`samples`.

        As ``sklearn.datasets.make_swiss_roll`` then columns ``[0, 2]`` and ``/ 7.5`` (the
        WGAN-GP toy code): :math:`t = \tfrac{3\pi}{2}(1 + 2u)`, :math:`u \sim U(0, 1)`,
        point :math:`= (t\cos t, t\sin t) + \text{noise}\cdot\varepsilon`, all divided by 7.5.
        """
        _check_n(n)
        where = _draw_device(generator)
        u = torch.rand(n, device=where, generator=generator)  # (n,)
        t = 1.5 * math.pi * (1.0 + 2.0 * u)  # (n,) angle and radius, 4.7 .. 14.1
        roll = torch.stack([t * t.cos(), t * t.sin()], dim=1)  # (n, 2)
        roll = roll + self.noise * torch.randn(n, 2, device=where, generator=generator)
        return (roll / self.SCALE).to(self.samples.device)


def swiss_roll(
    n: int,
    noise: float = 0.25,
    *,
    generator: torch.Generator | None = None,
    device: str | torch.device | None = None,
) -> SwissRoll:
    """The Swiss roll of the WGAN-GP toy experiments, scaled to about [-2, 2].

    ``noise`` is the std of the Gaussian noise before scaling (0.25 as in the WGAN-GP code; 0
    gives the bare spiral). Returns a :class:`SwissRoll` with ``n`` points in ``.samples``
    (``(n, 2)`` float32) and ``.sample(m)`` for fresh batches.
    """
    _check_n(n)
    if not (isinstance(noise, (int, float)) and math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a non-negative number, got {noise!r}")
    target = torch.device(device) if device is not None else torch.device("cpu")
    empty = SwissRoll(
        name="swiss-roll", noise=float(noise), samples=torch.empty(0, 2, device=target)
    )
    return SwissRoll(name="swiss-roll", noise=float(noise), samples=empty.sample(n, generator))
