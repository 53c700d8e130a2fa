"""dlbook.explorers.activations 的测试：闭式导数与自动求导一致，静态图的控件各管一件事，面板能响应控件。

“每一步都改变图”“极端设置给出说明”“面板的每个控件都起作用”由 tests/explorers/test_contract.py 统一检查。
"""

import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from dlbook.explorers.activations import (
    CURVE_NAMES,
    ActivationCurves,
    activation_curves,
    activation_figure,
    activation_panel,
    curve_label,
)


def torch_reference(name, x, *, slope=0.01, temperature=1.0):
    """用 PyTorch 的激活函数计算 f(x)，再用自动求导算 f'(x)。"""
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    if name == "sigmoid":
        y = torch.sigmoid(x)
    elif name == "tanh":
        y = torch.tanh(x)
    elif name == "relu":
        y = torch.relu(x)
    elif name == "leaky_relu":
        y = torch.nn.functional.leaky_relu(x, negative_slope=slope)
    else:
        pair = torch.stack([x, torch.zeros_like(x)], dim=1) / temperature
        y = torch.softmax(pair, dim=1)[:, 0]
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", CURVE_NAMES)
@pytest.mark.parametrize("slope, temperature", [(0.01, 1.0), (0.3, 0.5), (0.0, 3.0)])
def test_curves_match_torch_and_autograd(name, slope, temperature):
    # 奇数个点：网格恰好包含 x = 0，那里 ReLU/Leaky ReLU 的导数约定也要与 PyTorch 一致
    c = activation_curves(name, x_min=-8.0, x_max=8.0, slope=slope, temperature=temperature, points=161)
    assert 0.0 in c.x
    y_ref, dy_ref = torch_reference(name, c.x, slope=slope, temperature=temperature)
    np.testing.assert_allclose(c.y, y_ref, atol=1e-12)
    np.testing.assert_allclose(c.dy, dy_ref, atol=1e-12)
    assert c.message == ""
    assert isinstance(c, ActivationCurves)


def test_known_values():
    assert activation_curves("sigmoid", x_min=-1, x_max=1, points=3).dy[1] == pytest.approx(0.25)
    assert activation_curves("tanh", x_min=-1, x_max=1, points=3).dy[1] == pytest.approx(1.0)
    # 两类 softmax 的切片等于 σ(x/T)，导数峰值是 1/(4T)
    c = activation_curves("softmax", x_min=-1, x_max=1, points=3, temperature=0.5)
    assert c.y[1] == pytest.approx(0.5)
    assert c.dy[1] == pytest.approx(0.5)
    leaky = activation_curves("leaky_relu", x_min=-2, x_max=2, points=3, slope=0.2)
    np.testing.assert_allclose(leaky.y, [-0.4, 0.0, 2.0])
    np.testing.assert_allclose(leaky.dy, [0.2, 0.2, 1.0])


def test_unknown_name_raises_chinese_message():
    with pytest.raises(ValueError, match="未知的激活函数"):
        activation_curves("swish")
    with pytest.raises(ValueError, match="未知的激活函数"):
        activation_figure(active="swish")
    with pytest.raises(ValueError, match="未知的激活函数"):
        activation_panel(name="swish")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"x_min": 1.0, "x_max": 1.0},
        {"x_min": 3.0, "x_max": -3.0},
    ],
)
def test_empty_range_gives_empty_arrays_and_message(kwargs):
    c = activation_curves("relu", **kwargs)
    assert c.x.size == c.y.size == c.dy.size == 0
    assert "宽度为零" in c.message


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_absurd_values_are_clamped_not_raised(name):
    c = activation_curves(
        name, x_min=-math.inf, x_max=1e12, slope=-5.0, temperature=0.0, points=10**9
    )
    assert c.x[0] == -1000.0 and c.x[-1] == 1000.0
    assert c.x.size == 2001
    assert c.slope == 0.0 and c.temperature == pytest.approx(0.01)
    assert np.isfinite(c.y).all() and np.isfinite(c.dy).all()
    assert "截断" in c.message
    nan_case = activation_curves(name, x_min=math.nan, x_max=2.0, slope=math.nan, temperature=math.nan)
    assert nan_case.x[0] == -6.0 and nan_case.slope == 0.01 and nan_case.temperature == 1.0
    assert "nan" in nan_case.message


