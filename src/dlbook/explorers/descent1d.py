"""一维梯度下降的交互图：选一个函数、拖动学习率，看参数 w 与损失怎样一步步变化（见 {ref}`sec-autograd`）。

- :func:`descent_path` 是纯计算函数：从 ``start`` 出发，用学习率 ``lr`` 做 ``steps`` 步梯度下降；
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

from dlbook.interactive import LivePanel, Step, slider, stack_sliders


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


def _function(name: str) -> Function1D:
    if name not in FUNCTIONS:
        known = "、".join(FUNCTIONS)
        raise ValueError(f"未知的函数 {name!r}，可选的有：{known}。")
    return FUNCTIONS[name]


def descent_path(
    function: str = "quadratic", *, lr: float, start: float, steps: int, limit: float = 1e6
) -> dict:
    """从 start 出发做 steps 步梯度下降 w ← w − lr·L'(w)，返回每一步的 w 与损失（见 {ref}`sec-autograd`）。

    |w| 超过 ``limit`` 或出现 nan/inf 时停下并标记 ``diverged``（不抛异常），路径只保留有限的点。
    """
    spec = _function(function)
    if steps < 0:
        raise ValueError(f"步数必须是非负整数，收到 {steps}。")
    if not np.isfinite(lr) or lr < 0:
        raise ValueError(f"学习率必须是非负的有限数，收到 {lr}。")
    ws = [float(start)]
    diverged = False
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w = ws[-1] - lr * float(spec.grad(np.float64(ws[-1])))
            if not np.isfinite(w) or abs(w) > limit:
                diverged = True
                break
            ws.append(w)
    w_arr = np.array(ws)
    loss = spec.value(w_arr)
    if diverged:
        message = f"学习率 η = {lr:g} 太大：第 {len(ws)} 步时 |w| 超过 {limit:g}，梯度下降发散了。"
    elif steps == 0:
        message = "步数为 0：参数停在起点。"
    elif lr > 0 and loss[-1] >= loss[0] and float(spec.grad(np.float64(start))) != 0.0:
        message = (
            f"学习率 η = {lr:g} 太大：{steps} 步后损失没有下降（{loss[0]:.4g} → {loss[-1]:.4g}），"
            "w 来回振荡，甚至越走越远而发散。"
        )
    else:
        message = f"η = {lr:g}：{steps} 步后 w = {w_arr[-1]:.4g}，损失 = {loss[-1]:.4g}。"
    return {"w": w_arr, "loss": loss, "diverged": diverged, "message": message, "label": spec.label}


def _curve(spec: Function1D, num: int = 200) -> tuple[np.ndarray, np.ndarray]:
    w = np.linspace(*spec.w_range, num)
    return w, spec.value(w)


def _base_figure(spec: Function1D, title: str) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=(spec.label + " 与下降路径", "损失随迭代次数的变化"))
    w, value = _curve(spec)
    fig.add_trace(go.Scatter(x=w, y=value, mode="lines", name="损失函数", line={"color": "#999"}), row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="w 的路径", marker={"size": 6}), row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="损失", marker={"size": 5}), row=1, col=2)
    pad = 0.1 * (value.max() - value.min())
    fig.update_xaxes(title_text="w", range=list(spec.w_range), row=1, col=1)
    fig.update_yaxes(title_text="L(w)", range=[value.min() - pad, value.max() + pad], row=1, col=1)
    fig.update_xaxes(title_text="迭代次数", row=1, col=2)
    fig.update_yaxes(title_text="损失", row=1, col=2)
    fig.update_layout(title={"text": title, "font": {"size": 14}}, height=460, showlegend=False, margin={"t": 100})
    return fig


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
    lrs = list(spec.lrs if lrs is None else lrs)
    if not lrs:
        raise ValueError("至少需要一个学习率（lrs 为空）。")
    start = spec.start if start is None else start
    paths = [descent_path(function, lr=lr, start=start, steps=steps) for lr in lrs]
    active = len(lrs) // 2 if active is None else active
    fig = _base_figure(spec, paths[active]["message"])
    ui_steps = []
    for lr, path in zip(lrs, paths):
        n = np.arange(len(path["w"])).tolist()
        data = {"x": [path["w"].tolist(), n], "y": [path["loss"].tolist(), path["loss"].tolist()]}
        ui_steps.append(Step(label=f"{lr:g}", method="update", args=[data, {"title.text": path["message"]}, [1, 2]]))
    first = paths[active]
    fig.data[1].update(x=first["w"], y=first["loss"])
    fig.data[2].update(x=np.arange(len(first["w"])), y=first["loss"])
    return stack_sliders(fig, [slider(name="学习率 η", steps=ui_steps, active=active)])


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

    def update(figure: go.FigureWidget, values: dict) -> str:
        spec = FUNCTIONS[values["function"]]
        path = descent_path(values["function"], lr=values["lr"], start=values["start"], steps=values["steps"])
        w, value = _curve(spec)
        pad = 0.1 * (value.max() - value.min())
        lo, hi = min(spec.w_range[0], values["start"]), max(spec.w_range[1], values["start"])
        figure.data[0].update(x=w, y=value)
        figure.data[1].update(x=path["w"], y=path["loss"])
        figure.data[2].update(x=np.arange(len(path["w"])), y=path["loss"])
        figure.layout.xaxis.range = [lo, hi]
        figure.layout.yaxis.range = [value.min() - pad, max(value.max(), float(spec.value(np.float64(lo))),
                                                              float(spec.value(np.float64(hi)))) + pad]
        figure.layout.annotations[0].text = spec.label + " 与下降路径"
        figure.layout.title.text = path["message"]
        return path["message"]

    return LivePanel(figure=_base_figure(spec, ""), controls=controls, update=update)
