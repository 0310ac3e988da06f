r"""A fully connected variational autoencoder with a Bernoulli decoder (chapter 2).

Generative model: :math:`z \sim p(z) = \mathcal N(0, I_d)`, then each of the :math:`D` pixels is
an independent Bernoulli variable with probability :math:`\sigma(\ell_i)`, where
:math:`\ell = g_\theta(z)` are the decoder's logits. Inference model (the encoder):
:math:`q_\phi(z \mid x)
= \mathcal N\big(\mu_\phi(x), \operatorname{diag} e^{\texttt{logvar}_\phi(x)}\big)`.
The encoder outputs the *log*-variance, an unconstrained real number, so no activation has to
keep a variance positive.

Training maximises the ELBO of :mod:`gancourse.losses.vae`; :meth:`VAE.forward` returns exactly
what :func:`gancourse.losses.vae.elbo` takes. Pixels are expected in [0, 1] (binary for an exact
Bernoulli likelihood).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn

from gancourse.losses.vae import (
    bernoulli_reconstruction_loss,
    gaussian_kl_standard_normal,
    importance_weighted_bound,
)
from gancourse.models.autoencoder import check_sizes, flatten_images, mlp

__all__ = ["VAE", "VAEBounds", "VAEConfig", "VAEOutput", "estimate_bounds", "reparameterize"]


def reparameterize(mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None) -> Tensor:
    r"""A draw from :math:`\mathcal N(\mu, \operatorname{diag}\sigma^2)` written as a
    differentiable function of :math:`(\mu, \log\sigma^2)`, the reparameterisation trick:

    .. math::

        z = \mu + e^{\frac12 \log\sigma^2} \odot \varepsilon, \qquad
        \varepsilon \sim \mathcal N(0, I), \qquad
        \frac{\partial z_j}{\partial \mu_j} = 1, \qquad
        \frac{\partial z_j}{\partial \log\sigma_j^2} = \tfrac12 \sigma_j \varepsilon_j .

    The randomness sits in :math:`\varepsilon`, which does not depend on the parameters, so
    gradients flow through ``mu`` and ``logvar``. ``mu`` and ``logvar`` have the same shape; ``z``
    has it too and lives on ``mu``'s device. ``generator`` (on any device) makes the draw
    repeatable.
    """
    if mu.shape != logvar.shape:
        raise ValueError(
            f"mu {tuple(mu.shape)} and logvar {tuple(logvar.shape)} must have the same shape"
        )
    where = generator.device if generator is not None else mu.device
    eps = torch.randn(mu.shape, generator=generator, device=where, dtype=mu.dtype).to(mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


@dataclass(frozen=True)
class VAEConfig:
    """Sizes of a :class:`VAE`.

    ``hidden`` are the encoder's hidden widths from the data side; the decoder mirrors them:
    ``784 -> 512 -> 256 -> (mu, logvar) in R^d``, and ``d -> 256 -> 512 -> 784`` logits.
    """

    data_dim: int = 784
    hidden: tuple[int, ...] = (512, 256)
    latent_dim: int = 16

    def __post_init__(self) -> None:
        check_sizes("VAEConfig", self.data_dim, self.hidden, self.latent_dim)


class VAEOutput(NamedTuple):
    """What :meth:`VAE.forward` returns: decoder ``logits`` ``(B, D)`` for the sampled codes
    ``z`` ``(B, d)``, and the encoder's ``mu`` and ``logvar`` ``(B, d)``."""

    logits: Tensor
    mu: Tensor
    logvar: Tensor
    z: Tensor