def test_figure_structure_and_dropdown():
    fig = activation_figure()
    labels = [curve_label(n) for n in CURVE_NAMES]
    assert [t.name for t in fig.data] == [f for label in labels for f in (label, f"{label} 的导数")]
    # 默认是总览：全部十条曲线都可见，纵轴用固定范围
    assert all(t.visible for t in fig.data)
    assert tuple(fig.layout.yaxis.range) == (-1.5, 3.0)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["全部", *labels]
    assert list(buttons[0].args[0]["visible"]) == [True] * len(fig.data)
    for k, b in enumerate(buttons[1:]):
        assert list(b.args[0]["visible"]) == [j // 2 == k for j in range(len(fig.data))]
        assert b.args[1]["yaxis.autorange"] is True
    # 下拉菜单不碰横轴（横轴归范围滑块管），也不碰曲线数据（归斜率、温度滑块管）
    for b in buttons:
        assert set(b.args[0]) == {"visible"}
        assert not any(key.startswith("xaxis") for key in b.args[1])


def test_figure_single_activation_view():
    fig = activation_figure(active="tanh")
    assert [bool(t.visible) for t in fig.data] == [n == "tanh" for n in CURVE_NAMES for _ in (0, 1)]
    assert fig.layout.updatemenus[0].active == 1 + CURVE_NAMES.index("tanh")
    assert "tanh" in fig.layout.title.text


def _slider(fig, prefix):
    return next(s for s in fig.layout.sliders if s.currentvalue.prefix.startswith(prefix))


@pytest.mark.parametrize("prefix, name", [("Leaky ReLU 斜率", "leaky_relu"), ("softmax 温度", "softmax")])
def test_restyle_slider_steps_target_only_their_traces_by_name(prefix, name):
    fig = activation_figure()
    label = curve_label(name)
    k = [t.name for t in fig.data].index(label)
    s = _slider(fig, prefix)
    ys = []
    for step in s.steps:
        assert step.method == "restyle"
        update, indices = step.args
        assert [fig.data[i].name for i in indices] == [label, f"{label} 的导数"]
        ys.append(np.array(update["y"][0]))
    for a, b in zip(ys, ys[1:]):
        assert np.abs(a - b).max() > 1e-3
    # 当前步的数据就是图里这条曲线的数据
    np.testing.assert_allclose(ys[s.active], np.asarray(fig.data[k].y), atol=1e-5)


def test_slider_step_data_matches_compute_function():
    fig = activation_figure(extent=10.0, points=201)
    step = next(st for st in _slider(fig, "Leaky ReLU 斜率").steps if st.label == "0.3")
    c = activation_curves("leaky_relu", x_min=-10.0, x_max=10.0, slope=0.3, points=201)
    np.testing.assert_allclose(step.args[0]["y"][0], c.y, rtol=1e-5)
    np.testing.assert_allclose(step.args[0]["y"][1], c.dy, rtol=1e-5)


def test_range_slider_relayouts_both_axes():
    fig = activation_figure(half_width=3.0)
    s = _slider(fig, "横轴范围")
    ranges = [tuple(step.args[0]["xaxis.range"]) for step in s.steps]
    assert len(set(ranges)) == len(ranges)
    for step in s.steps:
        assert step.method == "relayout"
        assert step.args[0]["xaxis.range"] == step.args[0]["xaxis2.range"]
    assert tuple(fig.layout.xaxis.range) == (-3.0, 3.0) == ranges[s.active]


def test_figure_custom_values_become_active_steps():
    fig = activation_figure(slope=0.123, temperature=0.8)
    for prefix, label in (("Leaky ReLU 斜率", "0.123"), ("softmax 温度", "0.8")):
        s = _slider(fig, prefix)
        assert s.steps[s.active].label == label


def test_figure_extremes_are_clamped_and_said():
    fig = activation_figure(half_width=0.0, slope=50.0, temperature=-1.0, extent=1e9, points=0)
    message = next(a.text for a in fig.layout.annotations if a.name == "message")
    assert message.count("截断") == 5
    assert len(fig.to_json()) < 1_500_000


def test_figure_layout_has_no_fixed_width_and_menu_apart_from_legend():
    fig = activation_figure()
    assert fig.layout.width is None
    menu, legend = fig.layout.updatemenus[0], fig.layout.legend
    assert menu.y > 1.0 and legend.y < 0 and legend.yanchor == "top"  # 菜单在图上方，图例在图下方
    assert all(legend.y < s.y < 0 for s in fig.layout.sliders)  # 图例在最下面，换行时向下长，碰不到滑块


def test_panel_builds_and_reacts_to_controls():
    panel = activation_panel()
    assert set(panel.controls) == {"name", "x_min", "x_max", "slope", "temperature"}
    y_sigmoid = np.array(panel.figure.data[0].y)
    assert y_sigmoid.min() > 0 and y_sigmoid.max() < 1

    panel.controls["name"].value = "leaky_relu"
    y_leaky = np.array(panel.figure.data[0].y)
    assert not np.allclose(y_leaky, y_sigmoid)
    assert y_leaky.min() < 0  # 负半轴是 αx

    panel.controls["slope"].value = 0.5
    y_leaky_steep = np.array(panel.figure.data[0].y)
    assert y_leaky_steep.min() == pytest.approx(0.5 * panel.controls["x_min"].value)
    dy = np.array(panel.figure.data[1].y)
    assert set(np.round(dy, 6)) == {0.5, 1.0}

    panel.controls["name"].value = "softmax"
    assert "斜率 α 只对 Leaky ReLU 起作用" in panel.message.value
    before = np.array(panel.figure.data[1].y)
    panel.controls["temperature"].value = 0.25
    after = np.array(panel.figure.data[1].y)
    assert after.max() == pytest.approx(1.0, rel=0.05)  # 导数峰值 1/(4T)
    assert before.max() == pytest.approx(0.25, rel=0.05)


def test_panel_empty_range_shows_message_without_raising():
    panel = activation_panel(name="relu")
    panel.controls["x_min"].value = 2.0
    panel.controls["x_max"].value = 2.0
    assert len(panel.figure.data[0].x) == 0
    assert "宽度为零" in panel.message.value
    assert any(a.name == "empty" and a.visible for a in panel.figure.layout.annotations)
    panel.controls["x_min"].value = -1.0
    assert len(panel.figure.data[0].x) > 0
    assert panel.message.value == ""
    assert not any(a.name == "empty" and a.visible for a in panel.figure.layout.annotations)


def test_panel_empty_state_survives_two_empty_settings_in_a_row():
    panel = activation_panel()
    panel.controls["x_min"].value = 10.0  # 右端点还是 6：空
    panel.controls["x_max"].value = 2.0  # 仍然是空：说明不能消失
    empty = [a for a in panel.figure.layout.annotations if a.name == "empty"]
    assert empty and empty[0].visible and "宽度为零" in empty[0].text
