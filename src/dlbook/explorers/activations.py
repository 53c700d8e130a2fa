"""激活函数及其导数的交互图（见 {ref}`sec-activations`）。

- :func:`activation_curves` 是纯计算函数：给出 x、f(x) 与闭式导数 f'(x)（:class:`ActivationCurves`）；
- :func:`activation_figure` 是静态 plotly 图：下拉菜单选激活函数，滑块调 Leaky ReLU 的斜率、softmax 的温度和横轴范围；
- :func:`activation_panel` 是 JupyterLab 里的实时面板，控件一变就重新调用 :func:`activation_curves`。

前四种激活函数的公式来自全书唯一的登记表 :mod:`dlbook.activations`。softmax 的输入是一个向量，不是一个数：
为了画成一条曲线，这里取两类的切片 ``softmax([x, 0] / T)`` 的第一个分量，它恰好等于 ``sigmoid(x / T)``。
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.activations import activation_values, get_activation
from dlbook.figure_layout import (
    SUBPLOT_TITLE_LINES,
    TITLE_CHARS,
    Frame,
    apply_frame,
    frame,
    menu_y,
    sliders_below,
    wrap,
)
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    clear_empty,
    draw_empty,
    dropdown,
    relayout_step,
    restyle_step,
    rounded,
    set_message,
    slider,
    visibility_step,
)

#: softmax 两类切片的名字（只在这个交互图里有，所以不在 :data:`dlbook.activations.ACTIVATIONS` 中）
SOFTMAX = "softmax"
#: 交互图画的五种激活函数（前四种取自 :mod:`dlbook.activations`）
CURVE_NAMES: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu", SOFTMAX)

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

#: 静态图下拉菜单里“同时显示全部”的选项名
ALL = "all"
_PALETTE = {"sigmoid": "#1f77b4", "tanh": "#2ca02c", "relu": "#d62728", "leaky_relu": "#ff7f0e", SOFTMAX: "#9467bd"}
# 带参数的两种画成虚线：α 很小时 Leaky ReLU 与 ReLU 几乎重合，T = 1 时 softmax 切片与 Sigmoid 完全重合
_DASH = {"leaky_relu": "dash", SOFTMAX: "dash"}
#: 总览视图的纵轴范围：各函数的值与导数都能看清（ReLU 超出部分被裁掉）
_OVERVIEW_RANGES = {"yaxis.range": [-1.5, 3.0], "yaxis2.range": [-0.1, 1.1]}
_PANEL_COLORS = ("#1f77b4", "#d62728")


@dataclass(frozen=True, kw_only=True, eq=False)
class ActivationCurves(Result):
    """:func:`activation_curves` 的结果：采样点 ``x``、函数值 ``y``、导数 ``dy`` 与实际使用的参数。"""

    name: str
    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray
    slope: float
    temperature: float


def curve_label(name: str) -> str:
    """图上显示的名字；未知名字抛出中文 ``ValueError``（见 {ref}`sec-activations`）。"""
    if name == SOFTMAX:
        return "Softmax（两类切片）"
    if name not in CURVE_NAMES:
        raise ValueError(f"未知的激活函数 {name!r}，可选的有：{'、'.join(CURVE_NAMES)}。")
    return get_activation(name).label


def _formulas(name: str, x: np.ndarray, slope: float, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """按闭式公式算 f(x) 与 f'(x)；softmax 切片 = σ(x / T)，导数 = σ(1-σ) / T。"""
    if name != SOFTMAX:
        return activation_values(name, x, slope=slope)
    s, ds = activation_values("sigmoid", x / temperature)
    return s, ds / temperature


def activation_curves(
    name: str,
    *,
    x_min: float = -6.0,
    x_max: float = 6.0,
    slope: float = 0.01,
    temperature: float = 1.0,
    points: int = 201,
) -> ActivationCurves:
    """在 [x_min, x_max] 上计算激活函数 f(x) 与其闭式导数 f'(x)（见 {ref}`sec-activations`）。

    参数离谱时不抛异常：端点截断到 ±X_LIMIT，斜率截断到 [0, 1]，温度截断到 [0.01, 100]，都写进 ``message``；
    宽度为零（或为负）的范围返回空数组。只有未知的 ``name`` 抛出 ``ValueError``。
    """
    curve_label(name)
    notes = Notes()
    slope = notes.clamp(slope, *SLOPE_RANGE, label="斜率", default=0.01)
    temperature = notes.clamp(temperature, *TEMPERATURE_RANGE, label="温度", default=1.0)
    n = notes.clamp_int(points, MIN_POINTS, MAX_POINTS, label="采样点数", default=201)
    lo = notes.clamp(x_min, -X_LIMIT, X_LIMIT, label="横轴左端点", default=-6.0)
    hi = notes.clamp(x_max, -X_LIMIT, X_LIMIT, label="横轴右端点", default=6.0)
    if not hi > lo:
        notes.add(f"输入范围 [{lo:g}, {hi:g}] 的宽度为零或为负，没有可画的点。")
        x = y = dy = np.empty(0)
    else:
        x = np.linspace(lo, hi, n)
        y, dy = _formulas(name, x, slope, temperature)
    return ActivationCurves(name=name, x=x, y=y, dy=dy, slope=slope, temperature=temperature, message=str(notes))


