"""激活函数及其导数的交互图（见 {ref}`sec-activations`）。

- :func:`activation_curves` 是纯计算函数：给出 x、f(x) 与闭式导数 f'(x)；
- :func:`activation_figure` 是静态 plotly 图：下拉菜单选激活函数，滑块调 Leaky ReLU 的斜率、softmax 的温度和横轴范围；
- :func:`activation_panel` 是 JupyterLab 里的实时面板，控件一变就重新调用 :func:`activation_curves`。

softmax 的输入是一个向量，不是一个数。为了画成一条曲线，这里取两类的切片
``softmax([x, 0] / T)`` 的第一个分量，它恰好等于 ``sigmoid(x / T)``。
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.interactive import LivePanel, Step, dropdown, slider, stack_sliders

#: 支持的激活函数：内部名字 → 图上显示的名字
ACTIVATIONS: dict[str, str] = {
    "sigmoid": "Sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "softmax": "Softmax（两类切片）",
}

#: 横轴端点的绝对值上限；更远的端点会被截断
X_LIMIT = 1000.0
#: 采样点数的范围
MIN_POINTS, MAX_POINTS = 2, 2001
#: Leaky ReLU 负半轴斜率的范围
SLOPE_RANGE = (0.0, 1.0)
#: softmax 温度的范围
TEMPERATURE_RANGE = (0.01, 100.0)

#: 静态图里各滑块预先计算的取值
FIGURE_SLOPES = (0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5)
FIGURE_TEMPERATURES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
FIGURE_HALF_WIDTHS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0)

_PANEL_COLORS = ("#1f77b4", "#d62728")


def _check_name(name: str) -> str:
    if name not in ACTIVATIONS:
        known = "、".join(ACTIVATIONS)
        raise ValueError(f"未知的激活函数 {name!r}，可选的有：{known}。")
    return name


def _clamp(value: float, low: float, high: float, default: float, label: str, notes: list[str]) -> float:
    """把参数截断到 [low, high]；非数值（nan）换成默认值。截断时记下一句中文说明。"""
    value = float(value)
    if math.isnan(value):
        notes.append(f"{label}不是数（nan），已改用默认值 {default:g}。")
        return default
    if value < low or value > high:
        clipped = min(max(value, low), high)
        notes.append(f"{label} {value:g} 超出了 [{low:g}, {high:g}]，已截断为 {clipped:g}。")
        return clipped
    return value


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # σ(x) = (1 + tanh(x/2)) / 2：与 1/(1+e^{-x}) 相等，但对很大的 |x| 不会溢出。
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _formulas(name: str, x: np.ndarray, slope: float, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """按闭式公式算 f(x) 与 f'(x)。"""
    if name == "sigmoid":
        s = _sigmoid(x)
        return s, s * (1.0 - s)
    if name == "tanh":
        t = np.tanh(x)
        return t, 1.0 - t**2
    if name == "relu":
        # 与 PyTorch 一致：x = 0 处的导数取 0
        return np.maximum(x, 0.0), (x > 0).astype(float)
    if name == "leaky_relu":
        # 与 PyTorch 一致：x = 0 处的导数取负半轴的斜率
        return np.where(x > 0, x, slope * x), np.where(x > 0, 1.0, slope)
    # softmax([x, 0] / T) 的第一个分量 = σ(x / T)，导数 = σ(1-σ) / T
    s = _sigmoid(x / temperature)
    return s, s * (1.0 - s) / temperature


def activation_curves(
    name: str,
    *,
    x_min: float = -6.0,
    x_max: float = 6.0,
    slope: float = 0.01,
    temperature: float = 1.0,
    points: int = 201,
) -> dict[str, Any]:
    """在 [x_min, x_max] 上计算激活函数 f(x) 与其闭式导数 f'(x)（见 {ref}`sec-activations`）。

    返回字典：``x``、``y``、``dy``（``float64`` 数组）、实际使用的 ``slope``、``temperature``，
    以及 ``message``（一句中文说明，参数被截断或范围为空时非空）。参数离谱时不抛异常：
    端点截断到 ±X_LIMIT，斜率截断到 [0, 1]，温度截断到 [0.01, 100]；宽度为零（或为负）的范围返回空数组。
    只有未知的 ``name`` 抛出 ``ValueError``。
    """
    name = _check_name(name)
    notes: list[str] = []
    slope = _clamp(slope, *SLOPE_RANGE, 0.01, "斜率", notes)
    temperature = _clamp(temperature, *TEMPERATURE_RANGE, 1.0, "温度", notes)
    n = int(_clamp(points, MIN_POINTS, MAX_POINTS, 201, "采样点数", notes))
    lo = _clamp(x_min, -X_LIMIT, X_LIMIT, -6.0, "横轴左端点", notes)
    hi = _clamp(x_max, -X_LIMIT, X_LIMIT, 6.0, "横轴右端点", notes)
    result: dict[str, Any] = {"name": name, "slope": slope, "temperature": temperature}
    if not hi > lo:
        notes.append(f"输入范围 [{lo:g}, {hi:g}] 的宽度为零或为负，没有可画的点。")
        empty = np.empty(0)
        result.update(x=empty, y=empty.copy(), dy=empty.copy(), message=" ".join(notes))
        return result
    x = np.linspace(lo, hi, n)
    y, dy = _formulas(name, x, slope, temperature)
    result.update(x=x, y=y, dy=dy, message=" ".join(notes))
    return result


