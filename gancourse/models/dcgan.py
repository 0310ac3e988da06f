"""DCGAN generator and discriminator (Radford, Metz and Chintala 2016), chapter 5.

The paper's architecture guidelines, all followed here:

* no pooling: the discriminator downsamples with strided convolutions, the generator upsamples
  with strided transposed convolutions;
* batch norm in both networks, except on the generator's output layer and the discriminator's
  input layer;
* no fully connected hidden layers: the generator's first layer is a transposed convolution of the
  noise seen as a ``1 x 1`` image (as pytorch/examples ``dcgan`` does), the discriminator's last
  layer a convolution down to ``1 x 1``;
* ReLU in the generator with Tanh on its output, LeakyReLU (slope 0.2) in the discriminator;
* weights from :math:`\\mathcal N(0, 0.02^2)` (:func:`dcgan_init_`).

The discriminator returns one *logit* per sample, shape ``(B,)``; ``D(x) = sigmoid(logit)`` is
left to the losses, which work on logits.

Layer plan. For an image size :math:`S` the plan halves :math:`S` while it is even and above 4,
down to a base size :math:`b` (64 -> 4, 32 -> 4, 28 -> 7, 48 -> 3): the generator projects the
noise to ``b x b`` with a transposed convolution of kernel ``b``, then doubles the size with
``ConvTranspose2d(kernel=4, stride=2, padding=1)`` layers; the discriminator mirrors it with
``Conv2d(kernel=4, stride=2, padding=1)`` layers and a last ``Conv2d(kernel=b)`` to ``1 x 1``.
Every size in the plan is computed with :mod:`gancourse.models.conv_arith` and checked. Sizes that
are odd, or at most 4, cannot be reached this way (no doubling layer) and are refused.

The canonical 64 x 64 generator (``DCGANGeneratorConfig()``, ``ngf=128``; paper, figure 1)::

    # (B, 100)           -> (B, 100, 1, 1)    reshape
    # (B, 100, 1, 1)     -> (B, 1024, 4, 4)   ConvT k4 s1 p0, BN, ReLU
    # (B, 1024, 4, 4)    -> (B, 512, 8, 8)    ConvT k4 s2 p1, BN, ReLU
    # (B, 512, 8, 8)     -> (B, 256, 16, 16)  ConvT k4 s2 p1, BN, ReLU
    # (B, 256, 16, 16)   -> (B, 128, 32, 32)  ConvT k4 s2 p1, BN, ReLU
    # (B, 128, 32, 32)   -> (B, 3, 64, 64)    ConvT k4 s2 p1, Tanh

The digit variant (``DCGANGeneratorConfig.digits()``, ``ngf=64``)::

    # (B, 100, 1, 1)     -> (B, 128, 7, 7)    ConvT k7 s1 p0, BN, ReLU
    # (B, 128, 7, 7)     -> (B, 64, 14, 14)   ConvT k4 s2 p1, BN, ReLU
    # (B, 64, 14, 14)    -> (B, 1, 28, 28)    ConvT k4 s2 p1, Tanh

``describe_plan(generator_plan(config))`` prints these lines for any config. Convolutions
followed by batch norm have no bias (batch norm's shift makes it redundant); the others do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from gancourse.models._common import check_positive_int, draw_noise
from gancourse.models.conv_arith import conv2d_output_size, conv_transpose2d_output_size

__all__ = [
    "DCGANDiscriminator",
    "DCGANDiscriminatorConfig",
    "DCGANGenerator",
    "DCGANGeneratorConfig",
    "LayerSpec",
    "base_size",
    "dcgan_init_",
    "describe_plan",
    "discriminator_plan",
    "generator_plan",
]

Activation = Literal["relu", "leaky_relu", "tanh", "none"]

#: Kernel, stride and padding of every doubling/halving layer: exactly doubles an even size.
UP_KERNEL, UP_STRIDE, UP_PADDING = 4, 2, 1


def base_size(image_size: int) -> int:
    """The size the layer plan starts from: ``image_size`` halved while even and above 4.

    Raises ``ValueError`` if no halving is possible (odd sizes, sizes <= 4), since then the plan
    would have no strided layer at all.
    """
    check_positive_int("DCGAN", "image_size", image_size)
    b = image_size
    while b % 2 == 0 and b > 4:
        b //= 2
    if b == image_size:
        raise ValueError(
            f"image_size={image_size} cannot be produced by the DCGAN plan: it needs an even size "
            f"above 4 (base * 2**n with n >= 1, e.g. 28 = 7 * 4 or 64 = 4 * 16)"
        )
    return b


@dataclass(frozen=True)
class DCGANGeneratorConfig:
    """Sizes of a :class:`DCGANGenerator`.

    ``ngf`` is the width multiplier: the layer producing size ``image_size / 2**j`` has
    ``ngf * 2**(j - 1)`` channels (``ngf=128`` gives the paper's 1024-512-256-128 at 64 x 64;
    pytorch/examples uses 64). Narrow it for CPU runs.
    """

    latent_dim: int = 100
    image_size: int = 64
    channels: int = 3
    ngf: int = 128
    init_weights: bool = True

    def __post_init__(self) -> None:
        for name in ("latent_dim", "image_size", "channels", "ngf"):
            check_positive_int("DCGANGeneratorConfig", name, getattr(self, name))
        base_size(self.image_size)  # raises if the size cannot be reached

    @classmethod
    def digits(cls, latent_dim: int = 100, ngf: int = 64) -> DCGANGeneratorConfig:
        """28 x 28 x 1 digits: ``z -> 7x7x(2 ngf) -> 14x14x(ngf) -> 28x28x1``."""
        return cls(latent_dim=latent_dim, image_size=28, channels=1, ngf=ngf)


@dataclass(frozen=True)
class DCGANDiscriminatorConfig:
    """Sizes of a :class:`DCGANDiscriminator`.

    ``ndf`` is the width multiplier: the layer producing size ``image_size / 2**j`` has
    ``ndf * 2**(j - 1)`` channels (pytorch/examples: 64).
    """

    image_size: int = 64
    channels: int = 3
    ndf: int = 64
    negative_slope: float = 0.2
    init_weights: bool = True

    def __post_init__(self) -> None:
        for name in ("image_size", "channels", "ndf"):
            check_positive_int("DCGANDiscriminatorConfig", name, getattr(self, name))
        base_size(self.image_size)
        if not 0.0 <= self.negative_slope < 1.0:
            raise ValueError(f"negative_slope must be in [0, 1), got {self.negative_slope!r}")

    @classmethod
    def digits(cls, ndf: int = 64) -> DCGANDiscriminatorConfig:
        """28 x 28 x 1 digits: ``28x28x1 -> 14x14x(ndf) -> 7x7x(2 ndf) -> 1``."""
        return cls(image_size=28, channels=1, ndf=ndf)


@dataclass(frozen=True)
class LayerSpec:
    """One (transposed) convolution of a plan, with the sizes it maps between."""

    transposed: bool
    in_channels: int
    out_channels: int
    in_size: int
    out_size: int
    kernel: int
    stride: int
    padding: int
    batch_norm: bool
    activation: Activation

    @property
    def shapes(self) -> str:
        """The shape comment, e.g. ``"(B, 512, 8, 8) -> (B, 256, 16, 16)"``."""
        a, b = self.in_size, self.out_size
        return f"(B, {self.in_channels}, {a}, {a}) -> (B, {self.out_channels}, {b}, {b})"

    def build(self, negative_slope: float = 0.2) -> list[nn.Module]:
        """The layer, its batch norm (if any) and its activation."""
        conv = nn.ConvTranspose2d if self.transposed else nn.Conv2d
        layers: list[nn.Module] = [
            conv(
                self.in_channels,
                self.out_channels,
                self.kernel,
                self.stride,
                self.padding,
                bias=not self.batch_norm,  # batch norm's shift replaces the bias
            )
        ]
        if self.batch_norm:
            layers.append(nn.BatchNorm2d(self.out_channels))
        if self.activation == "relu":
            layers.append(nn.ReLU())
        elif self.activation == "tanh":
            layers.append(nn.Tanh())
        elif self.activation == "leaky_relu":
            layers.append(nn.LeakyReLU(negative_slope))
        return layers


def generator_plan(config: DCGANGeneratorConfig) -> tuple[LayerSpec, ...]:
    """The generator's layers, from the ``1 x 1`` noise to the image; sizes checked with
    :func:`~gancourse.models.conv_arith.conv_transpose2d_output_size`."""
    b = base_size(config.image_size)
    n_up = (config.image_size // b).bit_length() - 1  # image_size = b * 2**n_up
    width = config.ngf * 2 ** (n_up - 1)  # channels at the base size
    out = conv_transpose2d_output_size(1, kernel=b)  # (B, z, 1, 1) -> (B, width, b, b)
    specs = [LayerSpec(True, config.latent_dim, width, 1, out, b, 1, 0, True, "relu")]
    size = out
    for j in range(n_up, 0, -1):  # j: how many halvings the output size is from image_size
        last = j == 1
        out_ch = config.channels if last else width // 2
        out = conv_transpose2d_output_size(size, UP_KERNEL, UP_STRIDE, UP_PADDING)
        specs.append(
            LayerSpec(
                True,
                width,
                out_ch,
                size,
                out,
                UP_KERNEL,
                UP_STRIDE,
                UP_PADDING,
                batch_norm=not last,  # never on the output layer
                activation="tanh" if last else "relu",
            )
        )
        size, width = out, out_ch
    if size != config.image_size:  # cannot happen for a size base_size accepted
        raise AssertionError(f"generator plan reaches {size}, not {config.image_size}")
    return tuple(specs)


def discriminator_plan(config: DCGANDiscriminatorConfig) -> tuple[LayerSpec, ...]:
    """The discriminator's layers, from the image to one logit at ``1 x 1``; sizes checked with
    :func:`~gancourse.models.conv_arith.conv2d_output_size`."""
    b = base_size(config.image_size)
    size, width = config.image_size, config.channels
    specs: list[LayerSpec] = []
    j = 0
    while size > b:
        j += 1
        out_ch = config.ndf * 2 ** (j - 1)
        out = conv2d_output_size(size, UP_KERNEL, UP_STRIDE, UP_PADDING)
        specs.append(
            LayerSpec(
                False,
                width,
                out_ch,
                size,
                out,
                UP_KERNEL,
                UP_STRIDE,
                UP_PADDING,
                batch_norm=j > 1,  # never on the input layer
                activation="leaky_relu",
            )
        )
        size, width = out, out_ch
    out = conv2d_output_size(size, kernel=b)  # (B, width, b, b) -> (B, 1, 1, 1)
    specs.append(LayerSpec(False, width, 1, size, out, b, 1, 0, False, "none"))
    if out != 1:
        raise AssertionError(f"discriminator plan ends at {out} x {out}, not 1 x 1")
    return tuple(specs)


def describe_plan(plan: tuple[LayerSpec, ...]) -> str:
    """One line per layer: shapes, layer, batch norm and activation."""
    lines = []
    for s in plan:
        name = "ConvT" if s.transposed else "Conv"
        extras = (["BN"] if s.batch_norm else []) + (
            [s.activation] if s.activation != "none" else []
        )
        layer = f"{name} k{s.kernel} s{s.stride} p{s.padding}"
        lines.append(f"# {s.shapes:<38} {', '.join([layer, *extras])}")
    return "\n".join(lines)


_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.Linear)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


@torch.no_grad()
def dcgan_init_(module: nn.Module, *, generator: torch.Generator | None = None) -> nn.Module:
    """DCGAN initialisation, in place, of ``module`` and all its submodules; returns ``module``.

    Convolution, transposed convolution and linear weights :math:`\\sim \\mathcal N(0, 0.02^2)`,
    their biases 0; batch-norm scales :math:`\\gamma \\sim \\mathcal N(1, 0.02^2)`, shifts
    :math:`\\beta = 0` (the paper's rule, with pytorch/examples' choice for batch norm).
    """
    for m in module.modules():
        if isinstance(m, _CONVS):
            nn.init.normal_(m.weight, 0.0, 0.02, generator=generator)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _NORMS) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02, generator=generator)
            nn.init.zeros_(m.bias)
    return module


class DCGANGenerator(nn.Module):
    """``G: z -> x``: noise ``(B, latent_dim)`` (or ``(B, latent_dim, 1, 1)``) to images
    ``(B, channels, image_size, image_size)`` in [-1, 1]. Layers: :func:`generator_plan`."""

    def __init__(self, config: DCGANGeneratorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or DCGANGeneratorConfig()
        self.plan = generator_plan(config)
        layers: list[nn.Module] = []
        for spec in self.plan:
            layers += spec.build()  # spec.shapes, e.g. (B, 1024, 4, 4) -> (B, 512, 8, 8)
        self.net = nn.Sequential(*layers)
        if config.init_weights:
            dcgan_init_(self)

    def forward(self, z: Tensor) -> Tensor:
        latent = self.config.latent_dim
        flat = z.dim() == 2 and z.shape[1] == latent
        if not (flat or (z.dim() == 4 and tuple(z.shape[1:]) == (latent, 1, 1))):
            raise ValueError(
                f"the generator takes noise of shape (batch, {latent}) or (batch, {latent}, 1, "
                f"1), got {tuple(z.shape)}; draw it with generator.sample_noise(batch)"
            )
        z = z.view(-1, latent, 1, 1)  # (B, latent) -> (B, latent, 1, 1): a 1 x 1 image
        return self.net(z)  # (B, latent, 1, 1) -> (B, channels, S, S)

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
        """``n`` images ``G(z)`` (no gradient), shape ``(n, channels, S, S)``. Uses batch norm in
        whatever mode the model is in (call ``.eval()`` for running statistics)."""
        return self(self.sample_noise(n, generator=generator))


class DCGANDiscriminator(nn.Module):
    """``x -> l(x)``: images ``(B, channels, S, S)`` to one logit per sample, shape ``(B,)``;
    ``D(x) = sigmoid(l(x))``. Layers: :func:`discriminator_plan`."""

    def __init__(self, config: DCGANDiscriminatorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or DCGANDiscriminatorConfig()
        self.plan = discriminator_plan(config)
        layers: list[nn.Module] = []
        for spec in self.plan:
            # spec.shapes, e.g. (B, 3, 64, 64) -> (B, 64, 32, 32)
            layers += spec.build(config.negative_slope)
        self.net = nn.Sequential(*layers)
        if config.init_weights:
            dcgan_init_(self)

    def forward(self, x: Tensor) -> Tensor:
        c, s = self.config.channels, self.config.image_size
        if x.dim() != 4 or tuple(x.shape[1:]) != (c, s, s):
            raise ValueError(
                f"the discriminator takes images of shape (batch, {c}, {s}, {s}), got "
                f"{tuple(x.shape)}; add the channel axis with x.unsqueeze(1) or x.view(-1, {c}, "
                f"{s}, {s}) if the images are flat or lack it"
            )
        return self.net(x).view(-1)  # (B, 1, 1, 1) -> (B,)
