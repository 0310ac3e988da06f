r"""The Fréchet distance between Gaussians, and a digit FID in the features of our own classifier.

The Fréchet Inception Distance (Heusel et al. 2017) fits a Gaussian to the features of real and
of generated images and reports the Fréchet (2-Wasserstein) distance between the two Gaussians:

.. math:: d^2\big(\mathcal{N}(\mu_1, \Sigma_1), \mathcal{N}(\mu_2, \Sigma_2)\big)
          = \lVert \mu_1 - \mu_2 \rVert^2
          + \operatorname{tr}\big(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\big).

For 28x28 digits the Inception network (trained on photographs, weights downloaded) is replaced
by :class:`~gancourse.models.classifier.DigitClassifier`, which :meth:`DigitFID.load_or_train`
trains on the embedded training digits the first time it is used (about ten seconds on a CPU)
and caches in ``$GANCOURSE_DATA/classifiers`` (default ``~/.cache/gancourse/classifiers``). This
is the design: no weights are shipped with the package, so no script is needed to reproduce
them; the cache file is keyed by the two training configs and verified by its SHA-256.

Numbers from this measure are comparable with each other only: same classifier config, same
reference set and the same number of generated images (the estimate is biased upwards, more so
for fewer images). They are not comparable with FIDs in papers.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from gancourse.data import load_digits
from gancourse.data.fetch import cache_dir as data_cache_dir
from gancourse.models.classifier import (
    ClassifierTrainConfig,
    DigitClassifier,
    DigitClassifierConfig,
    train_digit_classifier,
)
from gancourse.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

__all__ = ["DigitFID", "DigitFIDConfig", "feature_statistics", "frechet_distance"]

CACHE_FORMAT = 1
ArrayLike = Tensor | np.ndarray


def _as_float64(name: str, value: ArrayLike, dims: int) -> Tensor:
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a tensor or a NumPy array, got {type(value).__name__}")
    if value.dim() != dims:
        raise ValueError(f"{name} must have {dims} dimension(s), got shape {tuple(value.shape)}")
    out = value.detach().to(device="cpu", dtype=torch.float64)
    if not torch.isfinite(out).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return out


def _psd_sqrt(sigma: Tensor) -> Tensor:
    """The symmetric square root of a symmetric positive semi-definite matrix, via ``eigh``."""
    vals, vecs = torch.linalg.eigh(sigma)  # sigma = V diag(vals) V^T
    # Rounding leaves eigenvalues of a singular covariance slightly below zero: clamp them.
    return (vecs * vals.clamp(min=0.0).sqrt()) @ vecs.T


def frechet_distance(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> float:
    r"""The squared Fréchet distance between :math:`\mathcal{N}(\mu_1, \Sigma_1)` and
    :math:`\mathcal{N}(\mu_2, \Sigma_2)`:

    .. math:: \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{tr}\Sigma_1 + \operatorname{tr}\Sigma_2
              - 2 \sum_i \sqrt{\lambda_i\big(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2}\big)}.

    :math:`\operatorname{tr}(\Sigma_1\Sigma_2)^{1/2}` is computed from the eigenvalues
    :math:`\lambda_i` of the symmetric positive semi-definite :math:`\Sigma_1^{1/2} \Sigma_2
    \Sigma_1^{1/2}`, which has the eigenvalues of :math:`\Sigma_1 \Sigma_2`: two symmetric
    eigendecompositions in float64 on the CPU, no SciPy, and no complex numbers (SciPy's
    ``sqrtm`` of the non-symmetric product can return tiny imaginary parts). Negative eigenvalues
    from rounding are clamped to 0, and so is the result (it is a squared distance).

    Args:
        mu1, mu2: ``(d,)`` means. sigma1, sigma2: ``(d, d)`` symmetric positive semi-definite
            covariances (tensors or NumPy arrays, any device and float dtype).

    Returns:
        The squared distance as a Python float (the number papers call FID).
    """
    m1, m2 = _as_float64("mu1", mu1, 1), _as_float64("mu2", mu2, 1)
    s1, s2 = _as_float64("sigma1", sigma1, 2), _as_float64("sigma2", sigma2, 2)
    d = m1.shape[0]
    for name, m, s in (("1", m1, s1), ("2", m2, s2)):
        if m.shape[0] != d or tuple(s.shape) != (d, d):
            raise ValueError(
                f"mu{name} and sigma{name} must have shapes (d,) and (d, d) with the same d for "
                f"both Gaussians; got mu1 {tuple(m1.shape)}, sigma1 {tuple(s1.shape)}, mu2 "
                f"{tuple(m2.shape)}, sigma2 {tuple(s2.shape)}"
            )
        scale = s.abs().max().item()
        if (s - s.T).abs().max().item() > 1e-6 * max(scale, 1.0):
            raise ValueError(
                f"sigma{name} is not symmetric: pass a covariance matrix, e.g. from "
                "feature_statistics(features)"
            )
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    root1 = _psd_sqrt(s1)
    middle = root1 @ s2 @ root1  # (d, d), similar to S1 S2 where S1 is invertible
    eig = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0.0)  # (d,)
    value = (m1 - m2).square().sum() + torch.trace(s1) + torch.trace(s2) - 2 * eig.sqrt().sum()
    return max(float(value), 0.0)


def feature_statistics(features: ArrayLike) -> tuple[Tensor, Tensor]:
    r"""The mean and the unbiased covariance of ``(N, d)`` features, in float64 on the CPU:

    .. math:: \hat\mu = \frac{1}{N}\sum_i f_i, \qquad
              \hat\Sigma = \frac{1}{N-1}\sum_i (f_i - \hat\mu)(f_i - \hat\mu)^\top.

    Returns ``(mu, sigma)`` of shapes ``(d,)`` and ``(d, d)``. Needs ``N >= 2``.
    """
    f = _as_float64("features", features, 2)  # (N, d)
    if f.shape[0] < 2:
        raise ValueError(f"a covariance needs at least 2 feature vectors, got {f.shape[0]}")
    mu = f.mean(dim=0)  # (d,)
    centred = f - mu  # (N, d)
    sigma = centred.T @ centred / (f.shape[0] - 1)  # (d, d)
    return mu, sigma


@dataclass(frozen=True)
class DigitFIDConfig:
    """The classifier behind a :class:`DigitFID`, how it is trained, and the reference digits.

    ``reference``: the real digits whose feature statistics generated images are compared with:
    ``"train"`` (the 4,500 digits the GANs learn from, default) or ``"test"`` (the 500 held out).
    """

    classifier: DigitClassifierConfig = field(default_factory=DigitClassifierConfig)
    training: ClassifierTrainConfig = field(default_factory=ClassifierTrainConfig)
    reference: Literal["train", "test"] = "train"

    def __post_init__(self) -> None:
        if not isinstance(self.classifier, DigitClassifierConfig):
            raise TypeError(
                f"classifier must be a DigitClassifierConfig, got {type(self.classifier).__name__}"
            )
        if not isinstance(self.training, ClassifierTrainConfig):
            raise TypeError(
                f"training must be a ClassifierTrainConfig, got {type(self.training).__name__}"
            )
        if self.reference not in ("train", "test"):
            raise ValueError(f"reference must be 'train' or 'test', got {self.reference!r}")

    def cache_key(self) -> str:
        """A digest of what determines the classifier's weights (not ``reference``)."""
        text = json.dumps(
            {
                "format": CACHE_FORMAT,
                "classifier": asdict(self.classifier),
                "training": asdict(self.training),
            },
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def default_cache_dir() -> Path:
    """``$GANCOURSE_DATA/classifiers`` (default ``~/.cache/gancourse/classifiers``)."""
    return data_cache_dir() / "classifiers"


class DigitFID:
    """FID of 28x28 digits in the feature space of a :class:`DigitClassifier`.

    Build it with :meth:`load_or_train`; then ``fid.score(images)`` compares generated images
    with the reference digits' feature statistics. ``fid.test_accuracy`` is the classifier's
    accuracy on the 500 held-out digits, computed when it was trained.
    """

    def __init__(
        self,
        classifier: DigitClassifier,
        test_accuracy: float,
        *,
        reference: Literal["train", "test"] = "train",
        batch_size: int = 500,
    ) -> None:
        if not isinstance(classifier, DigitClassifier):
            raise TypeError(
                f"classifier must be a DigitClassifier, got {type(classifier).__name__}"
            )
        if reference not in ("train", "test"):
            raise ValueError(f"reference must be 'train' or 'test', got {reference!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.classifier = classifier.eval()
        self.test_accuracy = float(test_accuracy)
        self.reference = reference
        self.batch_size = batch_size
        self.device = next(classifier.parameters()).device
        real = load_digits(reference, scale="tanh")
        self.n_reference = len(real)
        self.mu, self.sigma = feature_statistics(self.features(real.images))

    @classmethod
    def load_or_train(
        cls,
        config: DigitFIDConfig | None = None,
        *,
        device: str | torch.device | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        progress: bool = True,
    ) -> DigitFID:
        """The measure for ``config``: its classifier loaded from the cache, or trained and cached.

        The cache file is ``<cache_dir>/digit_classifier-<key>.pt`` (``cache_dir`` defaults to
        :func:`default_cache_dir`), written atomically with a ``.sha256`` beside it and loaded
        with ``weights_only=True``. A damaged file, or one written for another config, is
        reported with a warning and replaced by a freshly trained classifier.
        """
        config = config or DigitFIDConfig()
        if not isinstance(config, DigitFIDConfig):
            raise TypeError(f"config must be a DigitFIDConfig, got {type(config).__name__}")
        folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        path = folder / f"digit_classifier-{config.cache_key()}.pt"
        device = torch.device("cpu" if device is None else device)
        expected = json.dumps(
            {"classifier": asdict(config.classifier), "training": asdict(config.training)},
            sort_keys=True,
        )
        if path.exists():
            try:
                state = load_checkpoint(path)
                if state.get("format") != CACHE_FORMAT or state["config"] != expected:
                    raise CheckpointError(f"{path} was written for another classifier config")
                with torch.random.fork_rng(devices=[]):  # the initial weights are overwritten
                    model = DigitClassifier(config.classifier)
                model.load_state_dict(state["model"])
                return cls(
                    model.to(device), float(state["test_accuracy"]), reference=config.reference
                )
            except (CheckpointError, KeyError, RuntimeError, ValueError) as err:
                warnings.warn(
                    f"the cached digit classifier cannot be used ({err}); training it again",
                    stacklevel=2,
                )
        trained = train_digit_classifier(
            config.classifier, config.training, device=device, progress=progress
        )
        state = {
            "format": CACHE_FORMAT,
            "config": expected,
            "model": {k: v.detach().cpu() for k, v in trained.model.state_dict().items()},
            "test_accuracy": trained.test_accuracy,
            "train_seconds": trained.train_seconds,
        }
        save_checkpoint(path, state)
        return cls(trained.model, trained.test_accuracy, reference=config.reference)

    def _check_images(self, images: Tensor) -> None:
        if not isinstance(images, Tensor):
            raise TypeError(f"images must be a tensor, got {type(images).__name__}")
        if images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
            raise ValueError(
                f"images must have shape (N, 1, 28, 28), got {tuple(images.shape)}; reshape flat "
                "samples with x.view(-1, 1, 28, 28)"
            )
        if images.shape[0] < 2:
            raise ValueError(f"FID needs at least 2 images (a covariance), got {images.shape[0]}")
        if not torch.isfinite(images).all():
            raise ValueError("images hold NaN or infinite values")
        lo, hi = images.min().item(), images.max().item()
        if lo < -1.0 - 1e-4 or hi > 1.0 + 1e-4:
            raise ValueError(
                f"images must be in [-1, 1] (the tanh scale), got values in [{lo:.3g}, {hi:.3g}]; "
                "rescale [0, 1] images with 2 * x - 1"
            )

    @torch.no_grad()
    def features(self, images: Tensor) -> Tensor:
        """The classifier's features of ``(N, 1, 28, 28)`` images: ``(N, feature_dim)`` on CPU."""
        self._check_images(images)
        out = []
        for start in range(0, images.shape[0], self.batch_size):
            x = images[start : start + self.batch_size].to(self.device, torch.float32)
            out.append(self.classifier.features(x).cpu())  # (b, 1, 28, 28) -> (b, F)
        return torch.cat(out)  # (N, F)

    def score(self, images: Tensor) -> float:
        """The FID of ``images`` (``(N, 1, 28, 28)`` in [-1, 1]) against the reference digits.

        0 means equal feature means and covariances; it grows as the images' features move away
        from those of real digits. Compare scores of the same number of images only: the
        estimate is biased upwards, more for small ``N`` (use at least ``feature_dim`` images,
        500 or more to compare models).
        """
        mu, sigma = feature_statistics(self.features(images))
        return frechet_distance(mu, sigma, self.mu, self.sigma)

    @torch.no_grad()
    def predict(self, images: Tensor) -> Tensor:
        """The most likely class of each image, ``(N,)`` int64 on the CPU."""
        self._check_images(images)
        out = []
        for start in range(0, images.shape[0], self.batch_size):
            x = images[start : start + self.batch_size].to(self.device, torch.float32)
            out.append(self.classifier(x).argmax(dim=1).cpu())  # (b, 10) -> (b,)
        return torch.cat(out)

    def __repr__(self) -> str:
        cfg = self.classifier.config
        return (
            f"DigitFID(features={cfg.feature_dim}, reference={self.reference!r} "
            f"({self.n_reference} digits), classifier test accuracy={self.test_accuracy:.3f})"
        )
