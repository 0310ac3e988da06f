"""Output-size arithmetic against what PyTorch's layers produce; the checkerboard overlap pattern
against a transposed convolution of ones, and its closed form floor/ceil(k / s)."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from gancourse.models.conv_arith import (
    checkerboard_pattern,
    conv2d_output_size,
    conv_transpose2d_output_size,
    overlap_1d,
)

SIZES = (1, 4, 7, 8, 13, 28)
KERNELS = (1, 2, 3, 4, 5)
STRIDES = (1, 2, 3)
PADDINGS = (0, 1, 2)
DILATIONS = (1, 2)


def test_conv2d_output_size_matches_nn_conv2d_over_a_sweep():
    checked = refused = 0
    for n, k, s, p, d in itertools.product(SIZES, KERNELS, STRIDES, PADDINGS, DILATIONS):
        conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
        x = torch.zeros(1, 1, n, n)
        try:
            expected = conv(x).shape[-1]
        except RuntimeError:
            expected = None  # PyTorch refuses: the kernel does not fit the padded input
        if expected is None:
            with pytest.raises(ValueError, match="does not fit"):
                conv2d_output_size(n, k, s, p, d)
            refused += 1
        else:
            assert conv2d_output_size(n, k, s, p, d) == expected, (n, k, s, p, d)
            checked += 1
    assert checked > 400 and refused > 10  # the sweep exercised both branches


def test_conv_transpose2d_output_size_matches_nn_conv_transpose2d_over_a_sweep():
    checked = refused = 0
    for n, k, s, p, d in itertools.product(SIZES, KERNELS, STRIDES, PADDINGS, DILATIONS):
        for op in range(max(s, d)):  # every output_padding PyTorch accepts
            layer = nn.ConvTranspose2d(
                1, 1, k, stride=s, padding=p, output_padding=op, dilation=d, bias=False
            )
            try:
                expected = layer(torch.zeros(1, 1, n, n)).shape[-1]
            except RuntimeError:
                expected = None  # PyTorch refuses a negative output size
            if expected is None or expected == 0:  # and returns an empty image for 0
                with pytest.raises(ValueError, match="crops the whole output"):
                    conv_transpose2d_output_size(n, k, s, p, op, d)
                refused += 1
            else:
                assert conv_transpose2d_output_size(n, k, s, p, op, d) == expected
                checked += 1
    assert checked > 1000 and refused > 0


def test_transposed_convolution_inverts_the_size_map_of_a_convolution():
    # a stride-s convolution maps s input sizes to one output size; output_padding picks which
    for n, k, s, p in itertools.product(range(5, 20), (3, 4, 5), (1, 2, 3), (0, 1, 2)):
        m = conv2d_output_size(n, k, s, p)
        op = (n + 2 * p - k) % s
        assert conv_transpose2d_output_size(m, k, s, p, output_padding=op) == n


def test_the_dcgan_layers_double_and_halve_an_even_size():
    for n in range(1, 40):
        assert conv_transpose2d_output_size(n, 4, 2, 1) == 2 * n
        assert conv2d_output_size(2 * n, 4, 2, 1) == n
    assert conv_transpose2d_output_size(1, 4) == 4  # the projection of a 1 x 1 noise image


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(size=0, kernel=3), "size must be a positive int"),
        (dict(size=5, kernel=0), "kernel must be a positive int"),
        (dict(size=5, kernel=3, stride=0), "stride must be a positive int"),
        (dict(size=5, kernel=3, padding=-1), "padding must be an int >= 0"),
        (dict(size=5, kernel=3, dilation=0), "dilation must be a positive int"),
        (dict(size=5.0, kernel=3), "size must be a positive int"),
        (dict(size=True, kernel=3), "size must be a positive int"),
        (dict(size=2, kernel=5), "does not fit"),
    ],
)
def test_conv2d_output_size_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv2d_output_size(**kwargs)


def test_conv_transpose2d_output_size_refuses_bad_input():
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        conv_transpose2d_output_size(4, 4, stride=2, padding=1, output_padding=2)
    with pytest.raises(ValueError, match="output_padding must be an int >= 0"):
        conv_transpose2d_output_size(4, 4, stride=2, output_padding=-1)
    with pytest.raises(ValueError, match="crops the whole output"):
        conv_transpose2d_output_size(1, 1, padding=1)
    # smaller than the dilation is enough, as in PyTorch
    assert conv_transpose2d_output_size(4, 3, stride=1, output_padding=1, dilation=2) == 9


def _ones_conv_transpose(n, k, s, p=0, op=0, d=1):
    layer = nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op, dilation=d, bias=False)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        return layer(torch.ones(1, 1, n, n))[0, 0].round().long()  # (1, 1, m, m) -> (m, m)


def test_checkerboard_pattern_equals_a_transposed_convolution_of_ones():
    for n, k, s, p, d in itertools.product((1, 3, 6), (1, 2, 3, 4, 5), (1, 2, 3), (0, 1), (1, 2)):
        for op in range(max(s, d)):
            try:
                expected = _ones_conv_transpose(n, k, s, p, op, d)
            except RuntimeError:
                continue  # non-positive output: the size functions' tests cover this
            got = checkerboard_pattern(k, s, size=n, padding=p, output_padding=op, dilation=d)
            assert torch.equal(got, expected), (n, k, s, p, op, d)


@pytest.mark.parametrize(("kernel", "stride"), list(itertools.product((2, 3, 4, 5, 6, 7), (2, 3))))
def test_interior_overlap_is_floor_or_ceil_of_kernel_over_stride(kernel, stride):
    row = overlap_1d(4 * kernel, kernel, stride)
    interior = row[kernel:-kernel]  # away from the borders, every input pixel is present
    low, high = kernel // stride, -(-kernel // stride)
    assert set(interior.tolist()) == ({low} if kernel % stride == 0 else {low, high})
    # period `stride`; each period holds `kernel` taps in all (every tap lands once per input)
    assert torch.equal(interior[stride:], interior[:-stride])
    assert interior[:stride].sum().item() == kernel
    # in 2-D the uneven rows multiply into a checkerboard: 4 distinct counts for 3 over 2, etc.
    pattern = checkerboard_pattern(kernel, stride, size=4 * kernel)[kernel:-kernel, kernel:-kernel]
    even = kernel % stride == 0
    assert (pattern.unique().numel() == 1) == even
    if not even:
        assert set(pattern.unique().tolist()) == {low * low, low * high, high * high}


def test_the_classic_examples():
    # kernel 3, stride 2 (Odena et al. 2016, figure 1): interior rows alternate 1, 2, 1, 2, ...
    assert overlap_1d(4, 3, 2).tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 1]
    # kernel 4, stride 2, padding 1 (the DCGAN layer): even, 2 taps everywhere but the borders
    assert overlap_1d(4, 4, 2, padding=1).tolist() == [1, 2, 2, 2, 2, 2, 2, 1]
