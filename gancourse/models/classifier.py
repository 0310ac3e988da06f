r"""A small convolutional digit classifier: the feature space of the digit FID.

The course measures generated digits with a Fréchet distance in the features of a classifier
that it trains itself on the embedded digits (:mod:`gancourse.metrics.fid`), instead of the
Inception network of the original FID, whose weights would have to be downloaded and which was
trained on photographs, not on 28x28 digits. :meth:`DigitClassifier.features` gives the
penultimate layer (``feature_dim`` numbers per image); :meth:`DigitClassifier.forward` the ten
class logits.

:func:`train_digit_classifier` trains it with the cross-entropy on logits

.. math:: \mathcal{L} = -\frac{1}{B} \sum_{i=1}^{B} \Big( l_{y_i}(x_i)
          - \log \sum_{k=0}^{9} e^{l_k(x_i)} \Big),

(``F.cross_entropy``, a ``logsumexp`` inside), with Adam, seeded, and reports the accuracy on
the 500 held-out digits.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gancourse.data import DigitSet, load_digits
from gancourse.models._common import check_positive_int
from gancourse.training.trainer import TrainConfig, Trainer

__all__ = [
    "ClassifierTrainConfig",
    "DigitClassifier",
    "DigitClassifierConfig",
    "TrainedClassifier",
    "accuracy",
    "random_shift",
    "train_digit_classifier",
]


@dataclass(frozen=True)
class DigitClassifierConfig:
    """Sizes of a :class:`DigitClassifier`.

    Two blocks of 3x3 convolution, ReLU and 2x2 max-pooling take a ``(B, 1, 28, 28)`` image to
    ``(B, channels[1], 7, 7)``; a linear layer with ReLU gives the ``feature_dim`` features, and
    a last linear layer the ``n_classes`` logits.
    """

    channels: tuple[int, int] = (16, 32)
    feature_dim: int = 64
    n_classes: int = 10
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.channels, tuple) or len(self.channels) != 2:
            raise ValueError(
                f"DigitClassifierConfig.channels must be a tuple of two ints (the widths of the "
                f"two convolution blocks), got {self.channels!r}"
            )
        for c in self.channels:
            check_positive_int("DigitClassifierConfig", "channels", c)
        check_positive_int("DigitClassifierConfig", "feature_dim", self.feature_dim)
        check_positive_int("DigitClassifierConfig", "n_classes", self.n_classes)
        if self.n_classes < 2:
            raise ValueError(f"DigitClassifierConfig.n_classes must be >= 2, got {self.n_classes}")
        if not (isinstance(self.dropout, (int, float)) and 0.0 <= self.dropout < 1.0):
            raise ValueError(
                f"DigitClassifierConfig.dropout must be in [0, 1), got {self.dropout!r}"
            )


class DigitClassifier(nn.Module):
    """``x -> logits``: ``(B, 1, 28, 28)`` images in [-1, 1] to ``(B, n_classes)`` logits."""

    def __init__(self, config: DigitClassifierConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or DigitClassifierConfig()
        c1, c2 = config.channels
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),  # (B, 1, 28, 28) -> (B, c1, 28, 28)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, c1, 28, 28) -> (B, c1, 14, 14)
            nn.Conv2d(c1, c2, 3, padding=1),  # (B, c1, 14, 14) -> (B, c2, 14, 14)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, c2, 14, 14) -> (B, c2, 7, 7)
            nn.Flatten(),  # (B, c2, 7, 7) -> (B, c2 * 49)
            nn.Linear(c2 * 49, config.feature_dim),  # (B, c2 * 49) -> (B, feature_dim)
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.feature_dim, config.n_classes)  # (B, F) -> (B, n_classes)

    def _check(self, x: Tensor) -> None:
        if not isinstance(x, Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(
                f"the digit classifier takes images of shape (batch, 1, 28, 28), got {shape}; "
                "reshape flat images with x.view(-1, 1, 28, 28)"
            )

    def features(self, x: Tensor) -> Tensor:
        """The penultimate layer: ``(B, 1, 28, 28) -> (B, feature_dim)`` (after the ReLU)."""
        self._check(x)
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        """The class logits ``l(x)``, shape ``(B, n_classes)``; ``softmax(l)`` the probabilities."""
        return self.head(self.dropout(self.features(x)))


@dataclass(frozen=True)
class ClassifierTrainConfig:
    """How :func:`train_digit_classifier` trains: Adam on minibatches of shuffled digits.

    ``epochs`` passes over the 4,500 training digits in minibatches of ``batch_size`` (the last,
    smaller one of each epoch dropped). Each training image is moved by a random whole number
    of pixels in ``-max_shift..max_shift`` along each axis (0 turns this off): a classifier that
    has seen shifted digits gives features that depend less on where a generator puts its digit.
    ``seed`` fixes the initial weights, the shuffles and the shifts.
    """

    epochs: int = 12
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.0
    max_shift: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        check_positive_int("ClassifierTrainConfig", "epochs", self.epochs)
        check_positive_int("ClassifierTrainConfig", "batch_size", self.batch_size)
        for name in ("lr", "weight_decay"):
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or not math.isfinite(value) or value < 0 or (name == "lr" and value == 0):
                raise ValueError(
                    f"ClassifierTrainConfig.{name} must be a finite number >= 0 "
                    f"(lr > 0), got {value!r}"
                )
        shift = self.max_shift
        if isinstance(shift, bool) or not isinstance(shift, int) or not 0 <= shift <= 7:
            raise ValueError(
                f"ClassifierTrainConfig.max_shift must be an int in 0..7, got {shift!r}"
            )
        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise ValueError(
                f"ClassifierTrainConfig.seed must be an int in [0, 2**32), got {seed!r}"
            )


@dataclass(frozen=True)
class TrainedClassifier:
    """What :func:`train_digit_classifier` returns.

    Attributes:
        model: the trained classifier, in eval mode.
        test_accuracy: the share of the 500 held-out test digits it classifies correctly.
        train_seconds: the wall-clock time of the training.
    """

    model: DigitClassifier
    test_accuracy: float
    train_seconds: float


def random_shift(x: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """``x`` ``(B, 1, 28, 28)`` in [-1, 1], each image moved by whole pixels in
    ``-max_shift..max_shift`` per axis; pixels moved in from outside are background (-1)."""
    if max_shift == 0:
        return x
    b = x.shape[0]
    shifts = torch.randint(-max_shift, max_shift + 1, (b, 2), generator=generator)  # (B, 2)
    theta = torch.zeros(b, 2, 3)  # (B, 2, 3): identity plus a translation, in [-1, 1] units
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    theta[:, :, 2] = shifts.float() * (2.0 / 28.0)
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)  # (B, 28, 28, 2)
    # Shifted by +1 so that the zeros grid_sample pads with are the background -1 afterwards.
    moved = F.grid_sample(x + 1.0, grid, mode="nearest", padding_mode="zeros", align_corners=False)
    return moved - 1.0  # (B, 1, 28, 28)


@torch.no_grad()
def accuracy(model: DigitClassifier, digits: DigitSet, *, batch_size: int = 500) -> float:
    """The share of ``digits`` whose most likely class under ``model`` is their label."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    correct = 0
    for start in range(0, len(digits), batch_size):
        x = digits.images[start : start + batch_size].to(device)  # (b, 1, 28, 28)
        y = digits.labels[start : start + batch_size].to(device)  # (b,)
        correct += int((model(x).argmax(dim=1) == y).sum().item())
    model.train(was_training)
    return correct / len(digits)


