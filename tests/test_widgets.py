"""The explorers: live callback and kernel-free frames show the same runs."""

import re

import matplotlib
import numpy as np
import pytest

import optlib as ol
from optlib.widgets import Explorer

matplotlib.use("Agg")


@pytest.fixture
def explorer():
    return Explorer(
        ol.problems.rosenbrock,
        {"Adam": lambda lr, b1: ol.Adam(lr=lr, b1=b1), "RMSprop": lambda lr: ol.RMSprop(lr=lr)},
        {"lr": (-3, -1, 0.1, 0.02, "log"), "b1": (0.0, 0.95, 0.05, 0.9)},
        steps=40,
        glass_box=True,
    )


def test_grid_contains_the_defaults_and_respects_log_sliders(explorer):
    grid = explorer.grid((5, 3))
    assert 0.02 in grid["lr"] and 0.9 in grid["b1"]
    assert grid["lr"][0] == pytest.approx(1e-3) and grid["lr"][-1] == pytest.approx(0.1)
    assert len(grid["lr"]) == 5 and len(grid["b1"]) == 3


def test_static_grid_point_equals_a_direct_live_run(explorer):
    points, paths = explorer.compute_grid(explorer.grid((5, 3)))
    assert len(points) == 15
    for i in (0, 7, 14):
        live = explorer.compute(**points[i])
        direct = ol.run(
            ol.problems.rosenbrock, ol.Adam(lr=points[i]["lr"], b1=points[i]["b1"]), steps=40
        )
        np.testing.assert_array_equal(paths["Adam"][:, i], live["Adam"].xs)
        np.testing.assert_array_equal(live["Adam"].xs, direct.xs)
        np.testing.assert_array_equal(paths["RMSprop"][:, i], live["RMSprop"].xs)


def test_static_html_has_one_frame_per_grid_point_and_a_slider_per_hyperparameter(explorer):
    html = explorer.static_html(n=(3, 2), dpi=30)
    frames = re.search(r"const frames = (\[.*?\]);", html).group(1)
    assert frames.count('"') == 2 * 6
    assert html.count('type="range"') == 2
    assert 'max="2"' in html and 'max="1"' in html


def test_live_callback_draws_paths_losses_and_glass_box(explorer):
    fig = explorer.draw(**explorer.defaults())
    assert len(fig.axes) == 3
    assert fig.axes[2].get_yscale() == "log"


def test_live_callback_reuses_its_figure_and_shows_the_new_run(explorer):
    first = explorer.callback(lr=0.01, b1=0.9)
    (path,) = [line for line in first.axes[0].lines if line.get_label() == "Adam"]
    second = explorer.callback(lr=0.05, b1=0.5)
    assert second is first
    expected = ol.run(ol.problems.rosenbrock, ol.Adam(lr=0.05, b1=0.5), steps=40).xs
    np.testing.assert_array_equal(np.column_stack(path.get_data()), expected)
    assert first.get_suptitle() == "lr = 0.05, b1 = 0.5"


def test_glass_box_shows_the_learning_rate_of_plain_gd():
    """For GD, |Δw_i| / |g_i| is exactly η on both coordinates at every update."""
    explorer = Explorer(
        ol.problems.ravine(),
        {"GD": lambda lr: ol.GD(lr=lr)},
        {"lr": (-3, -1, 0.1, 0.02, "log")},
        steps=30,
        glass_box=True,
    )
    fig = explorer.draw(lr=0.02)
    w1, w2 = fig.axes[2].lines[:2]
    np.testing.assert_allclose(w1.get_ydata(), 0.02, rtol=1e-12)
    np.testing.assert_allclose(w2.get_ydata(), 0.02, rtol=1e-12)
    assert len(w1.get_ydata()) == 30


def test_loss_panel_subtracts_the_minimum_value():
    """The loss curve is f(w) − f*, here with f* = 5 (a shifted ravine)."""
    ravine = ol.problems.ravine()
    shifted = ravine.__class__(**{**ravine.__dict__, "f": lambda x: ravine.f(x) + 5.0})
    explorer = Explorer(
        shifted, {"GD": lambda lr: ol.GD(lr=lr)}, {"lr": (-3, -1, 0.1, 0.02, "log")}, steps=30
    )
    fig = explorer.draw(lr=0.02)
    (loss,) = [line for line in fig.axes[1].lines if line.get_label() == "GD"]
    xs = ol.run(ravine, ol.GD(lr=0.02), steps=30).xs
    np.testing.assert_allclose(loss.get_ydata(), ravine.f(xs), rtol=1e-12)
