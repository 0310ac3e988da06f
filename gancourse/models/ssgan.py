r"""The models of the semi-supervised GAN on 28x28 digits (Salimans et al. 2016, MNIST setup).

:class:`SSGANDiscriminator` is a :math:`K`-class classifier that doubles as the :math:`K+1`-class
discriminator: it outputs the ``K`` class logits :math:`l_1, \dots, l_K` and the fake logit is
the constant 0 (the losses in :mod:`gancourse.losses.ssgan` turn the logits into :math:`D(x)`).
It also returns the last hidden layer, the features :math:`f(x)` that the generator's
feature-matching loss compares. Trained on labels alone (``supervised_loss`` only), the same
network is the supervised-only baseline.

The paper's MNIST discriminator, as in the authors' released code: Gaussian noise with standard
deviation 0.3 added to the input and 0.5 added to the output of every hidden layer (training
only), fully connected ReLU layers of 1000, 500, 250, 250, 250 units, all weight-normalised
(Salimans and Kingma 2016), then ``K = 10`` logits. The features are the last hidden layer's
output before its noise. The generator maps 100 uniform noise variables through two softplus
layers of 500 units with batch norm to 784 sigmoid pixels (so the digits are in [0, 1]: load them
with ``scale="unit"``); its output layer is weight-normalised.

The released code also trains both networks with Adam (learning rate 0.003, first moment 0.5)
and reports the test error of an exponential moving average of the discriminator's parameters;
those belong to the training loop, not here. Deliberately left out: the data-dependent
initialisation of the weight-normalised layers (PyTorch's default initialisation is used).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, overload

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrizations

from gancourse.models._common import check_dims, check_positive_int, draw_noise

__all__ = [
    "GaussianNoise",
    "SSGANDiscriminator",
    "SSGANDiscriminatorConfig",
    "SSGANGenerator",
    "SSGANGeneratorConfig",
]

Noise = Literal["uniform", "normal"]
_NOISES = ("uniform", "normal")


def _check_std(owner: str, name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0.0:
        raise ValueError(
            f"{owner}.{name} must be a float >= 0 (0 turns the noise off), got {value!r}"
        )
    if math.isinf(value):
        raise ValueError(f"{owner}.{name} must be finite, got {value!r}")


def _linear(d_in: int, d_out: int, weight_norm: bool) -> nn.Linear:
    layer = nn.Linear(d_in, d_out)
    if weight_norm:
        # w_j = g_j v_j / ||v_j|| per output unit j (dim=0: one norm per row of the weight)
        layer = parametrizations.weight_norm(layer, name="weight", dim=0)
    return layer


class GaussianNoise(nn.Module):
    r"""Adds :math:`\varepsilon \sim \mathcal{N}(0, \sigma^2 I)` in training mode; the identity in
    eval mode and when :math:`\sigma = 0`. Shape-preserving."""

    def __init__(self, std: float) -> None:
        super().__init__()
        _check_std("GaussianNoise", "std", std)
        self.std = float(std)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.std == 0.0:
            return x
        return x + self.std * torch.randn_like(x)  # (B, ...) -> (B, ...)

    def extra_repr(self) -> str:
        return f"std={self.std}"


@dataclass(frozen=True)
class SSGANDiscriminatorConfig:
    """Sizes of an :class:`SSGANDiscriminator`. The defaults are the paper's MNIST model; for a
    CPU run pass smaller ``hidden`` (e.g. ``(256, 128)``)."""

    num_classes: int = 10
    data_shape: tuple[int, ...] = (1, 28, 28)
    hidden: tuple[int, ...] = (1000, 500, 250, 250, 250)
    input_noise_std: float = 0.3
    hidden_noise_std: float = 0.5
    weight_norm: bool = True

    def __post_init__(self) -> None:
        owner = "SSGANDiscriminatorConfig"
        check_positive_int(owner, "num_classes", self.num_classes)
        check_dims(owner, "data_shape", self.data_shape, allow_empty=False)
        check_dims(owner, "hidden", self.hidden, allow_empty=False)
        _check_std(owner, "input_noise_std", self.input_noise_std)
        _check_std(owner, "hidden_noise_std", self.hidden_noise_std)
        if not isinstance(self.weight_norm, bool):
            raise ValueError(f"{owner}.weight_norm must be a bool, got {self.weight_norm!r}")

    @property
    def data_dim(self) -> int:
        return math.prod(self.data_shape)

    @property
    def feature_dim(self) -> int:
        """Width of the features :math:`f(x)` (the last hidden layer)."""
        return self.hidden[-1]


class SSGANDiscriminator(nn.Module):
    """``x -> (l_1, ..., l_K)``: class logits ``(B, K)``, optionally with features ``(B, F)``.

    ``D(x) = Z / (Z + 1)`` with ``Z = sum_k exp(l_k)`` (see :mod:`gancourse.losses.ssgan`); the
    class prediction is ``logits.argmax(1)``. Call ``.eval()`` before evaluating: the Gaussian
    noise layers are active in training mode only.
    """

    def __init__(self, config: SSGANDiscriminatorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or SSGANDiscriminatorConfig()
        layers: list[nn.Module] = [
            nn.Flatten(),  # (B, *data_shape) -> (B, data_dim)
            GaussianNoise(config.input_noise_std),  # (B, data_dim)
        ]
        width = config.data_dim
        for i, h in enumerate(config.hidden):
            if i > 0:
                layers.append(GaussianNoise(config.hidden_noise_std))  # (B, width)
            layers.append(_linear(width, h, config.weight_norm))  # (B, width) -> (B, h)
            layers.append(nn.ReLU())
            width = h
        self.body = nn.Sequential(*layers)  # (B, *data_shape) -> (B, F)
        self.head = nn.Sequential(
            GaussianNoise(config.hidden_noise_std),  # (B, F)
            _linear(width, config.num_classes, config.weight_norm),  # (B, F) -> (B, K)
        )

    def _check_input(self, x: Tensor) -> None:
        shape = self.config.data_shape
        if not isinstance(x, Tensor) or not x.is_floating_point():
            raise TypeError("the discriminator takes a floating-point tensor of images")
        if tuple(x.shape[1:]) != shape and not (x.dim() == 2 and x.shape[1] == math.prod(shape)):
            raise ValueError(
                f"the discriminator takes samples of shape (batch, {', '.join(map(str, shape))}) "
                f"or (batch, {math.prod(shape)}), got {tuple(x.shape)}"
            )

    def features(self, x: Tensor) -> Tensor:
        """The last hidden layer :math:`f(x)`, shape ``(B, F)``, for feature matching."""
        self._check_input(x)
        return self.body(x)  # (B, *data_shape) -> (B, F)

    @overload
    def forward(self, x: Tensor, return_features: Literal[False] = ...) -> Tensor: ...

    @overload
    def forward(self, x: Tensor, return_features: Literal[True]) -> tuple[Tensor, Tensor]: ...

    def forward(self, x: Tensor, return_features: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        """Class logits ``(B, K)``; with ``return_features=True`` also ``f(x)`` ``(B, F)`` from
        the same pass (one noise draw), as the generator's feature-matching loss needs."""
        feats = self.features(x)  # (B, *data_shape) -> (B, F)
        logits = self.head(feats)  # (B, F) -> (B, K)
        return (logits, feats) if return_features else logits


