"""The image data set type every loader returns, and the pixel scalings GANs need."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import torch
from torch.utils.data import TensorDataset

__all__ = ["DIGIT_CLASSES", "DigitSet", "Scale", "SCALES", "to_digitset"]

Scale = Literal["tanh", "unit", "raw"]
#: The pixel scalings: "tanh" to [-1, 1] (generators ending in Tanh), "unit" to [0, 1]
#: (sigmoid outputs, binary cross-entropy), "raw" the stored 0..255 as float32.
SCALES: tuple[str, ...] = ("tanh", "unit", "raw")
DIGIT_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))


@dataclass(frozen=True, eq=False)
class DigitSet:
    """Grey-scale 28x28 images with class labels, ready for a model.

    Attributes:
        images: ``(N, 1, 28, 28)`` float32, scaled as ``scale`` says.
        labels: ``(N,)`` int64 class indices 0..9.
        name: where the images come from and which part, e.g. ``"digits/train"``.
        scale: ``"tanh"`` (pixels in [-1, 1]), ``"unit"`` ([0, 1]) or ``"raw"`` ([0, 255]).
        class_names: a readable name per class index (``"0"``..``"9"``, or "Trouser"...).
    """

    images: torch.Tensor
    labels: torch.Tensor
    name: str
    scale: str = "tanh"
    class_names: tuple[str, ...] = DIGIT_CLASSES

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def __repr__(self) -> str:
        return (
            f"DigitSet(name={self.name!r}, n={len(self)}, images={tuple(self.images.shape)} "
            f"{self.images.dtype}, scale={self.scale!r}, device={self.images.device})"
        )

    def to(self, device: str | torch.device) -> DigitSet:
        """The same set with images and labels on ``device``."""
        return replace(self, images=self.images.to(device), labels=self.labels.to(device))

    def tensor_dataset(self) -> TensorDataset:
        """A ``TensorDataset`` of ``(image, label)`` pairs, for a ``DataLoader``."""
        return TensorDataset(self.images, self.labels)


def to_digitset(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    name: str,
    scale: str,
    device: str | torch.device | None,
    class_names: tuple[str, ...] = DIGIT_CLASSES,
) -> DigitSet:
    """Build a :class:`DigitSet` from ``(N, 28, 28)`` or ``(N, 784)`` pixels in 0..255 and labels.

    ``device=None`` keeps the tensors on the CPU.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(map(repr, SCALES))}, got {scale!r}")
    pixels = np.asarray(images).reshape(-1, 1, 28, 28)  # (N, 1, 28, 28)
    if pixels.shape[0] != len(labels):
        raise ValueError(f"{pixels.shape[0]} images but {len(labels)} labels")
    x = torch.from_numpy(pixels.astype(np.float32, copy=True))  # a copy: callers own it
    if scale == "unit":
        x.div_(255.0)
    elif scale == "tanh":
        x.div_(127.5).sub_(1.0)
    y = torch.from_numpy(np.array(labels, dtype=np.int64, copy=True))  # (N,)
    if device is not None:
        x, y = x.to(device), y.to(device)
    return DigitSet(images=x, labels=y, name=name, scale=scale, class_names=class_names)
