r"""The losses of the variational autoencoder: reconstruction terms, the Gaussian KL, the ELBO.

A VAE with encoder
:math:`q_\phi(z \mid x) = \mathcal N\big(\mu, \operatorname{diag}(\sigma^2)\big)`,
prior :math:`p(z) = \mathcal N(0, I)` and decoder :math:`p_\theta(x \mid z)` maximises the
evidence lower bound

.. math::

    \mathrm{ELBO}(x) = \mathbb E_{q_\phi(z \mid x)}\big[\log p_\theta(x \mid z)\big]
        - \mathrm{KL}\big(q_\phi(z \mid x) \,\|\, p(z)\big) \;\le\; \log p_\theta(x).

Conventions of this module:

* every function returns **one value per sample**, shape ``(B,)``, summed over pixels and over
  latent dimensions (a sum, not a mean: averaging over the 784 pixels would silently multiply the
  KL's weight by 784); only :func:`elbo` with ``reduction="mean"`` averages over the batch;
* the encoder gives the **log-variance** :math:`\log\sigma^2` (``logvar``), not :math:`\sigma`;
* the Bernoulli decoder gives **logits**, and its loss is computed from them
  (``F.binary_cross_entropy_with_logits``), never as ``log(sigmoid(.))``;
* reconstruction terms are *negative log-likelihoods* (losses, in nats); the :class:`ELBO` record
  holds the log-likelihood itself, :math:`-` that loss.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "ELBO",
    "bernoulli_reconstruction_loss",
    "elbo",
    "gaussian_kl_standard_normal",
    "gaussian_log_density",
    "gaussian_reconstruction_loss",
    "importance_weighted_bound",
    "squared_error",
    "standard_normal_log_density",
]

_LOG_2PI = math.log(2.0 * math.pi)


def _check_latents(mu: Tensor, logvar: Tensor) -> None:
    if mu.dim() != 2 or mu.shape != logvar.shape:
        raise ValueError(
            "mu and logvar must both have shape (B, latent_dim), the encoder's two outputs; got "
            f"mu {tuple(mu.shape)} and logvar {tuple(logvar.shape)}"
        )
    if not (mu.is_floating_point() and logvar.is_floating_point()):
        raise TypeError(f"mu and logvar must be floating point, got {mu.dtype} and {logvar.dtype}")


def _per_sample(name: str, out: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
    """``out`` and ``x`` as ``(B, D)``; ``x`` may be image-shaped with ``D`` values per sample."""
    if out.dim() < 1 or x.dim() < 1 or out.shape[0] != x.shape[0] or out.numel() != x.numel():
        raise ValueError(
            f"{name}: the decoder output {tuple(out.shape)} and the data {tuple(x.shape)} must "
            "hold the same batch and the same number of values per sample (e.g. (B, 784) and "
            "(B, 1, 28, 28))"
        )
    if out.numel() == 0:
        raise ValueError(f"{name}: empty batch")
    b = out.shape[0]
    return out.reshape(b, -1), x.reshape(b, -1)  # (B, ...) -> (B, D)


def gaussian_kl_standard_normal(mu: Tensor, logvar: Tensor) -> Tensor:
    r"""Closed-form KL divergence from :math:`\mathcal N(\mu, \operatorname{diag}\sigma^2)` to
    :math:`\mathcal N(0, I)`, summed over the latent dimensions, one value per sample:

    .. math::

        \mathrm{KL}\big(\mathcal N(\mu, \operatorname{diag}\sigma^2) \,\|\, \mathcal N(0, I)\big)
        = \frac12 \sum_{j=1}^{d} \big(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\big),
        \qquad \sigma_j^2 = e^{\texttt{logvar}_j}.

    ``mu``, ``logvar``: ``(B, d)``; returns ``(B,)``, non-negative, zero exactly when
    ``mu = 0`` and ``logvar = 0``.
    """
    _check_latents(mu, logvar)
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)  # (B, d) -> (B,)


def gaussian_log_density(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    r"""Log-density of a diagonal Gaussian, summed over the last dimension:

    .. math::

        \log \mathcal N(z; \mu, \operatorname{diag}\sigma^2)
        = -\frac12 \sum_{j=1}^{d} \Big(\log(2\pi) + \log\sigma_j^2
          + \frac{(z_j - \mu_j)^2}{\sigma_j^2}\Big).

    Arguments broadcast (e.g. ``z`` ``(K, B, d)`` against ``mu`` ``(B, d)``); the result drops
    the last dimension.
    """
    try:
        torch.broadcast_shapes(z.shape, mu.shape, logvar.shape)
    except RuntimeError:
        raise ValueError(
            f"shapes do not broadcast: z {tuple(z.shape)}, mu {tuple(mu.shape)}, "
            f"logvar {tuple(logvar.shape)}"
        ) from None
    return -0.5 * (_LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def standard_normal_log_density(z: Tensor) -> Tensor:
    r"""Log-density of the prior :math:`\mathcal N(0, I)` summed over the last dimension:
    :math:`\log p(z) = -\frac12 \sum_j \big(\log(2\pi) + z_j^2\big)`."""
    return -0.5 * (_LOG_2PI + z.pow(2)).sum(dim=-1)


def bernoulli_reconstruction_loss(logits: Tensor, x: Tensor) -> Tensor:
    r"""Negative log-likelihood of a Bernoulli decoder with pixel probabilities
    :math:`p = \sigma(\ell)`, summed over pixels, one value per sample:

    .. math::

        -\log p_\theta(x \mid z) = -\sum_{i=1}^{D} \big(x_i \log \sigma(\ell_i)
            + (1 - x_i) \log(1 - \sigma(\ell_i))\big)
        = \sum_{i=1}^{D} \big(\operatorname{softplus}(\ell_i) - x_i \ell_i\big).

    ``logits`` ``(B, D)``, ``x`` ``(B, D)`` or image-shaped with ``D`` pixels in [0, 1]; returns
    ``(B,)`` in nats. For binary ``x`` this is an exact negative log-probability. For grey levels
    in (0, 1) it is still a valid loss (minimised at :math:`\sigma(\ell) = x`), but its minimum is
    the binary entropy of the pixels, not 0, and it is not the log of a normalised density.
    """
    logits, x = _per_sample("bernoulli_reconstruction_loss", logits, x)
    if bool(((x < 0) | (x > 1)).any()):  # one device-to-host sync per call
        raise ValueError(
            f"Bernoulli targets must lie in [0, 1], got values in [{x.min().item():.3g}, "
            f"{x.max().item():.3g}]; load the digits with scale='unit' (not 'tanh')"
        )
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def squared_error(x_hat: Tensor, x: Tensor) -> Tensor:
    r"""Squared Euclidean error per sample, summed over pixels:
    :math:`\lVert \hat x - x \rVert_2^2 = \sum_{i=1}^{D} (\hat x_i - x_i)^2`. Returns ``(B,)``."""
    x_hat, x = _per_sample("squared_error", x_hat, x)
    return (x_hat - x).pow(2).sum(dim=1)


def gaussian_reconstruction_loss(mean: Tensor, x: Tensor, std: float | Tensor = 1.0) -> Tensor:
    r"""Negative log-likelihood of a Gaussian decoder
    :math:`p_\theta(x \mid z) = \mathcal N(x; m, s^2 I)`, summed over pixels, one value per sample:

    .. math::

        -\log p_\theta(x \mid z) = \frac{\lVert x - m \rVert_2^2}{2 s^2}
            + D \log s + \frac{D}{2} \log(2\pi).

    Up to the constants this is :func:`squared_error` divided by :math:`2s^2`: the choice of
    :math:`s` is a choice of how much the KL term weighs. ``std`` is a positive float or a tensor
    broadcasting against ``(B, D)`` (one :math:`s` per pixel).
    """
    mean, x = _per_sample("gaussian_reconstruction_loss", mean, x)
    s = torch.as_tensor(std, dtype=mean.dtype, device=mean.device)
    if not bool((s > 0).all()):
        raise ValueError(f"std must be positive, got min {s.min().item():.4g}")
    s = torch.broadcast_to(s, mean.shape)  # (B, D)
    return (0.5 * ((x - mean) / s).pow(2) + s.log() + 0.5 * _LOG_2PI).sum(dim=1)


class ELBO(NamedTuple):
    r"""The terms of :func:`elbo`, in nats: per sample ``(B,)`` or batch means (scalars).

    ``reconstruction`` is the expected log-likelihood :math:`\mathbb E_q \log p(x \mid z)`
    (a log-likelihood, so usually negative), ``kl`` the KL term (non-negative),
    ``elbo = reconstruction - beta * kl``. Minimise :attr:`loss`, which is ``-elbo``.
    """

    elbo: Tensor
    reconstruction: Tensor
    kl: Tensor

    @property
    def loss(self) -> Tensor:
        r"""The quantity to minimise, :math:`-\mathrm{ELBO}`."""
        return -self.elbo


def elbo(
    x: Tensor,
    decoder_output: Tensor,
    mu: Tensor,
    logvar: Tensor,
    *,
    likelihood: Literal["bernoulli", "gaussian"] = "bernoulli",
    std: float | Tensor = 1.0,
    beta: float = 1.0,
    reduction: Literal["mean", "none"] = "mean",
) -> ELBO:
    r"""One-sample Monte Carlo estimate of the (:math:`\beta`-weighted) evidence lower bound:

    .. math::

        \mathrm{ELBO}_\beta(x) = \log p_\theta(x \mid z)
            - \beta\, \mathrm{KL}\big(\mathcal N(\mu, \operatorname{diag}\sigma^2) \,\|\,
              \mathcal N(0, I)\big),
        \qquad z = \mu + \sigma \odot \varepsilon,\ \varepsilon \sim \mathcal N(0, I),

    with the KL in closed form (:func:`gaussian_kl_standard_normal`) and the reconstruction term
    from the one ``z`` that produced ``decoder_output``: :func:`bernoulli_reconstruction_loss` on
    logits (``likelihood="bernoulli"``) or :func:`gaussian_reconstruction_loss` on means with
    standard deviation ``std`` (``"gaussian"``). Its expectation over :math:`\varepsilon` is the
    ELBO, a lower bound on :math:`\log p_\theta(x)`, for ``beta = 1``; with ``beta > 1`` (the
    :math:`\beta`-VAE) it is a looser bound, with ``beta < 1`` no bound at all.

    Returns :class:`ELBO` with per-sample ``(B,)`` terms for ``reduction="none"``, their batch
    means for ``reduction="mean"`` (the default, what an optimiser needs: minimise ``.loss``).
    """
    _check_latents(mu, logvar)
    if decoder_output.shape[0] != mu.shape[0]:
        raise ValueError(
            f"the decoder output has batch {decoder_output.shape[0]} but mu has batch "
            f"{mu.shape[0]}; they must come from the same samples"
        )
    if not (isinstance(beta, (int, float)) and beta >= 0):
        raise ValueError(f"beta must be a non-negative number, got {beta!r}")
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    if likelihood == "bernoulli":
        nll = bernoulli_reconstruction_loss(decoder_output, x)
    elif likelihood == "gaussian":
        nll = gaussian_reconstruction_loss(decoder_output, x, std)
    else:
        raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")
    kl = gaussian_kl_standard_normal(mu, logvar)
    terms = ELBO(elbo=-nll - beta * kl, reconstruction=-nll, kl=kl)
    if reduction == "mean":
        return ELBO(*(t.mean() for t in terms))
    return terms


def importance_weighted_bound(
    log_px_given_z: Tensor, z: Tensor, mu: Tensor, logvar: Tensor
) -> Tensor:
    r"""Importance-weighted bound (Burda et al., 2016) from :math:`K` draws
    :math:`z_k \sim q(z \mid x)`:

    .. math::

        \mathcal L_K(x) = \log \frac1K \sum_{k=1}^{K}
            \frac{p_\theta(x \mid z_k)\, p(z_k)}{q_\phi(z_k \mid x)}
        \;\le\; \log p_\theta(x),

    computed with ``logsumexp``. :math:`\mathbb E[\mathcal L_1]` is the ELBO,
    :math:`\mathbb E[\mathcal L_K]` grows with :math:`K` and tends to :math:`\log p_\theta(x)`.
    ``log_px_given_z`` ``(K, B)``, ``z`` ``(K, B, d)``, ``mu`` and ``logvar`` ``(B, d)``; returns
    ``(B,)``.
    """
    _check_latents(mu, logvar)
    if z.dim() != 3 or z.shape[1:] != mu.shape or log_px_given_z.shape != z.shape[:2]:
        raise ValueError(
            "expected log_px_given_z (K, B), z (K, B, d) and mu, logvar (B, d); got "
            f"{tuple(log_px_given_z.shape)}, {tuple(z.shape)}, {tuple(mu.shape)}"
        )
    log_w = (
        log_px_given_z + standard_normal_log_density(z) - gaussian_log_density(z, mu, logvar)
    )  # (K, B)
    return torch.logsumexp(log_w, dim=0) - math.log(z.shape[0])
