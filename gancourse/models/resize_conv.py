"""Resize-then-convolve upsampling, the fix for checkerboard artefacts (chapter 5).

A strided transposed convolution with kernel :math:`k` and stride :math:`s` writes each output
pixel from :math:`\\lfloor k/s \\rfloor` or :math:`\\lceil k/s \\rceil` kernel taps, depending on
the pixel's position modulo :math:`s`; even where the counts are equal, *different* taps reach
neighbouring pixels. Its output therefore carries a pattern of period :math:`s` that the weights
have to cancel (Odena, Dumoulin and Olah 2016, "Deconvolution and checkerboard artifacts"). Their
fix: first resize the image (nearest-neighbour), then apply an ordinary stride-1 convolution,
whose every output pixel sees the same taps. A constant input then gives a constant output away
from the border, whatever the weights.
"""

from __future__ import annotations

from torch import Tensor, nn

from gancourse.models.conv_arith import conv2d_output_size

__all__ = ["ResizeConv2d"]


class ResizeConv2d(nn.Module):
    """Nearest-neighbour upsampling by ``scale``, then ``Conv2d(kernel, stride=1, padding=kernel
    // 2)``: ``(B, C_in, H, W) -> (B, C_out, scale H, scale W)``.

    A drop-in replacement for ``ConvTranspose2d(C_in, C_out, 4, 2, 1)`` (same output size for
    ``scale=2``) that cannot make a checkerboard from a constant input. ``kernel`` must be odd so
    that the padding keeps the size.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        scale: int = 2,
        kernel: int = 3,
        bias: bool = True,
    ) -> None:
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("scale", scale),
            ("kernel", kernel),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ResizeConv2d: {name} must be a positive int, got {value!r}")
        if kernel % 2 == 0:
            raise ValueError(
                f"ResizeConv2d: kernel must be odd so that padding kernel // 2 keeps the size, "
                f"got {kernel}; use 3 or 5"
            )
        self.scale, self.kernel = scale, kernel
        self.upsample = nn.Upsample(scale_factor=scale, mode="nearest")
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, 1, kernel // 2, bias=bias)

    def output_size(self, size: int) -> int:
        """The output height (or width) for an input of ``size``: ``scale * size``."""
        return conv2d_output_size(self.scale * size, self.kernel, 1, self.kernel // 2)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.conv.in_channels:
            raise ValueError(
                f"ResizeConv2d takes (batch, {self.conv.in_channels}, H, W) feature maps, got "
                f"{tuple(x.shape)}"
            )
        x = self.upsample(x)  # (B, C_in, H, W) -> (B, C_in, sH, sW): each pixel copied s x s
        return self.conv(x)  # (B, C_in, sH, sW) -> (B, C_out, sH, sW)
