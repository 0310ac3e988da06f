"""Checks and noise shared by the model modules (private: import from the model modules)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def check_positive_int(owner: str, name: str, value: object) -> None:
    """Raise ``ValueError`` naming ``owner.name`` unless ``value`` is an int >= 1 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}.{name} must be a positive int, got {value!r}")


def check_dims(owner: str, name: str, values: tuple[int, ...], allow_empty: bool) -> None:
    """Raise ``ValueError`` unless ``values`` is a tuple of positive ints (empty if allowed)."""
    if not isinstance(values, tuple) or (not values and not allow_empty):
        raise ValueError(f"{owner}.{name} must be a tuple of positive ints, got {values!r}")
    for v in values:
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{owner}.{name} must hold positive ints, got {values!r}")


def draw_noise(
    model: nn.Module,
    n: int,
    latent_dim: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | None = None,
    uniform: bool = False,
) -> Tensor:
    """``n`` noise vectors ``(n, latent_dim)``, standard normal (or uniform on [0, 1)), in
    ``model``'s dtype and on its device (or on ``device``): what every generator's
    ``sample_noise`` returns."""
    check_positive_int("sample_noise", "n", n)
    weight = next(model.parameters())
    draw = torch.rand if uniform else torch.randn
    return draw(
        n,
        latent_dim,
        generator=generator,
        device=weight.device if device is None else device,
        dtype=weight.dtype,
    )
