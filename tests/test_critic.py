"""WGAN critics: no batch norm, per-sample scores, layer-norm invariance, per-layer gradients."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gancourse.losses.wgan import gradient_penalty_with_norms, wgan_critic_loss
from gancourse.models.critic import (
    DeepReLUCritic,
    DeepReLUCriticConfig,
    MLPCritic,
    MLPCriticConfig,
    layer_gradient_norms,
    layer_output_gradient_norms,
)

F64 = torch.float64


def _randn(seed: int, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def _critic(norm: str = "layer", data_shape=(2,), hidden=(16, 16), seed: int = 0) -> MLPCritic:
    torch.manual_seed(seed)
    return MLPCritic(MLPCriticConfig(data_shape=data_shape, hidden=hidden, norm=norm)).double()


@pytest.mark.parametrize("norm", ["batch", "BatchNorm", "batchnorm1d"])
def test_batch_norm_is_refused_with_the_reason(norm):
    with pytest.raises(ValueError, match="batch norm is not allowed") as err:
        MLPCriticConfig(norm=norm)
    assert "norm='layer'" in str(err.value) and "per-sample" in str(err.value)


@pytest.mark.parametrize(
    "kwargs",
    [{"norm": "instance"}, {"hidden": (0,)}, {"data_shape": ()}, {"negative_slope": 1.0}],
)
def test_config_validation(kwargs):
    with pytest.raises(ValueError):
        MLPCriticConfig(**kwargs)


@pytest.mark.parametrize("kwargs", [{"depth": 0}, {"width": -3}, {"depth": True}])
def test_deep_config_validation(kwargs):
    with pytest.raises(ValueError):
        DeepReLUCriticConfig(**kwargs)


@pytest.mark.parametrize("norm", ["none", "layer"])
def test_scores_have_shape_b_for_toys_and_digits(norm):
    toy = _critic(norm)
    assert toy(_randn(0, 5, 2)).shape == (5,)
    digits = _critic(norm, data_shape=(1, 28, 28), hidden=(32,))
    x = _randn(1, 3, 1, 28, 28)
    assert digits(x).shape == (3,)
    assert torch.equal(digits(x), digits(x.flatten(1)))  # a flattened batch is accepted too
    with pytest.raises(ValueError, match="samples of shape"):
        digits(_randn(2, 3, 28, 28))
    has_ln = any(isinstance(m, nn.LayerNorm) for m in toy.modules())
    assert has_ln == (norm == "layer")
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in toy.modules())


def test_layer_norm_critic_scores_each_sample_on_its_own():
    critic = _critic("layer")
    x = _randn(0, 8, 2)
    alone = torch.stack([critic(x[i : i + 1])[0] for i in range(8)])
    assert torch.allclose(critic(x), alone, rtol=1e-13, atol=1e-15)
    other = x.clone()
    other[1:] = 100 * _randn(1, 7, 2)  # change every other sample in the batch
    assert critic(other)[0] == critic(x)[0]
    # the same check catches batch norm: there the first score moves with its batchmates
    bn = nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1)).double()
    assert not torch.allclose(bn(other)[0], bn(x)[0])


def test_layer_norm_makes_the_score_invariant_to_scaling_the_first_layer():
    # LayerNorm(a z + a b) = LayerNorm(z + b) for a > 0 (up to the eps = 1e-5 LayerNorm adds to
    # the variance): a property of the layer that a critic without it does not have.
    critic, x = _critic("layer"), _randn(3, 6, 2)
    before = critic(x)
    with torch.no_grad():
        critic.net[1].weight.mul_(3.0)
        critic.net[1].bias.mul_(3.0)
    assert torch.allclose(critic(x), before, rtol=1e-4, atol=1e-6)
    plain = _critic("none")
    before = plain(x)
    with torch.no_grad():
        plain.net[1].weight.mul_(3.0)
        plain.net[1].bias.mul_(3.0)
    assert (plain(x) - before).abs().max() > 0.01


def test_gradient_penalty_norms_of_a_layer_norm_critic_do_not_depend_on_the_batch():
    critic = _critic("layer")
    real, fake = _randn(4, 6, 2), _randn(5, 6, 2)
    _, norms = gradient_penalty_with_norms(
        critic, real, fake, generator=torch.Generator().manual_seed(0)
    )
    eps = torch.rand(6, 1, generator=torch.Generator().manual_seed(0), dtype=F64)
    for i in range(6):
        x = (eps[i] * real[i] + (1 - eps[i]) * fake[i]).unsqueeze(0).requires_grad_()
        (g,) = torch.autograd.grad(critic(x).sum(), x)
        assert norms[i].item() == pytest.approx(g.norm().item(), rel=1e-12)


def test_deep_relu_critic_structure_and_positive_homogeneity():
    torch.manual_seed(0)
    critic = DeepReLUCritic(DeepReLUCriticConfig(data_shape=(2,), width=8, depth=5)).double()
    assert len(critic.linears) == 6
    assert not any(isinstance(m, (nn.LayerNorm, nn.BatchNorm1d)) for m in critic.modules())
    x = _randn(0, 7, 2)
    assert critic(x).shape == (7,)
    # with zero biases a ReLU network is positively homogeneous: f(a x) = a f(x) for a > 0
    with torch.no_grad():
        for layer in critic.linears:
            layer.bias.zero_()
    assert torch.allclose(critic(2.5 * x), 2.5 * critic(x), rtol=1e-12)


def test_layer_gradient_norms_match_a_manual_backward_and_leave_grad_alone():
    torch.manual_seed(1)
    critic = DeepReLUCritic(DeepReLUCriticConfig(width=8, depth=4)).double()
    real, fake = _randn(0, 32, 2), _randn(1, 32, 2) + 1
    norms = layer_gradient_norms(critic, real, fake)
    assert norms.shape == (5,) and not norms.requires_grad
    assert all(p.grad is None for p in critic.parameters())
    wgan_critic_loss(critic(real), critic(fake)).backward()
    manual = torch.stack([layer.weight.grad.norm() for layer in critic.linears])
    assert torch.allclose(norms, manual, rtol=1e-13)


def _chain(w: float) -> DeepReLUCritic:
    """One unit per layer, depth 5, every weight ``w``, zero biases."""
    critic = DeepReLUCritic(DeepReLUCriticConfig(data_shape=(1,), width=1, depth=5)).double()
    with torch.no_grad():
        for layer in critic.linears:
            layer.weight.fill_(w)
            layer.bias.zero_()
    return critic


def _positive_pair() -> tuple[torch.Tensor, torch.Tensor]:
    return 1 + _randn(0, 16, 1).abs(), 3 + _randn(1, 16, 1).abs()


def test_layer_gradient_norms_of_a_constant_width_chain_scale_geometrically():
    # One unit per layer, all weights w > 0, zero biases: f(x) = w^(L) x_1 on x_1 > 0, and
    # dL/dW_l = w^(L-1) * mean(fake_1 - real_1) for every layer l, while the gradient reaching
    # the input is w^L: the chain that clipping shrinks (w < 1) or blows up (w > 1).
    real, fake = _positive_pair()
    for w in (0.5, 2.0):
        norms = layer_gradient_norms(_chain(w), real, fake)
        expected = w**5 * (fake - real).mean().abs()
        assert torch.allclose(norms, expected.expand(6), rtol=1e-12)


def test_layer_output_gradient_norms_match_retained_grads():
    torch.manual_seed(2)
    critic = DeepReLUCritic(DeepReLUCriticConfig(width=8, depth=4)).double()
    real, fake = _randn(0, 32, 2), _randn(1, 16, 2) + 1
    norms = layer_output_gradient_norms(critic, real, fake)
    assert norms.shape == (5,) and not norms.requires_grad
    assert all(p.grad is None for p in critic.parameters())
    # by hand: run the layers one by one and keep the gradient of each linear output
    h, outs = torch.cat([fake, real]), []
    for module in critic.net:
        h = module(h)
        if isinstance(module, nn.Linear):
            h.retain_grad()
            outs.append(h)
    scores = h.squeeze(1)
    (scores[:16].mean() - scores[16:].mean()).backward()
    manual = torch.stack([o.grad.norm() for o in outs])
    assert torch.allclose(norms, manual, rtol=1e-13)


def test_layer_output_gradient_norms_of_a_chain_are_geometric():
    # One unit per layer, weights w > 0, zero biases, inputs > 0: h_l = w^l x and
    # dL/dh_l = w^(L-l) * (1/B' - ...)-weights, so delta_l = w^(L-l) * delta_L exactly.
    real, fake = _positive_pair()
    for w in (0.1, 3.0):
        norms = layer_output_gradient_norms(_chain(w), real, fake)
        expected = norms[-1] * w ** torch.arange(5, -1, -1, dtype=F64)
        assert torch.allclose(norms, expected, rtol=1e-12)
        assert torch.isclose(norms[-1], torch.tensor(math.sqrt(2 / 16), dtype=F64), rtol=1e-12)


def test_layer_output_gradient_norms_refuse_a_model_without_linear_layers():
    with pytest.raises(ValueError, match="no nn.Linear"):
        layer_output_gradient_norms(nn.Flatten(), _randn(0, 4, 2), _randn(1, 4, 2))
