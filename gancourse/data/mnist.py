"""Full MNIST and Fashion-MNIST, downloaded on demand into the cache folder.

Each data set is four gzip-compressed IDX files, fetched from the first mirror that delivers them
with the right md5 (see :func:`gancourse.data.fetch.download`) into
``<cache>/<dataset>/`` (``<cache>`` is ``$GANCOURSE_DATA`` or ``~/.cache/gancourse``) and read
with :func:`gancourse.data.idx.read_idx`. Offline, a missing file is an error that says what to
download and where to put it; there is never a silent switch to other data.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from gancourse.data.digitset import DIGIT_CLASSES, DigitSet, to_digitset
from gancourse.data.fetch import DATA_ENV, DownloadError, cache_dir, download, md5sum
from gancourse.data.idx import read_idx

__all__ = [
    "CLASS_NAMES",
    "FASHION_MNIST_MIRRORS",
    "FILES",
    "MD5",
    "MIRRORS",
    "MNIST_MIRRORS",
    "dataset_dir",
    "load_mnist",
]

#: Base addresses serving MNIST's four ``.gz`` files, tried in this order.
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
#: Base addresses serving Fashion-MNIST's four ``.gz`` files (same file names as MNIST).
FASHION_MNIST_MIRRORS: tuple[str, ...] = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": MNIST_MIRRORS,
    "fashion-mnist": FASHION_MNIST_MIRRORS,
}

#: split -> (images file, labels file); both data sets use the same names.
FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

#: md5 of each ``.gz`` file as published by the data sets' authors.
MD5: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": DIGIT_CLASSES,
    "fashion-mnist": (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
}


def _check_dataset(dataset: str) -> str:
    if dataset not in MD5:
        raise ValueError(
            f"unknown data set {dataset!r}; known: {', '.join(map(repr, MD5))} "
            "(and 'digits', the embedded one, via load_digits or load_dataset)"
        )
    return dataset


def dataset_dir(dataset: str) -> Path:
    """The folder a downloaded data set lives in: ``<cache>/<dataset>``, e.g.
    ``~/.cache/gancourse/mnist``."""
    return cache_dir() / _check_dataset(dataset)


def _manual_instructions(dataset: str, folder: Path, mirrors: Sequence[str]) -> str:
    lines = [
        f"To install {dataset} by hand, download these files (from any of "
        f"{', '.join(mirrors) or 'its mirrors'}) on a machine with a network and put them in",
        f"  {folder}",
        "with exactly these names and md5 checksums:",
    ]
    for split_files in FILES.values():
        for name in split_files:
            state = "present" if (folder / name).is_file() else "missing"
            lines.append(f"  {name:<28} md5 {MD5[dataset][name]}  ({state})")
    lines.append(
        f"The cache folder is {folder.parent}; set the environment variable {DATA_ENV} to use "
        "another one. For offline work, load_digits() needs no download."
    )
    return "\n".join(lines)


def _ensure_file(
    dataset: str, name: str, *, mirrors: Sequence[str], allow_download: bool, timeout: float,
    progress: bool,
) -> Path:
    folder = dataset_dir(dataset)
    path = folder / name
    md5 = MD5[dataset][name]
    if not allow_download:
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing and download=False.\n"
                + _manual_instructions(dataset, folder, mirrors)
                + "\nOr call again with download=True on a machine with a network."
            )
        found = md5sum(path)
        if found != md5:
            raise ValueError(
                f"{path} has md5 {found}, expected {md5}: it is incomplete or corrupt. Delete it "
                "and download it again (download=True), or replace it by hand.\n"
                + _manual_instructions(dataset, folder, mirrors)
            )
        return path
    urls = [base if base.endswith("/") else base + "/" for base in mirrors]
    try:
        return download([base + name for base in urls], path, md5, timeout=timeout,
                        progress=progress)
    except DownloadError as err:
        raise DownloadError(
            f"{err}\n\n{_manual_instructions(dataset, folder, mirrors)}",
            dest=err.dest, md5=err.md5, attempts=err.attempts,
        ) from None


@lru_cache(maxsize=8)
def _read_pair(
    images_path: str, labels_path: str, stamp: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Parsed ``(N, 28, 28)`` uint8 images and ``(N,)`` uint8 labels; cached by file and mtime."""
    del stamp  # part of the cache key only: a replaced file is read again
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            f"{images_path}: expected uint8 images of shape (N, 28, 28), got {images.dtype} "
            f"{images.shape}"
        )
    if labels.dtype != np.uint8 or labels.shape != (images.shape[0],):
        raise ValueError(
            f"{labels_path}: expected {images.shape[0]} uint8 labels to match the images, got "
            f"{labels.dtype} {labels.shape}"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: labels must be 0..9, found {int(labels.max())}")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_mnist(
    split: Literal["train", "test", "all"] = "train",
    *,
    dataset: Literal["mnist", "fashion-mnist"] = "mnist",
    scale: Literal["tanh", "unit", "raw"] = "tanh",
    device: str | torch.device | None = None,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    timeout: float = 60.0,
    progress: bool = True,
) -> DigitSet:
    """Full MNIST or Fashion-MNIST as a :class:`DigitSet`, downloading the files if needed.

    Args:
        split: ``"train"`` (60,000 images), ``"test"`` (10,000) or ``"all"`` (train then test).
        dataset: ``"mnist"`` or ``"fashion-mnist"``.
        scale: ``"tanh"`` to [-1, 1], ``"unit"`` to [0, 1], ``"raw"`` 0..255 (float32).
        device: where the tensors go; ``None`` keeps them on the CPU.
        download: fetch missing files; with ``False`` a missing file is a ``FileNotFoundError``.
        mirrors: base addresses to try instead of :data:`MIRRORS` ``[dataset]``.
        timeout: seconds per connection attempt or stalled read.
        progress: show download progress bars.

    Returns:
        ``images`` ``(N, 1, 28, 28)`` float32, ``labels`` ``(N,)`` int64, ``name`` e.g.
        ``"mnist/train"``.

    Raises:
        ValueError: unknown ``dataset``, ``split`` or ``scale``; a file that is not valid IDX.
        DownloadError: no mirror delivered a file; the message lists the mirrors tried and the
            files, md5s and folder to install by hand.
        FileNotFoundError: ``download=False`` and a file is missing (same instructions).
    """
    _check_dataset(dataset)
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    bases = tuple(MIRRORS[dataset] if mirrors is None else mirrors)
    if not bases:
        raise ValueError(
            "mirrors is empty; pass at least one base address or None for the defaults"
        )
    parts = ("train", "test") if split == "all" else (split,)
    images, labels = [], []
    for part in parts:
        paths = [
            _ensure_file(dataset, name, mirrors=bases, allow_download=download, timeout=timeout,
                         progress=progress)
            for name in FILES[part]
        ]
        stamp = tuple(x for p in paths for x in (os.stat(p).st_mtime_ns, os.stat(p).st_size))
        x, y = _read_pair(str(paths[0]), str(paths[1]), stamp)
        images.append(x)
        labels.append(y)
    return to_digitset(
        np.concatenate(images) if len(images) > 1 else images[0],
        np.concatenate(labels) if len(labels) > 1 else labels[0],
        name=f"{dataset}/{split}",
        scale=scale,
        device=device,
        class_names=CLASS_NAMES[dataset],
    )
