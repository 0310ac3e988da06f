"""The Fréchet distance (closed forms, 1-D Wasserstein, invariances, a second way to compute it)
and the digit FID (real digits score far better than corrupted ones, caching, damaged caches)."""

from __future__ import annotations

import hashlib
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gancourse.metrics.fid as fid_module
from gancourse.data import load_digits
from gancourse.metrics.fid import DigitFID, DigitFIDConfig, feature_statistics, frechet_distance
from gancourse.models.classifier import ClassifierTrainConfig, DigitClassifierConfig, accuracy
from gancourse.training.checkpoint import checksum_path


def random_spd(d: int, seed: int, *, rank: int | None = None) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(d, rank or d, generator=g, dtype=torch.float64)
    return a @ a.T / d + (0.0 if rank else 0.1) * torch.eye(d, dtype=torch.float64)


def random_orthogonal(d: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    return q


def reference_fid(mu1, s1, mu2, s2) -> float:
    """A second way: tr (S1 S2)^{1/2} from the (real, >= 0) eigenvalues of the non-symmetric
    product S1 S2, computed by NumPy's general eigensolver."""
    prod = (s1 @ s2).numpy()
    eig = np.linalg.eigvals(prod)
    assert np.abs(eig.imag).max() < 1e-8
    tr_sqrt = np.sqrt(np.clip(eig.real, 0, None)).sum()
    diff = (mu1 - mu2).numpy()
    return float(diff @ diff + np.trace(s1.numpy()) + np.trace(s2.numpy()) - 2 * tr_sqrt)


# ---------------------------------------------------------------- frechet_distance


def test_zero_for_identical_statistics_and_the_mean_term_alone():
    s = random_spd(20, 0)
    mu = torch.randn(20, dtype=torch.float64)
    assert frechet_distance(mu, s, mu, s) == pytest.approx(0.0, abs=1e-9)
    shift = torch.linspace(-1, 1, 20, dtype=torch.float64)
    assert frechet_distance(mu, s, mu + shift, s) == pytest.approx(shift.square().sum().item())


def test_closed_form_for_diagonal_and_commuting_covariances():
    g = torch.Generator().manual_seed(1)
    a = torch.rand(12, generator=g, dtype=torch.float64) * 3
    b = torch.rand(12, generator=g, dtype=torch.float64) * 3
    mu1, mu2 = torch.randn(12, generator=g, dtype=torch.float64), torch.zeros(12)
    # diagonal: sum_i (sqrt(a_i) - sqrt(b_i))^2 plus the squared mean difference
    expected = (mu1 - mu2).square().sum() + (a.sqrt() - b.sqrt()).square().sum()
    assert frechet_distance(mu1, torch.diag(a), mu2, torch.diag(b)) == pytest.approx(
        expected.item(), rel=1e-10
    )
    # commuting: the same eigenvectors Q, so (S1 S2)^{1/2} = Q diag(sqrt(a b)) Q^T
    q = random_orthogonal(12, 2)
    s1, s2 = q @ torch.diag(a) @ q.T, q @ torch.diag(b) @ q.T
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected.item(), rel=1e-9)


@pytest.mark.parametrize(("m1", "s1", "m2", "s2"), [(0.0, 1.0, 0.0, 2.0), (1.0, 0.5, -2.0, 3.0)])
def test_one_dimensional_gaussians_give_the_squared_wasserstein_distance(m1, s1, m2, s2):
    closed = (m1 - m2) ** 2 + (s1 - s2) ** 2
    value = frechet_distance(
        torch.tensor([m1]), torch.tensor([[s1**2]]), torch.tensor([m2]), torch.tensor([[s2**2]])
    )
    assert value == pytest.approx(closed, rel=1e-12)
    # Monte Carlo: in 1-D the optimal coupling pairs equal quantiles, so W2^2 is the mean squared
    # difference of the sorted samples.
    g = torch.Generator().manual_seed(0)
    x = (m1 + s1 * torch.randn(400_000, generator=g, dtype=torch.float64)).sort().values
    y = (m2 + s2 * torch.randn(400_000, generator=g, dtype=torch.float64)).sort().values
    assert (x - y).square().mean().item() == pytest.approx(closed, rel=0.02, abs=0.01)


def test_symmetric_and_invariant_to_a_rotation_of_both():
    s1, s2 = random_spd(16, 3), random_spd(16, 4)
    mu1, mu2 = torch.randn(16, dtype=torch.float64), torch.randn(16, dtype=torch.float64)
    d12 = frechet_distance(mu1, s1, mu2, s2)
    assert d12 == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-10)
    r = random_orthogonal(16, 5)
    rotated = frechet_distance(r @ mu1, r @ s1 @ r.T, r @ mu2, r @ s2 @ r.T)
    assert rotated == pytest.approx(d12, rel=1e-9)
    assert d12 > 1.0  # not trivially zero


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_the_eigenvalues_of_the_product(seed):
    d = 30
    s1, s2 = random_spd(d, 10 + seed), random_spd(d, 20 + seed)
    mu1 = torch.randn(d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    mu2 = torch.zeros(d, dtype=torch.float64)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
        reference_fid(mu1, s1, mu2, s2), rel=1e-8
    )


