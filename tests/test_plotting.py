"""Tests of gancourse.plotting: what the figures contain, not only that they draw."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from gancourse import plotting as gp  # noqa: E402
from gancourse.plotting.animation import subsample  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _rc_snapshot() -> dict:
    return {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}


# --------------------------------------------------------------------------------- make_grid


@pytest.mark.parametrize(
    ("shape", "nrow", "padding", "expected"),
    [
        ((10, 1, 28, 28), 4, 2, (3 * 30 + 2, 4 * 30 + 2)),  # 4 columns, 3 rows
        ((10, 28, 28), 4, 2, (92, 122)),  # (N, H, W) is grey
        ((3, 1, 5, 7), 8, 1, (1 * 6 + 1, 3 * 8 + 1)),  # nrow > N: N columns
        ((6, 1, 4, 4), 3, 0, (8, 12)),  # no padding
        ((5, 3, 8, 6), 2, 1, (3 * 9 + 1, 2 * 7 + 1, 3)),  # RGB: channels last
    ],
)
def test_make_grid_shape(shape, nrow, padding, expected):
    grid = gp.make_grid(torch.zeros(shape), nrow=nrow, padding=padding)
    assert grid.shape == expected
    assert grid.dtype == np.float32
    assert grid.min() >= 0.0 and grid.max() <= 1.0


def test_make_grid_places_image_k_at_its_tile_and_pads_the_rest():
    n, h, w, nrow, pad = 11, 5, 6, 4, 2
    images = -torch.ones(n, 1, h, w)  # black everywhere ...
    k = 6  # ... except image 6: row 1, column 2
    pattern = torch.linspace(-1, 1, h * w).reshape(h, w)
    images[k, 0] = pattern
    grid = gp.make_grid(images, nrow=nrow, padding=pad, pad_value=1.0)

    r, c = divmod(k, nrow)
    y, x = pad + r * (h + pad), pad + c * (w + pad)
    np.testing.assert_allclose(grid[y : y + h, x : x + w], ((pattern + 1) / 2).numpy(), atol=1e-6)

    tiles = np.zeros_like(grid, dtype=bool)
    for i in range(n):
        ri, ci = divmod(i, nrow)
        yi, xi = pad + ri * (h + pad), pad + ci * (w + pad)
        tiles[yi : yi + h, xi : xi + w] = True
        if i != k:
            assert np.all(grid[yi : yi + h, xi : xi + w] == 0.0), f"tile {i} should be black"
    # Padding and the empty slot (row 2, column 3) keep pad_value.
    assert np.all(grid[~tiles] == 1.0)
    assert np.all(grid[pad + 2 * (h + pad) :, pad + 3 * (w + pad) :] == 1.0)


def test_make_grid_value_scaling():
    x = torch.tensor([-1.0, 0.0, 1.0, 2.0, -3.0]).reshape(1, 1, 1, 5)
    np.testing.assert_allclose(gp.make_grid(x, padding=0), [[0.0, 0.5, 1.0, 1.0, 0.0]])
    np.testing.assert_allclose(
        gp.make_grid(x, padding=0, value_range=(0, 2)), [[0.0, 0.0, 0.5, 1.0, 0.0]]
    )
    # None: min -> 0, max -> 1 over the whole batch.
    np.testing.assert_allclose(
        gp.make_grid(x, padding=0, value_range=None), [[0.4, 0.6, 0.8, 1.0, 0.0]], atol=1e-6
    )
    assert np.all(gp.make_grid(torch.full((2, 1, 3, 3), 7.0), value_range=None, padding=0) == 0.5)
    u8 = np.array([[[0, 255, 51]]], dtype=np.uint8)  # (N, H, W)
    np.testing.assert_allclose(
        gp.make_grid(u8, value_range=(0, 255), padding=0), [[0.0, 1.0, 0.2]], atol=1e-6
    )


def test_make_grid_grey_vs_rgb_and_inputs():
    grey = torch.rand(4, 1, 3, 3) * 2 - 1
    np.testing.assert_array_equal(gp.make_grid(grey), gp.make_grid(grey[:, 0]))
    rgb = torch.empty(2, 3, 4, 4)
    for ch in range(3):
        rgb[:, ch] = ch - 1.0  # channel values -1, 0, 1 -> 0, 0.5, 1
    grid = gp.make_grid(rgb, padding=0)
    assert grid.shape == (4, 8, 3)
    np.testing.assert_allclose(grid[0, 0], [0.0, 0.5, 1.0])
    # Tensors that need grad, float64 arrays and half tensors all work.
    w = torch.zeros(2, 1, 3, 3, requires_grad=True)
    assert gp.make_grid(w * 1.0).shape == gp.make_grid(np.zeros((2, 1, 3, 3))).shape
    assert gp.make_grid(torch.zeros(2, 1, 3, 3, dtype=torch.float16)).dtype == np.float32


@pytest.mark.parametrize(
    ("shape", "fragments"),
    [
        ((64, 784), ["(64, 784)", "(N, C, H, W)", "view(-1, 1, 28, 28)"]),
        ((4, 2, 8, 8), ["(4, 2, 8, 8)", "2 channels", "C in {1, 3}"]),
        ((4, 8, 8, 3), ["(4, 8, 8, 3)", "permute(0, 3, 1, 2)"]),
        ((2, 1, 1, 8, 8), ["(2, 1, 1, 8, 8)", "5 dimensions", "(N, C, H, W)"]),
        ((0, 1, 8, 8), ["empty", "(0, 1, 8, 8)"]),
    ],
)
def test_make_grid_shape_errors_say_what_was_received_and_expected(shape, fragments):
    with pytest.raises(ValueError) as err:
        gp.make_grid(torch.zeros(shape))
    for fragment in fragments:
        assert fragment in str(err.value)


@pytest.mark.parametrize(
    "kwargs", [{"nrow": 0}, {"padding": -1}, {"value_range": (1, 1)}, {"pad_value": 2.0}]
)
def test_make_grid_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        gp.make_grid(torch.zeros(2, 1, 4, 4), **kwargs)


def test_show_images_draws_the_grid_without_ticks():
    images = torch.rand(6, 1, 8, 8) * 2 - 1
    ax = gp.show_images(images, nrow=3, title="samples")
    (im,) = ax.get_images()
    np.testing.assert_array_equal(im.get_array(), gp.make_grid(images, nrow=3))
    assert im.get_cmap().name == "gray" and im.get_clim() == (0.0, 1.0)
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
    assert ax.get_title() == "samples"
    # Drawing into a given Axes uses it.
    fig, axes = plt.subplots(1, 2)
    assert gp.show_images(images[:, 0], ax=axes[1]) is axes[1]


# ------------------------------------------------------------------------------ plot_losses


def test_moving_average():
    np.testing.assert_allclose(gp.moving_average([1, 2, 3, 4, 5], 2), [1, 1.5, 2.5, 3.5, 4.5])
    np.testing.assert_allclose(gp.moving_average([1, 2, 3], 1), [1, 2, 3])
    # NaN gaps are skipped; a window of only NaNs stays NaN.
    out = gp.moving_average([1.0, np.nan, np.nan, 3.0], 2)
    np.testing.assert_allclose(out, [1.0, 1.0, np.nan, 3.0])
    with pytest.raises(ValueError):
        gp.moving_average([1.0], 0)


def test_plot_losses_lines_labels_and_smoothing():
    hist = {
        "loss_D": [1.0, 0.8, 0.6, 0.7],
        "loss_G": [torch.tensor(v) for v in (2.0, 1.0, 1.5, 1.2)],
    }
    ax = gp.plot_losses(hist, title="losses")
    assert [line.get_label() for line in ax.get_lines()] == ["loss_D", "loss_G"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss_D", "loss_G"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [2.0, 1.0, 1.5, 1.2])
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0, 1, 2, 3])
    assert ax.get_title() == "losses"

    ax = gp.plot_losses(hist, smooth=2, logy=True, hlines={"log 4": np.log(4)})
    labelled = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in labelled] == ["loss_D", "loss_G", "log 4"]
    assert len(ax.get_lines()) == 5  # faint raw + smoothed per series, and the reference
    np.testing.assert_allclose(labelled[0].get_ydata(), [1.0, 0.9, 0.7, 0.65])
    assert labelled[0].get_color() == ax.get_lines()[0].get_color()  # raw and smoothed match
    assert ax.get_yscale() == "log"


def test_plot_losses_steps_history_objects_and_errors():
    ax = gp.plot_losses({"D": [1, 2, 3, 4], "G": [5, 6]}, steps={"D": [0, 1, 2, 3], "G": [0, 3]})
    np.testing.assert_allclose(ax.get_lines()[1].get_xdata(), [0, 3])

    @dataclass
    class History:  # the shape of gancourse.training.History
        steps: list = field(default_factory=lambda: [10, 20, 30])
        values: dict = field(default_factory=lambda: {"a": [1.0, 2.0, 3.0], "b": [3, 2, 1]})

    ax = gp.plot_losses(History(), keys=["b"])
    (line,) = ax.get_lines()
    assert line.get_label() == "b"
    np.testing.assert_allclose(line.get_xdata(), [10, 20, 30])

    class AsDict:
        def as_dict(self):
            return {"x": [1.0, 2.0]}

    assert gp.plot_losses(AsDict()).get_lines()[0].get_label() == "x"
    with pytest.raises(ValueError, match="3 values but 2 steps"):
        gp.plot_losses({"a": [1, 2, 3]}, steps=[0, 1])
    with pytest.raises(KeyError, match="nope"):
        gp.plot_losses({"a": [1.0]}, keys=["nope"])
    with pytest.raises(TypeError):
        gp.plot_losses(42)


# -------------------------------------------------------------------------- plot_density_1d


def _gauss(x, m, s):
    return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))


def _twins(ax):
    return [a for a in ax.get_shared_x_axes().get_siblings(ax) if a is not ax]


def test_plot_density_1d_two_densities_two_labelled_lines():
    x = np.linspace(-4, 4, 101)
    p_data, p_g = _gauss(x, 1, 0.5), torch.tensor(_gauss(x, -1, 1.0))
    ax = gp.plot_density_1d(x, {"p_data": p_data, "p_g": p_g}, title="t")
    assert [ln.get_label() for ln in ax.get_lines()] == ["p_data", "p_g"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), p_data)
    assert ax.get_lines()[0].get_color() != ax.get_lines()[1].get_color()
    assert ax.get_xlim() == (-4.0, 4.0) and ax.get_ylim()[0] == 0.0
    assert _twins(ax) == []
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["p_data", "p_g"]


def test_plot_density_1d_discriminator_on_twin_axis_and_histograms():
    x = np.linspace(-4, 4, 201)
    p_data, p_g = _gauss(x, 1, 0.5), _gauss(x, -1, 1.0)
    samples = np.random.default_rng(0).normal(-1, 1, 4000)
    ax = gp.plot_density_1d(
        x,
        {"p_data": p_data, "p_g": lambda grid: _gauss(grid, -1, 1.0)},
        samples={"p_g": torch.tensor(samples)},
        d_curve=(x, p_data / (p_data + p_g)),
        bins=40,
        ymax=1.2,
    )
    assert len(ax.get_lines()) == 2  # the densities stay on the main axis
    assert ax.get_ylim() == (0.0, 1.2)
    # The histogram is a density over the grid's range, coloured like its curve.
    (hist,) = ax.patches
    heights = np.histogram(samples, bins=40, range=(-4, 4), density=True)[0]
    assert np.sum(heights * 8 / 40) == pytest.approx(1.0, abs=0.01)
    assert matplotlib.colors.same_color(hist.get_edgecolor(), ax.get_lines()[1].get_color())

    (twin,) = _twins(ax)
    assert twin.get_ylim() == (0.0, 1.0)
    d_lines = [ln for ln in twin.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in d_lines] == ["D(x)"]
    np.testing.assert_allclose(d_lines[0].get_ydata(), p_data / (p_data + p_g))
    labels = [t.get_text() for t in twin.get_legend().get_texts()]
    assert labels == ["p_g (samples)", "p_data", "p_g", "D(x)"]


def test_plot_density_1d_several_d_curves_and_errors():
    x = np.linspace(0, 1, 11)
    ax = gp.plot_density_1d(x, {"p": np.ones(11)}, d_curve={"D": x, "D*": 1 - x})
    (twin,) = _twins(ax)
    assert [ln.get_label() for ln in twin.get_lines() if ln.get_label()[0] != "_"] == ["D", "D*"]
    with pytest.raises(ValueError, match="'p'"):
        gp.plot_density_1d(x, {"p": np.ones(5)})


# --------------------------------------------------------------------- scatter_2d, contour_2d


def test_scatter_2d_collections_centres_and_limits():
    real, fake = np.random.default_rng(0).normal(size=(2, 50, 2))
    centres = np.array([[1.0, 0.0], [-1.0, 0.0]])
    ax = gp.scatter_2d({"real": real, "generated": torch.tensor(fake)}, centres=centres, lim=3)
    assert len(ax.collections) == 3
    np.testing.assert_allclose(ax.collections[0].get_offsets(), real)
    np.testing.assert_allclose(ax.collections[1].get_offsets(), fake)
    np.testing.assert_allclose(ax.collections[2].get_offsets(), centres)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["real", "generated", "mode centres"]
    assert ax.get_xlim() == (-3.0, 3.0) and ax.get_ylim() == (-3.0, 3.0)
    assert ax.get_aspect() == 1.0

    ax = gp.scatter_2d(real, lim=((0, 1), (-2, 2)))
    assert ax.collections[0].get_label() == "samples"
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match=r"\(50, 3\)"):
        gp.scatter_2d({"bad": np.zeros((50, 3))})


def test_contour_2d_calls_fn_with_m_by_2_tensors_without_grad():
    calls = []

    def critic(t: torch.Tensor) -> torch.Tensor:
        calls.append((tuple(t.shape), t.dtype, torch.is_grad_enabled()))
        return (t[:, 0] + 2 * t[:, 1]).unsqueeze(1)  # (M, 1)

    pts = np.zeros((5, 2))
    ax = gp.contour_2d(critic, (-1, 1), (-2, 2), resolution=30, points={"real": pts}, levels=10)
    assert calls == [((900, 2), torch.float32, False)]
    (filled,) = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    assert filled.levels.min() <= -5.0 and filled.levels.max() >= 5.0  # range of x + 2y
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_ylim() == (-2.0, 2.0)
    assert len(ax.child_axes) == 1  # the colorbar
    (scatter,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(scatter.get_offsets(), pts)

    gp.contour_2d(critic, (-1, 1), (-1, 1), resolution=20, chunk_size=150, colorbar=False)
    assert [c[0] for c in calls[1:]] == [(150, 2)] * 2 + [(100, 2)]


def test_contour_2d_module_in_eval_mode_then_restored_and_shape_errors():
    class Critic(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 1, dtype=torch.float64)
            self.seen = []

        def forward(self, t):
            self.seen.append((self.training, self.lin.training, t.dtype))
            return self.lin(t).squeeze(1)  # (M,)

    critic = Critic().train()
    gp.contour_2d(critic, (-1, 1), (-1, 1), resolution=10)
    assert critic.seen == [(False, False, torch.float64)]  # eval mode, the module's dtype
    assert critic.training and critic.lin.training  # restored
    with pytest.raises(ValueError, match=r"\(100, 2\).*\(100, 3\)"):
        gp.contour_2d(lambda t: t.new_zeros(len(t), 3), (0, 1), (0, 1), resolution=10)


# --------------------------------------------------------------------------------- animate


def test_animate_returns_jshtml_and_leaves_no_figure():
    from IPython.display import HTML

    keep = plt.figure()  # a figure of the notebook's own must survive
    before, rc = plt.get_fignums(), _rc_snapshot()
    axes_seen = []

    def draw(ax, k):
        axes_seen.append(len(ax.figure.axes))
        gp.plot_density_1d(np.linspace(0, 1, 5), {"p": np.full(5, k)}, ax=ax, d_curve=np.ones(5))

    html = gp.animate(range(7), draw, interval=50, figsize=(4, 2.5), dpi=25)
    assert isinstance(html, HTML)
    assert "Animation" in html.data and "new Array(7)" in html.data
    assert html.data.count("data:image/png;base64") == 7
    assert plt.get_fignums() == before and plt.fignum_exists(keep.number)
    assert _rc_snapshot() == rc  # embed_limit and the style were set only locally
    assert set(axes_seen) == {1}  # the twin axis of each frame was removed before the next


def test_animate_subsamples_and_passes_a_list_of_axes():
    assert subsample(5, None) == [0, 1, 2, 3, 4]
    assert subsample(100, 5) == [0, 25, 50, 74, 99]
    seen = []

    def draw(axes, frame):
        assert isinstance(axes, list) and len(axes) == 2
        seen.append(frame)
        axes[0].plot([0, 1], [frame, frame])

    html = gp.animate(list(range(100)), draw, ncols=2, max_frames=4, figsize=(2, 1), dpi=20)
    assert "new Array(4)" in html.data
    assert set(seen) == {0, 33, 66, 99}
    assert "loop" in re.findall(r'value="(\w+)"[^>]*checked', html.data)
    html = gp.animate([1, 2], lambda ax, f: None, repeat=False, figsize=(1, 1), dpi=20)
    assert re.findall(r'value="(\w+)"[^>]*checked', html.data) == ["once"]
    with pytest.raises(ValueError):
        gp.animate([], lambda ax, f: None)


# ----------------------------------------------------------------------------------- style


def test_importing_changes_no_rcparams_and_creates_no_figure():
    code = (
        "import sys, matplotlib\n"
        "before = {k: v for k, v in matplotlib.rcParams.items() if k != 'backend'}\n"
        "import gancourse.plotting\n"
        "after = {k: v for k, v in matplotlib.rcParams.items() if k != 'backend'}\n"
        "assert before == after, set(k for k in before if before[k] != after[k])\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported at import time'\n"
        "assert 'IPython' not in sys.modules, 'IPython imported at import time'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_plotting_leaves_rcparams_alone_and_style_is_applied_inside():
    rc = _rc_snapshot()
    ax = gp.plot_losses({"a": [1.0, 2.0]})
    assert _rc_snapshot() == rc
    assert not ax.spines["top"].get_visible()  # the course style was on while it drew
    assert matplotlib.colors.same_color(ax.get_lines()[0].get_color(), gp.PALETTE[0])
    with gp.course_style({"axes.grid": False}):
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["axes.grid"] is False
    assert _rc_snapshot() == rc
    fig, axes = gp.subplots(1, 2)
    assert len(axes) == 2 and fig.get_layout_engine() is not None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_tensors_and_modules():
    images = torch.rand(4, 1, 5, 5, device="cuda") * 2 - 1
    np.testing.assert_array_equal(gp.make_grid(images), gp.make_grid(images.cpu()))
    critic = torch.nn.Linear(2, 1).cuda()
    ax = gp.contour_2d(critic, (-1, 1), (-1, 1), resolution=10, points=torch.zeros(3, 2).cuda())
    assert any(isinstance(c, ContourSet) for c in ax.collections)
