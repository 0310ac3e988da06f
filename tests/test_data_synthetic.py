"""Synthetic sets: exact densities that integrate to 1 and match samples, modes where promised."""

from __future__ import annotations

import math

import pytest
import torch

from gancourse.data import (
    GaussianMixture1D,
    MixtureSet,
    grid_of_gaussians,
    ring_of_gaussians,
    swiss_roll,
)


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def mixture() -> GaussianMixture1D:
    return GaussianMixture1D(weights=[0.2, 0.5, 0.3], means=[-3.0, 0.0, 4.0], stds=[0.5, 1.0, 0.25])


# --- GaussianMixture1D -------------------------------------------------------------------------


def test_pdf_integrates_to_one(mixture):
    x = torch.linspace(-15, 15, 200_001, dtype=torch.float64)
    assert torch.trapezoid(mixture.pdf(x), x).item() == pytest.approx(1.0, abs=1e-9)


def test_pdf_matches_a_single_gaussian_formula():
    one = GaussianMixture1D([1.0], [1.0], [2.0])
    x = torch.tensor([-1.0, 1.0, 4.0], dtype=torch.float64)
    expected = torch.exp(-0.5 * ((x - 1) / 2) ** 2) / (2 * math.sqrt(2 * math.pi))
    torch.testing.assert_close(one.pdf(x), expected)


def test_samples_match_the_density(mixture):
    n = 200_000
    x = mixture.sample(n, gen(0))
    assert x.shape == (n, 1) and x.dtype == torch.float32
    edges = torch.linspace(-6, 7, 131, dtype=torch.float64)
    observed = torch.histogram(x.double().squeeze(1), bins=edges).hist / n
    # Expected mass of each bin, by integrating the pdf on a fine grid inside the bin.
    fine = torch.linspace(0, 1, 101, dtype=torch.float64)
    inner = edges[:-1, None] + (edges[1:] - edges[:-1])[:, None] * fine  # (bins, 101)
    expected = torch.trapezoid(mixture.pdf(inner), inner, dim=1)
    assert expected.sum() == pytest.approx(1.0, abs=1e-4)
    assert (observed - expected).abs().sum() / 2 < 0.01  # total variation distance
    assert (observed - expected).abs().max() < 5 * math.sqrt(expected.max() / n)


def test_sample_moments_and_component_shares(mixture):
    x = mixture.sample(100_000, gen(1)).double()
    assert x.mean().item() == pytest.approx(mixture.mean, abs=0.03)
    assert x.var().item() == pytest.approx(mixture.variance, rel=0.02)
    assert mixture.mean == pytest.approx(0.2 * -3 + 0.3 * 4)
    share_right = (x > 2.5).double().mean().item()  # the third component, far from the others
    assert share_right == pytest.approx(0.3, abs=0.01)


def test_sampling_is_reproducible_with_a_generator(mixture):
    assert torch.equal(mixture.sample(50, gen(3)), mixture.sample(50, gen(3)))
    assert not torch.equal(mixture.sample(50, gen(3)), mixture.sample(50, gen(4)))
    assert mixture.sample(0).shape == (0, 1)


def test_log_pdf_is_finite_and_exact_far_from_the_modes(mixture):
    far = torch.tensor([60.0, -1e3, 1e4], dtype=torch.float64)
    assert (mixture.pdf(far) == 0).all()  # the density itself underflows
    log_p = mixture.log_pdf(far)
    assert torch.isfinite(log_p).all()
    # Far away one component dominates; its log density, written out by hand:
    def component(w, m, s, x):
        return math.log(w) - math.log(s) - 0.5 * math.log(2 * math.pi) - 0.5 * ((x - m) / s) ** 2
    assert log_p[0].item() == pytest.approx(component(0.5, 0.0, 1.0, 60.0), rel=1e-12)
    assert log_p[1].item() == pytest.approx(component(0.5, 0.0, 1.0, -1e3), rel=1e-12)
    # In float32 too, and with a finite gradient (what gradient-descent MLE needs).
    x32 = torch.tensor([80.0, -50.0], requires_grad=True)
    mixture.log_pdf(x32).sum().backward()
    assert torch.isfinite(x32.grad).all() and x32.grad[0] < 0 < x32.grad[1]


def test_log_pdf_keeps_shape_dtype_and_accepts_plain_numbers(mixture):
    grid = torch.zeros(4, 5, dtype=torch.float64)
    assert mixture.log_pdf(grid).shape == (4, 5) and mixture.log_pdf(grid).dtype == torch.float64
    assert mixture.pdf(0.0).item() == pytest.approx(mixture.pdf(torch.tensor([0.0])).item())
    assert mixture.log_pdf([1, 2]).dtype == torch.float32


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": [0.5, 0.6], "means": [0, 1], "stds": [1, 1]}, "sum to 1.1.*normalize=True"),
        ({"weights": [1.5, -0.5], "means": [0, 1], "stds": [1, 1]}, "positive"),
        ({"weights": [0.5, 0.5], "means": [0, 1], "stds": [1, 0]}, "stds must all be positive"),
        ({"weights": [0.5, 0.5], "means": [0, 1, 2], "stds": [1, 1]}, "lengths 2, 3 and 2"),
        ({"weights": [], "means": [], "stds": []}, "at least one component"),
        ({"weights": [1.0], "means": [float("nan")], "stds": [1]}, "finite"),
    ],
)
def test_invalid_mixtures_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GaussianMixture1D(**kwargs)


def test_normalize_rescales_weights():
    m = GaussianMixture1D([1, 3], [0, 1], [1, 1], normalize=True)
    assert m.weights == pytest.approx((0.25, 0.75))
    assert m.n_components == 2 and "GaussianMixture1D" in repr(m)


