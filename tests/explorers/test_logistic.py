"""dlbook.explorers.logistic 的测试：梯度与有限差分/自动求导一致，边界由权重决定，小学习率下损失单调下降，
静态图的每一步画的正是那一步的权重，极端设置给出说明而不抛异常。"""

import math

import numpy as np
import pytest
import torch

from dlbook.explorers.logistic import (
    CHECKPOINTS,
    INIT,
    NAMES,
    bce_gradient,
    bce_loss,
    decision_boundary,
    logistic_figure,
    logistic_panel,
    logistic_training,
    probability_grid,
    sigmoid,
    two_blobs,
)
from dlbook.interactive import EMPTY, MESSAGE


def _messages(fig) -> str:
    texts = [a.text or "" for a in fig.layout.annotations if a.name in (MESSAGE, EMPTY) and a.visible is not False]
    return " ".join(texts).replace("<br>", "")


def test_data_is_fixed_and_spread_only_scales_the_offsets():
    a, ya = two_blobs(spread=0.5)
    b, yb = two_blobs(spread=0.5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    c, _ = two_blobs(spread=1.0)
    centers = np.repeat([[-1.0, -0.6], [1.0, 0.8]], len(a) // 2, axis=0)
    np.testing.assert_allclose(c - centers, 2 * (a - centers))
    assert sorted(set(ya.tolist())) == [0.0, 1.0] and ya.sum() == len(ya) / 2


def test_sigmoid_is_stable_and_matches_the_formula():
    z = np.array([-800.0, -5.0, 0.0, 3.0, 800.0])
    s = sigmoid(z)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s[1:4], 1 / (1 + np.exp(-z[1:4])), rtol=1e-12)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5


def test_loss_matches_torch_bce_with_logits():
    points, labels = two_blobs(spread=0.9)
    w = np.array([0.7, -1.3, 0.2])
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(points @ w[:2] + w[2]), torch.tensor(labels)
    ).item()
    assert bce_loss(w, points, labels) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("w", [(0.0, 0.0, 0.0), (0.7, -1.3, 0.2), (5.0, 3.0, -8.0)])
def test_gradient_matches_finite_differences_and_autograd(w):
    points, labels = two_blobs(spread=0.9)
    w = np.array(w)
    grad = bce_gradient(w, points, labels)
    h = 1e-6
    numeric = np.array([
        (bce_loss(w + h * e, points, labels) - bce_loss(w - h * e, points, labels)) / (2 * h) for e in np.eye(3)
    ])
    np.testing.assert_allclose(grad, numeric, atol=1e-7)
    wt = torch.tensor(w, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(points) @ wt[:2] + wt[2], torch.tensor(labels)
    )
    loss.backward()
    np.testing.assert_allclose(grad, wt.grad.numpy(), atol=1e-12)


def test_boundary_points_lie_on_the_line_and_split_the_probabilities():
    w = np.array([1.5, -0.5, 0.3])
    xs, ys = decision_boundary(w, x_range=(-3, 3), y_range=(-3, 3))
    np.testing.assert_allclose(w[0] * xs + w[1] * ys + w[2], 0.0, atol=1e-12)
    # 较“陡”的直线按 x2 取两端
    np.testing.assert_allclose(ys, [-3, 3])
    xs2, ys2 = decision_boundary(np.array([0.2, 2.0, -1.0]), x_range=(-3, 3), y_range=(-3, 3))
    np.testing.assert_allclose(xs2, [-3, 3])
    np.testing.assert_allclose(ys2, (1.0 - 0.2 * xs2) / 2.0)
    assert decision_boundary(np.array([0.0, 0.0, 1.0]), x_range=(-1, 1), y_range=(-1, 1)) is None
    # 概率面：w·x + b ≥ 0 的一侧概率 ≥ 0.5
    grid = np.linspace(-3, 3, 13)
    p = probability_grid(w, xs=grid, ys=grid)
    gx, gy = np.meshgrid(grid, grid)
    side = w[0] * gx + w[1] * gy + w[2]
    assert p.shape == (13, 13)
    assert np.all((p >= 0.5) == (side >= 0))
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-side)))


