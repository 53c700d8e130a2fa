"""参数初始化交互图的测试：逐层统计符合理论，静态图各步不同，面板会更新，极端参数不抛异常。"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from dlbook.explorers.initialization import (
    INIT_SCHEMES,
    SignalStats,
    initialization_figure,
    initialization_panel,
    signal_propagation,
)


def test_kaiming_relu_keeps_second_moment():
    # Kaiming：Var(w) = 2/fan_in，ReLU 把二阶矩减半，两者抵消：E[h²] 每层都约等于输入的 E[x²] = 1
    r = signal_propagation(init="kaiming", activation="relu", depth=10, width=512, seed=0)
    m2 = r.act_second_moment
    assert m2[0] == pytest.approx(1.0, rel=0.05)
    assert np.all((m2 > 0.6) & (m2 < 1.6))
    assert not r.diverged and not r.vanished
    assert isinstance(r, SignalStats)


def test_xavier_relu_halves_second_moment_each_layer():
    # 方阵时 Xavier 的 Var(w) = 1/fan_in，少了 ReLU 需要的因子 2：二阶矩每层约减半
    r = signal_propagation(init="xavier", activation="relu", depth=10, width=256, seed=0)
    m2 = r.act_second_moment
    ratio = (m2[-1] / m2[0]) ** (1 / 9)
    assert ratio == pytest.approx(0.5, rel=0.1)


def test_tiny_normal_vanishes_at_rate_sigma_sqrt_n():
    # tanh 在 0 附近近似恒等：每层标准差乘以 σ·√n = 0.01·16 = 0.16
    r = signal_propagation(init="normal-0.01", activation="tanh", depth=10, width=256, seed=0)
    ratios = r.act_std[1:] / r.act_std[:-1]
    np.testing.assert_allclose(ratios, 0.16, rtol=0.05)
    assert r.act_std[-1] < 1e-6
    assert r.grad_std.max() < 1e-7


def test_large_normal_saturates_tanh_and_explodes_relu():
    tanh = signal_propagation(init="normal-1", activation="tanh", depth=10, width=256, seed=0)
    assert np.all(tanh.saturated > 0.8)
    assert tanh.grad_std[0] > 1e3 * tanh.grad_std[-1]  # 梯度往输入方向爆炸
    relu = signal_propagation(init="normal-1", activation="relu", depth=10, width=256, seed=0)
    growth = (relu.act_std[-1] / relu.act_std[0]) ** (1 / 9)
    assert growth == pytest.approx(math.sqrt(256 / 2), rel=0.1)


@pytest.mark.parametrize(
    ("init", "expected"),
    [
        ("normal-0.01", 0.01),
        ("normal-1", 1.0),
        ("xavier", math.sqrt(2 / (300 + 300))),
        ("kaiming", math.sqrt(2 / 300)),
        ("default", 1 / math.sqrt(3 * 300)),
    ],
)
def test_weight_std_matches_formula(init, expected):
    r = signal_propagation(init=init, activation="relu", depth=2, width=300, batch=4)
    np.testing.assert_allclose(r.weight_std, expected, rtol=0.02)
    assert len(r.weight_samples[0]) == 200


def test_pytorch_default_linear_std():
    torch.manual_seed(0)
    layer = nn.Linear(1000, 1000)
    std = float(layer.weight.detach().std())
    assert std == pytest.approx(1 / math.sqrt(3 * 1000), rel=0.02)
    assert abs(std - math.sqrt(2 / 2000)) > 0.01  # 与 Xavier 均匀分布的标准差差得远
    assert float(layer.weight.detach().abs().max()) <= 1 / math.sqrt(1000)


def test_kaiming_relu_gradients_are_layer_independent():
    r = signal_propagation(init="kaiming", activation="relu", depth=10, width=256, seed=1)
    g = r.grad_std
    assert g.max() / g.min() < 2.0


def test_deterministic_and_seed_dependent():
    a = signal_propagation(init="xavier", activation="tanh", depth=4, width=32, seed=3)
    b = signal_propagation(init="xavier", activation="tanh", depth=4, width=32, seed=3)
    c = signal_propagation(init="xavier", activation="tanh", depth=4, width=32, seed=4)
    np.testing.assert_array_equal(a.act_std, b.act_std)
    assert not np.allclose(a.act_std, c.act_std)


def test_histograms_are_fractions():
    r = signal_propagation(init="kaiming", activation="tanh", depth=3, width=64, bins=30)
    for fractions in r.hist_fractions:
        assert len(fractions) == 30
        assert fractions.sum() == pytest.approx(1.0)
    q = r.act_quantiles
    assert q.shape == (3, len(r.quantile_levels))
    assert np.all(np.diff(q, axis=1) >= 0)
    assert np.all(np.abs(q) <= 1.0)


@pytest.mark.parametrize(
    ("kwargs", "phrase", "empty"),
    [
        ({"depth": 0}, "深度为 0", True),
        ({"width": 0}, "宽度为 0", True),
        ({"width": -3}, "宽度为 0", True),
        ({"batch": 1}, "批量", True),
        ({"width": 1, "depth": 5}, "宽度为 1", False),
        ({"depth": 10**6, "width": 2, "batch": 4}, "截断", False),
    ],
)
def test_extremes_give_messages(kwargs, phrase, empty):
    r = signal_propagation(init="kaiming", activation="relu", **kwargs)
    assert phrase in r.message
    assert r.empty == empty and (r.act_std.size == 0) == empty
    assert r.depth <= 100


def test_overflow_and_underflow_are_reported():
    boom = signal_propagation(init="normal-1", activation="relu", depth=50, width=256)
    assert boom.diverged and "溢出" in boom.message
    assert np.isnan(boom.act_std[-1]) and np.isfinite(boom.act_std[0])
    gone = signal_propagation(init="normal-0.01", activation="relu", depth=50, width=64)
    assert gone.vanished and "消失" in gone.message
    assert gone.act_std[-1] == 0.0


def test_unknown_names_raise():
    with pytest.raises(ValueError, match="初始化"):
        signal_propagation(init="orthogonal")
    with pytest.raises(ValueError, match="激活"):
        signal_propagation(activation="gelu")


def _names(fig, step):
    return [fig.data[i].name for i in step.args[2]]


def _by_name(fig, name):
    return next(t for t in fig.data if t.name == name)


def _annotation(fig, name):
    return next(a for a in fig.layout.annotations if a.name == name)


def test_figure_dropdown_toggles_the_schemes_by_name_and_size_is_small():
    fig = initialization_figure(activation="tanh", depth=8, width=128, widths=(16, 64, 256, 1024), batch=256)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == list(INIT_SCHEMES.values())
    assert len(fig.data) == 6 * len(INIT_SCHEMES)
    for b, label in zip(buttons, INIT_SCHEMES.values()):
        shown = {n for n, v in zip(_names(fig, b), b.args[0]["visible"]) if v}
        hists = {n for n in shown if "：直方图" in n or n.endswith("：权重")}
        assert {n.split("：")[0] for n in hists} == {label} and len(hists) == 4
    assert [s.label for s in fig.layout.sliders[0].steps] == ["16", "64", "128", "256", "1024"]
    assert len(fig.to_json()) < 1_500_000


def test_dropdown_only_toggles_visibility_so_it_composes_with_slider():
    fig = initialization_figure(activation="relu", depth=4, width=64, widths=(16, 64), batch=32)
    for b in fig.layout.updatemenus[0].buttons:
        restyle, relayout = b.args[0], b.args[1]
        assert set(restyle) == {"visible", "opacity"}  # 没有 x/y：不会撤销滑块选的宽度
        assert all(key.startswith("annotations[") and key.endswith("].visible") for key in relayout)
    for s in fig.layout.sliders[0].steps:
        restyle, relayout = s.args[0], s.args[1]
        assert set(restyle) == {"x", "y"}  # 滑块只换数据，不碰可见性：不会撤销下拉菜单选的方案
        assert all(key.endswith("].text") for key in relayout)


def test_slider_and_menu_compose():
    fig = initialization_figure(activation="relu", depth=5, width=256, widths=(16, 256), batch=64, active="kaiming")
    steps, buttons = fig.layout.sliders[0].steps, fig.layout.updatemenus[0].buttons
    assert fig.layout.sliders[0].active == 1
    big = INIT_SCHEMES["normal-1"]
    growth_256 = _by_name(fig, big).y[-1] / _by_name(fig, big).y[0]
    # 先在下拉菜单里选 σ=1，再把滑块拖到宽度 16：显示的仍是 σ=1 的直方图，但数据换成了宽度 16 的
    fig.plotly_update(*buttons[list(INIT_SCHEMES).index("normal-1")].args)
    before = list(_by_name(fig, f"{big}：直方图 3").y)
    fig.plotly_update(*steps[0].args)
    shown = [t.name for t in fig.data if t.visible and t.type == "bar"]
    assert {n.split("：")[0] for n in shown} == {big}
    assert list(_by_name(fig, f"{big}：直方图 3").y) != before
    # σ=1 + ReLU：每层放大约 √(n/2)，宽度 16 时比宽度 256 慢得多
    growth_16 = _by_name(fig, big).y[-1] / _by_name(fig, big).y[0]
    assert growth_16 == pytest.approx(math.sqrt(16 / 2) ** 4, rel=0.6)
    assert growth_256 > 100 * growth_16
    notes = [a.text for a in fig.layout.annotations if a.name.endswith(":note") and a.visible]
    assert len(notes) == 1 and "16 个神经元" in notes[0] and big in notes[0]
    # 再切回 Kaiming：宽度仍是 16
    fig.plotly_update(*buttons[list(INIT_SCHEMES).index("kaiming")].args)
    notes = [a.text for a in fig.layout.annotations if a.name.endswith(":note") and a.visible]
    assert len(notes) == 1 and "16 个神经元" in notes[0] and INIT_SCHEMES["kaiming"] in notes[0]


def test_figure_weight_histogram_follows_scheme():
    # 每个方案的权重直方图：σ=0.01 与 σ=1 的权重取值范围相差约 100 倍
    fig = initialization_figure(activation="relu", depth=4, width=64, widths=(64,), batch=32)
    spread = {k: max(abs(v) for v in _by_name(fig, f"{INIT_SCHEMES[k]}：权重").x) for k in ("normal-0.01", "normal-1")}
    assert 30 < spread["normal-1"] / spread["normal-0.01"] < 300
    for label in INIT_SCHEMES.values():
        assert sum(_by_name(fig, f"{label}：权重").y) == pytest.approx(1.0, abs=1e-4)
    assert "权重" in _annotation(fig, "title:weights").text


def test_figure_initial_state_matches_active_step():
    fig = initialization_figure(activation="relu", depth=6, width=64, widths=(16, 64), batch=128, active="kaiming")
    menu, bar = fig.layout.updatemenus[0], fig.layout.sliders[0]
    assert menu.buttons[menu.active].label == INIT_SCHEMES["kaiming"]
    assert bar.steps[bar.active].label == "64"
    step = bar.steps[bar.active]
    for i, y in zip(step.args[2], step.args[0]["y"]):
        assert list(fig.data[i].y) == list(y)
    look = menu.buttons[menu.active]
    for i, visible in zip(look.args[2], look.args[0]["visible"]):
        assert fig.data[i].visible == visible


def test_figure_survives_overflow():
    fig = initialization_figure(activation="relu", depth=45, width=256, widths=(256,), batch=64,
                                schemes=("normal-1", "kaiming"))
    texts = {a.name: a.text for a in fig.layout.annotations}
    assert "溢出" in texts["normal-1:hist3"] and "溢出" not in texts["normal-1:hist1"]
    assert "信号爆炸" in texts["normal-1:note"]
    assert not any("溢出" in texts[f"kaiming:hist{k}"] for k in (1, 2, 3)) and "信号爆炸" not in texts["kaiming:note"]


def test_figure_layout_fits_a_phone():
    fig = initialization_figure(activation="relu", depth=4, width=16, widths=(16,), batch=32)
    assert fig.layout.width is None
    hist = fig.layout.xaxis3.domain
    assert 0.35 < hist[1] - hist[0] < 0.5  # 直方图排成两列，不是四列
    for a in fig.layout.annotations:
        for line in (a.text or "").split("<br>"):
            assert len(line) <= 30, line


def test_panel_updates_on_control_change():
    panel = initialization_panel(depth=5, width=64, batch=64)
    act, weights = _by_name(panel.figure, "激活标准差"), _by_name(panel.figure, "权重")
    before = list(act.y)
    assert len(before) == 5
    weights_before = max(abs(v) for v in weights.x)
    panel.controls["init"].value = "normal-0.01"
    after = list(act.y)
    assert after != before and max(after) < 0.1
    assert max(abs(v) for v in weights.x) < weights_before
    panel.controls["depth"].value = 8
    assert len(act.x) == 8
    panel.controls["activation"].value = "tanh"
    assert "tanh" in panel.figure.layout.title.text


def test_panel_extremes_show_messages_and_empty_state():
    panel = initialization_panel(depth=3, width=16, batch=32)
    panel.controls["width"].value = 0
    assert "宽度为 0" in panel.message.value
    assert len(_by_name(panel.figure, "激活标准差").x) == 0
    assert _annotation(panel.figure, "empty").visible
    panel.controls["width"].value = 256
    assert not _annotation(panel.figure, "empty").visible
    panel.controls["depth"].value = 0
    assert "深度为 0" in panel.message.value
    panel.controls["init"].value = "normal-1"
    panel.controls["depth"].value = 50
    assert "溢出" in panel.message.value


@pytest.mark.parametrize("kwargs", [{"depth": 0}, {"width": 0}, {"depth": 10**6}])
def test_figure_clamps_impossible_sizes(kwargs):
    fig = initialization_figure(activation="sigmoid", batch=32, widths=(), schemes=("kaiming",),
                                **{"depth": 4, "width": 8, **kwargs})
    assert "截断" in _annotation(fig, "message").text


def test_figure_with_no_scheme_draws_empty_state():
    fig = initialization_figure(schemes=(), depth=2, width=8, batch=4)
    assert _annotation(fig, "empty").visible and "没有选择" in _annotation(fig, "empty").text


def test_figure_keeps_at_most_six_widths():
    fig = initialization_figure(depth=2, width=8, widths=(1, 2, 3, 4, 5, 6), batch=4, schemes=("kaiming",))
    labels = [s.label for s in fig.layout.sliders[0].steps]
    assert len(labels) == 6 and "8" in labels
    assert "最多 6 步" in _annotation(fig, "message").text