#: 静态图下拉菜单里“同时显示全部”的选项名
ALL = "all"
_PALETTE = {"sigmoid": "#1f77b4", "tanh": "#2ca02c", "relu": "#d62728", "leaky_relu": "#ff7f0e", "softmax": "#9467bd"}
# 带参数的两种画成虚线：α 很小时 Leaky ReLU 与 ReLU 几乎重合，T = 1 时 softmax 切片与 Sigmoid 完全重合
_DASH = {"leaky_relu": "dash", "softmax": "dash"}
#: 总览视图的纵轴范围：各函数的值与导数都能看清（ReLU 超出部分被裁掉）
_OVERVIEW_RANGES = {"yaxis.range": [-1.5, 3.0], "yaxis2.range": [-0.1, 1.1]}


def _title(name: str) -> str:
    if name == ALL:
        return "五种激活函数：左为 f(x)，右为导数 f′(x)"
    return f"{ACTIVATIONS[name]}：左为 f(x)，右为导数 f′(x)"


def _base_figure() -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=("函数 f(x)", "导数 f′(x)"), horizontal_spacing=0.1)
    fig.update_xaxes(zeroline=True)
    fig.update_layout(height=460, hovermode="x")
    return fig


def _rounded(values: np.ndarray) -> list[float]:
    # 滑块参数写成普通列表（6 位有效数字），静态 HTML 里的 plotly.js 直接可用，也让图的 JSON 小一些。
    return [float(f"{v:.6g}") for v in values]


def _with_value(defaults: Sequence[float], value: float) -> tuple[list[float], int]:
    """滑块的取值列表：预设值加上当前值（若不在其中），返回排序后的列表与当前值的位置。"""
    values = sorted(set(defaults) | {value})
    return values, values.index(value)


