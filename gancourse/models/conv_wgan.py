r"""The convolutional generator and critic of the WGAN-GP paper's MNIST experiment.

Gulrajani et al. (2017) trained WGAN-GP on MNIST with small DCGAN-like networks
(``gan_mnist.py`` of their code, ``DIM = 64``): no batch norm in the critic, since the gradient
penalty is a per-sample constraint (see :mod:`gancourse.models.critic`), and none in the
generator of the WGAN-GP setting. Kernels are 5 x 5 with stride 2; the critic pads by 2, which
halves a size rounding up (28 -> 14 -> 7 -> 4), and the generator's transposed convolutions
double it, with a crop from 8 to 7 on the way so that it ends at 28. ``dim = 64`` gives the
generator::

    # (B, 128)        -> (B, 4096)        Linear, ReLU
    # (B, 4096)       -> (B, 256, 4, 4)   reshape
    # (B, 256, 4, 4)  -> (B, 128, 7, 7)   ConvT k5 s2 p2 op1, ReLU, crop 8 -> 7
    # (B, 128, 7, 7)  -> (B, 64, 14, 14)  ConvT k5 s2 p2 op1, ReLU
    # (B, 64, 14, 14) -> (B, 1, 28, 28)   ConvT k5 s2 p2 op1, sigmoid

and the critic::

    # (B, 1, 28, 28)  -> (B, 64, 14, 14)  Conv k5 s2 p2, LeakyReLU(0.2)
    # (B, 64, 14, 14) -> (B, 128, 7, 7)   Conv k5 s2 p2, LeakyReLU(0.2)
    # (B, 128, 7, 7)  -> (B, 256, 4, 4)   Conv k5 s2 p2, LeakyReLU(0.2)
    # (B, 4096)       -> (B,)             Linear

Images are in [0, 1] (``load_dataset(..., scale="unit")``). These are the networks the speed
benchmark (``benchmarks/bench_steps.py``) trains against its re-implementation of the paper's
loop; :func:`gancourse.training.wgan.wgan_step_fn` trains them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from gancourse.models._common import check_positive_int, draw_noise

__all__ = ["ConvCritic", "ConvGenerator", "ConvWGANConfig"]

_K, _S, _P = 5, 2, 2  # kernel, stride, padding of every (transposed) convolution
_OUT_PAD = 1  # a stride-2 transposed convolution with k5 p2 exactly doubles with output_padding 1


@dataclass(frozen=True)
class ConvWGANConfig:
    """Sizes of :class:`ConvGenerator` and :class:`ConvCritic` (28 x 28 x 1 images).

    Attributes:
        dim: the width multiplier (``DIM`` of the paper's code, 64): channels ``dim``,
            ``2 dim``, ``4 dim`` at 14, 7 and 4 pixels.
        latent_dim: noise size (128 in the paper's code).
        negative_slope: the critic's LeakyReLU slope (0.2).
    """

    dim: int = 64
    latent_dim: int = 128
    negative_slope: float = 0.2

    def __post_init__(self) -> None:
        check_positive_int("ConvWGANConfig", "dim", self.dim)
        check_positive_int("ConvWGANConfig", "latent_dim", self.latent_dim)
        if not 0.0 <= self.negative_slope < 1.0:
            raise ValueError(f"negative_slope must be in [0, 1), got {self.negative_slope!r}")


class ConvGenerator(nn.Module):
    """``G: z -> x``: noise ``(B, latent_dim)`` to images ``(B, 1, 28, 28)`` in [0, 1]."""

    def __init__(self, config: ConvWGANConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or ConvWGANConfig()
        d = config.dim
        self.project = nn.Linear(config.latent_dim, 4 * d * 4 * 4)  # (B, z) -> (B, 4d * 16)
        self.up1 = nn.ConvTranspose2d(4 * d, 2 * d, _K, _S, _P, _OUT_PAD)  # 4 -> 8, cropped to 7
        self.up2 = nn.ConvTranspose2d(2 * d, d, _K, _S, _P, _OUT_PAD)  # 7 -> 14
        self.up3 = nn.ConvTranspose2d(d, 1, _K, _S, _P, _OUT_PAD)  # 14 -> 28, one channel

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.config.latent_dim:
            raise ValueError(
                f"the generator takes noise of shape (batch, {self.config.latent_dim}), got "
                f"{tuple(z.shape)}; draw it with generator.sample_noise(batch)"
            )
        d = self.config.dim
        x = torch.relu(self.project(z)).view(-1, 4 * d, 4, 4)  # (B, 4d, 4, 4)
        x = torch.relu(self.up1(x))[:, :, :7, :7]  # (B, 2d, 8, 8) -> (B, 2d, 7, 7)
        x = torch.relu(self.up2(x))  # (B, d, 14, 14)
        return torch.sigmoid(self.up3(x))  # (B, 1, 28, 28)

    def sample_noise(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | None = None,
    ) -> Tensor:
        """``n`` draws of ``z ~ N(0, I)``, shape ``(n, latent_dim)``, on the model's device."""
        return draw_noise(self, n, self.config.latent_dim, generator=generator, device=device)

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> Tensor:
        """``n`` images ``G(z)`` (no gradient), shape ``(n, 1, 28, 28)``."""
        return self(self.sample_noise(n, generator=generator))


class ConvCritic(nn.Module):
    """``x -> f(x)``: images ``(B, 1, 28, 28)`` to one unbounded score per sample, ``(B,)``.

    No normalisation layer: each sample's score depends on that sample only, as the gradient
    penalty requires.
    """

    def __init__(self, config: ConvWGANConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or ConvWGANConfig()
        d = config.dim
        self.conv1 = nn.Conv2d(1, d, _K, _S, _P)  # (B, 1, 28, 28) -> (B, d, 14, 14)
        self.conv2 = nn.Conv2d(d, 2 * d, _K, _S, _P)  # -> (B, 2d, 7, 7)
        self.conv3 = nn.Conv2d(2 * d, 4 * d, _K, _S, _P)  # -> (B, 4d, 4, 4)
        self.score = nn.Linear(4 * d * 4 * 4, 1)  # (B, 4d * 16) -> (B, 1)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(
                f"the critic takes images of shape (batch, 1, 28, 28), got {tuple(x.shape)}; "
                "add the channel axis with x.unsqueeze(1) if it is missing"
            )
        slope = self.config.negative_slope
        x = nn.functional.leaky_relu(self.conv1(x), slope)  # (B, d, 14, 14)
        x = nn.functional.leaky_relu(self.conv2(x), slope)  # (B, 2d, 7, 7)
        x = nn.functional.leaky_relu(self.conv3(x), slope)  # (B, 4d, 4, 4)
        return self.score(x.flatten(1)).squeeze(1)  # (B, 4d * 16) -> (B,)
