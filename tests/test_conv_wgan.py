"""The WGAN-GP paper's MNIST networks: shapes, ranges, per-sample scores, clear errors."""

from __future__ import annotations

import pytest
import torch

from gancourse.models import ConvCritic, ConvGenerator, ConvWGANConfig


def test_shapes_ranges_and_parameter_counts():
    torch.manual_seed(0)
    G, f = ConvGenerator(), ConvCritic()
    x = G.sample(5)
    assert x.shape == (5, 1, 28, 28) and 0 <= x.min() and x.max() <= 1  # sigmoid output
    assert f(x).shape == (5,)
    # the paper's DIM = 64: 128*4096+4096, then 5x5 kernels 256->128->64->1 with biases
    n_g = (128 * 4096 + 4096) + (256 * 128 * 25 + 128) + (128 * 64 * 25 + 64) + (64 * 25 + 1)
    n_f = (25 * 64 + 64) + (64 * 128 * 25 + 128) + (128 * 256 * 25 + 256) + (4096 + 1)
    assert sum(p.numel() for p in G.parameters()) == n_g
    assert sum(p.numel() for p in f.parameters()) == n_f


def test_a_samples_score_does_not_depend_on_the_rest_of_the_batch():
    # what the per-sample gradient penalty needs (no batch norm in the critic)
    torch.manual_seed(1)
    f = ConvCritic(ConvWGANConfig(dim=8))
    x = torch.rand(6, 1, 28, 28)
    alone = torch.stack([f(x[i : i + 1])[0] for i in range(6)])
    torch.testing.assert_close(f(x), alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"dim": 0}, {"latent_dim": -1}, {"negative_slope": 1.0}])
def test_bad_config_values_are_refused(kwargs):
    with pytest.raises(ValueError):
        ConvWGANConfig(**kwargs)


def test_wrong_input_shapes_say_what_is_expected():
    G, f = ConvGenerator(ConvWGANConfig(dim=4)), ConvCritic(ConvWGANConfig(dim=4))
    with pytest.raises(ValueError, match=r"noise of shape \(batch, 128\)"):
        G(torch.randn(2, 100))
    with pytest.raises(ValueError, match="unsqueeze"):
        f(torch.rand(2, 28, 28))
