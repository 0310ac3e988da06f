"""Checkpoints: atomic writes, SHA-256 verification, weights_only loading, RNG states."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest
import torch

from gancourse.training import (
    CheckpointError,
    checksum_path,
    get_rng_state,
    load_checkpoint,
    save_checkpoint,
    set_rng_state,
)


def _state(value: float = 1.0) -> dict:
    net = torch.nn.Linear(3, 2)
    torch.nn.init.constant_(net.weight, value)
    return {"model": net.state_dict(), "step": 7, "names": ["d_loss", "g_loss"], "lr": 2e-4}


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_round_trip_and_sidecar(tmp_path):
    path = save_checkpoint(tmp_path / "sub" / "run.pt", _state(0.5))
    assert path == tmp_path / "sub" / "run.pt"
    assert _files(path.parent) == ["run.pt", "run.pt.sha256"]  # no temporary files left
    # The sidecar is in sha256sum's format and matches the bytes on disk.
    digest, name = checksum_path(path).read_text().split()
    assert name == "run.pt"
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()

    loaded = load_checkpoint(path)
    assert loaded["step"] == 7 and loaded["names"] == ["d_loss", "g_loss"] and loaded["lr"] == 2e-4
    assert torch.equal(loaded["model"]["weight"], torch.full((2, 3), 0.5))
    assert loaded["model"]["weight"].device.type == "cpu"


def test_failed_write_leaves_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "run.pt", _state(1.0))
    before = path.read_bytes(), checksum_path(path).read_bytes()
    real_save = torch.save

    def save_then_fail(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)  # a full write to the temporary file ...
        f.truncate(100)  # ... cut short, as by a full disk,
        raise OSError("No space left on device")  # then the error

    monkeypatch.setattr(torch, "save", save_then_fail)
    with pytest.raises(OSError, match="No space"):
        save_checkpoint(path, _state(2.0))
    assert (path.read_bytes(), checksum_path(path).read_bytes()) == before
    assert _files(tmp_path) == ["run.pt", "run.pt.sha256"]
    assert torch.equal(load_checkpoint(path)["model"]["weight"], torch.ones(2, 3))


def test_failed_first_write_leaves_no_file(tmp_path, monkeypatch):
    def partial_save(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 partial")
        raise KeyboardInterrupt  # even an interrupt must not leave a partial file

    monkeypatch.setattr(torch, "save", partial_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "run.pt", _state())
    assert _files(tmp_path) == []


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at .*nothere.pt"):
        load_checkpoint(tmp_path / "nothere.pt")


def test_missing_sidecar(tmp_path):
    path = save_checkpoint(tmp_path / "run.pt", _state())
    checksum_path(path).unlink()
    with pytest.raises(CheckpointError, match=r"run.pt has no checksum file .*Delete it"):
        load_checkpoint(path)


def test_truncated_file(tmp_path):
    path = save_checkpoint(tmp_path / "run.pt", _state())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"run.pt is damaged") as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)
    assert "Delete it" in str(info.value) and "restore" in str(info.value)


def test_changed_byte(tmp_path):
    path = save_checkpoint(tmp_path / "run.pt", _state())
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same length, one bit pattern changed
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="SHA-256"):
        load_checkpoint(path)


def test_state_that_needs_unpickling_is_refused_before_writing(tmp_path):
    with pytest.raises(CheckpointError, match="weights_only=True.*NumPy"):
        save_checkpoint(tmp_path / "run.pt", {"noise": np.zeros(3)})
    assert _files(tmp_path) == []


class _Exploit:
    ran = False

    def __reduce__(self):
        return (_Exploit._run, ())

    @staticmethod
    def _run():
        _Exploit.ran = True
        return "owned"


def test_load_never_unpickles_code(tmp_path):
    # A file with a valid checksum that would run code if loaded with weights_only=False.
    path = tmp_path / "evil.pt"
    torch.save({"x": _Exploit()}, path)
    checksum_path(path).write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  evil.pt\n")
    with pytest.raises(CheckpointError, match="evil.pt cannot be loaded"):
        load_checkpoint(path)
    assert not _Exploit.ran


def _draw() -> tuple:
    return (
        random.random(),
        random.gauss(0, 1),
        np.random.normal(size=3).tolist(),
        torch.randn(3).tolist(),
    )


def test_rng_state_round_trips_through_a_checkpoint(tmp_path):
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    random.gauss(0, 1)  # leaves a cached Gaussian in Python's state
    np.random.standard_normal()  # and in NumPy's
    path = save_checkpoint(tmp_path / "rng.pt", {"rng": get_rng_state()})
    expected = _draw()
    random.seed(99)
    np.random.seed(99)
    torch.manual_seed(99)
    set_rng_state(load_checkpoint(path)["rng"])
    assert _draw() == expected
