"""参数初始化交互图的测试：逐层统计符合理论，静态图各步不同，面板会更新，极端参数不抛异常。"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from dlbook.explorers.initialization import (
    INIT_SCHEMES,
    initialization_figure,
    initialization_panel,
    signal_propagation,
)


def test_kaiming_relu_keeps_second_moment():
    # Kaiming：Var(w) = 2/fan_in，ReLU 把二阶矩减半，两者抵消：E[h²] 每层都约等于输入的 E[x²] = 1
    r = signal_propagation(init="kaiming", activation="relu", depth=10, width=512, seed=0)
    m2 = r["act_second_moment"]
    assert m2[0] == pytest.approx(1.0, rel=0.05)
    assert np.all((m2 > 0.6) & (m2 < 1.6))
    assert not r["diverged"] and not r["vanished"]


def test_xavier_relu_halves_second_moment_each_layer():
    # 方阵时 Xavier 的 Var(w) = 1/fan_in，少了 ReLU 需要的因子 2：二阶矩每层约减半
    r = signal_propagation(init="xavier", activation="relu", depth=10, width=256, seed=0)
    m2 = r["act_second_moment"]
    ratio = (m2[-1] / m2[0]) ** (1 / 9)
    assert ratio == pytest.approx(0.5, rel=0.1)


def test_tiny_normal_vanishes_at_rate_sigma_sqrt_n():
    # tanh 在 0 附近近似恒等：每层标准差乘以 σ·√n = 0.01·16 = 0.16
    r = signal_propagation(init="normal-0.01", activation="tanh", depth=10, width=256, seed=0)
    ratios = r["act_std"][1:] / r["act_std"][:-1]
    np.testing.assert_allclose(ratios, 0.16, rtol=0.05)
    assert r["act_std"][-1] < 1e-6
    assert r["grad_std"].max() < 1e-7


def test_large_normal_saturates_tanh_and_explodes_relu():
    tanh = signal_propagation(init="normal-1", activation="tanh", depth=10, width=256, seed=0)
    assert np.all(tanh["saturated"] > 0.8)
    assert tanh["grad_std"][0] > 1e3 * tanh["grad_std"][-1]  # 梯度往输入方向爆炸
    relu = signal_propagation(init="normal-1", activation="relu", depth=10, width=256, seed=0)
    growth = (relu["act_std"][-1] / relu["act_std"][0]) ** (1 / 9)
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
    np.testing.assert_allclose(r["weight_std"], expected, rtol=0.02)
    assert len(r["weight_samples"][0]) == 200


def test_pytorch_default_linear_std():
    torch.manual_seed(0)
    layer = nn.Linear(1000, 1000)
    std = float(layer.weight.detach().std())
    assert std == pytest.approx(1 / math.sqrt(3 * 1000), rel=0.02)
    assert abs(std - math.sqrt(2 / 2000)) > 0.01  # 与 Xavier 均匀分布的标准差差得远
    assert float(layer.weight.detach().abs().max()) <= 1 / math.sqrt(1000)


def test_kaiming_relu_gradients_are_layer_independent():
    r = signal_propagation(init="kaiming", activation="relu", depth=10, width=256, seed=1)
    g = r["grad_std"]
    assert g.max() / g.min() < 2.0


def test_deterministic_and_seed_dependent():
    a = signal_propagation(init="xavier", activation="tanh", depth=4, width=32, seed=3)
    b = signal_propagation(init="xavier", activation="tanh", depth=4, width=32, seed=3)
    c = signal_propagation(init="xavier", activation="tanh", depth=4, width=32, seed=4)
    np.testing.assert_array_equal(a["act_std"], b["act_std"])
    assert not np.allclose(a["act_std"], c["act_std"])


def test_histograms_are_fractions():
    r = signal_propagation(init="kaiming", activation="tanh", depth=3, width=64, bins=30)
    for fractions in r["hist_fractions"]:
        assert len(fractions) == 30
        assert fractions.sum() == pytest.approx(1.0)
    q = r["act_quantiles"]
    assert q.shape == (3, len(r["quantile_levels"]))
    assert np.all(np.diff(q, axis=1) >= 0)
    assert np.all(np.abs(q) <= 1.0)


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"depth": 0}, "深度为 0"),
        ({"width": 0}, "宽度为 0"),
        ({"width": -3}, "宽度为 0"),
        ({"batch": 1}, "批量"),
        ({"width": 1, "depth": 5}, "宽度为 1"),
    ],
)
def test_extremes_give_messages(kwargs, phrase):
    r = signal_propagation(init="kaiming", activation="relu", **kwargs)
    assert phrase in r["message"]


def test_overflow_and_underflow_are_reported():
    boom = signal_propagation(init="normal-1", activation="relu", depth=50, width=256)
    assert boom["diverged"] and "溢出" in boom["message"]
    assert np.isnan(boom["act_std"][-1]) and np.isfinite(boom["act_std"][0])
    gone = signal_propagation(init="normal-0.01", activation="relu", depth=50, width=64)
    assert gone["vanished"] and "消失" in gone["message"]
    assert gone["act_std"][-1] == 0.0


def test_unknown_names_raise():
    with pytest.raises(ValueError, match="初始化"):
        signal_propagation(init="orthogonal")
    with pytest.raises(ValueError, match="激活"):
        signal_propagation(activation="gelu")


def _annotation_index(key: str) -> int:
    return int(key[len("annotations[") : key.index("]")])


def _apply(fig, args) -> None:
    """在 Python 里模仿 plotly.js 执行一步 ``update``：逐 trace 设置 restyle 的值，按路径设置注释的属性。"""
    restyle, relayout = args
    for i, trace in enumerate(fig.data):
        for key, values in restyle.items():
            if values[i] is not None:
                trace[key] = values[i]
    for key, value in relayout.items():
        attr = key.split(".", 1)[1]
        fig.layout.annotations[_annotation_index(key)][attr] = value


def _shown(fig, n):
    """当前可见的直方图 trace（下拉菜单选中方案的那 4 个）。"""
    return [t for t in fig.data[2 * n :] if t.visible]


def test_figure_dropdown_steps_differ_and_size_is_small():
    fig = initialization_figure(activation="tanh", depth=8, width=128, widths=(16, 64, 256, 1024), batch=256)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == list(INIT_SCHEMES.values())
    n = len(INIT_SCHEMES)
    assert len(fig.data) == 2 * n + 4 * n
    visibles = [tuple(b.args[0]["visible"]) for b in buttons]
    assert len(set(visibles)) == n
    for i, v in enumerate(visibles):
        assert all(v[: 2 * n]) and sum(v[2 * n :]) == 4
        assert all(v[2 * n + 4 * i : 2 * n + 4 * i + 4])
    widths = [tuple(b.args[0]["line.width"][:n]) for b in buttons]
    assert len(set(widths)) == n
    assert [s.label for s in fig.layout.sliders[0].steps] == ["16", "64", "128", "256", "1024"]
    assert len(fig.to_json()) < 1_500_000


def test_dropdown_only_toggles_visibility_so_it_composes_with_slider():
    fig = initialization_figure(activation="relu", depth=4, width=64, widths=(16, 64), batch=32)
    for b in fig.layout.updatemenus[0].buttons:
        restyle, relayout = b.args
        assert set(restyle) <= {"visible", "line.width", "opacity"}  # 没有 x/y：不会撤销滑块选的宽度
        assert all(key.startswith("annotations[") and key.endswith("].visible") for key in relayout)
    for s in fig.layout.sliders[0].steps:
        restyle, relayout = s.args
        assert set(restyle) == {"x", "y"}  # 滑块只换数据，不碰可见性：不会撤销下拉菜单选的方案
        assert all(key.endswith("].text") for key in relayout)


def test_slider_steps_differ_and_change_the_shown_scheme():
    widths = (16, 256)
    fig = initialization_figure(activation="relu", depth=5, width=256, widths=widths, batch=64, active="kaiming")
    n = len(INIT_SCHEMES)
    steps = fig.layout.sliders[0].steps
    assert fig.layout.sliders[0].active == 1
    assert json.dumps(steps[0].args[0]) != json.dumps(steps[1].args[0])
    # 先在下拉菜单里选 σ=1，再把滑块拖到宽度 16：显示的仍是 σ=1 的直方图，但数据换成了宽度 16 的
    _apply(fig, fig.layout.updatemenus[0].buttons[list(INIT_SCHEMES).index("normal-1")].args)
    shown = _shown(fig, n)
    assert [t.legendgroup for t in shown] == ["normal-1"] * 4
    before = [list(t.y) for t in shown]
    big = fig.data[list(INIT_SCHEMES).index("normal-1")]
    growth_256 = big.y[-1] / big.y[0]
    _apply(fig, steps[0].args)
    after_shown = _shown(fig, n)
    assert [t.legendgroup for t in after_shown] == ["normal-1"] * 4
    assert [list(t.y) for t in after_shown] != before
    # σ=1 + ReLU：每层放大约 √(n/2)，宽度 16 时比宽度 256 慢得多
    growth_16 = big.y[-1] / big.y[0]
    assert growth_16 == pytest.approx(math.sqrt(16 / 2) ** 4, rel=0.6)
    assert growth_256 > 100 * growth_16
    visible_notes = [a.text for a in fig.layout.annotations if a.visible is not False and "网络" in (a.text or "")]
    assert len(visible_notes) == 1 and "16 个神经元" in visible_notes[0] and INIT_SCHEMES["normal-1"] in visible_notes[0]
    # 再切回 Kaiming：宽度仍是 16
    _apply(fig, fig.layout.updatemenus[0].buttons[list(INIT_SCHEMES).index("kaiming")].args)
    notes = [a.text for a in fig.layout.annotations if a.visible is not False and "网络" in (a.text or "")]
    assert notes == [t for t in notes if "16 个神经元" in t and INIT_SCHEMES["kaiming"] in t] and len(notes) == 1


def test_figure_weight_histogram_follows_scheme():
    # 每个方案最后一个直方图是权重分布：σ=0.01 与 σ=1 的权重取值范围相差约 100 倍
    fig = initialization_figure(activation="relu", depth=4, width=64, widths=(64,), batch=32)
    n = len(INIT_SCHEMES)
    order = list(INIT_SCHEMES)
    weights = {k: fig.data[2 * n + 4 * order.index(k) + 3] for k in order}
    spread = {k: max(abs(v) for v in weights[k].x) for k in ("normal-0.01", "normal-1")}
    assert 30 < spread["normal-1"] / spread["normal-0.01"] < 300
    for trace in weights.values():
        assert sum(trace.y) == pytest.approx(1.0)
    assert "权重" in fig.layout.annotations[5].text


def test_figure_initial_state_matches_active_step():
    fig = initialization_figure(activation="relu", depth=6, width=64, widths=(16, 64), batch=128, active="kaiming")
    menu, bar = fig.layout.updatemenus[0], fig.layout.sliders[0]
    look = menu.buttons[menu.active].args[0]
    data, texts = bar.steps[bar.active].args
    assert menu.buttons[menu.active].label == INIT_SCHEMES["kaiming"]
    assert bar.steps[bar.active].label == "64"
    for i, trace in enumerate(fig.data):
        assert list(trace.y) == list(data["y"][i])
        assert trace.visible == look["visible"][i]
    for key, text in texts.items():
        assert fig.layout.annotations[_annotation_index(key)].text == text


def test_figure_survives_overflow():
    fig = initialization_figure(activation="relu", depth=45, width=256, widths=(256,), batch=64,
                                schemes=("normal-1", "kaiming"))
    texts = list(fig.layout.sliders[0].steps[0].args[1].values())
    big, kaiming = texts[:4], texts[4:]
    assert "溢出" in big[2] and "溢出" not in big[0] and "信号爆炸" in big[3]
    assert not any("溢出" in t for t in kaiming[:3]) and "信号爆炸" not in kaiming[3]


def test_panel_updates_on_control_change():
    panel = initialization_panel(depth=5, width=64, batch=64)
    before = list(panel.figure.data[0].y)
    assert len(before) == 5
    weights_before = max(abs(v) for v in panel.figure.data[5].x)
    panel.controls["init"].value = "normal-0.01"
    after = list(panel.figure.data[0].y)
    assert after != before and max(after) < 0.1
    assert max(abs(v) for v in panel.figure.data[5].x) < weights_before
    panel.controls["depth"].value = 8
    assert len(panel.figure.data[0].x) == 8
    panel.controls["activation"].value = "tanh"
    assert "tanh" in panel.figure.layout.title.text


def test_panel_extremes_show_messages():
    panel = initialization_panel(depth=3, width=16, batch=32)
    panel.controls["width"].value = 0
    assert "宽度为 0" in panel.message.value
    assert len(panel.figure.data[0].x) == 0
    panel.controls["width"].value = 256
    panel.controls["depth"].value = 0
    assert "深度为 0" in panel.message.value
    panel.controls["init"].value = "normal-1"
    panel.controls["depth"].value = 50
    assert "溢出" in panel.message.value


@pytest.mark.parametrize("kwargs", [{"depth": 0}, {"width": 0}, {"width": 1, "depth": 3}])
def test_figure_empty_states_do_not_raise(kwargs):
    fig = initialization_figure(activation="sigmoid", batch=32, widths=(), **{"depth": 4, "width": 8, **kwargs})
    notes = [t for t in fig.layout.sliders[0].steps[0].args[1].values() if "网络" in t]
    assert len(notes) == len(INIT_SCHEMES)
    phrase = "深度为 0" if kwargs.get("depth") == 0 else "宽度为 0" if kwargs.get("width") == 0 else "宽度为 1"
    assert all(phrase in note for note in notes)


def test_figure_rejects_too_many_widths():
    with pytest.raises(ValueError, match="最多 6 步"):
        initialization_figure(depth=2, width=8, widths=(1, 2, 3, 4, 5, 6), batch=4)
