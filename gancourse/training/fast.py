r"""The fast path: how the training steps use the hardware, without changing what they compute.

Every switch here changes *how* a step is computed, never *what*: results agree with the plain
float32 eager computation up to rounding (``tests/test_fast_path.py`` checks each switch against
it). On the CPU, what is on by default is what the speed benchmark (``benchmarks/bench_steps.py``)
measured to pay; the CUDA defaults are the usual practice and wait for a GPU run of the benchmark
(``benchmarks/RESULTS.md`` says which figures exist):

- **mixed precision** (:func:`resolve_amp`, :func:`autocast`): convolutional networks run under
  ``torch.autocast`` in bfloat16 where the hardware computes it natively (CUDA GPUs from Ampere
  on, CPUs with AVX512-BF16 or AMX). bfloat16 has float32's exponent range, so no loss scaling is
  needed, which matters for the gradient penalty's double backpropagation. Losses are computed in
  float32 from the logits. Everywhere else, and for the MLPs, everything stays float32. float16
  is not offered: its narrow range needs loss scaling, and a scaled loss would have to be
  unscaled inside the gradient penalty before its norm is taken.
- **channels-last** (:func:`prepare`): convolutional models and their image batches are stored
  NHWC, the layout tensor cores and oneDNN's fastest kernels use.
- **fused optimisers** (:func:`adam`): one kernel (CUDA) or one loop (CPU) updates all parameters
  instead of a handful of kernels per parameter tensor.
- **torch.compile** (:func:`prepare`, CUDA with Triton only, off for networks that go through
  double backpropagation, which compiled graphs do not support): fuses the elementwise layers.
- **no host-device synchronisation**: the step functions return detached tensors; the
  :class:`~gancourse.training.Trainer` copies them to the host once per ``log_every`` steps.
- **data on the device**: :func:`~gancourse.training.gan.random_batches` indexes a tensor that
  lives where the model is (the course's data sets fit in GPU memory many times over).

Example::

    G = prepare(DCGANGenerator(config), device)
    opt_g = adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Literal

import torch
from torch import Tensor, nn

__all__ = [
    "Precision",
    "adam",
    "autocast",
    "channels_last_default",
    "compile_default",
    "check_precision",
    "full_precision",
    "has_conv2d",
    "native_bf16",
    "prepare",
    "resolve_amp",
    "to_device_layout",
]

#: ``"auto"``: bfloat16 autocast for convolutional networks where the hardware computes in
#: bfloat16 natively (:func:`native_bf16`), float32 elsewhere; ``"float32"``: no autocast;
#: ``"bfloat16"``: autocast in bfloat16 whatever the networks and hardware.
Precision = Literal["auto", "float32", "bfloat16"]
_PRECISIONS = ("auto", "float32", "bfloat16")


def check_precision(name: str, precision: object) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``precision`` is a :data:`Precision`."""
    if precision not in _PRECISIONS:
        raise ValueError(f"{name} must be one of {_PRECISIONS}, got {precision!r}")


