"""Mode coverage (VEEGAN / PacGAN): the true mixture, one collapsed mode, noise, bad input."""

from __future__ import annotations

import math

import pytest
import torch

from gancourse.data import grid_of_gaussians, ring_of_gaussians
from gancourse.metrics.coverage import (
    PACGAN_MIN_COUNT,
    PAPER_SAMPLES,
    Coverage,
    mixture_coverage,
    mode_coverage,
)

#: P(|x - c| < 3 sigma) for a 2-D isotropic Gaussian: the chi-square(2) CDF at 9.
HQ_SHARE_2D = 1.0 - math.exp(-9.0 / 2.0)


def test_the_expected_share_of_a_2d_gaussian_within_three_std():
    assert HQ_SHARE_2D == pytest.approx(0.98889, abs=1e-5)
    # check the closed form against a Monte-Carlo estimate of the chi-square(2) probability
    r2 = torch.randn(400_000, 2, generator=torch.Generator().manual_seed(0)).square().sum(1)
    assert (r2 < 9).double().mean().item() == pytest.approx(HQ_SHARE_2D, abs=1e-3)


@pytest.mark.parametrize("make", [ring_of_gaussians, grid_of_gaussians])
def test_samples_of_the_true_mixture_cover_every_mode(make):
    n = 40_000
    mixture = make(n, generator=torch.Generator().manual_seed(1))
    cov = mixture_coverage(mixture.samples, mixture, min_count=round(20 * n / PAPER_SAMPLES))
    assert cov.modes_covered == cov.n_modes == mixture.n_modes
    assert cov.missed == () and all(cov.covered)
    # the share is a binomial proportion: within 4 standard errors of 1 - exp(-9/2)
    se = math.sqrt(HQ_SHARE_2D * (1 - HQ_SHARE_2D) / n)
    assert abs(cov.high_quality_share - HQ_SHARE_2D) < 4 * se
    assert sum(cov.counts) == round(cov.high_quality_share * n)
    assert sum(cov.assigned) == n and cov.nearest_mode_share < 1.5 / mixture.n_modes
    # every mode gets about its share of the samples (equal weights)
    expected = n * HQ_SHARE_2D / mixture.n_modes
    assert all(abs(c - expected) < 5 * math.sqrt(expected) for c in cov.counts)


def test_the_papers_sample_size_with_the_default_threshold():
    ring = ring_of_gaussians(PAPER_SAMPLES, generator=torch.Generator().manual_seed(2))
    cov = mixture_coverage(ring.samples, ring)
    assert cov.min_count == PACGAN_MIN_COUNT == 20
    assert cov.modes_covered == 8 and cov.n_samples == 2500
    assert 0.97 < cov.high_quality_share < 1.0


def test_all_samples_at_one_centre_cover_one_mode():
    ring = ring_of_gaussians(0)
    samples = ring.centres[3].repeat(2500, 1)  # (2500, 2), a generator collapsed on mode 3
    cov = mixture_coverage(samples, ring)
    assert cov.modes_covered == 1 and cov.n_modes == 8
    assert cov.high_quality_share == 1.0
    assert cov.counts == (0, 0, 0, 2500, 0, 0, 0, 0)
    assert cov.missed == (0, 1, 2, 4, 5, 6, 7)
    assert cov.nearest_mode == 3 and cov.nearest_mode_share == 1.0
    assert str(cov) == "1/8 modes covered, 100.0% high-quality samples"


def test_noise_far_from_every_mode_has_no_high_quality_sample():
    ring = ring_of_gaussians(0)  # modes on the circle of radius 2, std 0.02
    gen = torch.Generator().manual_seed(3)
    # uniform on [5, 9]^2: at least 3 away from every centre, i.e. 150 standard deviations
    samples = 5.0 + 4.0 * torch.rand(2500, 2, generator=gen)
    cov = mixture_coverage(samples, ring)
    assert cov.high_quality_share == 0.0 and cov.modes_covered == 0 and sum(cov.counts) == 0
    # every sample still has a nearest mode: [5, 9]^2 lies nearest to the mode at 45 degrees
    assert sum(cov.assigned) == 2500 and cov.nearest_mode == 1 and cov.nearest_mode_share == 1.0