def test_small_learning_rate_decreases_the_loss_every_step_and_learns():
    r = logistic_training(steps=300, lr=0.2, spread=0.8)
    assert r.message == ""
    assert r.weights.shape == (301, 3) and r.losses.shape == (301,)
    np.testing.assert_allclose(r.weights[0], INIT)
    assert np.all(np.diff(r.losses) < 0)
    assert r.accuracy[0] < 0.8 < r.accuracy[-1]
    # 每一步确实是一次梯度下降
    np.testing.assert_allclose(r.weights[1], r.weights[0] - 0.2 * bce_gradient(r.weights[0], r.points, r.labels))


def test_more_overlap_means_lower_accuracy():
    tight = logistic_training(steps=500, lr=0.5, spread=0.3)
    loose = logistic_training(steps=500, lr=0.5, spread=2.5)
    assert tight.accuracy[-1] > loose.accuracy[-1]
    assert tight.losses[-1] < loose.losses[-1]


def test_huge_learning_rate_is_clamped_and_reported_without_nan():
    r = logistic_training(steps=200, lr=1e9)
    assert r.lr == 100.0
    assert "截断" in r.message and "过大" in r.message
    assert np.all(np.isfinite(r.losses)) and np.all(np.isfinite(r.weights))


def test_zero_and_negative_steps_and_nan_give_messages():
    r = logistic_training(steps=0)
    assert r.steps == 0 and r.weights.shape == (1, 3) and "0" in r.message
    r = logistic_training(steps=-5)
    assert r.steps == 0 and "截断" in r.message
    r = logistic_training(lr=math.nan, steps=10)
    assert r.lr == 0.5 and "nan" in r.message
    r = logistic_training(steps=5, init=(0.0, 0.0, 0.0), lr=1e-4)
    assert "没有决策边界" not in r.message  # 一步之后权重就不再是 0
    r = logistic_training(steps=0, init=(0.0, 0.0, 0.0))
    assert "没有决策边界" in r.message


def test_figure_steps_draw_the_probability_of_that_step():
    fig = logistic_figure(steps=60, grid_points=11)
    slider = fig.layout.sliders[0]
    labels = [int(s.label) for s in slider.steps]
    assert labels == [s for s in CHECKPOINTS if s <= 60]
    assert slider.active == len(labels) - 1
    r = logistic_training(steps=60)
    names = [t.name for t in fig.data]
    surface = fig.data[names.index(NAMES["surface"])]
    xs, ys = np.asarray(surface.x), np.asarray(surface.y)
    for step in slider.steps:
        k = int(step.label)
        data, layout, indices = step.args
        z = np.asarray(data["z"][indices.index(names.index(NAMES["surface"]))])
        np.testing.assert_allclose(z, probability_grid(r.weights[k], xs=xs, ys=ys), atol=1e-3)
        assert f"第 {k} 步" in layout["title.text"]
    # 初始显示的是最后一步
    np.testing.assert_allclose(np.asarray(surface.z), probability_grid(r.weights[-1], xs=xs, ys=ys), atol=1e-3)


def test_boundary_contour_corners_are_the_logits():
    fig = logistic_figure(steps=20, grid_points=11)
    r = logistic_training(steps=20)
    boundary = next(t for t in fig.data if t.name == NAMES["boundary"])
    (x0, x1), (y0, y1) = boundary.x, boundary.y
    w = r.weights[-1]
    expected = [[w[0] * x + w[1] * y + w[2] for x in (x0, x1)] for y in (y0, y1)]
    np.testing.assert_allclose(np.asarray(boundary.z), expected, atol=1e-5)


def test_figure_extremes_show_messages():
    assert "0" in _messages(logistic_figure(steps=0))
    assert not logistic_figure(steps=0).layout.sliders
    assert "截断" in _messages(logistic_figure(lr=1e6, steps=50))
    assert "网格点数" in _messages(logistic_figure(steps=10, grid_points=10**6))


def test_panel_recomputes_on_every_control():
    panel = logistic_panel(steps=30, grid_points=11)
    assert panel.error is None
    surface = lambda: np.asarray(next(t for t in panel.figure.data if t.name == NAMES["surface"]).z)  # noqa: E731
    before = surface()
    panel.controls["steps"].value = 300
    assert not np.allclose(surface(), before)
    panel.controls["lr"].value = 100.0
    assert "过大" in panel.message.value
    panel.controls["spread"].value = 3.0
    loss = next(t for t in panel.figure.data if t.name == NAMES["loss"])
    r = logistic_training(steps=300, lr=100.0, spread=3.0)
    np.testing.assert_allclose(np.asarray(loss.y), r.losses, rtol=1e-4)
    assert panel.error is None
