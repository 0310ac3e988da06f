"""Curves: training losses over steps, and 1-D densities with a discriminator curve."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from gancourse.plotting._style import (
    ArrayLike,
    _axes,
    colour_map,
    course_style,
    finish,
    outside_legend,
    to_numpy,
    to_series,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: A density given as values on the grid ``x`` or as a function called with the grid.
DensityLike = Union[ArrayLike, Callable[[np.ndarray], ArrayLike]]
#: A discriminator curve: values on the grid ``x``, or its own ``(x, values)`` pair.
CurveLike = Union[ArrayLike, tuple[ArrayLike, ArrayLike]]

_D_STYLES = (("#222222", "--"), ("#777777", ":"), ("#222222", "-."), ("#777777", "--"))


def moving_average(values: ArrayLike, window: int) -> np.ndarray:
    """Trailing mean over the last ``window`` values (fewer at the start), ignoring NaNs.

    The output has the input's length, so it lines up with the same steps; ``window=1`` returns
    the values unchanged. A position whose window holds only NaNs stays NaN.
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"smoothing window must be a positive integer, got {window!r}")
    y = to_series(values)
    if window == 1 or y.size == 0:
        return y
    ok = np.isfinite(y)
    csum = np.concatenate([[0.0], np.cumsum(np.where(ok, y, 0.0))])
    ccnt = np.concatenate([[0], np.cumsum(ok)])
    idx = np.arange(1, y.size + 1)
    start = np.maximum(idx - window, 0)
    total, count = csum[idx] - csum[start], ccnt[idx] - ccnt[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _history_mapping(history: Any) -> tuple[Mapping[str, Any], Sequence[Any] | None]:
    """(name -> values, steps or None) from a mapping or a history-like object."""
    if isinstance(history, Mapping):
        return history, None
    values = getattr(history, "values", None)
    if isinstance(values, Mapping):  # e.g. gancourse.training.History(steps, values)
        return values, getattr(history, "steps", None)
    for method in ("as_dict", "to_dict"):
        if callable(getattr(history, method, None)):
            return getattr(history, method)(), None
    raise TypeError(
        f"plot_losses needs a mapping name -> list of floats, or an object with a 'values' "
        f"mapping (and 'steps') or an as_dict() method; got {type(history).__name__}"
    )


def plot_losses(
    history: Mapping[str, Sequence[float]] | Any,
    steps: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    ax: Axes | None = None,
    smooth: int = 1,
    title: str | None = None,
    logy: bool = False,
    *,
    keys: Sequence[str] | None = None,
    hlines: Mapping[str, float] | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Plot training curves, one line per name, optionally smoothed by a moving average.

    Args:
        history: ``{name: values}`` (floats, 0-d tensors or ``None``/NaN for gaps), or an object
            with a ``values`` mapping and ``steps`` (``gancourse.training.History``), or one with
            ``as_dict()``.
        steps: the x values: one sequence for every series, or ``{name: steps}`` when series are
            logged at different steps (e.g. the critic 5 times per generator step). ``None``: the
            history object's ``steps`` if it has them, else 0, 1, 2, ...
        smooth: moving-average window (:func:`moving_average`). With ``smooth > 1`` the raw
            values are drawn faintly behind the smoothed line of the same colour; only the
            smoothed line is labelled.
        logy: logarithmic y axis (non-positive values are not shown).
        keys: the names to draw, in this order (default: all of them).
        hlines: reference levels drawn as dotted horizontal lines, e.g.
            ``{"-log 4 (equilibrium)": -np.log(4)}``.

    Returns the Axes; its legend lists the series names.
    """
    values, own_steps = _history_mapping(history)
    if steps is None:
        steps = own_steps
    names = list(values) if keys is None else list(keys)
    missing = [k for k in names if k not in values]
    if missing:
        raise KeyError(f"plot_losses: no series named {missing}; the history has {list(values)}")
    colours = colour_map(names)

    with course_style():
        ax = _axes(ax, figsize)
        for name in names:
            y = to_series(values[name])
            if isinstance(steps, Mapping):
                x = to_series(steps[name]) if name in steps else np.arange(y.size, dtype=float)
            elif steps is not None:
                x = to_series(steps)
            else:
                x = np.arange(y.size, dtype=float)
            if x.size != y.size:
                raise ValueError(
                    f"plot_losses: series {name!r} has {y.size} values but {x.size} steps; pass "
                    "steps={name: steps, ...} when series are logged at different steps"
                )
            if smooth > 1:
                ax.plot(x, y, color=colours[name], alpha=0.25, linewidth=1.0, label="_raw " + name)
                ax.plot(x, moving_average(y, smooth), color=colours[name], label=name)
            else:
                moving_average(y, smooth)  # validates ``smooth``
                ax.plot(x, y, color=colours[name], label=name)
        for label, level in (hlines or {}).items():
            ax.axhline(float(level), color="#555555", linestyle=":", linewidth=1.2, label=label)
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel + (f" (moving average of {smooth})" if smooth > 1 else ""))
        ax.set_ylabel(ylabel)
        if names or hlines:
            ax.legend(loc="best")
        return finish(ax, title)


def _curve(spec: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(spec, tuple) and len(spec) == 2:
        return to_numpy(spec[0]).reshape(-1), to_numpy(spec[1]).reshape(-1)
    if callable(spec):
        return x, to_numpy(spec(x)).reshape(-1)
    return x, to_numpy(spec).reshape(-1)


def plot_density_1d(
    x: ArrayLike,
    densities: Mapping[str, DensityLike],
    samples: Mapping[str, ArrayLike] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    bins: int = 50,
    *,
    d_curve: CurveLike | Mapping[str, CurveLike] | None = None,
    xlabel: str = "x",
    ylabel: str = "density",
    d_label: str = "D(x)",
    ymax: float | None = None,
    colors: Mapping[str, str] | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Densities on a 1-D grid, histograms of samples, and a discriminator curve on a twin axis.

    The picture of Goodfellow et al. (2014), Fig. 1: data density, generator density and the
    discriminator's output D(x) in [0, 1] together.

    Args:
        x: the grid, shape (G,).
        densities: ``{label: values}`` with values of shape (G,), or a function called with the
            grid as a NumPy array. Curves take palette colours in order (data first: blue, then
            the generator: vermillion).
        samples: ``{label: samples}``; each is drawn as a density histogram (``density=True``)
            of ``bins`` bins over the grid's range (so frames of an animation share bins). A
            label also used in ``densities`` shares its colour and is shown as "label (samples)".
        d_curve: the discriminator: values on ``x`` (shape (G,)), an ``(x_d, values)`` pair, a
            function of the grid, or ``{label: ...}`` of these (e.g. a trained D and the
            analytic D*). Drawn in black/grey dashed lines on a twin y axis fixed to [0, 1],
            with a faint dotted line at 1/2 (the optimum once p_g = p_data).
        ymax: top of the density axis (default: automatic); fix it in animations so that
            frames share one scale.
        colors: ``{label: colour}`` overriding the palette for some labels.

    Returns the main Axes (density units). The legend sits outside, right of the plot. The
    twin axis, when drawn, is ``ax.get_shared_x_axes().get_siblings(ax)`` minus ``ax``, and
    holds the combined legend.
    """
    from matplotlib.colors import to_rgba

    xs = to_numpy(x).reshape(-1)
    samples = dict(samples or {})
    names = list(densities) + [k for k in samples if k not in densities]
    colours = colour_map(names, colors)
    lo, hi = float(np.min(xs)), float(np.max(xs))

    with course_style():
        ax = _axes(ax, figsize)
        for name, values in samples.items():
            data = to_numpy(values).reshape(-1)
            ax.hist(
                data, bins=bins, range=(lo, hi), density=True, histtype="stepfilled",
                facecolor=to_rgba(colours[name], 0.3), edgecolor=colours[name], linewidth=0.8,
                label=f"{name} (samples)" if name in densities else name,
            )
        for name, spec in densities.items():
            gx, gy = _curve(spec, xs)
            if gx.shape != gy.shape:
                raise ValueError(
                    f"plot_density_1d: density {name!r} has shape {gy.shape}, expected the grid's "
                    f"shape {gx.shape}"
                )
            ax.plot(gx, gy, color=colours[name], label=name)
        ax.set_xlim(lo, hi)
        ax.set_ylim(0.0, ymax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)

        legend_ax = ax
        if d_curve is not None:
            curves = dict(d_curve) if isinstance(d_curve, Mapping) else {d_label: d_curve}
            twin = ax.twinx()
            twin.grid(False)
            twin.spines["right"].set_visible(True)
            twin.axhline(0.5, color="#999999", linestyle=":", linewidth=1.0, label="_half")
            for i, (name, spec) in enumerate(curves.items()):
                dx, dy = _curve(spec, xs)
                if dx.shape != dy.shape:
                    raise ValueError(
                        f"plot_density_1d: d_curve {name!r} has {dy.shape} values for {dx.shape} "
                        "points"
                    )
                colour, style = _D_STYLES[i % len(_D_STYLES)]
                twin.plot(dx, dy, color=colour, linestyle=style, linewidth=1.8, label=name)
            twin.set_ylim(0.0, 1.0)
            twin.set_yticks([0.0, 0.5, 1.0])
            twin.set_ylabel(d_label if len(curves) == 1 else "discriminator")
            legend_ax = twin
        handles, labels = [], []
        for a in (ax, legend_ax) if legend_ax is not ax else (ax,):
            h, lab = a.get_legend_handles_labels()
            handles += h
            labels += lab
        if handles:  # outside, right of the twin axis' labels: curves are never hidden
            outside_legend(
                legend_ax, handles, labels, side="right", offset_pt=8 if legend_ax is ax else 48
            )
        return finish(ax, title)
