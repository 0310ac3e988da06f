"""The course's figure style, and the small conversions every plotting function shares.

Nothing here runs at import time: the style is a plain dictionary, applied only inside
:func:`course_style` (a ``matplotlib.rc_context``), so importing :mod:`gancourse.plotting` never
changes ``matplotlib.rcParams`` and never creates a figure.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import torch
from cycler import cycler

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Anything the plotting functions accept as numbers: NumPy arrays, tensors (on any device, with
#: or without grad), or nested sequences of floats.
ArrayLike = Union[np.ndarray, torch.Tensor, Sequence[float], Sequence[Sequence[float]]]

#: Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), in the order
#: series receive them: the first series (usually the data) is blue, the second (usually the
#: generator) vermillion.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
)

#: The rcParams the course's figures are drawn with (read-only; see :func:`course_style`).
COURSE_STYLE: Mapping[str, Any] = MappingProxyType(
    {
        "figure.figsize": (6.4, 4.0),
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#444444",
        "axes.linewidth": 0.8,
        "axes.grid": True,
        "axes.axisbelow": True,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.labelsize": 11,
        "axes.labelcolor": "#222222",
        "grid.color": "#d9d9d9",
        "grid.linewidth": 0.6,
        "grid.alpha": 0.8,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "xtick.color": "#444444",
        "ytick.color": "#444444",
        "lines.linewidth": 2.0,
        "lines.solid_capstyle": "round",
        "legend.frameon": False,
        "legend.fontsize": 9,
        "image.cmap": "viridis",
        "font.size": 10,
    }
)


@contextlib.contextmanager
def course_style(overrides: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Draw with the course style inside a ``with`` block; rcParams are restored on exit.

    Every plotting function of :mod:`gancourse.plotting` already uses it; use it yourself for
    figures you draw by hand so that they match::

        with course_style():
            fig, ax = plt.subplots()
            ax.plot(xs, ys)

    ``overrides`` replaces single rcParams, e.g. ``course_style({"axes.grid": False})``.
    """
    import matplotlib

    with matplotlib.rc_context({**COURSE_STYLE, **(overrides or {})}):
        yield


def subplots(
    nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None, **kwargs: Any
) -> tuple[Figure, Any]:
    """``plt.subplots`` in the course style with constrained layout (colorbars and twin axes fit).

    Returns ``(fig, axes)`` exactly as ``plt.subplots`` does; pass the axes to the plotting
    functions' ``ax=`` to build multi-panel figures.
    """
    import matplotlib.pyplot as plt

    kwargs.setdefault("layout", "constrained")
    if figsize is None:  # panels a little smaller than a single figure, within a page
        w, h = COURSE_STYLE["figure.figsize"]
        if nrows * ncols > 1:
            w, h = min(w * ncols * 0.85, 16.0), min(h * nrows * 0.9, 12.0)
        figsize = (w, h)
    with course_style():
        return plt.subplots(nrows, ncols, figsize=figsize, **kwargs)


def _axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax`` itself, or a new course-style figure's only Axes. Call inside ``course_style()``."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return new_ax


def to_numpy(x: ArrayLike, *, dtype: Any = np.float64) -> np.ndarray:
    """A NumPy copy of ``x`` (tensor on any device, with or without grad, array or sequence)."""
    if isinstance(x, torch.Tensor):
        t = x.detach()
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            t = t.to(torch.float64 if dtype == np.float64 else torch.float32)
        return t.cpu().numpy().astype(dtype, copy=False)
    if isinstance(x, np.ndarray):
        return x.astype(dtype, copy=False)
    if isinstance(x, Sequence) and len(x) > 0 and isinstance(x[0], torch.Tensor):
        return np.array([to_numpy(v, dtype=dtype) for v in x], dtype=dtype)
    return np.asarray(x, dtype=dtype)


def to_series(values: Any) -> np.ndarray:
    """A 1-D float array from a list of floats / 0-d tensors / ``None`` (becomes NaN)."""
    if isinstance(values, (torch.Tensor, np.ndarray)):
        return to_numpy(values).reshape(-1)
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        out[i] = math.nan if v is None else float(v)
    return out


def colour_map(names: Sequence[str], given: Mapping[str, str] | None = None) -> dict[str, str]:
    """The colour of each name: ``given[name]`` if there, else the palette in order (cycling)."""
    given = given or {}
    return {name: given.get(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(names)}


def as_named(points: Any, default: str) -> dict[str, Any]:
    """A mapping ``name -> value`` from a mapping, or ``{default: value}`` from a single value."""
    if points is None:
        return {}
    if isinstance(points, Mapping):
        return dict(points)
    return {default: points}


def outside_legend(
    ax: Axes, handles: Sequence[Any], labels: Sequence[str], *, side: str, offset_pt: float
) -> Any:
    """A frameless legend outside ``ax``: to its right (``side="right"``) or centred below it.

    ``offset_pt`` is the gap in points between the axes and the legend, measured in points (not
    axes fractions) so that it clears tick labels and axis labels whatever the axes' size.
    """
    from matplotlib.transforms import ScaledTranslation

    shift = offset_pt / 72.0
    if side == "right":
        transform = ax.transAxes + ScaledTranslation(shift, 0.0, ax.figure.dpi_scale_trans)
        return ax.legend(
            handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0),
            bbox_transform=transform, borderaxespad=0.0,
        )
    transform = ax.transAxes + ScaledTranslation(0.0, -shift, ax.figure.dpi_scale_trans)
    return ax.legend(
        handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=transform,
        borderaxespad=0.0, ncol=min(len(handles), 4),
    )


def finish(ax: Axes, title: str | None) -> Axes:
    if title is not None:
        ax.set_title(title)
    return ax
