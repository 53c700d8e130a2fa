"""优化器轨迹交互图的测试：手写的七种优化器与 torch.optim 逐步一致、图与面板、发散不抛异常。"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from dlbook.figure_layout import TITLE_CHARS, wrap
from dlbook.explorers.optimizers import (
    FIGURE_STARTS,
    LABELS,
    SURFACES,
    optimizer_figure,
    optimizer_panel,
    optimizer_paths,
)


def torch_path(surface: str, name: str, *, lr, start, steps, momentum=0.9, beta1=0.9, beta2=0.999, alpha=0.99,
               weight_decay=0.0, spec=None):
    """用 torch.optim 在同一个曲面上跑同样多步（float64）。"""
    spec = SURFACES[surface] if spec is None else spec
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    wd = weight_decay
    make = {
        "sgd": lambda p: torch.optim.SGD(p, lr=lr, weight_decay=wd),
        "momentum": lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum, weight_decay=wd),
        "nesterov": lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum, nesterov=True, weight_decay=wd),
        "adagrad": lambda p: torch.optim.Adagrad(p, lr=lr, weight_decay=wd),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=lr, alpha=alpha, weight_decay=wd),
        "adam": lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), weight_decay=wd),
        "adamw": lambda p: torch.optim.AdamW(p, lr=lr, betas=(beta1, beta2), weight_decay=wd),
    }[name]
    opt = make([theta])
    points = [theta.detach().clone().numpy()]
    for _ in range(steps):
        opt.zero_grad()
        spec.loss(theta[0], theta[1]).backward()
        opt.step()
        points.append(theta.detach().clone().numpy())
    return np.array(points)


@pytest.mark.parametrize("surface", list(SURFACES))
def test_gradients_match_autograd(surface):
    spec = SURFACES[surface]
    rng = np.random.default_rng(0)
    for x, y in rng.uniform(-1.5, 1.5, size=(5, 2)):
        t = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
        spec.loss(t[0], t[1]).backward()
        np.testing.assert_allclose(spec.grad(x, y), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("name", list(LABELS))
def test_hand_optimizers_match_torch_optim(surface, name):
    kwargs = dict(lr=0.01, momentum=0.8, beta1=0.85, beta2=0.99, alpha=0.9)
    spec = SURFACES[surface]
    ours = optimizer_paths(surface=surface, optimizers=[name], steps=8, **kwargs).paths[name]
    ref = torch_path(surface, name, start=spec.start, steps=8, **kwargs)
    assert not ours.diverged
    np.testing.assert_allclose(np.c_[ours.x, ours.y], ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(LABELS))
def test_weight_decay_rotation_and_separate_beta1_match_torch_optim(name):
    """β₁ 与 μ 分开设、权重衰减（AdamW 解耦，其余加在梯度上）、转过 30° 的 κ = 25 的碗：仍与 torch.optim 逐步一致。"""
    from dlbook.optim2d import make_surface

    kwargs = dict(lr=0.02, momentum=0.6, beta1=0.7, beta2=0.95, alpha=0.8, weight_decay=0.3)
    spec = make_surface("bowl", kappa=25.0, angle=30.0)
    ours = optimizer_paths(surface="bowl", optimizers=[name], kappa=25.0, angle=30.0, steps=12, **kwargs).paths[name]
    ref = torch_path("bowl", name, start=spec.start, steps=12, spec=spec, **kwargs)
    assert not ours.diverged
    np.testing.assert_allclose(np.c_[ours.x, ours.y], ref, rtol=1e-10, atol=1e-12)


def test_seed_two_step_numbers():
    """单参数 f = w²/2 的两步数值（源材料给出的数）也由同样的更新公式得到：这里用 bowl 的 x 方向（y 从 0 出发）。"""
    def two_steps(name, **kw):
        p = optimizer_paths(surface="bowl", optimizers=[name], start=(1.0, 0.0), steps=2, **kw).paths[name]
        return p.x[1:]

    np.testing.assert_allclose(two_steps("momentum", lr=0.01, momentum=0.9), [0.99, 0.9711], rtol=1e-12)
    np.testing.assert_allclose(two_steps("adagrad", lr=0.01), [0.99, 0.99 - 0.01 * 0.99 / np.sqrt(1.9801)], rtol=1e-9)
    np.testing.assert_allclose(two_steps("rmsprop", lr=0.01, alpha=0.99), [0.9, 0.832917960], rtol=1e-6)
    np.testing.assert_allclose(two_steps("adam", lr=0.001), [0.999, 0.998], rtol=1e-6)


def test_momentum_beats_sgd_on_the_narrow_bowl():
    r = optimizer_paths(surface="bowl", optimizers=["sgd", "momentum"], lr=0.01, momentum=0.9, steps=60).paths
    assert r["momentum"].final_loss < 0.1 * r["sgd"].final_loss


def test_adaptive_methods_escape_the_saddle_faster_than_sgd():
    r = optimizer_paths(surface="saddle", lr=0.01, steps=60).paths
    assert abs(r["sgd"].y[-1]) < 0.1  # SGD 还困在鞍点附近
    assert abs(r["rmsprop"].y[-1]) > 0.5  # RMSProp 已经离开鞍点的高度


@pytest.mark.parametrize("lr", [10.0, 1e3])
def test_huge_learning_rate_is_flagged_not_raised(lr):
    r = optimizer_paths(surface="bowl", lr=lr, steps=60)
    for name, p in r.paths.items():
        assert p.diverged, name
        assert p.exit_step == 1
        assert np.isnan(p.final_loss)
        assert np.all(np.isfinite(p.x)) and np.all(np.isfinite(p.y))
        x0, x1, y0, y1 = SURFACES["bowl"].box
        assert x0 - 1e-9 <= p.x[-1] <= x1 + 1e-9 and y0 - 1e-9 <= p.y[-1] <= y1 + 1e-9
    assert "发散" in r.message


def test_zero_steps_and_zero_lr_stay_at_start():
    r = optimizer_paths(surface="valley", steps=0)
    assert all(len(p.x) == 1 for p in r.paths.values())
    assert "步数为 0" in r.message
    r = optimizer_paths(surface="valley", lr=0.0, steps=5)
    assert all(np.allclose(p.x, SURFACES["valley"].start[0]) for p in r.paths.values())


def test_unknown_names_raise_value_error():
    with pytest.raises(ValueError, match="未知的曲面"):
        optimizer_paths(surface="nope")
    with pytest.raises(ValueError, match="未知的优化器"):
        optimizer_paths(optimizers=["lbfgs"])


def test_out_of_range_settings_are_clamped_and_said():
    r = optimizer_paths(start=(50.0, 0.0), lr=-1.0, momentum=1.5, steps=-3)
    assert r.start == (SURFACES["bowl"].box[1], 0.0)
    assert r.lr == 0.0 and r.steps == 0
    for word in ("起点 x", "学习率 η", "动量 μ", "步数"):
        assert word in r.message
    assert "没有选择任何优化器" in optimizer_paths(optimizers=[]).message


def test_labels_come_from_the_single_registry():
    from dlbook.optim import OPTIMIZERS

    assert set(LABELS) <= set(OPTIMIZERS)
    assert all(LABELS[k] == OPTIMIZERS[k].label for k in LABELS)
    assert set(LABELS) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}


def test_result_is_frozen():
    r = optimizer_paths(steps=3)
    with pytest.raises(AttributeError):
        r.steps = 4  # type: ignore[misc]


@pytest.fixture(scope="module")
def chapter_figure():
    """本章用的默认设置（13 个学习率 × 5 个动量 × 6 个起点）。"""
    return optimizer_figure()


def test_figure_slider_steps_differ_and_size_is_reasonable(chapter_figure):
    fig = chapter_figure
    lr_slider, momentum_slider = fig.layout.sliders
    xs = [json.dumps(s.args[0]["x"]) for s in lr_slider.steps]
    assert len(set(xs)) == len(xs)
    vis = [json.dumps(s.args[0]["visible"]) for s in momentum_slider.steps]
    assert len(set(vis)) == len(vis)
    assert len(fig.layout.updatemenus[0].buttons) == sum(len(v) for v in FIGURE_STARTS.values())
    assert len(fig.to_json()) < 2.0e6
    assert fig.layout.width is None


def test_figure_dropdown_swaps_the_surface(chapter_figure):
    buttons = chapter_figure.layout.updatemenus[0].buttons
    zs = [json.dumps(b.args[0]["z"][0]) for b in buttons]
    assert len(set(zs)) == len(SURFACES)
    assert {b.args[1]["title.text"] for b in buttons} == {wrap(s.label, TITLE_CHARS) for s in SURFACES.values()}


def test_figure_dropdown_offers_several_starts_per_surface(chapter_figure):
    buttons = chapter_figure.layout.updatemenus[0].buttons
    for name, spec in SURFACES.items():
        mine = [b for b in buttons if b.args[1]["title.text"] == wrap(spec.label, TITLE_CHARS)]
        assert len(mine) >= 2
        stars = {(b.args[0]["x"][1][0], b.args[0]["y"][1][0]) for b in mine}
        assert stars == set(FIGURE_STARTS[name])
        paths = {json.dumps(b.args[0]["x"][2]) for b in mine}  # SGD 的轨迹随起点而变
        assert len(paths) == len(mine)
        for b, start in zip(mine, FIGURE_STARTS[name]):
            assert b.args[0]["x"][2][0] == pytest.approx(start[0], abs=1e-3)
    other = optimizer_figure(surface="saddle", start_index=1, lrs=(0.01, 0.1), momenta=(0.9,), steps=5)
    star = next(t for t in other.data if t.name == "起点")
    assert (star.x[0], star.y[0]) == FIGURE_STARTS["saddle"][1]
    clamped = optimizer_figure(start_index=5, lrs=(0.01, 0.1), momenta=(0.9,), steps=5)
    assert any("start_index" in (a.text or "") for a in clamped.layout.annotations)


def test_figure_note_and_legend_do_not_collide_with_title_or_menu(chapter_figure):
    fig = chapter_figure
    annotations = [a for a in fig.layout.annotations if a.yref == "paper"]
    assert all(a.y is None or a.y < 1.27 for a in annotations)
    assert any("×" in (a.text or "") for a in fig.layout.annotations)  # 说明 × 的文字是轨迹子图的标题
    assert fig.layout.legend.y < 0 and fig.layout.legend.orientation == "h"
    menu_top = fig.layout.updatemenus[0].y
    message = next(a for a in fig.layout.annotations if a.name == "message")
    assert message.y < menu_top


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_panel_updates_and_survives_extremes():
    panel = optimizer_panel()
    before = _trace(panel.figure, "SGD").x
    panel.controls["lr"].value = 0.2
    assert _trace(panel.figure, "SGD").x != before
    panel.controls["surface"].value = "saddle"
    assert panel.figure.layout.title.text == wrap(SURFACES["saddle"].label, TITLE_CHARS)
    panel.controls["lr"].value = 10.0
    assert "发散" in panel.message.value
    panel.controls["adam"].value = False
    assert _trace(panel.figure, "Adam").visible is False
    panel.controls["steps"].value = 0
    assert "⚠" not in panel.message.value
    for name in LABELS:
        panel.controls[name].value = False
    assert "没有选择任何优化器" in panel.message.value
    assert any(a.name == "empty" and a.visible for a in panel.figure.layout.annotations)
    panel.controls["sgd"].value = True
    assert not any(a.name == "empty" and a.visible for a in panel.figure.layout.annotations)


def test_panel_start_sliders_follow_the_surface():
    panel = optimizer_panel(surface="valley")
    sx, sy = panel.controls["start_x"], panel.controls["start_y"]
    assert (sx.min, sx.max, sy.min, sy.max) == SURFACES["valley"].box
    sy.value = 2.8  # 只在山谷的画框里合法
    assert _trace(panel.figure, "起点").y[0] == pytest.approx(2.8)
    panel.controls["surface"].value = "bowl"
    assert (sx.value, sy.value) == SURFACES["bowl"].start
    assert (sx.min, sx.max, sy.min, sy.max) == SURFACES["bowl"].box
    assert "⚠" not in panel.message.value
    assert _trace(panel.figure, "起点").y[0] == pytest.approx(SURFACES["bowl"].start[1])


def test_new_settings_are_clamped_and_said():
    r = optimizer_paths(kappa=0.5, angle=200.0, noise=-1.0, weight_decay=20.0, seed=-3, steps=3)
    for word in ("条件数 κ", "旋转角", "噪声 σ", "权重衰减 λ", "随机种子"):
        assert word in r.message
    assert r.label == "狭长的碗 κ = 1，转 90°"


def test_noise_is_reproducible_through_optimizer_paths():
    a = optimizer_paths(optimizers=["sgd"], noise=0.5, seed=3, steps=10).paths["sgd"]
    b = optimizer_paths(optimizers=["sgd"], noise=0.5, seed=3, steps=10).paths["sgd"]
    c = optimizer_paths(optimizers=["sgd"], noise=0.5, seed=4, steps=10).paths["sgd"]
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.allclose(a.x, c.x)


def test_panel_has_live_controls_for_the_new_settings():
    panel = optimizer_panel()
    assert {"nesterov", "adamw", "weight_decay", "kappa", "angle", "noise"} <= set(panel.controls)
    contour = _trace(panel.figure, "等高线").z
    panel.controls["angle"].value = 45.0
    assert _trace(panel.figure, "等高线").z != contour
    assert "转 45°" in panel.figure.layout.title.text
    before = _trace(panel.figure, "SGD").x
    panel.controls["noise"].value = 1.0
    assert _trace(panel.figure, "SGD").x != before
    assert panel.error is None