def native_bf16(device: torch.device | str) -> bool:
    """Whether ``device`` computes bfloat16 natively: a CUDA GPU of compute capability 8.0 or
    newer, or a CPU with AVX512-BF16 or AMX instructions. Elsewhere bfloat16 is emulated and
    slower than float32."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private, may go away
        return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)
    return False


def resolve_amp(precision: Precision, *modules: nn.Module) -> torch.dtype | None:
    """The autocast dtype a step function uses for ``modules`` (``None``: plain float32).

    ``"auto"`` gives bfloat16 only when some module has 2-D convolutions and their device has
    native bfloat16 (:func:`native_bf16`): there it pays (the benchmark measured it), while the
    course's small MLPs gain nothing and their 2-D toy samples would be quantised to bfloat16's
    8-bit mantissa.
    """
    check_precision("precision", precision)
    if precision == "float32":
        return None
    if precision == "bfloat16":
        return torch.bfloat16
    weight = next((p for m in modules for p in m.parameters()), None)
    if weight is None or not any(has_conv2d(m) for m in modules):
        return None
    return torch.bfloat16 if native_bf16(weight.device) else None


def autocast(
    device: torch.device | str, dtype: torch.dtype | None
) -> contextlib.AbstractContextManager:
    """``torch.autocast(device.type, dtype)``, or a no-op context when ``dtype`` is ``None``.

    Compute the losses on :func:`full_precision` of the networks' outputs: the matrix products run
    in ``dtype``, the reductions of the loss in float32.
    """
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)


def full_precision(x: Tensor) -> Tensor:
    """``x`` in float32 if autocast left it in a 16-bit float type, else ``x`` itself (float64
    stays float64)."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def has_conv2d(module: nn.Module) -> bool:
    """Whether ``module`` holds a 2-D (transposed) convolution, i.e. whether channels-last can
    matter for it."""
    return any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in module.modules())


def channels_last_default(device: torch.device | str) -> bool:
    """Whether :func:`prepare` stores conv models channels-last on ``device`` by default: on CUDA
    (tensor cores read NHWC) and on the CPU, where the benchmark measured the 64 x 64 DCGAN step
    about 10% faster in float32 and 5% in bfloat16 with oneDNN's NHWC kernels, and the 28 x 28
    WGAN-GP step within 2% either way. Not on MPS."""
    return torch.device(device).type in ("cuda", "cpu")


def to_device_layout(
    images: Tensor, device: torch.device | str, *, channels_last: bool | None = None
) -> Tensor:
    """``images`` moved to ``device`` in the layout :func:`prepare` gives conv models there
    (``channels_last``: the same switch as :func:`prepare`'s). Values are untouched."""
    images = images.to(device)
    if channels_last is None:
        channels_last = channels_last_default(images.device)
    if images.dim() == 4 and channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    return images


def compile_default(device: torch.device | str) -> bool:
    """Whether :func:`prepare` compiles by default on ``device``: on CUDA when Triton, which
    ``torch.compile`` generates its GPU kernels with, is installed. Not on the CPU, where it has
    not been measured to pay for its compile time."""
    if torch.device(device).type != "cuda":
        return False
    try:
        from torch.utils._triton import has_triton  # private; absent in some builds
    except ImportError:
        return False
    return bool(has_triton())


def prepare(
    module: nn.Module,
    device: torch.device | str,
    *,
    channels_last: bool | None = None,
    compile: bool | None = None,
) -> nn.Module:
    """Move ``module`` to ``device`` and set it up for fast training; returns ``module`` itself.

    Args:
        channels_last: store 2-D conv weights NHWC; default: :func:`channels_last_default`.
        compile: ``module.compile()`` in place (parameters and ``state_dict`` keys unchanged);
            default: :func:`compile_default`. Leave it off for a WGAN-GP critic: the gradient
            penalty differentiates the critic twice and compiled graphs support a single
            backward.
    """
    device = torch.device(device)
    module.to(device)
    if channels_last is None:
        channels_last = channels_last_default(device)
    if channels_last and has_conv2d(module):
        module.to(memory_format=torch.channels_last)
    if compile_default(device) if compile is None else compile:
        module.compile()
    return module


def adam(
    params: Iterable[nn.Parameter],
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    fused: bool | None = None,
) -> torch.optim.Adam:
    """``torch.optim.Adam`` with the fused implementation where it exists for the parameters'
    device (CUDA and CPU), else the multi-tensor (``foreach``) one. Same update rule, same
    ``state_dict``: only the kernels differ.

    Args:
        fused: force the fused (``True``) or the ``foreach`` (``False``) implementation.
    """
    params = list(params)
    if not params:
        raise ValueError("adam got no parameters: pass model.parameters() of a model with weights")
    if fused is None:
        fused = all(p.device.type in ("cuda", "cpu") and p.is_floating_point() for p in params)
    if fused:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True)
