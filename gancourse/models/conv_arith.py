"""Output-size arithmetic of convolutions and transposed convolutions, and the overlap pattern of a
transposed convolution (the source of checkerboard artefacts).

For one spatial dimension of length :math:`n`, kernel :math:`k`, stride :math:`s`, padding
:math:`p`, dilation :math:`d` (Dumoulin and Visin 2016; the formulas in the PyTorch docs of
``nn.Conv2d`` and ``nn.ConvTranspose2d``):

.. math::

    n_\\text{conv} = \\left\\lfloor \\frac{n + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1,
    \\qquad
    n_\\text{transposed} = (n - 1)s - 2p + d(k - 1) + p_\\text{out} + 1.

Every function here works on one dimension with plain ints; a square image applies it to height
and width alike. Nothing here builds a layer: the DCGAN models (:mod:`gancourse.models.dcgan`) use
these functions to derive and check their layer plans.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "checkerboard_pattern",
    "conv2d_output_size",
    "conv_transpose2d_output_size",
    "overlap_1d",
]


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return value


def conv2d_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of ``nn.Conv2d`` along one dimension:
    :math:`\\lfloor (n + 2p - d(k-1) - 1) / s \\rfloor + 1`.

    Raises ``ValueError`` for a non-positive size, kernel, stride or dilation, a negative padding,
    or a (dilated) kernel larger than the padded input (PyTorch would fail at run time then).
    """
    _check_int("size", size, 1)
    _check_int("kernel", kernel, 1)
    _check_int("stride", stride, 1)
    _check_int("padding", padding, 0)
    _check_int("dilation", dilation, 1)
    span = dilation * (kernel - 1) + 1  # the input extent one output pixel sees
    if size + 2 * padding < span:
        raise ValueError(
            f"a kernel spanning {span} pixels (kernel={kernel}, dilation={dilation}) does not fit "
            f"an input of {size} pixels padded by {padding} on each side: use a smaller kernel or "
            f"more padding"
        )
    return (size + 2 * padding - span) // stride + 1


def conv_transpose2d_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Output length of ``nn.ConvTranspose2d`` along one dimension:
    :math:`(n - 1)s - 2p + d(k - 1) + p_\\text{out} + 1`.

    ``output_padding`` picks one of the ``stride`` input sizes that a strided convolution maps to
    the same output size; PyTorch requires it to be smaller than the stride or the dilation.
    Raises ``ValueError`` for invalid arguments or a non-positive result (padding cropping more
    than the full output; PyTorch returns an empty image for 0 and raises below).
    """
    _check_int("size", size, 1)
    _check_int("kernel", kernel, 1)
    _check_int("stride", stride, 1)
    _check_int("padding", padding, 0)
    _check_int("output_padding", output_padding, 0)
    _check_int("dilation", dilation, 1)
    if output_padding >= stride and output_padding >= dilation:
        raise ValueError(
            f"output_padding must be smaller than the stride ({stride}) or the dilation "
            f"({dilation}), got {output_padding} (PyTorch refuses it too)"
        )
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(
            f"padding={padding} crops the whole output of a transposed convolution of an input "
            f"of {size} pixels (kernel={kernel}, stride={stride}): the result would have {out} "
            f"pixels; use less padding"
        )
    return out


def overlap_1d(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> Tensor:
    """How many (input pixel, kernel tap) pairs write to each output pixel of a 1-D transposed
    convolution, shape ``(n_out,)`` with ``n_out`` from :func:`conv_transpose2d_output_size`.

    Input pixel :math:`i` and tap :math:`j` write to position :math:`i s + j d - p`. Counted
    directly, by scattering, with no convolution involved.
    """
    n_out = conv_transpose2d_output_size(size, kernel, stride, padding, output_padding, dilation)
    # before cropping the padding; output_padding only appends pixels that no tap reaches
    full = torch.zeros(n_out + 2 * padding, dtype=torch.long)
    for i in range(size):
        for j in range(kernel):
            full[i * stride + j * dilation] += 1
    return full[padding : padding + n_out]  # (n_out + 2p,) -> (n_out,)


def checkerboard_pattern(
    kernel: int,
    stride: int,
    size: int | None = None,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> Tensor:
    """Number of kernel taps contributing to each output pixel of a 2-D transposed convolution of
    a ``size x size`` input, shape ``(n_out, n_out)`` (Odena et al. 2016, "Deconvolution and
    checkerboard artifacts").

    Along one axis an interior output pixel receives :math:`\\lfloor k/s \\rfloor` or
    :math:`\\lceil k/s \\rceil` taps; in 2-D the count is the product of the two axes' counts. So
    when ``kernel % stride != 0`` the overlap is uneven and alternates with period ``stride``: a
    checkerboard that a generator has to cancel with its weights. This equals the output of a
    ``ConvTranspose2d`` with all-ones weights, no bias, applied to an all-ones input.

    ``size`` defaults to ``2 * kernel``, enough to show the interior pattern.
    """
    size = 2 * kernel if size is None else size
    row = overlap_1d(size, kernel, stride, padding, output_padding, dilation)
    return row[:, None] * row[None, :]  # (n_out,) x (n_out,) -> (n_out, n_out)