@dataclass(frozen=True)
class SSGANGeneratorConfig:
    """Sizes of an :class:`SSGANGenerator`; the defaults are the paper's MNIST generator.

    ``noise``: ``"uniform"`` draws ``z`` uniformly on [0, 1) as the released code does;
    ``"normal"`` draws ``z ~ N(0, I)``.
    """

    latent_dim: int = 100
    data_shape: tuple[int, ...] = (1, 28, 28)
    hidden: tuple[int, ...] = (500, 500)
    noise: Noise = "uniform"
    output_weight_norm: bool = True

    def __post_init__(self) -> None:
        owner = "SSGANGeneratorConfig"
        check_positive_int(owner, "latent_dim", self.latent_dim)
        check_dims(owner, "data_shape", self.data_shape, allow_empty=False)
        check_dims(owner, "hidden", self.hidden, allow_empty=True)
        if self.noise not in _NOISES:
            raise ValueError(f"{owner}.noise must be one of {_NOISES}, got {self.noise!r}")
        if not isinstance(self.output_weight_norm, bool):
            raise ValueError(
                f"{owner}.output_weight_norm must be a bool, got {self.output_weight_norm!r}"
            )

    @property
    def data_dim(self) -> int:
        return math.prod(self.data_shape)


class _Shift(nn.Module):
    """A learned per-unit shift ``x + b``: batch norm without a learned scale."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(width))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.bias  # (B, width) -> (B, width)


class SSGANGenerator(nn.Module):
    """``G: z -> x``: noise ``(B, latent_dim)`` to images ``(B, *data_shape)`` in (0, 1).

    Hidden layers are linear, batch norm with a learned shift but no learned scale (as in the
    released code), softplus; the output layer is (weight-normalised) linear then sigmoid.
    """

    def __init__(self, config: SSGANGeneratorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or SSGANGeneratorConfig()
        layers: list[nn.Module] = []
        width = config.latent_dim
        for h in config.hidden:
            # no bias: batch norm would subtract it; the shift after it plays its part
            layers.append(nn.Linear(width, h, bias=False))  # (B, width) -> (B, h)
            layers.append(nn.BatchNorm1d(h, affine=False))  # (B, h)
            layers.append(_Shift(h))  # (B, h)
            layers.append(nn.Softplus())
            width = h
        # (B, width) -> (B, data_dim)
        layers.append(_linear(width, config.data_dim, config.output_weight_norm))
        layers.append(nn.Sigmoid())
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        latent = self.config.latent_dim
        if not isinstance(z, Tensor) or z.dim() != 2 or z.shape[1] != latent:
            got = tuple(z.shape) if isinstance(z, Tensor) else type(z).__name__
            raise ValueError(
                f"the generator takes noise of shape (batch, {latent}), got {got}; "
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
        """``n`` draws of ``z`` (uniform on [0, 1) or standard normal, per ``config.noise``),
        shape ``(n, latent_dim)``, in the model's dtype and on its device (or on ``device``)."""
        return draw_noise(
            self,
            n,
            self.config.latent_dim,
            generator=generator,
            device=device,
            uniform=self.config.noise == "uniform",
        )

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> Tensor:
        """``n`` samples ``G(z)`` (no gradient), shape ``(n, *data_shape)``. Batch norm uses batch
        statistics in training mode and running statistics in eval mode."""
        return self(self.sample_noise(n, generator=generator))
