r"""Mode coverage on mixtures of isotropic Gaussians (the 2-D ring of 8 and grid of 25).

The measure of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018), for a mixture with
mode centres :math:`c_1, \dots, c_K` and the same standard deviation :math:`\sigma` along every
axis of every mode:

1. each sample :math:`x` is assigned to its nearest centre :math:`k(x) = \arg\min_k \lVert x -
   c_k \rVert` (with equal isotropic modes, nearest in Euclidean and in standardised distance
   are the same);
2. a sample is **high quality** if it lies within ``n_std`` (3) standard deviations of that
   centre, :math:`\lVert x - c_{k(x)} \rVert < 3\sigma`;
3. mode :math:`k` is **covered** if at least ``min_count`` high-quality samples are assigned to it.

The sources differ in step 3. VEEGAN draws 2,500 samples and counts a mode as captured when its
centre is the nearest to *at least one* high-quality sample (``min_count=1``). The PacGAN paper
draws 2,500 samples and counts a mode as lost when fewer than 20 high-quality samples fall in it
(``min_count=20``, the default here); the metric code PacGAN released for its synthetic
experiments counts, like VEEGAN, every mode with a non-zero count. Both report the share of
high-quality samples as a measure of sample quality; VEEGAN averages its numbers over five runs.

``min_count`` is an absolute number of samples, chosen for 2,500 samples: with other sample sizes
scale it (e.g. ``round(20 * n / 2500)``). For samples from the true mixture the expected
high-quality share is that of a 2-D Gaussian within 3 standard deviations,
:math:`P(\chi^2_2 < 9) = 1 - e^{-9/2} \approx 0.9889`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from gancourse.data.synthetic import MixtureSet

__all__ = ["PACGAN_MIN_COUNT", "PAPER_SAMPLES", "Coverage", "mixture_coverage", "mode_coverage"]

#: Samples drawn from the generator for the measure in both papers.
PAPER_SAMPLES = 2500
#: PacGAN's threshold: a mode with fewer high-quality samples (of 2,500) is lost.
PACGAN_MIN_COUNT = 20


@dataclass(frozen=True)
class Coverage:
    """The result of :func:`mode_coverage`.

    Attributes:
        modes_covered: how many modes have at least ``min_count`` high-quality samples.
        n_modes: the number of modes :math:`K` of the mixture.
        high_quality_share: the share of all samples that are high quality (0 to 1).
        counts: high-quality samples assigned to each mode, in the order of the centres.
        assigned: all (finite) samples whose nearest centre is each mode, high quality or not.
        n_samples: the number of samples measured.
        min_count: the threshold a mode's count had to reach.
    """

    modes_covered: int
    n_modes: int
    high_quality_share: float
    counts: tuple[int, ...]
    assigned: tuple[int, ...]
    n_samples: int
    min_count: int

    @property
    def covered(self) -> tuple[bool, ...]:
        """Per mode: is it covered?"""
        return tuple(c >= self.min_count for c in self.counts)

    @property
    def missed(self) -> tuple[int, ...]:
        """The indices of the modes that are not covered."""
        return tuple(k for k, ok in enumerate(self.covered) if not ok)

    @property
    def nearest_mode(self) -> int:
        """The mode that is nearest to the most samples (the lowest index on a tie)."""
        return max(range(self.n_modes), key=lambda k: (self.assigned[k], -k))

    @property
    def nearest_mode_share(self) -> float:
        """The share of all samples whose nearest centre is :attr:`nearest_mode`.

        ``1 / n_modes`` for samples spread evenly over the modes, 1 for a generator whose
        samples all lie nearer one mode than any other: a collapse that the high-quality share
        can miss when those samples are not close enough to the centre to count.
        """
        return self.assigned[self.nearest_mode] / self.n_samples

    def __str__(self) -> str:
        return (
            f"{self.modes_covered}/{self.n_modes} modes covered, "
            f"{100 * self.high_quality_share:.1f}% high-quality samples"
        )


def mode_coverage(
    samples: Tensor,
    centres: Tensor,
    std: float,
    *,
    n_std: float = 3.0,
    min_count: int = PACGAN_MIN_COUNT,
) -> Coverage:
    r"""Modes covered and the share of high-quality samples (see the module docstring).

    Args:
        samples: ``(N, d)`` generated samples (any device: they are measured on the CPU;
            non-finite rows count as low quality).
        centres: ``(K, d)`` mode centres.
        std: :math:`\sigma`, the standard deviation of every mode along each axis.
        n_std: a sample is high quality within ``n_std * std`` of its nearest centre (3 in both
            papers).
        min_count: high-quality samples a mode needs to count as covered (20 of 2,500: PacGAN;
            1: VEEGAN and PacGAN's released code).

    Raises:
        ValueError: on shapes that do not match or invalid ``std``, ``n_std``, ``min_count``.
    """
    if not isinstance(samples, Tensor) or samples.dim() != 2 or samples.shape[0] == 0:
        shape = tuple(samples.shape) if isinstance(samples, Tensor) else type(samples).__name__
        raise ValueError(f"samples must be a non-empty (N, d) tensor, got {shape}")
    if not isinstance(centres, Tensor) or centres.dim() != 2 or centres.shape[0] == 0:
        shape = tuple(centres.shape) if isinstance(centres, Tensor) else type(centres).__name__
        raise ValueError(f"centres must be a non-empty (K, d) tensor, got {shape}")
    if samples.shape[1] != centres.shape[1]:
        raise ValueError(
            f"samples have {samples.shape[1]} coordinates but centres have {centres.shape[1]}: "
            f"shapes {tuple(samples.shape)} and {tuple(centres.shape)}"
        )
    for name, value in (("std", std), ("n_std", n_std)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be a positive int, got {min_count!r}")

    # On the CPU in float64: distances near 3 std are exact, and MPS has no float64. (N, d), (K, d)
    x = samples.detach().to(device="cpu", dtype=torch.float64)
    c = centres.detach().to(device="cpu", dtype=torch.float64)
    dist = torch.cdist(x, c)  # (N, K)
    nearest_dist, nearest = dist.min(dim=1)  # (N,), (N,)
    finite = torch.isfinite(x).all(dim=1)  # (N,)
    high_quality = finite & (nearest_dist < n_std * std)  # (N,)
    counts = torch.bincount(nearest[high_quality], minlength=c.shape[0])  # (K,)
    assigned = torch.bincount(nearest[finite], minlength=c.shape[0])  # (K,)
    counts_list = tuple(int(v) for v in counts.tolist())
    return Coverage(
        modes_covered=sum(v >= min_count for v in counts_list),
        n_modes=int(c.shape[0]),
        high_quality_share=float(high_quality.sum().item()) / x.shape[0],
        counts=counts_list,
        assigned=tuple(int(v) for v in assigned.tolist()),
        n_samples=int(x.shape[0]),
        min_count=min_count,
    )


def mixture_coverage(
    samples: Tensor,
    mixture: MixtureSet,
    *,
    n_std: float = 3.0,
    min_count: int = PACGAN_MIN_COUNT,
) -> Coverage:
    """:func:`mode_coverage` with the centres and std of a :class:`~gancourse.data.MixtureSet`
    (``ring_of_gaussians``, ``grid_of_gaussians``)."""
    if not isinstance(mixture, MixtureSet):
        raise ValueError(
            f"mixture must be a MixtureSet (ring_of_gaussians, grid_of_gaussians), got "
            f"{type(mixture).__name__}; use mode_coverage(samples, centres, std) otherwise"
        )
    return mode_coverage(samples, mixture.centres, mixture.std, n_std=n_std, min_count=min_count)
