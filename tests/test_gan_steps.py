"""d_step / g_step / gan_step_fn: each update moves only its own network, by the right gradient."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from gancourse.losses.gan import (
    discriminator_loss,
    minimax_generator_loss,
    nonsaturating_generator_loss,
)
from gancourse.models.mlp import (
    MLPDiscriminator,
    MLPDiscriminatorConfig,
    MLPGenerator,
    MLPGeneratorConfig,
)
from gancourse.training import TrainConfig, Trainer
from gancourse.training.gan import (
    STAT_NAMES,
    GANStepConfig,
    Snapshots,
    d_step,
    g_step,
    gan_step_fn,
    generator_loss,
    random_batches,
)

LR = 0.05


def _pair(seed: int = 0, dtype=torch.float64):
    torch.manual_seed(seed)
    G = MLPGenerator(
        MLPGeneratorConfig(latent_dim=3, data_shape=(2,), hidden=(8,), output="identity")
    ).to(dtype)
    D = MLPDiscriminator(MLPDiscriminatorConfig(data_shape=(2,), hidden=(8,))).to(dtype)
    return G, D


def _snapshot(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _grads(module: nn.Module) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.clone() for p in module.parameters()]


def _same(a: list, b: list) -> bool:
    return all(
        (x is None and y is None) or (x is not None and y is not None and torch.equal(x, y))
        for x, y in zip(a, b, strict=True)
    )


def _batch(seed: int, n: int = 16, dim: int = 2, dtype=torch.float64) -> torch.Tensor:
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _d_step_without_detach(G, D, opt_d, real, z):
    """The classic bug, for contrast: the fakes keep their graph into G."""
    loss = discriminator_loss(D(real), D(G(z)))
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()


# ------------------------------------------------------------------ the discriminator step


def test_d_step_changes_d_only_and_leaves_g_grad_untouched():
    G, D = _pair()
    for p in G.parameters():  # gradients G might be carrying from elsewhere
        p.grad = torch.full_like(p, 0.125)
    opt_d = torch.optim.SGD(D.parameters(), lr=LR)
    g_params, g_grads, d_params = _snapshot(G), _grads(G), _snapshot(D)
    d_step(G, D, opt_d, _batch(1) + 3.0, _batch(2, dim=3))
    assert _same(_snapshot(G), g_params), "d_step moved the generator"
    assert _same(_grads(G), g_grads), "d_step wrote into the generator's .grad"
    assert all(not torch.equal(a, b) for a, b in zip(_snapshot(D), d_params, strict=True))


def test_the_check_above_catches_a_missing_detach():
    G, D = _pair()
    for p in G.parameters():
        p.grad = torch.zeros_like(p)
    g_grads = _grads(G)
    _d_step_without_detach(
        G, D, torch.optim.SGD(D.parameters(), lr=LR), _batch(1), _batch(2, dim=3)
    )
    assert not _same(_grads(G), g_grads)


def test_d_step_is_one_gradient_step_on_the_discriminator_loss():
    G, D = _pair()
    real, z = _batch(3) + 1.0, _batch(4, dim=3)
    # the expected update, computed by hand on a copy of D
    D_ref = MLPDiscriminator(D.config).double()
    D_ref.load_state_dict(D.state_dict())
    with torch.no_grad():
        fake = G(z)
    real_logits, fake_logits = D_ref(real), D_ref(fake)
    loss_ref = discriminator_loss(real_logits, fake_logits)
    grads = torch.autograd.grad(loss_ref, list(D_ref.parameters()))
    expected = [p.detach() - LR * g for p, g in zip(D_ref.parameters(), grads, strict=True)]

    stats = d_step(G, D, torch.optim.SGD(D.parameters(), lr=LR), real, z)
    for p, e in zip(D.parameters(), expected, strict=True):
        assert torch.allclose(p, e, rtol=1e-12, atol=1e-14)
    # the statistics are those of the batch before the update, detached, 0-d
    assert stats.loss.item() == pytest.approx(loss_ref.item(), rel=1e-12)
    assert stats.d_real.item() == pytest.approx(torch.sigmoid(real_logits).mean().item(), rel=1e-12)
    assert stats.d_fake.item() == pytest.approx(torch.sigmoid(fake_logits).mean().item(), rel=1e-12)
    for value in (stats.loss, stats.d_real, stats.d_fake):
        assert value.dim() == 0 and not value.requires_grad


# ------------------------------------------------------------------ the generator step


@pytest.mark.parametrize("kind", ["nonsaturating", "minimax"])
def test_g_step_changes_g_only_and_leaves_d_untouched(kind):
    G, D = _pair()
    flags_before = [p.requires_grad for p in D.parameters()]
    d_params, d_grads, g_params = _snapshot(D), _grads(D), _snapshot(G)
    assert all(g is None for g in d_grads)
    stats = g_step(G, D, torch.optim.SGD(G.parameters(), lr=LR), _batch(5, dim=3), kind)
    assert _same(_snapshot(D), d_params), "g_step moved the discriminator"
    assert _same(_grads(D), d_grads), "g_step wrote into the discriminator's .grad"
    assert [p.requires_grad for p in D.parameters()] == flags_before  # restored
    assert all(not torch.equal(a, b) for a, b in zip(_snapshot(G), g_params, strict=True))
    assert stats.loss.dim() == 0 and not stats.loss.requires_grad


def test_g_step_restores_requires_grad_even_when_the_step_fails():
    G, D = _pair()
    D.net[1].weight.requires_grad_(False)  # a parameter the user froze stays frozen
    with pytest.raises(ValueError, match="noise of shape"):
        g_step(G, D, torch.optim.SGD(G.parameters(), lr=LR), torch.zeros(4, 5, dtype=torch.float64))
    flags = [p.requires_grad for p in D.parameters()]
    assert flags[0] is False and all(flags[1:])


@pytest.mark.parametrize(
    ("kind", "loss_fn"),
    [("nonsaturating", nonsaturating_generator_loss), ("minimax", minimax_generator_loss)],
)
def test_g_step_is_one_gradient_step_on_the_chosen_loss(kind, loss_fn):
    G, D = _pair()
    z = _batch(6, dim=3)
    G_ref = MLPGenerator(G.config).double()
    G_ref.load_state_dict(G.state_dict())
    logits = D(G_ref(z))
    grads = torch.autograd.grad(loss_fn(logits), list(G_ref.parameters()))
    expected = [p.detach() - LR * g for p, g in zip(G_ref.parameters(), grads, strict=True)]
    stats = g_step(G, D, torch.optim.SGD(G.parameters(), lr=LR), z, kind)
    for p, e in zip(G.parameters(), expected, strict=True):
        assert torch.allclose(p, e, rtol=1e-12, atol=1e-14)
    assert stats.loss.item() == pytest.approx(loss_fn(logits).item(), rel=1e-12)
    assert stats.d_fake.item() == pytest.approx(torch.sigmoid(logits).mean().item(), rel=1e-12)


def test_the_two_generator_losses_have_the_predicted_gradients_when_d_rejects_the_fakes():
    # D rejects every fake with logit -7 (D(G(z)) ~ 1e-3): by the chain rule the two losses'
    # gradients w.r.t. G's parameters are the same vector scaled by -sigma(l) and sigma(l) - 1.
    G, D = _pair()
    with torch.no_grad():
        for p in D.parameters():
            p.zero_()
        D.net[-1].bias.fill_(-7.0)
    z = _batch(7, dim=3)
    norms = {}
    for kind in ("minimax", "nonsaturating"):
        G.zero_grad()
        generator_loss(D(G(z)), kind).backward()
        norms[kind] = math.sqrt(sum(float((p.grad**2).sum()) for p in G.parameters()))
    # a constant D gives no gradient at all: make the logit depend on x through a weight
    assert norms["minimax"] == 0.0 and norms["nonsaturating"] == 0.0
    with torch.no_grad():
        D.net[-1].weight.fill_(0.002)
        D.net[1].weight.fill_(0.1)
    for kind in ("minimax", "nonsaturating"):
        G.zero_grad()
        generator_loss(D(G(z)), kind).backward()
        norms[kind] = math.sqrt(sum(float((p.grad**2).sum()) for p in G.parameters()))
    sig = torch.sigmoid(D(G(z))).detach()
    assert sig.max() < 2e-3  # D(G(z)) ~ 1e-3: rejected
    ratio = norms["nonsaturating"] / norms["minimax"]
    # the logits are almost equal (D(G(z)) within 1%): the ratio is (1 - s) / s at their value
    assert sig.max() / sig.min() < 1.01
    assert ratio == pytest.approx(((1 - sig) / sig).mean().item(), rel=1e-2)
    assert ratio > 500


# ------------------------------------------------------------------ the step function


def test_step_config_validation():
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        GANStepConfig(0)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        GANStepConfig(True)
    with pytest.raises(ValueError, match="d_steps must be a positive int"):
        GANStepConfig(8, d_steps=0)
    with pytest.raises(ValueError, match="g_loss must be one of"):
        GANStepConfig(8, g_loss="saturating")
    with pytest.raises(ValueError, match="generator loss must be one of"):
        generator_loss(torch.zeros(2), "wasserstein")


def test_step_fn_runs_k_d_steps_per_g_step_and_returns_detached_scalars():
    G, D = _pair()
    opt_g = torch.optim.SGD(G.parameters(), lr=LR)
    opt_d = torch.optim.SGD(D.parameters(), lr=LR)
    calls = {"real": [], "G": 0, "D": 0}
    for name, opt in (("G", opt_g), ("D", opt_d)):
        original = opt.step

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        opt.step = counted

    def sample_real(n):
        calls["real"].append(n)
        return _batch(len(calls["real"]), n=n) + 2.0

    step_fn = gan_step_fn(G, D, opt_g, opt_d, sample_real, GANStepConfig(12, d_steps=3))
    out = step_fn(0)
    assert tuple(out) == STAT_NAMES
    assert calls == {"real": [12, 12, 12], "G": 1, "D": 3}
    for value in out.values():
        assert value.dim() == 0 and not value.requires_grad
    assert 0 < out["D(x)"].item() < 1 and 0 < out["D(G(z))"].item() < 1


def test_step_fn_refuses_optimisers_over_the_wrong_network():
    G, D = _pair()
    both = torch.optim.SGD(list(G.parameters()) + list(D.parameters()), lr=LR)
    only_d = torch.optim.SGD(D.parameters(), lr=LR)
    only_g = torch.optim.SGD(G.parameters(), lr=LR)
    with pytest.raises(ValueError, match="opt_g optimises parameters of the discriminator"):
        gan_step_fn(G, D, both, only_d, lambda n: _batch(0, n=n), GANStepConfig(4))
    with pytest.raises(ValueError, match="opt_d optimises parameters of the generator"):
        gan_step_fn(G, D, only_g, both, lambda n: _batch(0, n=n), GANStepConfig(4))
    with pytest.raises(ValueError, match="config must be a GANStepConfig"):
        gan_step_fn(G, D, only_g, only_d, lambda n: _batch(0, n=n), {"batch_size": 4})
    net = nn.Linear(3, 2).double()
    with pytest.raises(ValueError, match="has no sample_noise"):
        gan_step_fn(
            net,
            D,
            torch.optim.SGD(net.parameters(), lr=LR),
            only_d,
            lambda n: _batch(0, n=n),
            GANStepConfig(4),
        )
    # with a noise sampler, any generator module works
    step_fn = gan_step_fn(
        net,
        D,
        torch.optim.SGD(net.parameters(), lr=LR),
        only_d,
        lambda n: _batch(0, n=n),
        GANStepConfig(4),
        sample_noise=lambda n: _batch(9, n=n, dim=3),
    )
    assert set(step_fn(0)) == set(STAT_NAMES)


class _HostReads(TorchFunctionMode):
    """Counts the tensor calls that copy to the host (and so wait for a GPU)."""

    NAMES = {"cpu", "item", "tolist", "numpy", "__float__", "__bool__", "__int__"}

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in self.NAMES:
            self.calls.append(func.__name__)
        return func(*args, **(kwargs or {}))


def test_step_fn_never_reads_values_back_to_the_host():
    G, D = _pair()
    data = _batch(0, n=200) + 1.0
    step_fn = gan_step_fn(
        G,
        D,
        torch.optim.SGD(G.parameters(), lr=LR),
        torch.optim.SGD(D.parameters(), lr=LR),
        random_batches(data),
        GANStepConfig(16, d_steps=2),
    )
    with _HostReads() as reads:
        for step in range(5):
            step_fn(step)
    assert reads.calls == []


def test_a_tiny_gan_learns_the_mean_of_a_gaussian():
    # The whole loop, checked against a known answer: data N(3, 0.5^2) in 1-D. A generator that
    # is affine in z can match it exactly; after training its samples' mean is near 3.
    torch.manual_seed(0)
    G = MLPGenerator(
        MLPGeneratorConfig(latent_dim=1, data_shape=(1,), hidden=(), output="identity")
    )
    D = MLPDiscriminator(MLPDiscriminatorConfig(data_shape=(1,), hidden=(16,)))
    opt_g = torch.optim.Adam(G.parameters(), lr=5e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=5e-3, betas=(0.5, 0.999))
    step_fn = gan_step_fn(
        G, D, opt_g, opt_d, lambda n: 3.0 + 0.5 * torch.randn(n, 1), GANStepConfig(128)
    )
    history = Trainer(
        step_fn,
        {"G": G, "D": D},
        {"G": opt_g, "D": opt_d},
        TrainConfig(steps=1500, log_every=100, progress=False),
    ).fit()
    x = G.sample(20_000)
    assert abs(x.mean().item() - 3.0) < 0.15
    assert set(history.values) == set(STAT_NAMES) and len(history) == 1500
    # near the end D is close to undecided: D(x) and D(G(z)) both near 1/2 on average
    tail = slice(-300, None)
    assert abs(sum(history["D(x)"][tail]) / 300 - 0.5) < 0.1
    assert abs(sum(history["D(G(z))"][tail]) / 300 - 0.5) < 0.1


# ------------------------------------------------------------------ helpers


def test_random_batches_draw_rows_of_the_data():
    data = torch.arange(20.0).view(10, 2)
    sample = random_batches(data)
    torch.manual_seed(3)
    batch = sample(50)
    assert batch.shape == (50, 2)
    assert all(any(torch.equal(row, d) for d in data) for row in batch)
    assert len({tuple(r.tolist()) for r in batch}) > 5  # with replacement, but spread out
    torch.manual_seed(3)
    assert torch.equal(sample(50), batch)  # the global seed makes it repeatable
    with pytest.raises(ValueError, match="non-empty tensor"):
        random_batches(torch.zeros(0, 2))
    with pytest.raises(ValueError, match="non-empty tensor"):
        random_batches([1.0, 2.0])


def test_snapshots_record_every_n_steps():
    counter = {"n": 0}

    def fn():
        counter["n"] += 1
        return torch.tensor(float(counter["n"]))

    snaps = Snapshots(fn, every=3)
    snaps.record(0)
    trainer = Trainer(
        lambda s: {"x": torch.tensor(1.0)},
        {},
        {},
        TrainConfig(steps=10, progress=False),
        callbacks=[snaps],
    )
    trainer.fit()
    assert snaps.steps == [0, 3, 6, 9]
    assert [v.item() for v in snaps.values] == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="every must be a positive int"):
        Snapshots(fn, every=0)
