"""gancourse.latent: straight and spherical interpolation, and nearest-neighbour distances."""

from __future__ import annotations

import math

import pytest
import torch

from gancourse.latent import lerp, nearest_distances, neighbour_spacing, slerp

F64 = torch.float64


def _pair(d: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(d, generator=gen, dtype=F64), torch.randn(d, generator=gen, dtype=F64)


def test_lerp_endpoints_shape_and_even_spacing() -> None:
    z0, z1 = _pair()
    path = lerp(z0, z1, 9)
    assert path.shape == (9, 16)
    assert torch.equal(path[0], z0) and torch.equal(path[-1], z1)
    assert torch.allclose(path[4], (z0 + z1) / 2, atol=1e-15)
    steps = path.diff(dim=0)  # equal steps of (z1 - z0) / 8 along a straight line
    assert torch.allclose(steps, ((z1 - z0) / 8).expand_as(steps), atol=1e-14)


def test_lerp_keeps_any_shape() -> None:
    a, b = torch.zeros(3, 1, 4, 4), torch.ones(3, 1, 4, 4)
    path = lerp(a, b, 5)
    assert path.shape == (5, 3, 1, 4, 4)
    assert torch.allclose(path[:, 0, 0, 0, 0], torch.linspace(0, 1, 5))


def test_slerp_endpoints_and_shape() -> None:
    z0, z1 = _pair()
    path = slerp(z0, z1, 7)
    assert path.shape == (7, 16)
    assert torch.allclose(path[0], z0, atol=1e-12) and torch.allclose(path[-1], z1, atol=1e-12)


def test_slerp_keeps_the_norm_of_equal_norm_endpoints_and_lerp_does_not() -> None:
    z0, z1 = _pair(d=64, seed=1)
    z1 = z1 * (z0.norm() / z1.norm())  # same norm, r
    r = z0.norm()
    on_arc = slerp(z0, z1, 11).norm(dim=1)
    assert torch.allclose(on_arc, r.expand(11), rtol=1e-12)
    # the chord dips inside the sphere: at the midpoint its norm is r cos(Omega / 2)
    omega = torch.arccos(torch.dot(z0, z1) / r**2)
    chord_mid = lerp(z0, z1, 11)[5].norm()
    assert chord_mid.item() == pytest.approx((r * torch.cos(omega / 2)).item(), rel=1e-12)
    assert chord_mid < 0.9 * r  # nearly orthogonal random vectors: about r / sqrt(2)


def test_slerp_moves_at_constant_angular_speed_in_the_plane() -> None:
    theta0, theta1 = 0.3, 2.1
    z0 = 2.0 * torch.tensor([math.cos(theta0), math.sin(theta0)], dtype=F64)
    z1 = 2.0 * torch.tensor([math.cos(theta1), math.sin(theta1)], dtype=F64)
    path = slerp(z0, z1, 5)
    t = torch.linspace(0, 1, 5, dtype=F64)
    angles = theta0 + t * (theta1 - theta0)
    expected = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)
    assert torch.allclose(path, expected, atol=1e-12)


def test_slerp_of_parallel_or_zero_endpoints_is_the_straight_segment() -> None:
    z0 = torch.tensor([1.0, 2.0, -1.0], dtype=F64)
    for z1 in (3.0 * z0, z0.clone(), torch.zeros(3, dtype=F64)):
        path = slerp(z0, z1, 6)
        assert torch.isfinite(path).all()
        assert torch.allclose(path, lerp(z0, z1, 6), atol=1e-12)


def test_slerp_of_opposite_endpoints_raises() -> None:
    z0 = torch.tensor([1.0, 0.0], dtype=F64)
    with pytest.raises(ValueError, match="opposite directions"):
        slerp(z0, -2.0 * z0, 5)


def test_slerp_per_row_and_whole_tensor() -> None:
    gen = torch.Generator().manual_seed(2)
    a, b = torch.randn(4, 8, generator=gen, dtype=F64), torch.randn(4, 8, generator=gen, dtype=F64)
    rows = slerp(a, b, 6)  # one arc per row
    assert rows.shape == (6, 4, 8)
    for i in range(4):
        assert torch.allclose(rows[:, i], slerp(a[i], b[i], 6), atol=1e-12)
    whole = slerp(a, b, 6, dim=None)  # one arc in R^32
    assert whole.shape == (6, 4, 8)
    assert torch.allclose(whole.reshape(6, -1), slerp(a.reshape(-1), b.reshape(-1), 6), atol=1e-12)
    assert not torch.allclose(whole, rows)


@pytest.mark.parametrize("fn", [lerp, slerp])
def test_interpolation_rejects_bad_input(fn) -> None:  # type: ignore[no-untyped-def]
    z = torch.zeros(4)
    with pytest.raises(ValueError, match="same shape"):
        fn(z, torch.zeros(5), 3)
    with pytest.raises(ValueError, match="steps"):
        fn(z, z, 1)
    with pytest.raises(TypeError, match="floating point"):
        fn(torch.zeros(4, dtype=torch.long), torch.ones(4, dtype=torch.long), 3)


def test_nearest_distances_match_cdist() -> None:
    gen = torch.Generator().manual_seed(3)
    points = torch.randn(37, 1, 5, 5, generator=gen, dtype=F64)
    reference = torch.randn(101, 1, 5, 5, generator=gen, dtype=F64)
    dist, idx = nearest_distances(points, reference, chunk_size=8)
    full = torch.cdist(points.view(37, -1), reference.view(101, -1))
    best, where = full.min(dim=1)
    assert torch.allclose(dist, best, atol=1e-10) and torch.equal(idx, where)
    # a point of the reference set is at distance 0 from itself
    dist_self, idx_self = nearest_distances(reference[:10], reference)
    assert torch.allclose(dist_self, torch.zeros(10, dtype=F64), atol=1e-6)
    assert torch.equal(idx_self, torch.arange(10))


def test_nearest_distances_rejects_mismatched_sizes() -> None:
    with pytest.raises(ValueError, match="values each"):
        nearest_distances(torch.zeros(3, 4), torch.zeros(5, 6))
    with pytest.raises(ValueError, match="non-empty"):
        nearest_distances(torch.zeros(3, 4), torch.zeros(0, 4))


def test_neighbour_spacing_excludes_the_point_itself() -> None:
    line = torch.tensor([[0.0], [1.0], [3.0], [7.0]], dtype=F64)
    assert torch.equal(
        neighbour_spacing(line, chunk_size=3), torch.tensor([1.0, 1.0, 2.0, 4.0], dtype=F64)
    )
    gen = torch.Generator().manual_seed(4)
    ref = torch.randn(50, 3, generator=gen, dtype=F64)
    full = torch.cdist(ref, ref) + torch.diag(torch.full((50,), float("inf"), dtype=F64))
    assert torch.allclose(neighbour_spacing(ref, chunk_size=7), full.min(dim=1).values, atol=1e-10)
    with pytest.raises(ValueError, match="two reference points"):
        neighbour_spacing(torch.zeros(1, 3))