def test_a_collapsed_blob_near_one_mode_is_seen_by_the_nearest_mode_share():
    # A wide cloud around mode 5, 0.3 across (15 std): few samples are high quality, but every
    # one of them is nearer mode 5 than any other (the modes are 1.53 apart).
    ring = ring_of_gaussians(0)
    noise = 0.1 * torch.randn(2500, 2, generator=torch.Generator().manual_seed(4))
    cov = mixture_coverage(ring.centres[5] + noise, ring)
    assert cov.high_quality_share < 0.2 and cov.modes_covered <= 1
    assert cov.nearest_mode == 5 and cov.nearest_mode_share == 1.0


def test_the_threshold_and_the_radius():
    ring = ring_of_gaussians(0)
    c = ring.centres
    # 25 samples on mode 0, 19 on mode 1, one at 2.9 std and one at 3.1 std from mode 2
    offset = torch.tensor([ring.std, 0.0])
    samples = torch.cat(
        [
            c[0].repeat(25, 1),
            c[1].repeat(19, 1),
            (c[2] + 2.9 * offset)[None],
            (c[2] + 3.1 * offset)[None],
        ]
    )
    cov = mixture_coverage(samples, ring)  # PacGAN: at least 20
    assert cov.counts[:3] == (25, 19, 1) and cov.modes_covered == 1
    assert cov.high_quality_share == pytest.approx(45 / 46)
    veegan = mixture_coverage(samples, ring, min_count=1)  # VEEGAN: at least one
    assert veegan.modes_covered == 3 and veegan.covered[:3] == (True, True, True)
    wider = mixture_coverage(samples, ring, n_std=4.0, min_count=1)
    assert wider.counts[2] == 2


def test_non_finite_samples_are_low_quality():
    ring = ring_of_gaussians(0)
    samples = torch.stack([ring.centres[0], torch.tensor([float("nan"), 0.0])])
    cov = mixture_coverage(samples, ring, min_count=1)
    assert cov.high_quality_share == 0.5 and cov.counts[0] == 1 and sum(cov.counts) == 1
    assert sum(cov.assigned) == 1  # the NaN sample has no nearest mode


def test_works_with_explicit_centres_in_any_dimension_and_dtype():
    centres = torch.eye(3, dtype=torch.float64)  # three modes in 3-D
    samples = torch.cat([centres[0].repeat(30, 1), centres[2].repeat(30, 1)]).float()
    cov = mode_coverage(samples, centres, 0.1)
    assert isinstance(cov, Coverage)
    assert cov.counts == (30, 0, 30) and cov.modes_covered == 2


@pytest.mark.parametrize(
    ("samples", "centres", "kwargs", "message"),
    [
        (torch.zeros(10), torch.zeros(8, 2), {}, r"samples must be a non-empty \(N, d\) tensor"),
        (torch.zeros(0, 2), torch.zeros(8, 2), {}, r"samples must be a non-empty"),
        (torch.zeros(10, 2), torch.zeros(2), {}, r"centres must be a non-empty \(K, d\) tensor"),
        (
            torch.zeros(10, 3),
            torch.zeros(8, 2),
            {},
            r"samples have 3 coordinates but centres have 2",
        ),
        (torch.zeros(10, 2), torch.zeros(8, 2), {"std": 0.0}, r"std must be a positive number"),
        (torch.zeros(10, 2), torch.zeros(8, 2), {"std": float("nan")}, r"std must be a positive"),
        (torch.zeros(10, 2), torch.zeros(8, 2), {"n_std": -3}, r"n_std must be a positive"),
        (
            torch.zeros(10, 2),
            torch.zeros(8, 2),
            {"min_count": 0},
            r"min_count must be a positive int",
        ),
        (
            torch.zeros(10, 2),
            torch.zeros(8, 2),
            {"min_count": 2.5},
            r"min_count must be a positive",
        ),
    ],
)
def test_bad_input_raises(samples, centres, kwargs, message):
    std = kwargs.pop("std", 0.02)
    with pytest.raises(ValueError, match=message):
        mode_coverage(samples, centres, std, **kwargs)


def test_mixture_coverage_needs_a_mixture_set():
    with pytest.raises(ValueError, match="mixture must be a MixtureSet"):
        mixture_coverage(torch.zeros(4, 2), torch.zeros(8, 2))
