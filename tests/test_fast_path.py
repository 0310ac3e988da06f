"""The fast path changes how a step is computed, not what: each switch against plain float32."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from gancourse.models import (
    ConvCritic,
    ConvGenerator,
    DCGANDiscriminator,
    DCGANDiscriminatorConfig,
    DCGANGenerator,
    DCGANGeneratorConfig,
    MLPDiscriminator,
    MLPDiscriminatorConfig,
    MLPGenerator,
    MLPGeneratorConfig,
)
from gancourse.training import fast
from gancourse.training.gan import GANStepConfig, d_step, g_step
from gancourse.training.wgan import WGANConfig, critic_step, generator_step


def _dcgan(seed: int = 0) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(seed)
    G = DCGANGenerator(DCGANGeneratorConfig.digits(ngf=8))
    D = DCGANDiscriminator(DCGANDiscriminatorConfig.digits(ndf=8))
    return G, D


def _deltas(before: nn.Module, after: nn.Module) -> torch.Tensor:
    return torch.cat(
        [(a - b).flatten() for a, b in zip(after.parameters(), before.parameters(), strict=True)]
    )


def _gan_iteration(G, D, real, z, *, amp=None):
    # SGD, so that the updates are the gradients (Adam's first step, lr * sign(g), would blow a
    # rounding difference in a gradient near 0 up to a full step)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.01)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.01)
    d = d_step(G, D, opt_d, real, z, amp=amp)
    g = g_step(G, D, opt_g, z, amp=amp)
    return d.loss.item(), g.loss.item()


# ----------------------------------------------------------------------------- precision


def test_resolve_amp_follows_the_precision_the_networks_and_the_hardware(monkeypatch):
    conv_g, conv_d = _dcgan()
    mlp = MLPDiscriminator(MLPDiscriminatorConfig(data_shape=(2,), hidden=(8,)))
    assert fast.resolve_amp("float32", conv_g, conv_d) is None
    assert fast.resolve_amp("bfloat16", mlp) is torch.bfloat16
    monkeypatch.setattr(fast, "native_bf16", lambda device: True)
    assert fast.resolve_amp("auto", conv_g, conv_d) is torch.bfloat16
    assert fast.resolve_amp("auto", mlp) is None  # MLPs stay float32 even where bf16 is native
    monkeypatch.setattr(fast, "native_bf16", lambda device: False)
    assert fast.resolve_amp("auto", conv_g, conv_d) is None  # emulated bf16 would be slower


@pytest.mark.parametrize("bad", ["fp16", "float16", None, 16])
def test_an_unknown_precision_is_refused_with_the_choices(bad):
    with pytest.raises(ValueError, match="precision must be one of"):
        GANStepConfig(8, precision=bad)
    with pytest.raises(ValueError, match="precision must be one of"):
        WGANConfig(8, precision=bad)


def test_full_precision_lifts_16_bit_floats_only():
    assert fast.full_precision(torch.ones(2, dtype=torch.bfloat16)).dtype == torch.float32
    assert fast.full_precision(torch.ones(2, dtype=torch.float16)).dtype == torch.float32
    x64 = torch.ones(2, dtype=torch.float64)
    assert fast.full_precision(x64) is x64


def test_native_bf16_is_false_for_devices_without_it():
    assert fast.native_bf16("meta") is False
    assert isinstance(fast.native_bf16("cpu"), bool)


def test_bf16_step_agrees_with_float32_up_to_bf16_rounding():
    G, D = _dcgan(1)
    real = torch.rand(16, 1, 28, 28) * 2 - 1
    z = torch.randn(16, 100)
    G32, D32 = copy.deepcopy(G), copy.deepcopy(D)
    G16, D16 = copy.deepcopy(G), copy.deepcopy(D)
    loss32 = _gan_iteration(G32, D32, real, z)
    loss16 = _gan_iteration(G16, D16, real, z, amp=torch.bfloat16)
    assert loss16 == pytest.approx(loss32, rel=0.02)
    for ref, ours, start in ((D32, D16, D), (G32, G16, G)):
        a, b = _deltas(start, ref), _deltas(start, ours)
        # Adam's first step is lr * sign(g) almost everywhere: the updates must point the same way
        assert torch.nn.functional.cosine_similarity(a, b, dim=0) > 0.95
        for p in ours.parameters():
            assert p.dtype == torch.float32  # autocast leaves the weights in float32


def test_bf16_critic_step_agrees_with_float32():
    torch.manual_seed(2)
    G, f = ConvGenerator(), ConvCritic()
    real, z = torch.rand(8, 1, 28, 28), torch.randn(8, 128)
    results = []
    for precision in ("float32", "bfloat16"):
        f_copy = copy.deepcopy(f)
        opt = torch.optim.SGD(f_copy.parameters(), lr=0.1)
        config = WGANConfig(8, precision=precision)
        amp = fast.resolve_amp(precision, G, f_copy)
        stats = critic_step(
            G, f_copy, opt, real, z, config, eps_generator=torch.Generator().manual_seed(0), amp=amp
        )
        assert stats.loss.dtype == torch.float32 and stats.lipschitz.dtype == torch.float32
        results.append((stats, _deltas(f, f_copy)))
    (s32, d32), (s16, d16) = results
    assert s16.lipschitz.item() == pytest.approx(s32.lipschitz.item(), rel=0.05)
    assert s16.loss.item() == pytest.approx(s32.loss.item(), rel=0.05, abs=0.05)
    assert torch.nn.functional.cosine_similarity(d32, d16, dim=0) > 0.9
    g_copy = copy.deepcopy(G)
    opt_g = torch.optim.Adam(g_copy.parameters(), lr=1e-4)
    loss = generator_step(g_copy, f, opt_g, z, amp=torch.bfloat16).loss
    assert loss.dtype == torch.float32 and torch.isfinite(loss)


# ----------------------------------------------------------------------------- layout, optimiser


def test_channels_last_gives_the_same_step_up_to_rounding():
    G, D = _dcgan(3)
    real = torch.rand(8, 1, 28, 28) * 2 - 1
    z = torch.randn(8, 100)
    Ga, Da = copy.deepcopy(G), copy.deepcopy(D)
    Gb = fast.prepare(copy.deepcopy(G), "cpu", channels_last=True)
    Db = fast.prepare(copy.deepcopy(D), "cpu", channels_last=True)
    # the second convolution: with one input channel both layouts coincide
    conv_a, conv_b = ([m for m in net.modules() if isinstance(m, nn.Conv2d)][1] for net in (Da, Db))
    assert conv_b.weight.is_contiguous(memory_format=torch.channels_last)
    assert not conv_a.weight.is_contiguous(memory_format=torch.channels_last)
    real_cl = real.contiguous(memory_format=torch.channels_last)
    assert _gan_iteration(Ga, Da, real, z) == pytest.approx(
        _gan_iteration(Gb, Db, real_cl, z), rel=1e-5
    )
    params_b = [*Gb.parameters(), *Db.parameters()]
    for a, b in zip([*Ga.parameters(), *Da.parameters()], params_b, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_prepare_defaults_on_the_cpu_and_for_mlps():
    mlp = MLPGenerator(MLPGeneratorConfig(latent_dim=2, data_shape=(2,), hidden=(4,)))
    assert not fast.has_conv2d(mlp) and fast.has_conv2d(ConvCritic())
    assert fast.prepare(mlp, "cpu", channels_last=True) is mlp
    G = fast.prepare(ConvGenerator(), "cpu")  # CPU defaults: channels-last, no torch.compile
    assert G._compiled_call_impl is None and not fast.compile_default("cpu")
    assert G.up2.weight.is_contiguous(memory_format=torch.channels_last)
    plain = fast.prepare(ConvGenerator(), "cpu", channels_last=False)
    assert plain.up2.weight.is_contiguous()
    assert not fast.channels_last_default("mps")


def test_fused_adam_takes_the_same_steps_as_the_for_loop_adam():
    torch.manual_seed(4)
    net = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 1))
    twin = copy.deepcopy(net)
    opt_a = fast.adam(net.parameters(), lr=1e-2, betas=(0.5, 0.9))
    opt_b = torch.optim.Adam(twin.parameters(), lr=1e-2, betas=(0.5, 0.9), foreach=False)
    assert opt_a.defaults["fused"] is True
    for _ in range(5):
        x = torch.randn(16, 5)
        for model, opt in ((net, opt_a), (twin, opt_b)):
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()
    for a, b in zip(net.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


def test_adam_refuses_an_empty_parameter_list():
    with pytest.raises(ValueError, match="no parameters"):
        fast.adam([], lr=1e-3)


def test_to_device_layout_keeps_the_values_and_follows_prepare():
    x = torch.rand(3, 2, 28, 28)
    y = fast.to_device_layout(x, "cpu")
    assert torch.equal(x, y) and y.is_contiguous(memory_format=torch.channels_last)
    z = fast.to_device_layout(x, "cpu", channels_last=False)
    assert torch.equal(x, z) and z.is_contiguous()
    flat = torch.rand(3, 2)
    assert fast.to_device_layout(flat, "cpu").is_contiguous()  # only 4-D batches change
