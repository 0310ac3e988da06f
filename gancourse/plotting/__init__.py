"""Plotting helpers every chapter uses (matplotlib only; torchvision is never needed).

Every function accepts NumPy arrays or torch tensors (on any device, with or without grad),
draws in the course style (:func:`course_style`) and returns the Axes it drew on, so a notebook
can add to it; pass ``ax=`` to draw into a panel of your own figure (:func:`subplots`).
:func:`animate` returns HTML that plays in Jupyter, Colab and the static book.

Importing this module does no work: no figure is created, no backend is chosen and
``matplotlib.rcParams`` is never changed (the style is applied only while a function draws).

- images: :func:`make_grid`, :func:`show_images`
- curves: :func:`plot_losses`, :func:`plot_density_1d`, :func:`moving_average`
- the plane: :func:`scatter_2d`, :func:`contour_2d`
- motion: :func:`animate`
- style: :func:`course_style`, :func:`subplots`, :data:`PALETTE`, :data:`COURSE_STYLE`
"""

from gancourse.plotting._style import COURSE_STYLE, PALETTE, course_style, subplots
from gancourse.plotting.animation import animate
from gancourse.plotting.curves import moving_average, plot_density_1d, plot_losses
from gancourse.plotting.images import make_grid, show_images
from gancourse.plotting.planar import contour_2d, scatter_2d

__all__ = [
    "COURSE_STYLE",
    "PALETTE",
    "animate",
    "contour_2d",
    "course_style",
    "make_grid",
    "moving_average",
    "plot_density_1d",
    "plot_losses",
    "scatter_2d",
    "show_images",
    "subplots",
]