class VAE(nn.Module):
    r"""Encoder :math:`x \mapsto (\mu, \log\sigma^2)`, decoder :math:`z \mapsto` Bernoulli logits.

    Inputs are ``(B, data_dim)`` or image batches such as ``(B, 1, 28, 28)``; decoder outputs are
    flat ``(B, data_dim)``. The model follows its parameters' device (``.to(device)``).
    """

    def __init__(self, config: VAEConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or VAEConfig()
        width = config.hidden[-1] if config.hidden else config.data_dim
        trunk: list[nn.Module] = []
        if config.hidden:
            # (B, data_dim) -> (B, hidden[0]) -> ... -> (B, hidden[-1]), ReLU after the last too
            trunk = [mlp([config.data_dim, *config.hidden]), nn.ReLU()]
        self.encoder = nn.Sequential(*trunk)
        self.to_mu = nn.Linear(width, config.latent_dim)  # (B, width) -> (B, d)
        self.to_logvar = nn.Linear(width, config.latent_dim)  # (B, width) -> (B, d)
        # (B, d) -> (B, hidden[-1]) -> ... -> (B, data_dim), logits
        self.decoder = mlp([config.latent_dim, *config.hidden[::-1], config.data_dim])

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        r"""The parameters of :math:`q_\phi(z \mid x)`: ``(mu, logvar)``, each
        ``(B, latent_dim)``."""
        h = self.encoder(flatten_images(x, self.config.data_dim, "VAE.encode"))  # (B, width)
        return self.to_mu(h), self.to_logvar(h)

    def reparameterize(
        self, mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None
    ) -> Tensor:
        r""":math:`z = \mu + e^{\log\sigma^2 / 2} \odot \varepsilon`, see :func:`reparameterize`."""
        return reparameterize(mu, logvar, generator)

    def decode(self, z: Tensor) -> Tensor:
        r"""Bernoulli logits :math:`g_\theta(z)`: ``(B, latent_dim)`` -> ``(B, data_dim)``;
        ``torch.sigmoid`` of them is the decoder's mean image."""
        d = self.config.latent_dim
        if z.dim() != 2 or z.shape[1] != d:
            raise ValueError(f"VAE.decode takes codes of shape (B, {d}), got {tuple(z.shape)}")
        return self.decoder(z)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> VAEOutput:
        """Encode, draw one ``z`` per sample by reparameterisation, decode: a :class:`VAEOutput`,
        ready for ``elbo(x, out.logits, out.mu, out.logvar)``."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, generator)  # (B, d)
        return VAEOutput(self.decode(z), mu, logvar, z)

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` codes from the prior ``N(0, I)``, shape ``(n, latent_dim)``, on the model's
        device."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        device = next(self.parameters()).device
        where = generator.device if generator is not None else device
        z = torch.randn(n, self.config.latent_dim, generator=generator, device=where)
        return z.to(device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""``n`` new images: :math:`z \sim \mathcal N(0, I)`, then the decoder's *mean*
        :math:`\sigma(g_\theta(z))`, shape ``(n, data_dim)`` in [0, 1].

        This is the mean of :math:`p_\theta(x \mid z)`, not a draw from it: a Bernoulli draw,
        ``torch.bernoulli(model.sample(n))``, adds independent pixel noise.
        """
        return torch.sigmoid(self.decode(self.sample_prior(n, generator)))


class VAEBounds(NamedTuple):
    r"""Per-sample bounds on :math:`\log p_\theta(x)` in nats, each ``(B,)``: the ELBO averaged
    over ``num_samples`` draws, its two terms, and the importance-weighted bound with as many."""

    elbo: Tensor
    reconstruction: Tensor
    kl: Tensor
    iwae: Tensor


@torch.no_grad()
def estimate_bounds(
    model: VAE,
    x: Tensor,
    num_samples: int = 16,
    generator: torch.Generator | None = None,
    batch_size: int = 500,
) -> VAEBounds:
    r"""Evaluate a trained :class:`VAE` on data: with :math:`K` = ``num_samples`` draws
    :math:`z_k \sim q_\phi(z \mid x)` per image,

    .. math::

        \widehat{\mathrm{ELBO}}(x) = \frac1K \sum_{k=1}^{K} \log p_\theta(x \mid z_k)
            - \mathrm{KL}\big(q_\phi(z \mid x) \,\|\, p(z)\big),
        \qquad
        \mathcal L_K(x) = \log \frac1K \sum_{k=1}^{K}
            \frac{p_\theta(x \mid z_k)\, p(z_k)}{q_\phi(z_k \mid x)} ,

    both lower bounds on :math:`\log p_\theta(x)` in expectation, :math:`\mathcal L_K` the
    tighter. ``x`` ``(N, ...)`` binary pixels on the model's device; works in chunks of
    ``batch_size`` images.
    """
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    x = flatten_images(x, model.config.data_dim, "estimate_bounds")  # (N, D)
    parts: list[VAEBounds] = []
    for chunk in x.split(batch_size):
        b = chunk.shape[0]
        mu, logvar = model.encode(chunk)  # (b, d) each
        k_mu = mu.expand(num_samples, *mu.shape)  # (K, b, d)
        z = reparameterize(k_mu, logvar.expand_as(k_mu), generator)  # (K, b, d)
        logits = model.decode(z.reshape(-1, z.shape[-1]))  # (K*b, d) -> (K*b, D)
        target = chunk.expand(num_samples, *chunk.shape).reshape(-1, chunk.shape[1])  # (K*b, D)
        log_px = -bernoulli_reconstruction_loss(logits, target).view(num_samples, b)  # (K, b)
        kl = gaussian_kl_standard_normal(mu, logvar)  # (b,)
        rec = log_px.mean(dim=0)
        iwae = importance_weighted_bound(log_px, z, mu, logvar)
        parts.append(VAEBounds(rec - kl, rec, kl, iwae))
    return VAEBounds(*(torch.cat(t) for t in zip(*parts, strict=True)))
