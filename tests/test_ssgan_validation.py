"""tools/ssgan_validation.py: the validation split is disjoint from training and test digits, and
the script runs end to end (a few steps)."""

from __future__ import annotations

import pytest
import ssgan_validation
import torch

from gancourse.data import load_digits


def _keys(images: torch.Tensor) -> set[bytes]:
    return {x.numpy().tobytes() for x in images}


def test_the_validation_split_is_carved_from_train_and_never_touches_test():
    train, val = ssgan_validation.validation_split()
    assert (len(train), len(val)) == (4000, 500)
    assert not _keys(train.images) & _keys(val.images)
    assert not _keys(val.images) & _keys(load_digits("test", scale="unit").images)
    again = ssgan_validation.validation_split()[1]
    assert torch.equal(again.labels, val.labels)  # the same split every time


def test_the_script_prints_both_errors_and_the_ratio(capsys):
    assert ssgan_validation.main(["--steps", "5", "--hidden", "20", "--label-seeds", "0"]) == 0
    out = capsys.readouterr().out
    assert "4000 training digits, 500 validation digits" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("0 "))
    sup, ssgan, ratio = (float(v.rstrip("%")) for v in row.split()[1:4])
    assert 0 <= sup <= 100 and 0 <= ssgan <= 100 and ratio == pytest.approx(ssgan / sup, abs=0.01)


def test_the_script_refuses_a_non_positive_step_count():
    with pytest.raises(SystemExit):
        ssgan_validation.main(["--steps", "0"])