def train_digit_classifier(
    config: DigitClassifierConfig | None = None,
    train: ClassifierTrainConfig | None = None,
    *,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> TrainedClassifier:
    """Train a :class:`DigitClassifier` on ``load_digits("train", scale="tanh")``.

    Minimises the cross-entropy of the module docstring with Adam. The global random number
    generators are left as they were (the training runs in ``torch.random.fork_rng``), so
    building the measure in the middle of a notebook does not change the notebook's later
    random numbers. The same configs on the same device and number of threads give the same
    weights (other thread counts round sums differently: the weights, and so FIDs, differ
    slightly).
    """
    config = config or DigitClassifierConfig()
    train = train or ClassifierTrainConfig()
    device = torch.device("cpu" if device is None else device)
    data = load_digits("train", scale="tanh", device=device)
    test = load_digits("test", scale="tanh", device=device)
    n = len(data)
    per_epoch = n // train.batch_size
    if per_epoch < 1:
        raise ValueError(f"batch_size {train.batch_size} is larger than the {n} training digits")

    begin = time.perf_counter()
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(train.seed)  # the initial weights
        model = DigitClassifier(config).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=train.lr, weight_decay=train.weight_decay)
        shuffle = torch.Generator().manual_seed(train.seed)
        order: list[Tensor] = []

        def step_fn(step: int) -> dict[str, Tensor]:
            i = step % per_epoch
            if i == 0:  # a fresh permutation at the start of every epoch
                order[:] = [torch.randperm(n, generator=shuffle).to(device)]
            idx = order[0][i * train.batch_size : (i + 1) * train.batch_size]  # (B,)
            x = random_shift(data.images[idx], train.max_shift, shuffle)  # (B, 1, 28, 28)
            logits = model(x)  # (B, 1, 28, 28) -> (B, 10)
            loss = F.cross_entropy(logits, data.labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return {"loss": loss, "acc": (logits.argmax(1) == data.labels[idx]).float().mean()}

        model.train()
        Trainer(
            step_fn,
            {"classifier": model},
            {"classifier": opt},
            TrainConfig(
                steps=train.epochs * per_epoch,
                log_every=per_epoch,
                desc="digit classifier",
                progress=progress,
            ),
        ).fit(resume=False)
    model.eval()
    seconds = time.perf_counter() - begin
    return TrainedClassifier(
        model=model, test_accuracy=accuracy(model, test), train_seconds=seconds
    )