# ---------------------------------------------------------------- 画图

#: 绘图区的高度（像素）；其余部分（标题、菜单、说明行、滑块、图例）由 :mod:`dlbook.figure_layout` 按像素排开
_PLOT_PX = 320


def _title(name: str) -> str:
    label = "五种激活函数" if name == ALL else curve_label(name)
    return wrap(f"{label}：左 f(x)，右 f′(x)", TITLE_CHARS)


def _base_figure() -> go.Figure:
    """静态图与实时面板共用的底图：左右两幅子图（函数与导数）。"""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("函数 f(x)", "导数 f′(x)"), horizontal_spacing=0.12)
    fig.update_xaxes(zeroline=True)
    fig.update_layout(hovermode="x")
    return fig


def _frame(*, message: str, menu: bool, sliders: int, legend_rows: int) -> Frame:
    """按像素排版：上边距里是标题、菜单、截断说明与两幅子图的小标题；下边距里是滑块与图例。"""
    lines = message.count("<br>") + 1 if message else 0
    return frame(plot=_PLOT_PX, title_lines=max(_title(n).count("<br>") + 1 for n in (ALL, *CURVE_NAMES)),
                 menu=menu, message_lines=SUBPLOT_TITLE_LINES + lines, sliders=sliders, legend_rows=legend_rows)


def _add_curves(fig: go.Figure, curves: dict[str, ActivationCurves], active: str) -> None:
    """每种激活函数两条曲线（函数、导数），名字是“显示名”与“显示名 的导数”。"""
    for name, c in curves.items():
        label = curve_label(name)
        for col, values in ((1, c.y), (2, c.dy)):
            fig.add_trace(
                go.Scatter(
                    x=c.x, y=values, mode="lines", name=label if col == 1 else f"{label} 的导数",
                    legendgroup=name, showlegend=col == 1, visible=active in (ALL, name),
                    line={"color": _PALETTE[name], "width": 2.5, "dash": _DASH.get(name, "solid")},
                ),
                row=1, col=col,
            )


def _menu_steps(fig: go.Figure) -> list:
    """下拉菜单：只切换可见性、标题与纵轴范围（总览用固定范围，单个函数用自动范围）。"""
    single = {"yaxis.autorange": True, "yaxis2.autorange": True}
    all_names = [t.name for t in fig.data]
    steps = [visibility_step(fig, "全部", all_names, layout={"title.text": _title(ALL), **_OVERVIEW_RANGES})]
    for name in CURVE_NAMES:
        label = curve_label(name)
        steps.append(visibility_step(fig, label, [label, f"{label} 的导数"], layout={"title.text": _title(name), **single}))
    return steps


def _parameter_steps(fig: go.Figure, name: str, key: str, values: Sequence[float], **kwargs: Any) -> list:
    """斜率或温度滑块：每一步按名字替换一种激活函数的两条曲线的 y。"""
    label = curve_label(name)
    steps = []
    for v in values:
        c = activation_curves(name, **kwargs, **{key: v})
        steps.append(restyle_step(fig, f"{v:g}", {label: {"y": rounded(c.y)}, f"{label} 的导数": {"y": rounded(c.dy)}}))
    return steps


def _with_value(defaults: Sequence[float], value: float) -> tuple[list[float], int]:
    """滑块的取值列表：预设值加上当前值（若不在其中），返回排序后的列表与当前值的位置。"""
    values = sorted(set(defaults) | {value})
    return values, values.index(value)


def _sliders(fig: go.Figure, layout: Frame, *, extent: float, half_width: float, slope: float, temperature: float,
             points: int) -> list:
    span = {"x_min": -extent, "x_max": extent, "points": points}
    slopes, slope_at = _with_value(FIGURE_SLOPES, slope)
    temps, temp_at = _with_value(FIGURE_TEMPERATURES, temperature)
    widths, width_at = _with_value([w for w in FIGURE_HALF_WIDTHS if w <= extent], half_width)
    ranges = [relayout_step(f"±{w:g}", {"xaxis.range": [-w, w], "xaxis2.range": [-w, w]}) for w in widths]
    bars = [
        slider(name="Leaky ReLU 斜率 α", steps=_parameter_steps(fig, "leaky_relu", "slope", slopes, **span), active=slope_at),
        slider(name="softmax 温度 T", steps=_parameter_steps(fig, SOFTMAX, "temperature", temps, **span), active=temp_at),
        slider(name="横轴范围", steps=ranges, active=width_at),
    ]
    return sliders_below(layout, bars)


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
        curve_label(active)
    notes = Notes()
    extent = notes.clamp(extent, 1.0, 100.0, label="extent", default=10.0)
    half_width = notes.clamp(half_width, 0.1, extent, label="half_width", default=min(6.0, extent))
    slope = notes.clamp(slope, *SLOPE_RANGE, label="斜率", default=0.01)
    temperature = notes.clamp(temperature, *TEMPERATURE_RANGE, label="温度", default=1.0)
    points = notes.clamp_int(points, MIN_POINTS, 401, label="采样点数", default=201)

    fig = _base_figure()
    message = wrap(str(notes))
    layout = _frame(message=message, menu=True, sliders=3, legend_rows=len(CURVE_NAMES))  # 窄屏上图例一项一行
    span = {"x_min": -extent, "x_max": extent, "points": points, "slope": slope, "temperature": temperature}
    _add_curves(fig, {name: activation_curves(name, **span) for name in CURVE_NAMES}, active)
    menu = _menu_steps(fig)
    sliders = _sliders(fig, layout, extent=extent, half_width=half_width, slope=slope, temperature=temperature,
                       points=points)
    fig.update_xaxes(range=[-half_width, half_width])
    if active == ALL:
        fig.update_layout(yaxis_range=_OVERVIEW_RANGES["yaxis.range"], yaxis2_range=_OVERVIEW_RANGES["yaxis2.range"])
    menu_active = 0 if active == ALL else 1 + CURVE_NAMES.index(active)
    apply_frame(fig, layout, title=_title(active))
    fig.update_layout(sliders=sliders, updatemenus=[dropdown(steps=menu, active=menu_active, x=0.0, y=menu_y(layout))])
    # 说明行在下拉菜单下面、子图标题上面
    return set_message(fig, message, y=layout.above(24))


