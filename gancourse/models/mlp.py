"""Fully connected generator and discriminator: the models of the vanilla GAN (chapter 3).

Both are plain multilayer perceptrons. The generator maps noise ``z ~ N(0, I)`` to a sample of the
data's shape; the discriminator maps a sample to one *logit* ``l(x)``, with
``D(x) = sigmoid(l(x))``. The discriminator never applies the sigmoid itself: the losses in
:mod:`gancourse.losses.gan` work on logits, which is both cheaper and numerically stable.

The same classes serve 1-D and 2-D toy sets (``data_shape=(1,)``, ``(2,)``) and digits
(``data_shape=(1, 28, 28)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from gancourse.models._common import check_dims, draw_noise

__all__ = [
    "MLPDiscriminator",
    "MLPDiscriminatorConfig",
    "MLPGenerator",
    "MLPGeneratorConfig",
]

Output = Literal["identity", "tanh", "sigmoid"]
_OUTPUTS = ("identity", "tanh", "sigmoid")


@dataclass(frozen=True)
class MLPGeneratorConfig:
    """Sizes of an :class:`MLPGenerator`.

    ``output`` is the last activation: ``"tanh"`` for data scaled to [-1, 1] (digits loaded with
    ``scale="tanh"``), ``"identity"`` for unbounded toy data, ``"sigmoid"`` for data in [0, 1].
    """

    latent_dim: int = 64
    data_shape: tuple[int, ...] = (1, 28, 28)
    hidden: tuple[int, ...] = (256, 512)
    output: Output = "tanh"
    batch_norm: bool = False

    def __post_init__(self) -> None:
        check_dims("MLPGeneratorConfig", "data_shape", self.data_shape, allow_empty=False)
        check_dims("MLPGeneratorConfig", "hidden", self.hidden, allow_empty=True)
        latent = self.latent_dim
        if isinstance(latent, bool) or not isinstance(latent, int) or latent < 1:
            raise ValueError(f"latent_dim must be a positive int, got {self.latent_dim!r}")
        if self.output not in _OUTPUTS:
            raise ValueError(f"output must be one of {_OUTPUTS}, got {self.output!r}")

    @property
    def data_dim(self) -> int:
        return math.prod(self.data_shape)


@dataclass(frozen=True)
class MLPDiscriminatorConfig:
    """Sizes of an :class:`MLPDiscriminator` (LeakyReLU hidden layers, one logit out)."""

    data_shape: tuple[int, ...] = (1, 28, 28)
    hidden: tuple[int, ...] = (512, 256)
    negative_slope: float = 0.2
    dropout: float = 0.0

    def __post_init__(self) -> None:
        check_dims("MLPDiscriminatorConfig", "data_shape", self.data_shape, allow_empty=False)
        check_dims("MLPDiscriminatorConfig", "hidden", self.hidden, allow_empty=True)
        if not 0.0 <= self.negative_slope < 1.0:
            raise ValueError(f"negative_slope must be in [0, 1), got {self.negative_slope!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")

    @property
    def data_dim(self) -> int:
        return math.prod(self.data_shape)


class MLPGenerator(nn.Module):
    """``G: z -> x``: noise ``(B, latent_dim)`` to samples ``(B, *data_shape)``."""

    def __init__(self, config: MLPGeneratorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or MLPGeneratorConfig()
        layers: list[nn.Module] = []
        width = config.latent_dim
        for h in config.hidden:
            # (B, width) -> (B, h)
            layers.append(nn.Linear(width, h, bias=not config.batch_norm))
            if config.batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(nn.ReLU())
            width = h
        layers.append(nn.Linear(width, config.data_dim))  # (B, width) -> (B, data_dim)
        if config.output == "tanh":
            layers.append(nn.Tanh())
        elif config.output == "sigmoid":
            layers.append(nn.Sigmoid())
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        latent = self.config.latent_dim
        if z.dim() != 2 or z.shape[1] != latent:
            raise ValueError(
                f"the generator takes noise of shape (batch, {latent}), got {tuple(z.shape)}; "
                f"draw it with generator.sample_noise(batch)"
            )
        x = self.net(z)  # (B, latent_dim) -> (B, data_dim)
        return x.view(-1, *self.config.data_shape)  # (B, data_dim) -> (B, *data_shape)

    def sample_noise(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | None = None,
    ) -> Tensor:
        """``n`` draws of ``z ~ N(0, I)``, shape ``(n, latent_dim)``, in the model's dtype and on
        its device (or on ``device``)."""
        return draw_noise(self, n, self.config.latent_dim, generator=generator, device=device)

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> Tensor:
        """``n`` samples ``G(z)`` (no gradient), shape ``(n, *data_shape)``."""
        return self(self.sample_noise(n, generator=generator))


class MLPDiscriminator(nn.Module):
    """``x -> l(x)``: one logit per sample, shape ``(B,)``; ``D(x) = sigmoid(l(x))``."""

    def __init__(self, config: MLPDiscriminatorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or MLPDiscriminatorConfig()
        layers: list[nn.Module] = [nn.Flatten()]  # (B, *data_shape) -> (B, data_dim)
        width = config.data_dim
        for h in config.hidden:
            layers.append(nn.Linear(width, h))  # (B, width) -> (B, h)
            layers.append(nn.LeakyReLU(config.negative_slope))
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout))
            width = h
        layers.append(nn.Linear(width, 1))  # (B, width) -> (B, 1)
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        shape = self.config.data_shape
        if tuple(x.shape[1:]) != shape and not (x.dim() == 2 and x.shape[1] == math.prod(shape)):
            raise ValueError(
                f"the discriminator takes samples of shape (batch, {', '.join(map(str, shape))}), "
                f"got {tuple(x.shape)}"
            )
        return self.net(x).squeeze(1)  # (B, 1) -> (B,)
