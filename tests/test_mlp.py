"""The MLP generator and discriminator: shapes, outputs, configs that refuse bad values."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gancourse.models.mlp import (
    MLPDiscriminator,
    MLPDiscriminatorConfig,
    MLPGenerator,
    MLPGeneratorConfig,
)


@pytest.mark.parametrize(
    ("data_shape", "hidden"), [((1, 28, 28), (32, 64)), ((2,), (16,)), ((1,), ())]
)
def test_shapes(data_shape, hidden):
    torch.manual_seed(0)
    G = MLPGenerator(MLPGeneratorConfig(latent_dim=8, data_shape=data_shape, hidden=hidden))
    D = MLPDiscriminator(MLPDiscriminatorConfig(data_shape=data_shape, hidden=hidden))
    z = G.sample_noise(5)
    assert z.shape == (5, 8)
    x = G(z)
    assert x.shape == (5, *data_shape)
    logits = D(x)
    assert logits.shape == (5,)  # one logit per sample, not (5, 1)
    assert D(x.flatten(1)).shape == (5,)  # flat samples are accepted too
    assert G.sample(3).shape == (3, *data_shape) and not G.sample(3).requires_grad


def test_layers_follow_the_config():
    G = MLPGenerator(MLPGeneratorConfig(latent_dim=4, data_shape=(3,), hidden=(5, 6)))
    linears = [m for m in G.net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(4, 5), (5, 6), (6, 3)]
    D = MLPDiscriminator(MLPDiscriminatorConfig(data_shape=(1, 2, 2), hidden=(7,), dropout=0.3))
    linears = [m for m in D.net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(4, 7), (7, 1)]
    assert any(isinstance(m, nn.Dropout) for m in D.net)
    assert not any(isinstance(m, nn.Sigmoid) for m in D.net)  # logits, never probabilities
    slopes = [m.negative_slope for m in D.net if isinstance(m, nn.LeakyReLU)]
    assert slopes == [0.2]


def test_batch_norm_generator_drops_the_redundant_bias():
    G = MLPGenerator(
        MLPGeneratorConfig(latent_dim=4, data_shape=(2,), hidden=(8,), batch_norm=True)
    )
    first = G.net[0]
    assert isinstance(first, nn.Linear) and first.bias is None
    assert isinstance(G.net[1], nn.BatchNorm1d)


@pytest.mark.parametrize(("output", "low", "high"), [("tanh", -1.0, 1.0), ("sigmoid", 0.0, 1.0)])
def test_output_activation_bounds_the_samples(output, low, high):
    torch.manual_seed(1)
    G = MLPGenerator(MLPGeneratorConfig(latent_dim=4, data_shape=(50,), hidden=(), output=output))
    with torch.no_grad():
        G.net[0].weight.mul_(100.0)  # saturate the activation
    x = G.sample(64)
    assert x.min() >= low and x.max() <= high
    assert x.min() < low + 0.01 and x.max() > high - 0.01


def test_identity_output_is_unbounded_and_linear_without_hidden_layers():
    G = MLPGenerator(
        MLPGeneratorConfig(latent_dim=1, data_shape=(1,), hidden=(), output="identity")
    )
    with torch.no_grad():
        G.net[0].weight.fill_(3.0)
        G.net[0].bias.fill_(-2.0)
    z = torch.tensor([[0.0], [10.0]])
    assert torch.equal(G(z), torch.tensor([[-2.0], [28.0]]))


def test_models_follow_their_device_and_dtype():
    G = MLPGenerator(MLPGeneratorConfig(latent_dim=3, data_shape=(2,), hidden=(4,))).double()
    D = MLPDiscriminator(MLPDiscriminatorConfig(data_shape=(2,), hidden=(4,))).double()
    assert G.sample_noise(2).device.type == "cpu"
    assert G.sample_noise(2).dtype == torch.float64  # noise in the model's dtype
    assert D(G(G.sample_noise(2))).dtype == torch.float64


def test_noise_is_reproducible_with_a_generator():
    G = MLPGenerator(MLPGeneratorConfig(latent_dim=3, data_shape=(2,), hidden=(4,)))
    a = G.sample_noise(4, generator=torch.Generator().manual_seed(7))
    b = G.sample_noise(4, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)


def test_wrong_input_shapes_raise_clear_errors():
    G = MLPGenerator(MLPGeneratorConfig(latent_dim=8, data_shape=(2,), hidden=(4,)))
    with pytest.raises(ValueError, match=r"noise of shape \(batch, 8\), got \(5, 7\)"):
        G(torch.zeros(5, 7))
    with pytest.raises(ValueError, match=r"noise of shape \(batch, 8\), got \(8,\)"):
        G(torch.zeros(8))
    D = MLPDiscriminator(MLPDiscriminatorConfig(data_shape=(1, 28, 28), hidden=(4,)))
    expected = r"samples of shape \(batch, 1, 28, 28\), got \(2, 28, 28\)"
    with pytest.raises(ValueError, match=expected):
        D(torch.zeros(2, 28, 28))
    with pytest.raises(ValueError, match=r"got \(2, 3\)"):
        D(torch.zeros(2, 3))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latent_dim": 0}, "latent_dim must be a positive int"),
        ({"latent_dim": 2.5}, "latent_dim must be a positive int"),
        ({"latent_dim": True}, "latent_dim must be a positive int"),
        ({"data_shape": [1, 28, 28]}, r"data_shape must be a tuple"),
        ({"data_shape": ()}, r"data_shape must be a tuple"),
        ({"data_shape": (1, 0)}, r"data_shape must hold positive ints"),
        ({"hidden": (64, -1)}, r"hidden must hold positive ints"),
        ({"output": "relu"}, r"output must be one of"),
    ],
)
def test_generator_config_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLPGeneratorConfig(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data_shape": (2, 2.0)}, r"data_shape must hold positive ints"),
        ({"hidden": 64}, r"hidden must be a tuple"),
        ({"negative_slope": 1.0}, r"negative_slope must be in \[0, 1\)"),
        ({"negative_slope": -0.1}, r"negative_slope must be in \[0, 1\)"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
    ],
)
def test_discriminator_config_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLPDiscriminatorConfig(**kwargs)


def test_config_data_dim():
    assert MLPGeneratorConfig().data_dim == 784
    assert MLPDiscriminatorConfig(data_shape=(2,)).data_dim == 2
