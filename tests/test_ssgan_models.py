"""The semi-supervised GAN's discriminator/classifier and generator: architecture of the paper's
MNIST models, noise only in training, weight normalisation, features, clear errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from gancourse.losses.ssgan import (
    feature_matching_loss,
    supervised_loss,
    unsupervised_discriminator_loss,
)
from gancourse.models.ssgan import (
    GaussianNoise,
    SSGANDiscriminator,
    SSGANDiscriminatorConfig,
    SSGANGenerator,
    SSGANGeneratorConfig,
)

SMALL = SSGANDiscriminatorConfig(hidden=(32, 16))


def _images(n: int = 6, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def test_paper_discriminator_architecture_and_parameter_count():
    torch.manual_seed(0)
    d = SSGANDiscriminator()
    widths = [784, 1000, 500, 250, 250, 250, 10]
    linears = _linears(d)
    assert [(m.in_features, m.out_features) for m in linears] == list(
        zip(widths, widths[1:], strict=False)
    )
    # every layer weight-normalised: v (out x in), g (out), bias (out)
    expected = sum(a * b + 2 * b for a, b in zip(widths, widths[1:], strict=False))
    assert sum(p.numel() for p in d.parameters()) == expected
    stds = [m.std for m in d.modules() if isinstance(m, GaussianNoise)]
    assert stds == [0.3, 0.5, 0.5, 0.5, 0.5, 0.5]  # input, after each of the 5 hidden layers
    assert d.config.feature_dim == 250


def test_shapes_of_logits_and_features_flat_or_image_input():
    torch.manual_seed(0)
    d = SSGANDiscriminator(SMALL).eval()
    x = _images()
    logits, feats = d(x, return_features=True)
    assert logits.shape == (6, 10) and feats.shape == (6, 16)
    assert torch.equal(d(x), logits) and torch.equal(d.features(x), feats)
    assert torch.equal(d(x.view(6, 784)), logits)
    # the logits are the head applied to the features (in eval mode the head's noise is off)
    assert torch.allclose(d.head(feats), logits)
    # features are ReLU outputs
    assert (feats >= 0).all()
    d3 = SSGANDiscriminator(SSGANDiscriminatorConfig(num_classes=3, hidden=(8,))).eval()
    assert d3(x).shape == (6, 3) and d3.features(x).shape == (6, 8)


def test_noise_layers_active_in_train_mode_only():
    torch.manual_seed(0)
    d = SSGANDiscriminator(SMALL)
    x = _images()
    d.train()
    assert not torch.equal(d(x), d(x))  # fresh noise per call
    d.eval()
    assert torch.equal(d(x), d(x))
    # with both stds 0 the training-mode output is deterministic and equals eval mode
    quiet = SSGANDiscriminator(
        SSGANDiscriminatorConfig(hidden=(32, 16), input_noise_std=0.0, hidden_noise_std=0.0)
    )
    quiet.train()
    out = quiet(x)
    assert torch.equal(out, quiet(x)) and torch.equal(out, quiet.eval()(x))


def test_gaussian_noise_has_the_configured_standard_deviation():
    torch.manual_seed(0)
    layer = GaussianNoise(0.5).train()
    x = torch.full((400_000,), 2.0)
    noise = layer(x) - x
    # Monte Carlo: mean 0 and std 0.5 within ~5 standard errors
    assert abs(noise.mean().item()) < 5 * 0.5 / math.sqrt(x.numel())
    assert noise.std().item() == pytest.approx(0.5, rel=5 * math.sqrt(0.5 / x.numel()))
    assert torch.equal(layer.eval()(x), x)
    assert torch.equal(GaussianNoise(0.0).train()(x), x)


def test_input_noise_std_scales_the_perturbation_of_the_first_layer():
    # With hidden noise off, the first layer's pre-activation on a zero input is b + w . eps with
    # eps ~ N(0, s^2 I): its standard deviation is s ||w||, unit by unit.
    torch.manual_seed(0)
    cfg = SSGANDiscriminatorConfig(
        hidden=(4,), input_noise_std=0.3, hidden_noise_std=0.0, weight_norm=False
    )
    d = SSGANDiscriminator(cfg)
    first = _linears(d)[0]
    x = torch.zeros(20_000, 784)
    d.train()
    pre = d.body[:3](x)  # Flatten, noise, first linear: (B, 784) -> (B, 4)
    expected_std = 0.3 * first.weight.detach().norm(dim=1)
    assert torch.allclose(pre.std(0), expected_std, rtol=0.05)


def test_weight_norm_present_when_asked_and_scale_invariant():
    torch.manual_seed(0)
    d = SSGANDiscriminator(SMALL).eval()
    linears = _linears(d)
    assert all(parametrize.is_parametrized(m, "weight") for m in linears)
    for m in linears:
        g = m.parametrizations.weight.original0  # (out, 1)
        v = m.parametrizations.weight.original1  # (out, in)
        assert torch.allclose(m.weight, g * v / v.norm(dim=1, keepdim=True), rtol=1e-6)
        # each row's norm is its g
        assert torch.allclose(m.weight.norm(dim=1), g.abs().squeeze(1), rtol=1e-5)
    x = _images()
    before = d(x)
    with torch.no_grad():
        for m in linears:
            m.parametrizations.weight.original1.mul_(7.0)  # scaling v changes nothing
    assert torch.allclose(d(x), before, rtol=1e-5, atol=1e-6)
    plain = SSGANDiscriminator(SSGANDiscriminatorConfig(hidden=(32, 16), weight_norm=False))
    assert not any(parametrize.is_parametrized(m) for m in _linears(plain))
    assert sum(p.numel() for p in plain.parameters()) == sum(p.numel() for p in d.parameters()) - (
        32 + 16 + 10
    )


def test_gradients_reach_every_parameter_through_the_ssgan_losses():
    torch.manual_seed(0)
    d = SSGANDiscriminator(SMALL).train()
    g = SSGANGenerator(SSGANGeneratorConfig(latent_dim=8, hidden=(16,)))
    x, labels = _images(8), torch.arange(8) % 10
    logits, feats = d(x, return_features=True)
    fake_logits, fake_feats = d(g(g.sample_noise(8)), return_features=True)
    loss = (
        supervised_loss(logits, labels)
        + unsupervised_discriminator_loss(logits, fake_logits)
        + feature_matching_loss(feats, fake_feats)
    )
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in d.parameters())
    assert all(p.grad is not None for p in g.parameters())


def test_paper_generator_architecture_and_output_range():
    torch.manual_seed(0)
    g = SSGANGenerator()
    linears = _linears(g)
    assert [(m.in_features, m.out_features) for m in linears] == [
        (100, 500),
        (500, 500),
        (500, 784),
    ]
    assert [m.bias is None for m in linears] == [True, True, False]
    bns = [m for m in g.modules() if isinstance(m, nn.BatchNorm1d)]
    assert len(bns) == 2 and all(bn.weight is None for bn in bns)  # no learned scale
    assert sum(isinstance(m, nn.Softplus) for m in g.modules()) == 2
    assert parametrize.is_parametrized(linears[-1], "weight")
    z = g.sample_noise(16, generator=torch.Generator().manual_seed(1))
    assert z.shape == (16, 100) and (z >= 0).all() and (z < 1).all()
    x = g(z)
    assert x.shape == (16, 1, 28, 28) and (x > 0).all() and (x < 1).all()
    # batch norm in training mode: every hidden unit has mean shift (0) and variance
    # v / (v + eps), v the batch variance before it
    pre = g.net[0](z)  # (B, 100) -> (B, 500)
    h = g.net[:3](z)  # linear, BN, shift: (B, 100) -> (B, 500)
    v = pre.var(0, unbiased=False)
    assert torch.allclose(h.mean(0), torch.zeros(500), atol=1e-5)
    assert torch.allclose(h.var(0, unbiased=False), v / (v + bns[0].eps), rtol=1e-4)
    assert g.sample(4).shape == (4, 1, 28, 28) and not g.sample(4).requires_grad


def test_generator_noise_options():
    g = SSGANGenerator(SSGANGeneratorConfig(noise="normal", latent_dim=5, hidden=()))
    z = g.sample_noise(20_000, generator=torch.Generator().manual_seed(0))
    assert abs(z.mean().item()) < 0.02 and z.std().item() == pytest.approx(1.0, abs=0.02)
    assert (z < 0).any()
    u = SSGANGenerator(SSGANGeneratorConfig(latent_dim=5, hidden=())).sample_noise(
        20_000, generator=torch.Generator().manual_seed(0)
    )
    assert u.mean().item() == pytest.approx(0.5, abs=0.01)
    assert u.var().item() == pytest.approx(1 / 12, abs=0.005)
    plain = SSGANGenerator(SSGANGeneratorConfig(hidden=(8,), output_weight_norm=False))
    assert not parametrize.is_parametrized(_linears(plain)[-1])
    assert g.double().sample_noise(3).dtype == torch.float64


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_classes": 0}, "num_classes must be a positive int"),
        ({"hidden": ()}, "hidden must be a tuple of positive ints"),
        ({"hidden": [100]}, "hidden must be a tuple of positive ints"),
        ({"hidden": (10, 0)}, "hidden must hold positive ints"),
        ({"input_noise_std": -0.1}, "input_noise_std must be a float >= 0"),
        ({"hidden_noise_std": float("nan")}, "hidden_noise_std must be a float >= 0"),
        ({"hidden_noise_std": float("inf")}, "must be finite"),
        ({"weight_norm": 1}, "weight_norm must be a bool"),
        ({"data_shape": (1, 0, 28)}, "data_shape must hold positive ints"),
    ],
)
def test_discriminator_config_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SSGANDiscriminatorConfig(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"latent_dim": 0}, "latent_dim must be a positive int"),
        ({"noise": "gaussian"}, "noise must be one of"),
        ({"hidden": (5, -1)}, "hidden must hold positive ints"),
        ({"output_weight_norm": "yes"}, "output_weight_norm must be a bool"),
    ],
)
def test_generator_config_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SSGANGeneratorConfig(**kwargs)


def test_bad_inputs_raise_clear_errors():
    d = SSGANDiscriminator(SMALL)
    with pytest.raises(ValueError, match=r"shape \(batch, 1, 28, 28\) or \(batch, 784\)"):
        d(torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"or \(batch, 784\)"):
        d.features(torch.zeros(2, 100))
    with pytest.raises(TypeError, match="floating-point tensor of images"):
        d(torch.zeros(2, 784, dtype=torch.long))
    g = SSGANGenerator(SSGANGeneratorConfig(latent_dim=8, hidden=(16,)))
    with pytest.raises(ValueError, match=r"noise of shape \(batch, 8\).*sample_noise"):
        g(torch.zeros(2, 100))
    with pytest.raises(ValueError, match="n must be a positive int"):
        g.sample_noise(0)
    with pytest.raises(ValueError, match="std must be a float >= 0"):
        GaussianNoise(-1.0)
