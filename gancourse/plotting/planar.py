"""2-D pictures: samples as scatter plots, and a critic's scores as filled contours."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import torch

from gancourse.plotting._style import (
    ArrayLike,
    _axes,
    as_named,
    colour_map,
    course_style,
    finish,
    outside_legend,
    to_numpy,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Axis limits: ``L`` (both axes ``(-L, L)``), ``(lo, hi)`` (both axes) or ``((x0, x1), (y0, y1))``.
CENTRES_LABEL = "mode centres"

Limits = Union[float, tuple[float, float], tuple[tuple[float, float], tuple[float, float]]]


def _points(name: str, values: ArrayLike) -> np.ndarray:
    arr = to_numpy(values)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points {name!r} have shape {tuple(arr.shape)}; expected (N, 2)")
    return arr


def _limits(lim: Limits) -> tuple[tuple[float, float], tuple[float, float]]:
    if np.isscalar(lim):
        return (-float(lim), float(lim)), (-float(lim), float(lim))
    first, second = lim  # type: ignore[misc]
    if np.isscalar(first):
        return (float(first), float(second)), (float(first), float(second))  # type: ignore[arg-type]
    return tuple(map(float, first)), tuple(map(float, second))  # type: ignore[return-value]


def _scatter_named(
    ax: Axes,
    named: Mapping[str, ArrayLike],
    s: float,
    alpha: float,
    colors: Mapping[str, str] | None,
    edge: str | None = None,
) -> None:
    colours = colour_map(list(named), colors)
    for name, values in named.items():
        pts = _points(name, values)
        ax.scatter(
            pts[:, 0], pts[:, 1], s=s, alpha=alpha, color=colours[name], label=name,
            linewidths=0.3 if edge else 0.0, edgecolors=edge or "none", rasterized=len(pts) > 2000,
        )


def _legend(ax: Axes, *, side: str, offset_pt: float) -> None:
    """Legend outside the axes, its sample markers opaque and of a readable size."""
    from matplotlib.collections import PathCollection

    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    legend = outside_legend(ax, handles, labels, side=side, offset_pt=offset_pt)
    for handle, label in zip(legend.legend_handles, labels, strict=True):
        if isinstance(handle, PathCollection) and label != CENTRES_LABEL:
            handle.set_sizes([24.0])
            handle.set_alpha(1.0)


def scatter_2d(
    points: Mapping[str, ArrayLike] | ArrayLike,
    ax: Axes | None = None,
    title: str | None = None,
    lim: Limits | None = None,
    s: float = 4,
    alpha: float = 0.5,
    centres: ArrayLike | None = None,
    *,
    colors: Mapping[str, str] | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Scatter 2-D samples, e.g. ``{"real": x, "generated": G(z)}``, with equal axis scales.

    Args:
        points: ``{label: array (N, 2)}``, or one (N, 2) array (labelled "samples"). Labels take
            palette colours in order (real first: blue; generated: vermillion).
        lim: axis limits (``L``, ``(lo, hi)`` or ``((x0, x1), (y0, y1))``); ``None``: automatic.
        s, alpha: marker area and opacity of the samples (the legend shows them opaque).
        colors: ``{label: colour}`` overriding the palette for some labels.
        centres: (K, 2) mode centres, drawn as open black circles labelled "mode centres" (a
            covered mode shows samples inside its circle).

    Returns the Axes; the legend sits outside, right of the plot.
    """
    named = as_named(points, "samples")
    with course_style():
        ax = _axes(ax, figsize if figsize is not None else (6.0, 4.4))
        _scatter_named(ax, named, s, alpha, colors)
        if centres is not None:
            c = _points("centres", centres)
            ax.scatter(
                c[:, 0], c[:, 1], marker="o", s=140, facecolors="none", edgecolors="black",
                linewidths=1.2, zorder=3, label=CENTRES_LABEL,
            )
        if lim is not None:
            (x0, x1), (y0, y1) = _limits(lim)
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        _legend(ax, side="right", offset_pt=8)
        return finish(ax, title)


