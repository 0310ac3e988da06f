"""critic_step / generator_step / wgan_step_fn: right gradient, right network, no host syncs."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from gancourse.losses.wgan import (
    finite_difference_penalty,
    gradient_penalty,
    wgan_critic_loss,
    wgan_generator_loss,
)
from gancourse.models.critic import MLPCritic, MLPCriticConfig
from gancourse.models.mlp import MLPGenerator, MLPGeneratorConfig
from gancourse.training import TrainConfig, Trainer
from gancourse.training.gan import random_batches
from gancourse.training.wgan import (
    WGANConfig,
    critic_step,
    generator_step,
    stat_names,
    wgan_step_fn,
)

LR = 0.05
F64 = torch.float64


def _pair(seed: int = 0, data_dim: int = 2):
    torch.manual_seed(seed)
    G = MLPGenerator(
        MLPGeneratorConfig(latent_dim=3, data_shape=(data_dim,), hidden=(8,), output="identity")
    ).double()
    f = MLPCritic(MLPCriticConfig(data_shape=(data_dim,), hidden=(8,), norm="layer")).double()
    return G, f


def _batch(seed: int, n: int = 16, dim: int = 2) -> torch.Tensor:
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed), dtype=F64)


def _snapshot(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _grads(module: nn.Module) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.clone() for p in module.parameters()]


def _same(a: list, b: list) -> bool:
    return all(
        (x is None and y is None) or (x is not None and y is not None and torch.equal(x, y))
        for x, y in zip(a, b, strict=True)
    )


def test_config_validation():
    assert WGANConfig(64).n_critic == 5 and WGANConfig(64).lambda_ == 10.0
    for kwargs in ({"n_critic": 0}, {"mode": "wc"}, {"lambda_": -1.0}, {"clip": 0.0}):
        with pytest.raises(ValueError):
            WGANConfig(64, **kwargs)


@pytest.mark.parametrize("mode", ["gp", "fd", "clip"])
def test_critic_step_changes_the_critic_only(mode):
    G, f = _pair()
    for p in G.parameters():
        p.grad = torch.full_like(p, 0.125)
    g_params, g_grads, c_params = _snapshot(G), _grads(G), _snapshot(f)
    stats = critic_step(
        G, f, torch.optim.SGD(f.parameters(), lr=LR), _batch(1) + 3, _batch(2, dim=3),
        WGANConfig(16, mode=mode, clip=0.05),
    )  # fmt: skip
    assert _same(_snapshot(G), g_params), "critic_step moved the generator"
    assert _same(_grads(G), g_grads), "critic_step wrote into the generator's .grad"
    assert any(not torch.equal(a, b) for a, b in zip(_snapshot(f), c_params, strict=True))
    assert stats.loss.dim() == 0 and not stats.loss.requires_grad
    assert (stats.penalty is None) == (mode == "clip")
    if mode == "clip":
        assert max(p.abs().max().item() for p in f.parameters()) <= 0.05


@pytest.mark.parametrize("mode", ["gp", "fd"])
def test_critic_step_is_one_gradient_step_on_wasserstein_loss_plus_penalty(mode):
    G, f = _pair()
    real, z = _batch(3) + 1, _batch(4, dim=3)
    f_ref = MLPCritic(f.config).double()
    f_ref.load_state_dict(f.state_dict())
    with torch.no_grad():
        fake = G(z)
    w_loss = wgan_critic_loss(f_ref(real), f_ref(fake))
    penalty_fn = gradient_penalty if mode == "gp" else finite_difference_penalty
    penalty = penalty_fn(f_ref, real, fake, lambda_=3.0, generator=torch.Generator().manual_seed(5))
    grads = torch.autograd.grad(w_loss + penalty, list(f_ref.parameters()), allow_unused=True)
    expected = [
        p.detach() - (0 if g is None else LR * g)
        for p, g in zip(f_ref.parameters(), grads, strict=True)
    ]
    stats = critic_step(
        G, f, torch.optim.SGD(f.parameters(), lr=LR), real, z,
        WGANConfig(16, mode=mode, lambda_=3.0), eps_generator=torch.Generator().manual_seed(5),
    )  # fmt: skip
    for p, e in zip(f.parameters(), expected, strict=True):
        assert torch.allclose(p, e, rtol=1e-12, atol=1e-14)
    assert stats.loss.item() == pytest.approx((w_loss + penalty).item(), rel=1e-12)
    assert stats.w_estimate.item() == pytest.approx(-w_loss.item(), rel=1e-12)
    assert stats.penalty.item() == pytest.approx(penalty.item(), rel=1e-12)


def test_critic_step_rejects_unpaired_batches():
    G, f = _pair()
    with pytest.raises(ValueError, match="as many noise vectors"):
        critic_step(
            G, f, torch.optim.SGD(f.parameters(), lr=LR), _batch(0, n=8), _batch(1, n=4, dim=3),
            WGANConfig(8),
        )  # fmt: skip


def test_generator_step_changes_g_only_by_the_wgan_generator_gradient():
    G, f = _pair()
    z = _batch(6, dim=3)
    G_ref = MLPGenerator(G.config).double()
    G_ref.load_state_dict(G.state_dict())
    loss_ref = wgan_generator_loss(f(G_ref(z)))
    grads = torch.autograd.grad(loss_ref, list(G_ref.parameters()))
    expected = [p.detach() - LR * g for p, g in zip(G_ref.parameters(), grads, strict=True)]
    c_params, c_grads = _snapshot(f), _grads(f)
    stats = generator_step(G, f, torch.optim.SGD(G.parameters(), lr=LR), z)
    for p, e in zip(G.parameters(), expected, strict=True):
        assert torch.allclose(p, e, rtol=1e-12, atol=1e-14)
    assert _same(_snapshot(f), c_params) and _same(_grads(f), c_grads)
    assert all(p.requires_grad for p in f.parameters())  # unfrozen again
    assert stats.loss.item() == pytest.approx(loss_ref.item(), rel=1e-12)


class _Count(torch.optim.SGD):
    steps = 0

    def step(self, closure=None):
        type(self).steps += 1
        return super().step(closure)


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


@pytest.mark.parametrize("mode", ["gp", "fd", "clip"])
def test_step_fn_runs_n_critic_updates_returns_its_names_and_never_syncs(mode):
    G, f = _pair()
    _Count.steps = 0
    opt_c = _Count(f.parameters(), lr=LR)
    step_fn = wgan_step_fn(
        G, f, torch.optim.SGD(G.parameters(), lr=LR), opt_c,
        random_batches(_batch(0, n=100) + 1), WGANConfig(16, n_critic=3, mode=mode),
    )  # fmt: skip
    with _HostReads() as reads:
        out = step_fn(0)
    assert reads.calls == []
    assert _Count.steps == 3
    assert tuple(out) == stat_names(mode)
    assert all(v.dim() == 0 and not v.requires_grad for v in out.values())


def test_step_fn_rejects_shared_optimisers():
    G, f = _pair()
    both = torch.optim.SGD(list(G.parameters()) + list(f.parameters()), lr=LR)
    sampler = random_batches(_batch(0))
    with pytest.raises(ValueError, match="opt_g optimises parameters of the critic"):
        wgan_step_fn(G, f, both, torch.optim.SGD(f.parameters(), lr=LR), sampler, WGANConfig(4))
    with pytest.raises(ValueError, match="opt_c optimises parameters of the generator"):
        wgan_step_fn(G, f, torch.optim.SGD(G.parameters(), lr=LR), both, sampler, WGANConfig(4))
    with pytest.raises(ValueError, match="WGANConfig"):
        wgan_step_fn(G, f, torch.optim.SGD(G.parameters(), lr=LR), both, sampler, object())


def test_a_tiny_wgan_gp_moves_the_generator_to_the_data():
    # 2-D target N((2, 2), 0.5^2 I); the generator starts near 0. WGAN-GP (n_critic = 5,
    # lambda = 10) through the Trainer must carry its mean most of the way and report a
    # shrinking W estimate. (In 1-D a two-sided penalty can trap the critic at slope -0.85:
    # flipping the sign of f' means crossing f' = 0, a barrier of lambda; so the test is 2-D.)
    torch.manual_seed(0)
    G = MLPGenerator(
        MLPGeneratorConfig(latent_dim=2, data_shape=(2,), hidden=(16,), output="identity")
    )
    f = MLPCritic(MLPCriticConfig(data_shape=(2,), hidden=(32, 32), norm="layer"))
    target = torch.tensor([2.0, 2.0])
    data = target + 0.5 * torch.randn(2000, 2)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.9))
    opt_c = torch.optim.Adam(f.parameters(), lr=2e-3, betas=(0.5, 0.9))
    step_fn = wgan_step_fn(G, f, opt_g, opt_c, random_batches(data), WGANConfig(64))
    start = (G.sample(2000).mean(0) - target).norm().item()
    history = Trainer(
        step_fn, {"G": G, "critic": f}, {"G": opt_g, "critic": opt_c},
        TrainConfig(steps=300, log_every=50, progress=False),
    ).fit()  # fmt: skip
    end = (G.sample(2000).mean(0) - target).norm().item()
    assert start > 2.0
    assert end < 0.25 * start
    w = history["W_estimate"]
    assert sum(w[-20:]) / 20 < 0.5 * sum(w[:20]) / 20
    assert sum(history["grad_norm"][-20:]) / 20 == pytest.approx(1.0, abs=0.15)
    assert set(history.values) == set(stat_names("gp"))
