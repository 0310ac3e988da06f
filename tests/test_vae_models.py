"""The models of chapter 2: configs, shapes, what encode/decode/forward/sample return, and that
gradients reach the encoder through the reparameterised sample."""

from __future__ import annotations

import pytest
import torch

from gancourse.losses.vae import bernoulli_reconstruction_loss, elbo
from gancourse.models.autoencoder import AEConfig, Autoencoder, mlp
from gancourse.models.vae import VAE, VAEConfig, VAEOutput, reparameterize


@pytest.mark.parametrize("config_cls", [AEConfig, VAEConfig])
@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("latent_dim", 0, "latent_dim"),
        ("latent_dim", 2.0, "latent_dim"),
        ("data_dim", -1, "data_dim"),
        ("hidden", [512], "tuple of positive ints"),
        ("hidden", (512, 0), "tuple of positive ints"),
    ],
)
def test_configs_validate_their_fields(config_cls, field, value, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        config_cls(**{field: value})


def test_mlp_layout() -> None:
    net = mlp([10, 7, 3])
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Linear"]  # no activation after the last layer
    with pytest.raises(ValueError, match="at least"):
        mlp([10])


def test_autoencoder_shapes_and_outputs() -> None:
    torch.manual_seed(0)
    ae = Autoencoder(AEConfig(hidden=(32,), latent_dim=4))
    x = torch.rand(5, 1, 28, 28)
    z = ae.encode(x)
    assert z.shape == (5, 4)
    assert torch.equal(ae.encode(x.view(5, 784)), z)  # images and flat vectors agree
    logits = ae(x)
    assert logits.shape == (5, 784)
    assert torch.allclose(ae.reconstruct(x), torch.sigmoid(logits))
    assert (logits < 0).any()  # logits, not probabilities
    with pytest.raises(ValueError, match=r"\(B, 784\)"):
        ae.encode(torch.rand(784))
    with pytest.raises(ValueError, match=r"\(B, 4\)"):
        ae.decode(torch.rand(5, 3))


def test_autoencoder_learns_to_reconstruct_a_few_images() -> None:
    torch.manual_seed(1)
    ae = Autoencoder(AEConfig(data_dim=20, hidden=(32,), latent_dim=4))
    x = (torch.rand(8, 20) > 0.5).float()
    opt = torch.optim.Adam(ae.parameters(), lr=1e-2)
    first = bernoulli_reconstruction_loss(ae(x), x).mean().item()
    for _ in range(300):
        loss = bernoulli_reconstruction_loss(ae(x), x).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first
    assert torch.equal((ae.reconstruct(x) > 0.5).float(), x)


def test_vae_encode_forward_and_decode() -> None:
    torch.manual_seed(2)
    vae = VAE(VAEConfig(hidden=(32, 16), latent_dim=3))
    x = torch.rand(6, 1, 28, 28)
    mu, logvar = vae.encode(x)
    assert mu.shape == logvar.shape == (6, 3)
    out = vae(x, generator=torch.Generator().manual_seed(3))
    assert isinstance(out, VAEOutput)
    assert out.logits.shape == (6, 784) and out.z.shape == (6, 3)
    assert torch.allclose(out.mu, mu) and torch.allclose(out.logvar, logvar)
    # z is the reparameterised draw of those parameters with that noise ...
    expected_z = reparameterize(mu, logvar, torch.Generator().manual_seed(3))
    assert torch.allclose(out.z, expected_z)
    # ... and the logits are the decoder's output at that z
    assert torch.allclose(out.logits, vae.decode(out.z))
    with pytest.raises(ValueError, match=r"\(B, 3\)"):
        vae.decode(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="VAE.encode"):
        vae.encode(torch.rand(2, 100))


def test_vae_gradients_reach_the_encoder_through_the_sample() -> None:
    torch.manual_seed(4)
    vae = VAE(VAEConfig(hidden=(16,), latent_dim=2))
    x = (torch.rand(4, 784) > 0.5).float()
    out = vae(x)
    # only the reconstruction term: the encoder gets gradient through z alone
    loss = bernoulli_reconstruction_loss(out.logits, x).mean()
    loss.backward()
    for head in (vae.to_mu, vae.to_logvar):
        assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0
    vae.zero_grad()
    out = vae(x)
    elbo(x, out.logits, out.mu, out.logvar).loss.backward()
    assert all(p.grad is not None for p in vae.parameters())


def test_vae_samples_are_decoder_means_from_the_prior() -> None:
    torch.manual_seed(5)
    vae = VAE(VAEConfig(hidden=(16,), latent_dim=2))
    s1 = vae.sample(7, generator=torch.Generator().manual_seed(6))
    s2 = vae.sample(7, generator=torch.Generator().manual_seed(6))
    assert s1.shape == (7, 784) and torch.equal(s1, s2)
    assert torch.all((s1 >= 0) & (s1 <= 1)) and not s1.requires_grad
    z = torch.randn(7, 2, generator=torch.Generator().manual_seed(6))
    assert torch.allclose(s1, torch.sigmoid(vae.decode(z)))
    with pytest.raises(ValueError, match="positive int"):
        vae.sample(0)
