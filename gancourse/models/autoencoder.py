r"""A fully connected autoencoder for flattened images (chapter 2).

The encoder maps an image :math:`x \in [0, 1]^{D}` to a code :math:`z = f(x) \in \mathbb R^{d}`
with :math:`d \ll D`; the decoder maps the code back to :math:`D` *logits* :math:`\ell = g(z)`,
and the reconstruction is :math:`\hat x = \sigma(\ell)` (the sigmoid, pixel by pixel). The decoder
stops at logits so that the loss can be the binary cross-entropy computed from logits
(:func:`gancourse.losses.vae.bernoulli_reconstruction_loss`), the numerically stable form;
:meth:`Autoencoder.reconstruct` applies the sigmoid for pictures.

The same MLP builder serves the VAE of :mod:`gancourse.models.vae`, so the two models of the
chapter differ only in what the encoder outputs and how it is trained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = ["AEConfig", "Autoencoder", "flatten_images", "mlp"]


def check_sizes(owner: str, data_dim: object, hidden: object, latent_dim: object) -> None:
    """Validate the sizes shared by :class:`AEConfig` and ``VAEConfig``, with a clear error."""
    for name, value in (("data_dim", data_dim), ("latent_dim", latent_dim)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{owner}.{name} must be a positive int, got {value!r}")
    if not isinstance(hidden, tuple) or any(
        not isinstance(h, int) or isinstance(h, bool) or h < 1 for h in hidden
    ):
        raise ValueError(
            f"{owner}.hidden must be a tuple of positive ints (the widths of the hidden layers, "
            f"e.g. (512, 256)), got {hidden!r}"
        )


def mlp(widths: Sequence[int]) -> nn.Sequential:
    """Linear layers of the given widths with a ReLU between consecutive ones (none at the end).

    ``mlp([784, 512, 16])`` is ``Linear(784, 512), ReLU, Linear(512, 16)``.
    """
    if len(widths) < 2:
        raise ValueError(f"an MLP needs at least an input and an output width, got {widths!r}")
    layers: list[nn.Module] = []
    for i, (w_in, w_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(nn.Linear(w_in, w_out))  # (B, w_in) -> (B, w_out)
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def flatten_images(x: Tensor, data_dim: int, who: str) -> Tensor:
    """``(B, data_dim)`` or ``(B, *shape)`` with ``prod(shape) == data_dim`` -> ``(B, data_dim)``.

    Raises ``ValueError`` naming ``who`` and the shape received otherwise.
    """
    if x.dim() < 2 or x[0].numel() != data_dim:
        raise ValueError(
            f"{who} takes a batch of shape (B, {data_dim}) or (B, ...) with {data_dim} values per "
            f"sample (e.g. images (B, 1, 28, 28)), got {tuple(x.shape)}; a single sample needs "
            f"a batch dimension, x[None]"
        )
    if not x.is_floating_point():
        raise TypeError(f"{who} takes floating-point pixels, got dtype {x.dtype}")
    return x.reshape(x.shape[0], data_dim)  # (B, ...) -> (B, data_dim)


@dataclass(frozen=True)
class AEConfig:
    """Sizes of an :class:`Autoencoder`.

    ``hidden`` are the encoder's hidden widths from the data side; the decoder mirrors them,
    e.g. ``784 -> 512 -> 256 -> latent_dim -> 256 -> 512 -> 784`` for the defaults.
    """

    data_dim: int = 784
    hidden: tuple[int, ...] = (512, 256)
    latent_dim: int = 16

    def __post_init__(self) -> None:
        check_sizes("AEConfig", self.data_dim, self.hidden, self.latent_dim)


class Autoencoder(nn.Module):
    r"""Deterministic autoencoder: :math:`z = f(x)`, logits :math:`\ell = g(z)`,
    reconstruction :math:`\hat x = \sigma(\ell)`.

    Inputs are ``(B, data_dim)`` or image batches such as ``(B, 1, 28, 28)`` (flattened
    internally); codes are ``(B, latent_dim)``; decoder outputs are flat ``(B, data_dim)``.
    The model follows its parameters' device: move it with ``.to(device)``.
    """

    def __init__(self, config: AEConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or AEConfig()
        widths = [config.data_dim, *config.hidden, config.latent_dim]
        # (B, data_dim) -> (B, hidden[0]) -> ... -> (B, latent_dim)
        self.encoder = mlp(widths)
        # (B, latent_dim) -> (B, hidden[-1]) -> ... -> (B, data_dim), logits
        self.decoder = mlp(widths[::-1])

    def encode(self, x: Tensor) -> Tensor:
        """Codes ``z = f(x)``: ``(B, data_dim)`` or ``(B, *image_shape)`` -> ``(B, latent_dim)``."""
        return self.encoder(flatten_images(x, self.config.data_dim, "Autoencoder.encode"))

    def decode(self, z: Tensor) -> Tensor:
        """Pixel *logits* ``g(z)``: ``(B, latent_dim)`` -> ``(B, data_dim)``; apply
        ``torch.sigmoid`` for pixels in [0, 1]."""
        d = self.config.latent_dim
        if z.dim() != 2 or z.shape[1] != d:
            raise ValueError(
                f"Autoencoder.decode takes codes of shape (B, {d}), got {tuple(z.shape)}"
            )
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction logits ``g(f(x))``, shape ``(B, data_dim)``."""
        return self.decode(self.encode(x))

    @torch.no_grad()
    def reconstruct(self, x: Tensor) -> Tensor:
        r"""Reconstructed pixels :math:`\sigma(g(f(x)))` in [0, 1], shape ``(B, data_dim)``."""
        return torch.sigmoid(self(x))