def _device_dtype(fn: Any, device: str | torch.device | None) -> tuple[torch.device, torch.dtype]:
    """Where and in which float dtype to build the grid: ``fn``'s parameters' unless told."""
    dtype = torch.float32
    found: torch.device | None = None
    if isinstance(fn, torch.nn.Module):
        for t in itertools.chain(fn.parameters(), fn.buffers()):
            found = t.device
            if t.is_floating_point():
                dtype = t.dtype
                break
    if device is not None:
        return torch.device(device), dtype
    return found or torch.device("cpu"), dtype


def contour_2d(
    fn: Callable[[torch.Tensor], Any],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int = 100,
    ax: Axes | None = None,
    levels: int | ArrayLike = 20,
    points: Mapping[str, ArrayLike] | ArrayLike | None = None,
    title: str | None = None,
    device: str | torch.device | None = None,
    *,
    cmap: str = "viridis",
    colorbar: bool = True,
    cbar_label: str = "score",
    s: float = 4,
    alpha: float = 0.7,
    colors: Mapping[str, str] | None = None,
    chunk_size: int = 65536,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Filled contours of a function of the plane (a critic, a discriminator), with a colorbar.

    ``fn`` is called under ``torch.no_grad()`` with float tensors of shape (M, 2) (rows
    ``(x_1, x_2)``; at most ``chunk_size`` rows per call) and must return (M,) or (M, 1) scores
    (tensor or array). An ``nn.Module`` is evaluated in eval mode, its train/eval flags restored
    afterwards; the grid goes to its parameters' device and dtype unless ``device`` is given.

    Args:
        xlim, ylim: the grid's extent; ``resolution`` points along each axis.
        levels: number of contour levels, or their values.
        points: samples to overlay, ``{label: (N, 2)}`` or one (N, 2) array, drawn with thin
            white edges so they stand out on the colours; ``colors`` as in :func:`scatter_2d`
            (e.g. ``{"generated": PALETTE[1]}`` to match a scatter panel beside it).
        cbar_label: the colorbar's label (e.g. "D(x)" or "critic score").

    Returns the Axes: the filled ``ContourSet`` is in ``ax.collections``, the colorbar is an
    inset axes (``ax.child_axes``) right of the plot, and a legend of the overlaid points sits
    below it.
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    xs = np.linspace(float(xlim[0]), float(xlim[1]), resolution)
    ys = np.linspace(float(ylim[0]), float(ylim[1]), resolution)
    gx, gy = np.meshgrid(xs, ys)  # (R, R): row i is y = ys[i]
    dev, dtype = _device_dtype(fn, device)
    grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1)).to(dev, dtype)  # (M, 2)

    modes = [(m, m.training) for m in fn.modules()] if isinstance(fn, torch.nn.Module) else []
    scores = []
    try:
        if isinstance(fn, torch.nn.Module):
            fn.eval()
        with torch.no_grad():
            for chunk in grid.split(chunk_size):
                out = to_numpy(fn(chunk))
                if out.shape not in ((len(chunk),), (len(chunk), 1)):
                    raise ValueError(
                        f"contour_2d: fn mapped an input of shape {tuple(chunk.shape)} to shape "
                        f"{tuple(out.shape)}; expected ({len(chunk)},) or ({len(chunk)}, 1)"
                    )
                scores.append(out.reshape(-1))
    finally:
        for module, training in modes:
            module.training = training
    z = np.concatenate(scores).reshape(resolution, resolution)

    with course_style():
        ax = _axes(ax, figsize if figsize is not None else (5.6, 5.0))
        filled = ax.contourf(gx, gy, z, levels=levels, cmap=cmap)
        if np.nanmax(z) > np.nanmin(z):
            ax.contour(gx, gy, z, levels=filled.levels, colors="white", linewidths=0.4, alpha=0.35)
        if colorbar:  # an inset, so it hugs the (equal-aspect) axes and goes with them
            cax = ax.inset_axes((1.04, 0.0, 0.045, 1.0))
            ax.figure.colorbar(filled, cax=cax, label=cbar_label)
        named = as_named(points, "samples")
        _scatter_named(ax, named, s, alpha, colors, edge="white")
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ys[0], ys[-1])
        ax.set_aspect("equal", adjustable="box")
        ax.grid(False)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        _legend(ax, side="bottom", offset_pt=38)
        return finish(ax, title)