def activation_figure(
    *,
    active: str = ALL,
    half_width: float = 6.0,
    slope: float = 0.01,
    temperature: float = 1.0,
    extent: float = 10.0,
    points: int = 201,
) -> go.Figure:
    """激活函数与导数并排的静态交互图：下拉菜单选函数，滑块调斜率、温度与横轴范围（见 {ref}`sec-activations`）。

    ``active`` 是一开始显示的激活函数，``"all"`` 表示同时显示全部五种。所有曲线都在 [-extent, extent]
    上预先算好：下拉菜单只切换曲线是否可见（和纵轴范围），斜率和温度滑块只替换 Leaky ReLU 或 softmax
    那两条曲线的 y 数据，范围滑块只改横轴范围，所以几个控件在静态 HTML 里可以任意组合。
    """
    if active != ALL:
        _check_name(active)
    notes: list[str] = []
    extent = _clamp(extent, 1.0, 100.0, 10.0, "extent", notes)
    half_width = _clamp(half_width, 0.1, extent, min(6.0, extent), "half_width", notes)
    slope = _clamp(slope, *SLOPE_RANGE, 0.01, "斜率", notes)
    temperature = _clamp(temperature, *TEMPERATURE_RANGE, 1.0, "温度", notes)
    points = int(_clamp(points, MIN_POINTS, 401, 201, "采样点数", notes))

    fig = _base_figure()
    names = list(ACTIVATIONS)
    for name in names:
        c = activation_curves(name, x_min=-extent, x_max=extent, slope=slope, temperature=temperature, points=points)
        for col, key in ((1, "y"), (2, "dy")):
            fig.add_trace(
                go.Scatter(
                    x=c["x"], y=c[key], mode="lines", name=ACTIVATIONS[name], legendgroup=name, showlegend=col == 1,
                    line={"color": _PALETTE[name], "width": 2.5, "dash": _DASH.get(name, "solid")},
                    visible=active in (ALL, name),
                ),
                row=1, col=col,
            )
    index = {name: [2 * k, 2 * k + 1] for k, name in enumerate(names)}

    # 下拉菜单：只切换可见性、标题与纵轴范围（总览用固定范围，单个函数用自动范围）
    single_ranges = {"yaxis.autorange": True, "yaxis2.autorange": True}
    menu_steps = [
        Step(label="全部", method="update",
             args=[{"visible": [True] * len(fig.data)}, {"title.text": _title(ALL), **_OVERVIEW_RANGES}])
    ] + [
        Step(
            label=ACTIVATIONS[name],
            method="update",
            args=[{"visible": [n == name for n in names for _ in (0, 1)]}, {"title.text": _title(name), **single_ranges}],
        )
        for name in names
    ]

    def restyle_steps(name: str, values: list[float], key: str) -> list[Step]:
        steps = []
        for v in values:
            c = activation_curves(name, x_min=-extent, x_max=extent, points=points, **{key: v})
            steps.append(
                Step(label=f"{v:g}", method="restyle", args=[{"y": [_rounded(c["y"]), _rounded(c["dy"])]}, index[name]])
            )
        return steps

    slopes, slope_at = _with_value(FIGURE_SLOPES, slope)
    temps, temp_at = _with_value(FIGURE_TEMPERATURES, temperature)
    widths, width_at = _with_value([w for w in FIGURE_HALF_WIDTHS if w <= extent], half_width)
    range_steps = [
        Step(label=f"±{w:g}", method="relayout", args=[{"xaxis.range": [-w, w], "xaxis2.range": [-w, w]}])
        for w in widths
    ]
    stack_sliders(
        fig,
        [
            slider(name="Leaky ReLU 斜率 α", steps=restyle_steps("leaky_relu", slopes, "slope"), active=slope_at),
            slider(name="softmax 温度 T", steps=restyle_steps("softmax", temps, "temperature"), active=temp_at),
            slider(name="横轴范围", steps=range_steps, active=width_at),
        ],
        spacing=0.25,
    )
    fig.update_xaxes(range=[-half_width, half_width])
    if active == ALL:
        fig.update_layout({"yaxis": {"range": _OVERVIEW_RANGES["yaxis.range"]},
                           "yaxis2": {"range": _OVERVIEW_RANGES["yaxis2.range"]}})
    menu_active = 0 if active == ALL else 1 + names.index(active)
    fig.update_layout(
        title={"text": _title(active), "y": 0.97},
        # 纵向从上到下：标题、下拉菜单、图例、两张子图、三个滑块（位置按绘图区高约 320 像素安排）
        height=780,
        updatemenus=[dropdown(steps=menu_steps, active=menu_active, x=0.0, y=1.4)],
        legend={"orientation": "h", "x": 0.0, "y": 1.14, "yanchor": "bottom"},
        margin={"t": 160},
    )
    if notes:
        fig.add_annotation(text="<br>".join(notes), xref="paper", yref="paper", x=1.0, xanchor="right", y=1.4,
                           yanchor="top", showarrow=False, align="right", font={"color": "#b00", "size": 11})
    return fig


def activation_panel(
    *,
    name: str = "sigmoid",
    x_range: tuple[float, float] = (-6.0, 6.0),
    slope: float = 0.01,
    temperature: float = 1.0,
    points: int = 201,
) -> LivePanel:
    """激活函数的实时面板：下拉菜单选函数，滑块调横轴范围、斜率与温度，每次都重新计算（见 {ref}`sec-activations`）。"""
    _check_name(name)
    fig = _base_figure()
    fig.update_layout(showlegend=False)
    for col in (1, 2):
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line={"color": _PANEL_COLORS[col - 1], "width": 2.5}), row=1, col=col)

    style = {"description_width": "initial"}
    lo, hi = (float(v) for v in x_range)
    controls = {
        "name": widgets.Dropdown(options=[(label, key) for key, label in ACTIVATIONS.items()], value=name,
                                 description="激活函数", style=style),
        "x_range": widgets.FloatRangeSlider(value=(max(lo, -20.0), min(hi, 20.0)), min=-20.0, max=20.0, step=0.5,
                                            description="横轴范围", style=style),
        "slope": widgets.FloatSlider(value=slope, min=0.0, max=1.0, step=0.01, description="Leaky 斜率 α", style=style),
        "temperature": widgets.FloatSlider(value=temperature, min=0.05, max=10.0, step=0.05,
                                           description="softmax 温度 T", style=style),
    }

    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str | None:
        c = activation_curves(values["name"], x_min=values["x_range"][0], x_max=values["x_range"][1],
                              slope=values["slope"], temperature=values["temperature"], points=points)
        for trace, key in zip(figure.data, ("y", "dy")):
            trace.x, trace.y = c["x"], c[key]
        figure.layout.title.text = _title(values["name"])
        return c["message"] or None

    return LivePanel(figure=fig, controls=controls, update=update)
