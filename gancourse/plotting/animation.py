"""Animations that play in Jupyter, on Colab and in the static book (JavaScript + PNG frames)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from gancourse.plotting._style import course_style

if TYPE_CHECKING:
    from IPython.display import HTML

T = TypeVar("T")


def subsample(n: int, max_frames: int | None) -> list[int]:
    """Indices of at most ``max_frames`` frames out of ``n``, evenly spread, first and last kept."""
    if max_frames is None or n <= max_frames:
        return list(range(n))
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 2:
        raise ValueError(f"max_frames must be an integer >= 2 or None, got {max_frames!r}")
    return sorted({int(round(i)) for i in np.linspace(0, n - 1, max_frames)})


def animate(
    frames: Sequence[T],
    draw: Callable[[Any, T], Any],
    *,
    interval: int = 200,
    figsize: tuple[float, float] = (6, 4),
    ncols: int = 1,
    nrows: int = 1,
    repeat: bool = True,
    max_frames: int | None = 50,
    dpi: int = 100,
    embed_limit_mb: float = 20.0,
) -> HTML:
    """An animation of ``draw(axes, frame)`` over ``frames``, as self-contained HTML.

    The result is a ``matplotlib`` ``FuncAnimation`` rendered with ``to_jshtml()``: PNG frames
    with a JavaScript player (play, step, speed, loop), shown by Jupyter, Colab and the built
    book alike. Make it the last expression of a cell. The figure is closed, so no extra static
    copy appears under it.

    Args:
        frames: one item per frame, e.g. snapshots recorded during training (tensors, dicts).
        draw: ``draw(ax, frame)`` draws one frame on fresh axes: ``ax`` is one Axes when
            ``nrows == ncols == 1``, else a list of ``nrows * ncols`` Axes (row by row). The axes
            are cleared before every frame, and axes that ``draw`` adds (twin axes, colorbars)
            are removed, so the plotting functions of this module can be called as they are,
            e.g. ``lambda ax, f: plot_density_1d(x, f["densities"], ax=ax, d_curve=f["D"])``.
        interval: milliseconds between frames.
        figsize, dpi: the frame size in inches and dots per inch; with ``max_frames`` they set
            the page weight: a 6 x 4 inch line plot at 100 dpi is about 40-60 kB per frame, so
            the default 50 frames weigh 2-3 MB.
        repeat: loop (``True``) or stop at the last frame.
        max_frames: keep at most this many frames, evenly subsampled (the first and last
            always kept); ``None`` keeps them all.
        embed_limit_mb: ``rcParams["animation.embed_limit"]`` while rendering (set only
            locally); matplotlib drops frames past it with a warning.

    Returns:
        ``IPython.display.HTML`` holding the player; its ``.data`` is the HTML string.
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    items = list(frames)
    if not items:
        raise ValueError("animate needs at least one frame, got none")
    if not callable(draw):
        raise TypeError(f"draw must be callable as draw(ax, frame), got {type(draw).__name__}")
    chosen = [items[i] for i in subsample(len(items), max_frames)]

    with course_style({"animation.embed_limit": float(embed_limit_mb)}):
        fig, grid = plt.subplots(nrows, ncols, figsize=figsize, dpi=dpi, layout="constrained")
        try:
            base = list(np.ravel(grid)) if nrows * ncols > 1 else [grid]
            target = base if nrows * ncols > 1 else base[0]

            def update(i: int) -> list[Any]:
                with course_style():
                    for extra in [a for a in fig.axes if a not in base]:
                        extra.remove()
                    for a, pos in zip(base, positions, strict=True):
                        a.clear()
                        if pos is not None:
                            a.set_position(pos)
                    draw(target, chosen[i])
                return []

            # Lay the figure out once, on the first frame, then freeze it: a layout engine
            # running on every frame would make the axes jump as tick labels change.
            positions: list[Any] = [None] * len(base)
            update(0)
            fig.canvas.draw()
            positions = [a.get_position(original=True).frozen() for a in base]
            fig.set_layout_engine("none")

            anim = FuncAnimation(
                fig, update, frames=len(chosen), init_func=lambda: update(0),
                interval=interval, repeat=repeat, blit=False, cache_frame_data=False,
            )
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*Animation was deleted.*")
                html = anim.to_jshtml(default_mode="loop" if repeat else "once")
        finally:
            plt.close(fig)
    return HTML(html)