def test_singular_covariances_stay_finite_and_correct():
    # rank 3 in 10 dimensions: what features with dead ReLU units or few samples give
    s1, s2 = random_spd(10, 7, rank=3), random_spd(10, 8)
    mu = torch.zeros(10, dtype=torch.float64)
    value = frechet_distance(mu, s1, mu, s2)
    assert math.isfinite(value)
    assert value == pytest.approx(reference_fid(mu, s1, mu, s2), rel=1e-7)
    # both singular and equal: zero
    assert frechet_distance(mu, s1, mu, s1) == pytest.approx(0.0, abs=1e-9)


def test_numpy_inputs_and_float32_give_the_same_number():
    s1, s2 = random_spd(8, 30), random_spd(8, 31)
    mu1, mu2 = torch.ones(8, dtype=torch.float64), torch.zeros(8, dtype=torch.float64)
    ours = frechet_distance(mu1, s1, mu2, s2)
    assert frechet_distance(mu1.numpy(), s1.numpy(), mu2.numpy(), s2.numpy()) == ours
    assert frechet_distance(mu1.float(), s1.float(), mu2.float(), s2.float()) == pytest.approx(
        ours, rel=1e-5
    )


def test_bad_statistics_are_refused():
    s, mu = random_spd(4, 0), torch.zeros(4)
    with pytest.raises(ValueError, match="shapes"):
        frechet_distance(mu, s, torch.zeros(5), random_spd(5, 1))
    with pytest.raises(ValueError, match="dimension"):
        frechet_distance(s, s, mu, s)
    with pytest.raises(ValueError, match="not symmetric"):
        frechet_distance(mu, s + torch.triu(torch.ones(4, 4), 1), mu, s)
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(mu * float("nan"), s, mu, s)
    with pytest.raises(TypeError, match="tensor"):
        frechet_distance([0.0] * 4, s, mu, s)


def test_feature_statistics_are_the_mean_and_unbiased_covariance():
    f = torch.randn(50, 6, generator=torch.Generator().manual_seed(0)) * 3 + 1
    mu, sigma = feature_statistics(f)
    assert mu.dtype == sigma.dtype == torch.float64
    np.testing.assert_allclose(mu.numpy(), f.double().numpy().mean(0), rtol=1e-12)
    np.testing.assert_allclose(sigma.numpy(), np.cov(f.double().numpy(), rowvar=False), rtol=1e-10)
    with pytest.raises(ValueError, match="at least 2"):
        feature_statistics(f[:1])
    with pytest.raises(ValueError, match="dimension"):
        feature_statistics(f[0])


