"""The model-independent training loop: history, NaN stops, host syncs, exact resume."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from gancourse.seed import seed_everything
from gancourse.training import (
    CheckpointError,
    NonFiniteLossError,
    TrainConfig,
    Trainer,
    load_checkpoint,
)


def _quiet(steps: int, **kwargs) -> TrainConfig:
    return TrainConfig(steps=steps, progress=False, **kwargs)


def _counting_fn(values=lambda step: {"loss": torch.tensor(float(step))}):
    calls: list[int] = []

    def step_fn(step: int):
        calls.append(step)
        return values(step)

    return step_fn, calls


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps must be >= 1"),
        ({"steps": 2.5}, "steps must be an int"),
        ({"steps": True}, "steps must be an int"),
        ({"steps": 5, "log_every": 0}, "log_every must be >= 1"),
        ({"steps": 5, "checkpoint_every": -1}, "checkpoint_every must be >= 0"),
        ({"steps": 5, "checkpoint_every": 2}, "needs a checkpoint_path"),
    ],
)
def test_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_extra_state_must_be_restorable():
    with pytest.raises(ValueError, match=r"extra_state\['labels'\] is a list"):
        Trainer(lambda s: {}, {}, {}, _quiet(1), extra_state={"labels": [1, 2]})


# ------------------------------------------------------------------ logging and history


def test_history_has_every_step():
    step_fn, calls = _counting_fn(
        lambda s: {"d_loss": torch.tensor(s / 4), "g_loss": torch.tensor(-s, dtype=torch.float64)}
    )
    history = Trainer(step_fn, {}, {}, _quiet(10, log_every=3)).fit()
    assert calls == list(range(10))
    assert history.steps == list(range(10))
    assert history["d_loss"] == [s / 4 for s in range(10)]
    assert history["g_loss"] == [-float(s) for s in range(10)]
    assert history.last() == {"d_loss": 9 / 4, "g_loss": -9.0}


class _HostReads(TorchFunctionMode):
    """Counts the tensor calls that copy to the host (and so wait for the GPU)."""

    NAMES = {"cpu", "item", "tolist", "numpy", "__float__", "__bool__", "__int__"}

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in self.NAMES:
            self.calls.append(name)
        return func(*args, **(kwargs or {}))


def test_values_reach_the_host_once_per_log_window():
    weight = nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([weight], lr=0.1)

    def step_fn(step):
        loss = (weight**2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return {"loss": loss, "w_mean": weight.mean()}

    trainer = Trainer(step_fn, {}, {"opt": opt}, _quiet(10, log_every=4))
    with _HostReads() as reads:
        trainer.fit()
    # Windows end after steps 4, 8 and 10: one .cpu() (and one .tolist() of the host copy)
    # each, no .item()/float()/bool() per step.
    assert reads.calls == ["cpu", "tolist"] * 3
    assert len(trainer.history) == 10


def test_step_fn_return_values_are_checked():
    with pytest.raises(ValueError, match=r"'x' with shape \(2,\) at step 0"):
        Trainer(lambda s: {"x": torch.zeros(2)}, {}, {}, _quiet(3)).fit()
    changing = lambda s: {"a": 1.0} if s < 2 else {"b": 1.0}  # noqa: E731
    with pytest.raises(ValueError, match=r"returned \['b'\] at step 2 but \['a'\] before"):
        Trainer(changing, {}, {}, _quiet(5)).fit()


def test_tqdm_disable_prints_only_a_summary(monkeypatch, capsys):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    step_fn, _ = _counting_fn()
    Trainer(step_fn, {}, {}, TrainConfig(steps=30, log_every=7, desc="toy GAN")).fit()
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1
    assert out.startswith("toy GAN: 30 steps to 30/30 in ") and "last loss=29" in out


def test_progress_bar_without_tqdm_disable(monkeypatch, capsys):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    step_fn, _ = _counting_fn()
    Trainer(step_fn, {}, {}, TrainConfig(steps=5, log_every=5, desc="bar")).fit()
    out, err = capsys.readouterr()
    assert "bar: 100%" in err and "loss=4" in err
    assert out.startswith("bar: 5 steps")


# ------------------------------------------------------------------ non-finite values


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_loss_names_the_first_bad_step(bad):
    def values(step):
        g = bad if step >= 7 else 1.0 / (step + 1)  # stays bad once bad, like a diverged GAN
        return {"d_loss": torch.tensor(0.5), "g_loss": torch.tensor(g)}

    step_fn, calls = _counting_fn(values)
    trainer = Trainer(step_fn, {}, {}, _quiet(20, log_every=5))
    with pytest.raises(NonFiniteLossError) as info:
        trainer.fit()
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert calls == list(range(10))  # noticed at the log after step 9 ...
    assert (err.name, err.step) == ("g_loss", 7)  # ... but reported at step 7
    assert math.isnan(err.value) if math.isnan(bad) else err.value == bad
    message = str(err)
    assert f"'g_loss' is {bad} at step 7" in message
    assert "learning rate" in message and "scaled" in message and "gradient" in message
    assert err.history.steps == list(range(7))  # the finite part is kept
    assert err.history["g_loss"] == [pytest.approx(1 / (s + 1)) for s in range(7)]


def test_non_finite_value_is_never_checkpointed(tmp_path):
    path = tmp_path / "run.pt"
    values = lambda s: {"loss": torch.tensor(math.nan if s == 5 else 1.0)}  # noqa: E731
    config = _quiet(20, log_every=10, checkpoint_every=2, checkpoint_path=path)
    with pytest.raises(NonFiniteLossError, match="at step 5"):
        Trainer(values, {}, {}, config).fit()
    saved = load_checkpoint(path)
    assert saved["step"] == 4 and saved["history"]["values"]["loss"] == [1.0] * 4


# ------------------------------------------------------------------ checkpoints and resume


def _build_gan(seed: int, config: TrainConfig, callbacks=()):
    """Two tiny MLPs with dropout, two Adams, noise from every kind of RNG."""
    seed_everything(seed)
    G = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
    D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(16, 1))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    data_gen = torch.Generator().manual_seed(seed + 1)
    fixed_noise = torch.randn(8, 4)
    bce = nn.BCEWithLogitsLoss()

    def step_fn(step):
        real = torch.randn(32, 2, generator=data_gen) + 2.0  # the "data": its own generator
        real = real + torch.from_numpy(np.random.normal(0, 0.01, (32, 2)).astype(np.float32))
        real_label = 1.0 - 0.1 * random.random()  # label smoothing from Python's RNG
        z = torch.randn(32, 4)  # the global torch RNG
        # D step; fake.detach() so that D's loss does not backpropagate into G.
        fake = G(z)
        d_real, d_fake = D(real), D(fake.detach())
        d_loss = bce(d_real, torch.full_like(d_real, real_label)) + bce(
            d_fake, torch.zeros_like(d_fake)
        )
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        # G step (non-saturating loss)
        d_gz = D(fake)
        g_loss = bce(d_gz, torch.ones_like(d_gz))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        return {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "D(x)": torch.sigmoid(d_real).mean(),
            "D(G(z))": torch.sigmoid(d_fake).mean(),
        }

    trainer = Trainer(
        step_fn,
        {"G": G, "D": D},
        {"G": opt_g, "D": opt_d},
        config,
        extra_state={"fixed_noise": fixed_noise, "data_gen": data_gen},
        callbacks=callbacks,
    )
    return trainer, G, D, fixed_noise, data_gen


def _interrupt_after(stop: int):
    def callback(trainer, step):
        if step == stop:
            raise KeyboardInterrupt

    return callback


@pytest.mark.parametrize("checkpoint_every", [1, 5])
def test_interrupted_run_resumes_exactly(tmp_path, checkpoint_every):
    straight, G1, D1, noise1, gen1 = _build_gan(0, _quiet(20, log_every=3))
    expected = straight.fit()
    straight_next = (torch.randn(3), np.random.rand(), random.random())

    path = tmp_path / "gan.pt"
    config = _quiet(20, log_every=3, checkpoint_every=checkpoint_every, checkpoint_path=path)
    first, *_ = _build_gan(0, config, callbacks=[_interrupt_after(12)])
    with pytest.raises(KeyboardInterrupt):
        first.fit()
    assert load_checkpoint(path)["step"] == (13 if checkpoint_every == 1 else 10)
    del first  # everything of the first process is gone ...

    # ... and rebuilt from scratch with other seeds: initial weights, RNGs and noise all differ.
    resumed, G2, D2, noise2, gen2 = _build_gan(1234, config)
    assert not torch.equal(noise1, noise2)
    history = resumed.fit(resume=True)

    assert history.steps == expected.steps == list(range(20))
    assert history.values == expected.values  # every logged value, exactly
    for before, after in ((G1, G2), (D1, D2)):
        for a, b in zip(before.state_dict().values(), after.state_dict().values(), strict=True):
            assert torch.equal(a, b)
    assert torch.equal(noise1, noise2)  # restored in place, seen by closures
    assert torch.equal(gen1.get_state(), gen2.get_state())
    # The global RNGs continue as after the straight run.
    resumed_next = (torch.randn(3), np.random.rand(), random.random())
    assert torch.equal(straight_next[0], resumed_next[0]) and straight_next[1:] == resumed_next[1:]
    assert load_checkpoint(path)["step"] == 20  # the final checkpoint


def test_finished_checkpoint_is_loaded_not_retrained(tmp_path):
    path = tmp_path / "done.pt"
    step_fn, calls = _counting_fn()
    first = Trainer(step_fn, {}, {}, _quiet(6, checkpoint_path=path)).fit()  # saves at the end
    assert calls == list(range(6)) and load_checkpoint(path)["step"] == 6
    step_fn, calls = _counting_fn()
    again = Trainer(step_fn, {}, {}, _quiet(6, checkpoint_path=path)).fit()
    assert calls == [] and again.values == first.values
    # A longer run continues from the checkpoint; resume=False starts over.
    step_fn, calls = _counting_fn()
    assert len(Trainer(step_fn, {}, {}, _quiet(8, checkpoint_path=path)).fit()) == 8
    assert calls == [6, 7]
    step_fn, calls = _counting_fn()
    Trainer(step_fn, {}, {}, _quiet(3, checkpoint_path=path)).fit(resume=False)
    assert calls == [0, 1, 2] and load_checkpoint(path)["step"] == 3


def test_resuming_into_different_modules_is_a_clear_error(tmp_path):
    path = tmp_path / "gan.pt"
    net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = torch.optim.Adam(net.parameters())
    step = lambda s: {"loss": net(torch.ones(1, 2)).sum()}  # noqa: E731
    Trainer(step, {"D": net}, {"D": opt}, _quiet(2, checkpoint_path=path)).fit()

    deeper = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
    trainer = Trainer(step, {"D": deeper}, {"D": torch.optim.Adam(deeper.parameters())},
                      _quiet(4, checkpoint_path=path))
    with pytest.raises(CheckpointError, match=r"module 'D' is missing keys \['4.bias', '4.weight'\]"
                       r".*delete it"):
        trainer.fit()

    wider = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    trainer = Trainer(step, {"D": wider}, {"D": torch.optim.Adam(wider.parameters())},
                      _quiet(4, checkpoint_path=path))
    with pytest.raises(CheckpointError, match=r"'0.weight' has shape \(4, 2\) in the checkpoint"):
        trainer.fit()

    trainer = Trainer(step, {"critic": net}, {"critic": opt}, _quiet(4, checkpoint_path=path))
    with pytest.raises(CheckpointError, match=r"modules \['D'\] vs \['critic'\] here"):
        trainer.fit()
