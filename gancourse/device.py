"""Choosing the device every model and training routine runs on."""

from __future__ import annotations

import os

import torch

DEVICE_ENV = "GANCOURSE_DEVICE"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def get_device(prefer: str | torch.device | None = None) -> torch.device:
    """Return the device to compute on.

    Order of precedence: the ``prefer`` argument, the ``GANCOURSE_DEVICE`` environment variable
    (``cpu``, ``cuda``, ``cuda:1``, ``mps``), then CUDA, MPS and finally the CPU, whichever is
    available first. Asking for a device that is not available raises a ``RuntimeError`` that
    says what was asked and what exists, rather than failing later inside a kernel.
    """
    asked = prefer if prefer is not None else os.environ.get(DEVICE_ENV) or None
    if asked is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")

    source = "argument" if prefer is not None else f"environment variable {DEVICE_ENV}"
    try:
        device = torch.device(asked)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"{source} asks for device {asked!r}, which PyTorch does not recognise; "
            "use 'cpu', 'cuda', 'cuda:N' or 'mps'"
        ) from err
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"{source} asks for {asked!r} but this PyTorch build sees no CUDA device "
                f"(torch {torch.__version__}); unset {DEVICE_ENV} or set it to 'cpu'"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(
                f"{source} asks for {asked!r} but only {torch.cuda.device_count()} CUDA "
                "device(s) exist"
            )
    elif device.type == "mps" and not _mps_available():
        raise RuntimeError(f"{source} asks for 'mps' but MPS is not available on this machine")
    elif device.type not in {"cpu", "cuda", "mps"}:
        raise ValueError(f"{source} asks for device type {device.type!r}; use cpu, cuda or mps")
    return device