def test_fid_of_gaussian_samples_approaches_the_distance_of_the_gaussians():
    s1, s2 = random_spd(5, 40), random_spd(5, 41)
    mu1, mu2 = torch.zeros(5, dtype=torch.float64), torch.full((5,), 0.5, dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    n = 200_000
    x = mu1 + torch.randn(n, 5, generator=g, dtype=torch.float64) @ torch.linalg.cholesky(s1).T
    y = mu2 + torch.randn(n, 5, generator=g, dtype=torch.float64) @ torch.linalg.cholesky(s2).T
    estimate = frechet_distance(*feature_statistics(x), *feature_statistics(y))
    assert estimate == pytest.approx(frechet_distance(mu1, s1, mu2, s2), rel=0.02)


# ---------------------------------------------------------------- DigitFID

TINY = DigitFIDConfig(
    classifier=DigitClassifierConfig(channels=(8, 16), feature_dim=32),
    training=ClassifierTrainConfig(epochs=3, batch_size=32, lr=1e-3),
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("classifiers")


@pytest.fixture(scope="module")
def digit_fid(cache):
    torch.manual_seed(7)
    before = torch.get_rng_state()
    fid = DigitFID.load_or_train(TINY, cache_dir=cache, progress=False)
    assert torch.equal(torch.get_rng_state(), before)  # the notebook's random numbers go on
    return fid


def test_the_classifier_accuracy_is_computed_on_the_held_out_digits(digit_fid):
    test = load_digits("test")
    assert digit_fid.test_accuracy == accuracy(digit_fid.classifier, test)
    assert digit_fid.test_accuracy > 0.9
    predicted = digit_fid.predict(test.images)
    assert predicted.shape == (500,)
    assert (predicted == test.labels).double().mean().item() == digit_fid.test_accuracy


def test_real_held_out_digits_score_far_better_than_corrupted_ones(digit_fid):
    real = load_digits("test").images  # (500, 1, 28, 28), not used to train the classifier
    g = torch.Generator().manual_seed(0)
    real_fid = digit_fid.score(real)
    noise = torch.rand(500, 1, 28, 28, generator=g) * 2 - 1
    blurred = F.avg_pool2d(real, 3, stride=1, padding=1)
    shifted = torch.roll(real, 4, dims=3)
    for name, images in (("noise", noise), ("blurred", blurred), ("shifted", shifted)):
        assert digit_fid.score(images) > 10 * real_fid, name
    # more Gaussian noise, larger FID
    levels = [
        digit_fid.score((real + s * torch.randn(real.shape, generator=g)).clamp(-1, 1))
        for s in (0.1, 0.3, 0.6)
    ]
    assert real_fid < levels[0] < levels[1] < levels[2]


def test_the_reference_statistics_are_those_of_the_reference_digits(digit_fid):
    train = load_digits("train").images
    assert digit_fid.n_reference == 4500
    assert digit_fid.score(train) == pytest.approx(0.0, abs=1e-6)


def test_the_cache_round_trip_gives_identical_scores_without_training(
    digit_fid, cache, monkeypatch
):
    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier should have been loaded")

    monkeypatch.setattr(fid_module, "train_digit_classifier", no_training)
    again = DigitFID.load_or_train(TINY, cache_dir=cache)
    images = load_digits("test").images[:200]
    assert again.score(images) == digit_fid.score(images)
    assert again.test_accuracy == digit_fid.test_accuracy
    # another reference set shares the classifier (and its cache file)
    other = DigitFID.load_or_train(
        DigitFIDConfig(TINY.classifier, TINY.training, reference="test"), cache_dir=cache
    )
    assert other.n_reference == 500
    assert other.score(load_digits("test").images) == pytest.approx(0.0, abs=1e-6)


def test_the_default_cache_folder_follows_gancourse_data(digit_fid, cache, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA", str(cache.parent))
    assert fid_module.default_cache_dir() == cache.parent / "classifiers"


class _Payload:
    def __reduce__(self):
        return (exec, ("open(__import__('os').environ['FID_TEST_MARKER'], 'w').close()",))


def test_a_damaged_or_hostile_cache_file_is_retrained_not_unpickled(
    digit_fid, cache, tmp_path, monkeypatch
):
    (path,) = cache.glob("digit_classifier-*.pt")
    images = load_digits("test").images[:200]
    expected = digit_fid.score(images)
    # 1. truncated: the checksum does not match
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.warns(UserWarning, match="damaged"):
        fresh = DigitFID.load_or_train(TINY, cache_dir=cache, progress=False)
    assert fresh.score(images) == expected  # retrained, and training is deterministic
    # 2. a pickle that would run code, with a matching checksum: weights_only refuses it
    marker = tmp_path / "code_ran"
    monkeypatch.setenv("FID_TEST_MARKER", str(marker))
    torch.save({"model": _Payload()}, path)  # torch.load(weights_only=False) would run it
    data = path.read_bytes()
    checksum_path(path).write_text(f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = DigitFID.load_or_train(TINY, cache_dir=cache, progress=False)
    assert not marker.exists()
    assert any("cannot be used" in str(w.message) for w in caught)
    assert again.score(images) == expected


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (torch.zeros(10, 784), r"\(N, 1, 28, 28\)"),
        (torch.zeros(10, 1, 32, 32), r"\(N, 1, 28, 28\)"),
        (torch.zeros(1, 1, 28, 28), "at least 2"),
        (torch.full((10, 1, 28, 28), 255.0), r"\[-1, 1\]"),
        (torch.full((10, 1, 28, 28), float("nan")), "NaN"),
    ],
)
def test_bad_images_are_refused(digit_fid, images, match):
    with pytest.raises(ValueError, match=match):
        digit_fid.score(images)


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="reference"):
        DigitFIDConfig(reference="val")
    with pytest.raises(TypeError, match="DigitClassifierConfig"):
        DigitFIDConfig(classifier={"feature_dim": 8})


def test_a_collapsed_generator_scores_far_worse_than_varied_digits(digit_fid):
    # 450 real digits that are all 1s: each image is realistic, the set is not
    train = load_digits("train")
    ones = train.images[train.labels == 1][:450]
    varied = load_digits("test").images[:450]
    assert digit_fid.score(ones) > 20 * digit_fid.score(varied)
    assert (digit_fid.predict(ones) == 1).double().mean() > 0.9
