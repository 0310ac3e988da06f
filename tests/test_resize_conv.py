"""Resize-then-convolve upsampling: sizes, the absence of checkerboards, and errors."""

import pytest
import torch
from torch import nn

from gancourse.models.conv_arith import checkerboard_pattern
from gancourse.models.resize_conv import ResizeConv2d


@pytest.mark.parametrize("size", [1, 4, 7, 14])
def test_doubles_like_the_dcgan_transposed_conv(size):
    up = ResizeConv2d(5, 3)
    convt = nn.ConvTranspose2d(5, 3, 4, 2, 1)
    x = torch.randn(2, 5, size, size)
    assert up(x).shape == convt(x).shape == (2, 3, 2 * size, 2 * size)
    assert up.output_size(size) == 2 * size


def test_scale_three_and_kernel_five():
    up = ResizeConv2d(2, 4, scale=3, kernel=5)
    assert up(torch.randn(1, 2, 5, 5)).shape == (1, 4, 15, 15)


def test_equals_nearest_upsampling_followed_by_the_convolution():
    torch.manual_seed(0)
    up = ResizeConv2d(3, 2)
    x = torch.randn(2, 3, 5, 5)
    by_hand = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # nearest, x2
    expected = torch.nn.functional.conv2d(by_hand, up.conv.weight, up.conv.bias, padding=1)
    torch.testing.assert_close(up(x), expected)


def test_constant_input_gives_constant_interior_unlike_transposed_conv():
    torch.manual_seed(1)
    x = torch.full((1, 4, 8, 8), 0.7)
    up = ResizeConv2d(4, 1)
    out = up(x)[0, 0, 1:-1, 1:-1]  # away from the zero padding at the border
    assert out.std().item() < 1e-6
    convt = nn.ConvTranspose2d(4, 1, 3, 2, 1)
    interior = convt(x)[0, 0, 2:-2, 2:-2]
    assert interior.std().item() > 1e-3  # random weights: a periodic pattern, not a constant
    # the pattern repeats with period 2 (the stride) in both directions
    torch.testing.assert_close(interior[:-2, :], interior[2:, :])
    torch.testing.assert_close(interior[:, :-2], interior[:, 2:])


def test_all_ones_transposed_conv_reproduces_the_overlap_count():
    # the contrast the chapter draws: ones through ConvTranspose2d(k=3, s=2) is uneven
    convt = nn.ConvTranspose2d(1, 1, 3, 2, bias=False)
    nn.init.ones_(convt.weight)
    out = convt(torch.ones(1, 1, 6, 6))[0, 0].round().long()
    assert torch.equal(out, checkerboard_pattern(3, 2, size=6))
    assert set(out[2:-2, 2:-2].unique().tolist()) == {1, 2, 4}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kernel": 4}, "odd"),
        ({"scale": 0}, "scale"),
        ({"kernel": 2.5}, "kernel"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ResizeConv2d(2, 2, **kwargs)


def test_wrong_input_channels():
    with pytest.raises(ValueError, match=r"\(batch, 3, H, W\)"):
        ResizeConv2d(3, 1)(torch.randn(1, 2, 4, 4))