def _panel_update(figure: go.FigureWidget, values: dict[str, Any], points: int) -> str:
    c = activation_curves(values["name"], x_min=values["x_min"], x_max=values["x_max"],
                          slope=values["slope"], temperature=values["temperature"], points=points)
    for trace, key in zip(figure.data, ("y", "dy")):
        trace.x, trace.y = c.x, getattr(c, key)
    figure.layout.title.text = _title(values["name"])
    # 只走一条分支：batch_update 里先清后画同一个注释时，plotly 会丢掉第二次（与原值相同）的修改
    if c.x.size == 0:
        draw_empty(figure, "横轴范围的宽度为零或为负：<br>把左端点拖到右端点左边。")
    else:
        clear_empty(figure)
    return " ".join(filter(None, [c.message, _unused_hint(values)]))


def _unused_hint(values: dict[str, Any]) -> str:
    """读者拖了一个对当前函数不起作用的滑块时，说一声（否则图不变，像是坏了）。"""
    hints = []
    if values["name"] != "leaky_relu" and values["slope"] != 0.01:
        hints.append("斜率 α 只对 Leaky ReLU 起作用")
    if values["name"] != SOFTMAX and values["temperature"] != 1.0:
        hints.append("温度 T 只对 softmax 切片起作用")
    return f"（当前是 {curve_label(values['name'])}：{'；'.join(hints)}。）" if hints else ""


def activation_panel(
    *,
    name: str = "sigmoid",
    x_range: tuple[float, float] = (-6.0, 6.0),
    slope: float = 0.01,
    temperature: float = 1.0,
    points: int = 201,
) -> LivePanel:
    """激活函数的实时面板：下拉菜单选函数，滑块调横轴两端、斜率与温度，每次都重新计算（见 {ref}`sec-activations`）。"""
    curve_label(name)
    fig = _base_figure()
    apply_frame(fig, _frame(message="", menu=False, sliders=0, legend_rows=0), title="", legend=False)
    for col, label in ((1, "f(x)"), (2, "f′(x)")):
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=label,
                                 line={"color": _PANEL_COLORS[col - 1], "width": 2.5}), row=1, col=col)
    style = {"description_width": "initial"}
    lo, hi = (min(max(float(v), -20.0), 20.0) for v in x_range)
    # 横轴两端各用一个滑块（读数短，窄屏上也不会被截掉）
    end = {"min": -20.0, "max": 20.0, "step": 0.5, "readout_format": ".1f", "style": style}
    controls = {
        "name": widgets.Dropdown(options=[(curve_label(k), k) for k in CURVE_NAMES], value=name,
                                 description="激活函数", style=style),
        "x_min": widgets.FloatSlider(value=lo, description="横轴左端", **end),
        "x_max": widgets.FloatSlider(value=hi, description="横轴右端", **end),
        "slope": widgets.FloatSlider(value=slope, min=0.0, max=1.0, step=0.01, description="Leaky 斜率 α", style=style),
        "temperature": widgets.FloatSlider(value=temperature, min=0.05, max=10.0, step=0.05,
                                           description="softmax 温度 T", style=style),
    }
    return LivePanel(figure=fig, controls=controls, update=lambda figure, values: _panel_update(figure, values, points))


EXPLORER = Explorer(
    name="activations",
    chapter="sec-activations",
    compute=activation_curves,
    figure=activation_figure,
    panel=activation_panel,
    compute_kwargs={"name": "tanh"},
    figure_kwargs={"points": 41},
    panel_kwargs={"name": "leaky_relu", "x_range": (-4.0, 4.0), "slope": 0.1, "points": 41},
    extremes=(
        {"half_width": 0.0, "slope": 50.0, "temperature": -1.0, "extent": 1e9, "points": 0},
        {"slope": float("nan")},
    ),
)
