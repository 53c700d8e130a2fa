"""一维梯度下降的交互图：选一个函数、拖动学习率，看参数 w 与损失怎样一步步变化（见 {ref}`sec-autograd`）。

- :func:`descent_path` 是纯计算函数：从 ``start`` 出发，用学习率 ``lr`` 做 ``steps`` 步梯度下降（:class:`DescentPath`）；
- :func:`descent1d_figure` 用预先算好的学习率滑块画出路径（静态 HTML 中可拖动）；
- :func:`descent1d_panel` 是 JupyterLab 里的实时面板（函数、学习率、起点、步数都可调）。

可选的函数见 :data:`FUNCTIONS`；其他章节（例如 {ref}`sec-backprop`）可以直接复用。
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.figure_layout import SUBPLOT_TITLE_LINES, TITLE_CHARS, Frame, apply_frame, frame, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    apply_step,
    draw_empty,
    restyle_step,
    rounded,
    set_message,
    slider,
)


@dataclass(frozen=True)
class Function1D:
    """一个一维损失函数：名字、公式、函数值与导数、默认的作图范围与学习率（见 {ref}`sec-autograd`）。"""

    label: str
    value: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    w_range: tuple[float, float]
    start: float
    lrs: tuple[float, ...]


FUNCTIONS: dict[str, Function1D] = {
    "quadratic": Function1D(
        label="L(w) = 2w² + 10",
        value=lambda w: 2 * w**2 + 10,
        grad=lambda w: 4 * w,
        w_range=(-6.0, 6.0),
        start=4.0,
        lrs=(0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.49, 0.5, 0.51, 0.55),
    ),
    "double_well": Function1D(
        label="L(w) = w⁴ − 3w² + w",
        value=lambda w: w**4 - 3 * w**2 + w,
        grad=lambda w: 4 * w**3 - 6 * w + 1,
        w_range=(-2.2, 2.2),
        start=2.0,
        lrs=(0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.09, 0.11, 0.13, 0.15, 0.17),
    ),
    "quartic": Function1D(
        label="L(w) = w⁴",
        value=lambda w: w**4,
        grad=lambda w: 4 * w**3,
        w_range=(-2.0, 2.0),
        start=1.5,
        lrs=(0.01, 0.02, 0.05, 0.1, 0.15, 0.2),
    ),
}


#: 学习率、起点与步数的范围（超出的值被截断，并在说明里说出来）
LR_RANGE = (0.0, 1e6)
START_RANGE = (-100.0, 100.0)
MAX_STEPS = 10_000


@dataclass(frozen=True, kw_only=True, eq=False)
class DescentPath(Result):
    """:func:`descent_path` 的结果：每一步的参数 ``w`` 与损失 ``loss``（含起点），以及实际使用的参数。"""

    function: str
    label: str
    lr: float
    start: float
    steps: int
    w: np.ndarray
    loss: np.ndarray
    diverged: bool


def _function(name: str) -> Function1D:
    if name not in FUNCTIONS:
        known = "、".join(FUNCTIONS)
        raise ValueError(f"未知的函数 {name!r}，可选的有：{known}。")
    return FUNCTIONS[name]


def _iterate(spec: Function1D, *, lr: float, start: float, steps: int, limit: float) -> tuple[list[float], bool]:
    ws = [float(start)]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w = ws[-1] - lr * float(spec.grad(np.float64(ws[-1])))
            if not np.isfinite(w) or abs(w) > limit:
                return ws, True
            ws.append(w)
    return ws, False


def _verdict(spec: Function1D, *, lr: float, steps: int, w: np.ndarray, loss: np.ndarray, diverged: bool,
             limit: float) -> str:
    if diverged:
        return f"学习率 η = {lr:g} 太大：第 {len(w)} 步时 |w| 超过 {limit:g}，梯度下降发散了。"
    if steps == 0:
        return "步数为 0：参数停在起点。"
    if lr > 0 and loss[-1] >= loss[0] and float(spec.grad(np.float64(w[0]))) != 0.0:
        return (f"学习率 η = {lr:g} 太大：{steps} 步后损失没有下降（{loss[0]:.4g} → {loss[-1]:.4g}），"
                "w 来回振荡，甚至越走越远而发散。")
    return f"η = {lr:g}：{steps} 步后 w = {w[-1]:.4g}，损失 = {loss[-1]:.4g}。"


def descent_path(
    function: str = "quadratic", *, lr: float, start: float, steps: int, limit: float = 1e6
) -> DescentPath:
    """从 start 出发做 steps 步梯度下降 w ← w − lr·L'(w)，返回每一步的 w 与损失（见 {ref}`sec-autograd`）。

    |w| 超过 ``limit`` 或出现 nan/inf 时停下并标记 ``diverged``（不抛异常），路径只保留有限的点。
    负的或非有限的学习率、超出范围的起点与步数被截断，并写进 ``message``。
    """
    spec = _function(function)
    notes = Notes()
    lr = notes.clamp(lr, *LR_RANGE, label="学习率", default=0.1)
    start = notes.clamp(start, *START_RANGE, label="起点", default=spec.start)
    steps = notes.clamp_int(steps, 0, MAX_STEPS, label="步数", default=20)
    ws, diverged = _iterate(spec, lr=lr, start=start, steps=steps, limit=limit)
    w = np.array(ws)
    loss = spec.value(w)
    notes.add(_verdict(spec, lr=lr, steps=steps, w=w, loss=loss, diverged=diverged, limit=limit))
    return DescentPath(function=function, label=spec.label, lr=lr, start=start, steps=steps, w=w, loss=loss,
                       diverged=diverged, message=str(notes))


# ---------------------------------------------------------------- 画图


def _curve(spec: Function1D, num: int = 200) -> tuple[np.ndarray, np.ndarray]:
    w = np.linspace(*spec.w_range, num)
    return w, spec.value(w)


#: 绘图区的高度（像素）：静态图与实时面板
_PLOT_PX, _PANEL_PLOT_PX = 290, 300


def _frame(*, title_lines: int, message: str, sliders: int, plot: int = _PLOT_PX) -> Frame:
    """按像素排版（:mod:`dlbook.figure_layout`）：上边距里是标题、截断说明与两幅子图的小标题，没有图例。"""
    lines = message.count("<br>") + 1 if message else 0
    return frame(plot=plot, title_lines=title_lines, message_lines=SUBPLOT_TITLE_LINES + lines, sliders=sliders,
                 legend_rows=0)


def _base_figure(spec: Function1D) -> go.Figure:
    """静态图与实时面板共用的底图：左边是函数曲线与下降路径，右边是损失随迭代的变化。"""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(spec.label, "每一步的损失"), horizontal_spacing=0.15)
    for annotation, name in zip(fig.layout.annotations, ("title:path", "title:loss")):
        annotation.update(name=name, font={"size": 13})
    w, value = _curve(spec)
    fig.add_trace(go.Scatter(x=w, y=value, mode="lines", name="损失函数", line={"color": "#999"}), row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="w 的路径", marker={"size": 6}), row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="损失", marker={"size": 5}), row=1, col=2)
    pad = 0.1 * (value.max() - value.min())
    fig.update_xaxes(title_text="w", range=list(spec.w_range), row=1, col=1)
    fig.update_yaxes(title_text="L(w)", range=[value.min() - pad, value.max() + pad], row=1, col=1)
    fig.update_xaxes(title_text="迭代次数", row=1, col=2)
    return fig


def _path_step(fig: go.Figure, label: str, path: DescentPath):
    n = list(range(len(path.w)))
    loss = rounded(path.loss)
    updates = {"w 的路径": {"x": rounded(path.w), "y": loss}, "损失": {"x": n, "y": loss}}
    return restyle_step(fig, label, updates, layout={"title.text": wrap(path.message, TITLE_CHARS)})


def descent1d_figure(
    *,
    function: str = "quadratic",
    lrs: Sequence[float] | None = None,
    start: float | None = None,
    steps: int = 20,
    active: int | None = None,
) -> go.Figure:
    """画出一维梯度下降的路径，学习率滑块的每一步都预先算好（见 {ref}`sec-autograd`）。"""
    spec = _function(function)
    fig = _base_figure(spec)
    notes = Notes()
    start = notes.clamp(spec.start if start is None else start, *START_RANGE, label="起点", default=spec.start)
    steps = notes.clamp_int(steps, 0, MAX_STEPS, label="步数", default=20)
    given = spec.lrs if lrs is None else lrs
    lrs = list(dict.fromkeys(notes.clamp(lr, *LR_RANGE, label="学习率", default=0.1) for lr in given))  # 去掉重复的
    message = wrap(str(notes))
    if not lrs:
        layout = _frame(title_lines=1, message=message, sliders=0)
        apply_frame(fig, layout, title="", legend=False)
        return draw_empty(set_message(fig, message, y=layout.above(24)), "没有给学习率（lrs 为空），没有可画的路径。")
    paths = [descent_path(function, lr=lr, start=start, steps=steps) for lr in lrs]
    active = len(lrs) // 2 if active is None else min(max(int(active), 0), len(lrs) - 1)
    ui_steps = [_path_step(fig, f"{path.lr:g}", path) for path in paths]
    apply_step(fig, ui_steps[active])
    titles = [step.args[1]["title.text"] for step in ui_steps]
    layout = _frame(title_lines=max(t.count("<br>") + 1 for t in titles), message=message, sliders=1)
    apply_frame(fig, layout, title=titles[active], legend=False)
    fig.update_layout(sliders=sliders_below(layout, [slider(name="学习率 η", steps=ui_steps, active=active)]))
    return set_message(fig, message, y=layout.above(24))


def _panel_update(figure: go.FigureWidget, values: dict) -> str:
    spec = FUNCTIONS[values["function"]]
    path = descent_path(values["function"], lr=values["lr"], start=values["start"], steps=values["steps"])
    w, value = _curve(spec)
    pad = 0.1 * (value.max() - value.min())
    lo, hi = min(spec.w_range[0], path.start), max(spec.w_range[1], path.start)
    top = max(value.max(), float(spec.value(np.float64(lo))), float(spec.value(np.float64(hi))))
    figure.update_traces(x=w, y=value, selector={"name": "损失函数"})
    figure.update_traces(x=path.w, y=path.loss, selector={"name": "w 的路径"})
    figure.update_traces(x=np.arange(len(path.w)), y=path.loss, selector={"name": "损失"})
    figure.layout.xaxis.range = [lo, hi]
    figure.layout.yaxis.range = [value.min() - pad, top + pad]
    figure.update_annotations(text=spec.label, selector={"name": "title:path"})
    figure.layout.title.text = wrap(path.message, TITLE_CHARS)
    return path.message


def descent1d_panel(
    *, function: str = "quadratic", lr: float = 0.1, start: float | None = None, steps: int = 20
) -> LivePanel:
    """JupyterLab 中的实时面板：选择函数，拖动学习率、起点与步数（见 {ref}`sec-autograd`）。"""
    spec = _function(function)
    start = spec.start if start is None else start
    controls = {
        "function": widgets.Dropdown(options=[(FUNCTIONS[k].label, k) for k in FUNCTIONS], value=function,
                                     description="函数"),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0.5, step=0.05, description="学习率 η",
                                     readout_format=".3g"),
        "start": widgets.FloatSlider(value=start, min=-3.0, max=6.0, step=0.1, description="起点 w₀"),
        "steps": widgets.IntSlider(value=steps, min=0, max=100, description="步数"),
    }
    fig = _base_figure(spec)
    apply_frame(fig, _frame(title_lines=3, message="", sliders=0, plot=_PANEL_PLOT_PX), title="", legend=False)
    return LivePanel(figure=fig, controls=controls, update=_panel_update)


EXPLORER = Explorer(
    name="descent1d",
    chapter="sec-autograd",
    compute=descent_path,
    figure=descent1d_figure,
    panel=descent1d_panel,
    compute_kwargs={"lr": 0.1, "start": 4.0, "steps": 10},
    figure_kwargs={"lrs": (0.05, 0.2, 0.6), "steps": 15},
    panel_kwargs={"steps": 10},
    extremes=({"lrs": ()}, {"lrs": (-1.0, 1e300), "steps": -3}, {"start": float("nan")}),
)
