"""Pick an image data set by name, as notebooks do from the run profile."""

from __future__ import annotations

from typing import Any, Literal

from gancourse.data.digitset import DigitSet
from gancourse.data.embedded import load_digits
from gancourse.data.mnist import MD5, load_mnist

__all__ = ["DATASETS", "load_dataset"]

#: The names :func:`load_dataset` knows: the embedded digits first, then the downloaded sets.
DATASETS: tuple[str, ...] = ("digits", *MD5)


def load_dataset(
    name: str,
    split: Literal["train", "test", "all"] = "train",
    **kwargs: Any,
) -> DigitSet:
    """Load an image data set by name.

    ``"digits"`` is the embedded set (5,000 MNIST digits, no network; :func:`load_digits`);
    ``"mnist"`` and ``"fashion-mnist"`` are downloaded on first use (:func:`load_mnist`). Keyword
    arguments (``scale``, ``device``, ...) go to that function. Typical use::

        name = by_profile(smoke="digits", standard="digits", full="mnist")
        train = load_dataset(name, "train", device=device)
    """
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else name
    if key == "digits":
        return load_digits(split, **kwargs)
    if key in MD5:
        return load_mnist(split, dataset=key, **kwargs)
    raise ValueError(f"unknown data set {name!r}; known: {', '.join(map(repr, DATASETS))}")
