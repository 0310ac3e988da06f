"""The digit classifier behind the digit FID: shapes, features, shifts, training, accuracy."""

from __future__ import annotations

import pytest
import torch

from gancourse.data import load_digits
from gancourse.models.classifier import (
    ClassifierTrainConfig,
    DigitClassifier,
    DigitClassifierConfig,
    accuracy,
    random_shift,
    train_digit_classifier,
)

TINY = DigitClassifierConfig(channels=(8, 16), feature_dim=32)


def test_shapes_and_features_are_the_penultimate_layer():
    model = DigitClassifier(TINY).eval()
    x = load_digits("test").images[:7]  # (7, 1, 28, 28)
    feats = model.features(x)
    logits = model(x)
    assert feats.shape == (7, 32) and logits.shape == (7, 10)
    assert (feats >= 0).all()  # after the ReLU
    # the logits are one linear map of the features
    torch.testing.assert_close(logits, feats @ model.head.weight.T + model.head.bias)


@pytest.mark.parametrize("shape", [(4, 784), (4, 28, 28), (4, 3, 28, 28), (4, 1, 32, 32)])
def test_wrong_image_shapes_are_refused(shape):
    with pytest.raises(ValueError, match=r"\(batch, 1, 28, 28\)"):
        DigitClassifier(TINY).features(torch.zeros(shape))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"channels": (8,)},
        {"channels": (8, 0)},
        {"feature_dim": 0},
        {"n_classes": 1},
        {"dropout": 1.0},
    ],
)
def test_invalid_classifier_configs_are_refused(kwargs):
    with pytest.raises(ValueError, match="DigitClassifierConfig"):
        DigitClassifierConfig(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"epochs": 0},
        {"batch_size": 0},
        {"lr": 0.0},
        {"lr": float("nan")},
        {"max_shift": 8},
        {"seed": -1},
        {"weight_decay": -1.0},
    ],
)
def test_invalid_train_configs_are_refused(kwargs):
    with pytest.raises(ValueError, match="ClassifierTrainConfig"):
        ClassifierTrainConfig(**kwargs)


def test_random_shift_moves_each_digit_by_whole_pixels_within_the_limit():
    x = load_digits("test").images[:64]  # (64, 1, 28, 28)
    border = torch.ones(28, 28, dtype=torch.bool)
    border[2:-2, 2:-2] = False
    keep = (x[:, 0][:, border] == -1).all(dim=1)  # digits whose 2-pixel frame is background
    assert keep.sum() > 50
    x = x[keep]
    g = torch.Generator().manual_seed(0)
    moved = random_shift(x, 2, g)
    seen = set()
    for original, out in zip(x, moved, strict=True):
        # with a background frame, a shift is a roll: find the one that reproduces the output
        hits = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if torch.equal(torch.roll(original, (dy, dx), dims=(1, 2)), out)
        ]
        assert hits, "the output is not the input moved by at most 2 pixels"
        seen.add(hits[0])
    assert len(seen) > 10  # the shifts vary between images
    assert torch.equal(random_shift(x, 0, g), x)
    # pixels brought in from outside are background
    full = torch.ones(3, 1, 28, 28)
    out = random_shift(full, 3, torch.Generator().manual_seed(1))
    assert set(out.unique().tolist()) <= {-1.0, 1.0} and (out == -1).any()


def test_accuracy_counts_correct_predictions():
    test = load_digits("test")
    model = DigitClassifier(TINY)
    with torch.no_grad():  # a classifier that always answers 3
        model.head.weight.zero_()
        model.head.bias.zero_()
        model.head.bias[3] = 1.0
    assert accuracy(model, test, batch_size=64) == pytest.approx((test.labels == 3).double().mean())


def test_training_is_seeded_leaves_global_rng_alone_and_learns():
    train = ClassifierTrainConfig(epochs=1, batch_size=32, lr=1e-3, seed=3)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = train_digit_classifier(TINY, train, progress=False)
    assert torch.equal(torch.get_rng_state(), before)
    b = train_digit_classifier(TINY, train, progress=False)
    for key, value in a.model.state_dict().items():
        assert torch.equal(value, b.model.state_dict()[key]), key
    assert a.test_accuracy == b.test_accuracy
    # one epoch: far above chance (0.1), and the number is the accuracy on the 500 test digits
    assert a.test_accuracy > 0.7
    assert a.test_accuracy == accuracy(a.model, load_digits("test"))
    assert a.train_seconds > 0 and not a.model.training
