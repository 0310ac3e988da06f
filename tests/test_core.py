"""Device choice, seeding and run profiles: the three settings every chapter starts from."""

import random
import subprocess
import sys

import numpy as np
import pytest
import torch

import gancourse
from gancourse import Profile, by_profile, get_device, get_profile, seed_everything


def test_device_defaults_to_cpu_without_accelerators(monkeypatch):
    monkeypatch.delenv("GANCOURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("gancourse.device._mps_available", lambda: False)
    assert get_device() == torch.device("cpu")


def test_device_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.delenv("GANCOURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("gancourse.device._mps_available", lambda: True)
    assert get_device() == torch.device("mps")


def test_device_environment_override(monkeypatch):
    monkeypatch.setenv("GANCOURSE_DEVICE", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cpu")
    # an explicit argument beats the environment
    assert get_device("cpu") == torch.device("cpu")


def test_device_unavailable_or_unknown_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("GANCOURSE_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="GANCOURSE_DEVICE.*no CUDA device"):
        get_device()
    monkeypatch.setenv("GANCOURSE_DEVICE", "tpu-please")
    with pytest.raises(ValueError, match="does not recognise"):
        get_device()


def _draw() -> tuple[float, float, list[float]]:
    return random.random(), float(np.random.rand()), torch.randn(3).tolist()


def test_same_seed_same_numbers_different_seed_different_numbers():
    seed_everything(123)
    first = _draw()
    seed_everything(123)
    assert _draw() == first
    seed_everything(124)
    assert _draw() != first


def test_seed_returns_a_seeded_generator_and_rejects_bad_seeds():
    a = torch.randn(4, generator=seed_everything(7))
    b = torch.randn(4, generator=seed_everything(7))
    assert torch.equal(a, b)
    for bad in (-1, 2**32, 1.5, "3", True):
        with pytest.raises(ValueError, match="seed must be an integer"):
            seed_everything(bad)


def test_seeding_repeats_a_small_training_run_exactly():
    def run() -> list[float]:
        seed_everything(0)
        model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for _ in range(5):
            x = torch.randn(16, 3)
            loss = (model(x) - x.sum(1, keepdim=True)).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    assert run() == run()


def test_profile_default_follows_the_hardware(monkeypatch):
    monkeypatch.delenv("GANCOURSE_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_profile() is Profile.STANDARD
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_profile() is Profile.FULL


@pytest.mark.parametrize("value, expected", [("smoke", 1), ("standard", 2), (" FULL ", 3)])
def test_by_profile_picks_the_value_of_the_active_profile(monkeypatch, value, expected):
    monkeypatch.setenv("GANCOURSE_PROFILE", value)
    assert by_profile(smoke=1, standard=2, full=3) == expected
    assert by_profile(smoke=1, standard=2, full=3, profile="smoke") == 1


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("GANCOURSE_PROFILE", "fast")
    with pytest.raises(
        ValueError, match="'fast' is not a run profile; use one of smoke, standard, full"
    ):
        get_profile()


def test_import_does_no_work():
    """Importing the package must not load data, plotting or notebook machinery."""
    code = (
        "import sys, gancourse, gancourse.data, gancourse.training, gancourse.plotting;"
        "heavy = {'mlxtend', 'IPython', 'otter', 'jupytext'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"importing gancourse loaded {out.stdout.strip()}"
    assert gancourse.__version__
