"""Image grids: :func:`make_grid` (an array) and :func:`show_images` (a figure). No torchvision."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from gancourse.plotting._style import ArrayLike, _axes, course_style, finish, to_numpy

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_EXPECTED = "(N, C, H, W) with C in {1, 3}, or (N, H, W) for grey images"


def _as_nchw(arr: np.ndarray) -> np.ndarray:
    """View ``arr`` as (N, C, H, W), or raise a ValueError naming the shape received."""
    shape = tuple(arr.shape)
    if arr.ndim == 3:
        arr = arr[:, None]
    elif arr.ndim == 2:
        raise ValueError(
            f"make_grid got shape {shape}; expected {_EXPECTED}. A batch of flat vectors must be "
            f"reshaped first, e.g. x.view(-1, 1, 28, 28); a single image, e.g. x[None]"
        )
    elif arr.ndim != 4:
        raise ValueError(
            f"make_grid got shape {shape} ({arr.ndim} dimensions); expected {_EXPECTED}"
        )
    if arr.shape[1] not in (1, 3):
        hint = ""
        if arr.shape[-1] in (1, 3):
            hint = "; channels-last images need x.permute(0, 3, 1, 2) first"
        raise ValueError(
            f"make_grid got shape {shape} with {arr.shape[1]} channels; expected {_EXPECTED}{hint}"
        )
    if arr.shape[0] == 0 or arr.shape[2] == 0 or arr.shape[3] == 0:
        raise ValueError(f"make_grid got an empty batch, shape {shape}; expected {_EXPECTED}")
    return arr


def make_grid(
    images: ArrayLike,
    nrow: int = 8,
    padding: int = 2,
    value_range: tuple[float, float] | None = (-1.0, 1.0),
    pad_value: float = 1.0,
) -> np.ndarray:
    """Tile a batch of images into one image, row by row (like torchvision's, without it).

    Args:
        images: tensor (any device, grad or not) or array of shape (N, C, H, W) with C in
            {1, 3}, or (N, H, W) for grey images.
        nrow: images per row (the grid has ``min(nrow, N)`` columns and ``ceil(N / nrow)`` rows;
            empty slots in the last row keep ``pad_value``).
        padding: pixels between tiles and around the border.
        value_range: the pixel values that map to black and white, ``(-1, 1)`` for a Tanh
            generator, ``(0, 1)`` or ``(0, 255)`` for data; values outside are clipped. ``None``
            rescales the whole batch by its own min and max (a constant batch becomes 0.5).
        pad_value: the colour of the padding, in output units (0 black, 1 white).

    Returns:
        float32 array in [0, 1]: (H', W') for grey images, (H', W', 3) for RGB, where
        ``H' = rows * (H + padding) + padding`` and ``W' = cols * (W + padding) + padding``.
        Image ``k`` sits at row ``k // cols``, column ``k % cols``.
    """
    if isinstance(nrow, bool) or not isinstance(nrow, (int, np.integer)) or nrow < 1:
        raise ValueError(f"nrow must be a positive integer, got {nrow!r}")
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    if not 0.0 <= float(pad_value) <= 1.0:
        raise ValueError(f"pad_value is in output units and must lie in [0, 1], got {pad_value}")
    arr = _as_nchw(to_numpy(images, dtype=np.float32))

    if value_range is None:
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
        arr = np.full_like(arr, 0.5) if hi <= lo else (arr - lo) / (hi - lo)
    else:
        lo, hi = (float(v) for v in value_range)
        if not hi > lo:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
        arr = (arr - lo) / (hi - lo)
    arr = np.clip(arr, 0.0, 1.0)

    n, c, h, w = arr.shape
    cols = min(int(nrow), n)
    rows = math.ceil(n / cols)
    grid = np.full(
        (c, rows * (h + padding) + padding, cols * (w + padding) + padding),
        pad_value,
        dtype=np.float32,
    )
    for k in range(n):
        r, q = divmod(k, cols)
        y, x = padding + r * (h + padding), padding + q * (w + padding)
        grid[:, y : y + h, x : x + w] = arr[k]
    return grid[0] if c == 1 else np.ascontiguousarray(grid.transpose(1, 2, 0))


def show_images(
    images: ArrayLike,
    nrow: int = 8,
    title: str | None = None,
    ax: Axes | None = None,
    value_range: tuple[float, float] | None = (-1.0, 1.0),
    figsize: tuple[float, float] | None = None,
    *,
    padding: int = 2,
    pad_value: float = 1.0,
) -> Axes:
    """Show a batch of images as one grid (grey colormap for 1 channel), without ticks.

    Arguments as in :func:`make_grid`. With ``ax=None`` a new figure is made whose size follows
    the grid (about 0.6 inch per 28-pixel tile, at most 9 inches wide). Returns the Axes.
    """
    grid = make_grid(
        images, nrow=nrow, padding=padding, value_range=value_range, pad_value=pad_value
    )
    with course_style():
        if ax is None and figsize is None:
            height, width = grid.shape[:2]
            scale = min(0.6 / 28.0, 9.0 / width, 7.0 / height)
            figsize = (max(width * scale, 1.5), max(height * scale, 1.5) + (0.35 if title else 0))
        ax = _axes(ax, figsize)
        ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        return finish(ax, title)