# --- 2-D mixtures ------------------------------------------------------------------------------


def _nearest(points: torch.Tensor, centres: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    distance, index = torch.cdist(points, centres).min(dim=1)
    return distance, index


def test_ring_has_its_modes_on_the_circle():
    ring = ring_of_gaussians(4000, generator=gen(0))
    assert isinstance(ring, MixtureSet)
    assert ring.n_modes == 8 and ring.centres.shape == (8, 2) and ring.std == 0.02
    torch.testing.assert_close(ring.centres.norm(dim=1), torch.full((8,), 2.0))
    angles = torch.atan2(ring.centres[:, 1], ring.centres[:, 0]) % (2 * math.pi)
    torch.testing.assert_close(angles, torch.arange(8) * (math.pi / 4), atol=1e-5, rtol=0)
    assert ring.samples.shape == (4000, 2) and ring.samples.dtype == torch.float32
    distance, index = _nearest(ring.samples, ring.centres)
    assert (distance < 5 * ring.std).all()  # every sample belongs to a mode
    assert (distance < 3 * ring.std).float().mean() > 0.98  # the mode-coverage rule of thumb
    counts = index.bincount(minlength=8)
    assert counts.min() > 4000 / 8 * 0.8 and counts.max() < 4000 / 8 * 1.2
    offsets = ring.samples - ring.centres[index]
    assert offsets.std().item() == pytest.approx(0.02, rel=0.05)


def test_grid_has_25_modes_at_minus_4_to_4():
    grid = grid_of_gaussians(5000, generator=gen(1))
    assert grid.n_modes == 25 and grid.name == "grid-25"
    coords = sorted(set(grid.centres.flatten().tolist()))
    assert coords == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(c) for c in grid.centres.tolist()}) == 25  # all distinct
    distance, index = _nearest(grid.samples, grid.centres)
    assert (distance < 5 * grid.std).all()
    assert index.bincount(minlength=25).min() > 5000 / 25 * 0.7


def test_mode_count_and_geometry_are_parameters():
    ring = ring_of_gaussians(0, modes=3, radius=1.0, std=0.1)
    assert ring.n_modes == 3 and len(ring) == 0
    torch.testing.assert_close(ring.centres[0], torch.tensor([1.0, 0.0]))
    grid = grid_of_gaussians(10, side=3, spacing=1.0)
    assert grid.n_modes == 9 and grid.centres.abs().max() == 1.0


def test_2d_density_integrates_to_one_and_is_stable():
    ring = ring_of_gaussians(0, std=0.3)
    axis = torch.linspace(-4, 4, 801, dtype=torch.float64)
    xs, ys = torch.meshgrid(axis, axis, indexing="ij")
    density = ring.pdf(torch.stack([xs, ys], dim=-1))  # (801, 801)
    assert density.shape == (801, 801)
    mass = torch.trapezoid(torch.trapezoid(density, axis, dim=1), axis)
    assert mass.item() == pytest.approx(1.0, abs=1e-6)
    # Far away the density underflows but its log does not; at a centre it is the peak value.
    far = ring_of_gaussians(0).log_pdf(torch.tensor([[100.0, 100.0]]))
    assert torch.isfinite(far).all()
    peak = ring_of_gaussians(0).log_pdf(ring_of_gaussians(0).centres[:1])
    assert peak.item() == pytest.approx(-math.log(8) - math.log(2 * math.pi * 0.02**2), rel=1e-4)


def test_fresh_batches_and_reproducibility():
    a = ring_of_gaussians(100, generator=gen(7))
    b = ring_of_gaussians(100, generator=gen(7))
    assert torch.equal(a.samples, b.samples)
    batch = a.sample(64, generator=gen(8))
    assert batch.shape == (64, 2) and not torch.equal(batch, a.samples[:64])
    assert ring_of_gaussians(10, device="cpu").samples.device.type == "cpu"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ring_of_gaussians(-1), "non-negative integer"),
        (lambda: ring_of_gaussians(10, modes=0), "modes must be a positive integer"),
        (lambda: ring_of_gaussians(10, std=0.0), "std must be a positive number"),
        (lambda: grid_of_gaussians(10, side=0), "side"),
        (lambda: swiss_roll(10, noise=-1), "noise"),
        (lambda: ring_of_gaussians(0).log_pdf(torch.zeros(3, 3)), r"\(\.\.\., 2\)"),
    ],
)
def test_bad_arguments_are_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- Swiss roll --------------------------------------------------------------------------------


def test_swiss_roll_shape_and_range():
    roll = swiss_roll(5000, generator=gen(0))
    assert roll.samples.shape == (5000, 2) and roll.samples.dtype == torch.float32
    assert roll.samples.abs().max() < 2.2  # "about [-2, 2]"
    assert roll.samples.abs().max() > 1.7  # and it uses that range
    assert roll.sample(32, generator=gen(1)).shape == (32, 2)


def test_noiseless_swiss_roll_lies_on_the_spiral():
    points = swiss_roll(2000, noise=0.0, generator=gen(2)).samples.double()
    t = points.norm(dim=1) * 7.5  # radius = angle on the roll (t cos t, t sin t)
    assert t.min() >= 1.5 * math.pi - 1e-4 and t.max() <= 4.5 * math.pi + 1e-4
    direction = torch.stack([t.cos(), t.sin()], dim=1)
    torch.testing.assert_close(
        points / points.norm(dim=1, keepdim=True), direction, atol=1e-4, rtol=0
    )
