"""二维逻辑回归的交互图：决策边界与 sigmoid 概率面怎样随梯度下降的步数变化（见 {ref}`sec-logistic-regression`）。

- :func:`logistic_training` 是纯计算函数：在一份固定的两类二维数据上，用 NumPy 做全批量梯度下降，
  记下每一步的权重、损失与准确率；
- :func:`logistic_figure` 是静态图：滑块在预先算好的若干步之间切换概率面、决策边界与损失曲线上的位置；
- :func:`logistic_panel` 是 JupyterLab 里的实时面板：步数、学习率与两类的散布程度都可以调。

模型是 :math:`p = \\sigma(w_1 x_1 + w_2 x_2 + b)`，损失是平均二元交叉熵。决策边界 :math:`p = 0.5`
就是直线 :math:`w_1 x_1 + w_2 x_2 + b = 0`；图中把它画成 logit 面上 0 的等高线（对线性函数，它恰好是这条直线）。
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.figure_layout import TITLE_CHARS, apply_frame, frame, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    restyle_step,
    set_message,
    slider,
)

#: 两类数据的中心（类别 0、类别 1）与每类的点数
CENTERS = ((-1.0, -0.6), (1.0, 0.8))
N_PER_CLASS = 25
#: 初始权重 (w1, w2, b)：故意从一条错误的边界出发，看它怎样转到正确的位置
INIT = (-0.5, 1.5, 0.5)
#: 读者可设的范围
STEPS_RANGE = (0, 2000)
LR_RANGE = (1e-4, 100.0)
SPREAD_RANGE = (0.1, 4.0)
GRID_RANGE = (5, 81)
#: 绘图区的高度（像素），上面是概率面、下面是损失曲线
_PLOT_PX = 420
#: 静态图滑块预先计算的步数（不超过总步数的那些，再加上总步数本身）
CHECKPOINTS = (0, 1, 2, 3, 5, 8, 12, 20, 35, 60, 100, 150, 200, 300, 500, 1000, 2000)

NAMES = {"surface": "概率 P(y=1)", "boundary": "决策边界", "class0": "类别 0", "class1": "类别 1", "loss": "损失"}


def two_blobs(*, spread: float = 0.8, n_per_class: int = N_PER_CLASS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """一份固定的两类二维数据：两团高斯点，``spread`` 越大重叠越多（见 {ref}`sec-logistic-regression`）。"""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((2, n_per_class, 2))  # 与 spread 无关：同一个种子，散布只缩放这些偏移
    points = np.concatenate([np.asarray(c) + spread * noise[k] for k, c in enumerate(CENTERS)])
    labels = np.repeat([0.0, 1.0], n_per_class)
    return points, labels


def sigmoid(z: np.ndarray) -> np.ndarray:
    """数值稳定的 sigmoid：σ(z) = (1 + tanh(z/2)) / 2，|z| 很大时也不溢出（见 {ref}`sec-logistic-regression`）。"""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def logits(weights: np.ndarray, points: np.ndarray) -> np.ndarray:
    """每个点的 logit z = w1·x1 + w2·x2 + b（见 {ref}`sec-logistic-regression`）。"""
    w = np.asarray(weights, dtype=float)
    return points @ w[:2] + w[2]


def bce_loss(weights: np.ndarray, points: np.ndarray, labels: np.ndarray) -> float:
    """平均二元交叉熵，直接用 logit 计算：log(1 + e^z) − y·z（见 {ref}`sec-logistic-regression`）。"""
    z = logits(weights, points)
    return float(np.mean(np.logaddexp(0.0, z) - labels * z))


def bce_gradient(weights: np.ndarray, points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """平均二元交叉熵对 (w1, w2, b) 的梯度：X^T(p − y)/n 与 mean(p − y)（见 {ref}`sec-logistic-regression`）。"""
    error = sigmoid(logits(weights, points)) - labels
    return np.append(points.T @ error, error.sum()) / len(labels)


def decision_boundary(
    weights: np.ndarray, *, x_range: tuple[float, float], y_range: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray] | None:
    """直线 w1·x1 + w2·x2 + b = 0 在给定范围两端的两个点；w1 = w2 = 0 时没有边界，返回 None（见 {ref}`sec-logistic-regression`）。"""
    w1, w2, b = (float(v) for v in weights)
    if w1 == 0.0 and w2 == 0.0:
        return None
    if abs(w2) >= abs(w1):  # 较“平”的直线：按 x1 取两端
        xs = np.asarray(x_range, dtype=float)
        return xs, -(w1 * xs + b) / w2
    ys = np.asarray(y_range, dtype=float)
    return -(w2 * ys + b) / w1, ys


def probability_grid(weights: np.ndarray, *, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """网格上每一点属于类别 1 的概率，形状 (len(ys), len(xs))（见 {ref}`sec-logistic-regression`）。"""
    gx, gy = np.meshgrid(xs, ys)
    return sigmoid(logits(weights, np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gy.shape)


@dataclass(frozen=True, kw_only=True)
class LogisticResult(Result):
    """一次训练的全过程：数据、每一步的权重 (w1, w2, b)、损失与准确率（见 {ref}`sec-logistic-regression`）。"""

    points: np.ndarray
    labels: np.ndarray
    weights: np.ndarray  # 形状 (steps + 1, 3)：第 0 行是初始权重
    losses: np.ndarray  # 形状 (steps + 1,)
    accuracy: np.ndarray  # 形状 (steps + 1,)
    steps: int
    lr: float
    spread: float

    @property
    def final_weights(self) -> np.ndarray:
        return self.weights[-1]


def _training_notes(losses: np.ndarray, weights: np.ndarray, steps: int, lr: float) -> list[str]:
    """训练过程值得一说的地方：还没训练、损失上升（学习率太大）、没有边界。"""
    notes = []
    if steps == 0:
        notes.append("训练步数为 0：图上是初始权重给出的边界。")
    rises = int(np.sum(np.diff(losses) > 1e-12 * np.maximum(1.0, losses[:-1])))
    if rises:
        notes.append(f"学习率 {lr:g} 过大：损失在 {rises} 步中不降反升，参数在来回振荡。")
    if not np.any(weights[-1][:2]):
        notes.append("w1 = w2 = 0：所有点的概率都相同，没有决策边界。")
    return notes


def logistic_training(
    *,
    steps: int = 200,
    lr: float = 0.5,
    spread: float = 0.8,
    init: tuple[float, float, float] = INIT,
    seed: int = 0,
) -> LogisticResult:
    """在两团二维点上用全批量梯度下降训练逻辑回归，记下每一步（见 {ref}`sec-logistic-regression`）。

    超出范围的步数、学习率与散布被截断并写进 ``message``；学习率过大时损失会上升，``message`` 也会说明。
    """
    notes = Notes()
    steps = notes.clamp_int(steps, *STEPS_RANGE, label="训练步数", default=200)
    lr = notes.clamp(lr, *LR_RANGE, label="学习率", default=0.5)
    spread = notes.clamp(spread, *SPREAD_RANGE, label="散布", default=0.8)
    points, labels = two_blobs(spread=spread, seed=seed)
    weights = np.empty((steps + 1, 3))
    weights[0] = init
    for k in range(steps):
        weights[k + 1] = weights[k] - lr * bce_gradient(weights[k], points, labels)
    losses = np.array([bce_loss(w, points, labels) for w in weights])
    accuracy = np.array([np.mean((logits(w, points) >= 0) == (labels == 1)) for w in weights])
    for text in _training_notes(losses, weights, steps, lr):
        notes.add(text)
    return LogisticResult(
        points=points, labels=labels, weights=weights, losses=losses, accuracy=accuracy,
        steps=steps, lr=lr, spread=spread, message=str(notes),
    )


# ---------------------------------------------------------------- 画图


def _grid(points: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """覆盖全部点（四周各留 0.5）的方形网格的两个坐标轴。"""
    lo = float(points.min()) - 0.5
    hi = float(points.max()) + 0.5
    axis = np.round(np.linspace(lo, hi, n), 3)  # 画进图里的坐标与计算用的坐标完全相同
    return axis, axis.copy()


def _rounded(values: np.ndarray, digits: int = 3) -> list:
    """写进图里的数：少几位小数，静态 HTML 小一些。"""
    return np.round(np.asarray(values, dtype=float), digits).tolist()


def _title(result: LogisticResult, step: int) -> str:
    return wrap(f"第 {step} 步：损失 {result.losses[step]:.3f}，准确率 {result.accuracy[step]:.0%}", TITLE_CHARS)


def _frame(result: LogisticResult, step: int, xs: np.ndarray, ys: np.ndarray) -> dict[str, Any]:
    """第 ``step`` 步要画的东西：概率面、logit 角点（边界等高线用）、标题与损失图上的位置。"""
    w = result.weights[step]
    corner_x, corner_y = np.array([xs[0], xs[-1]]), np.array([ys[0], ys[-1]])
    logit_corners = w[0] * corner_x[None, :] + w[1] * corner_y[:, None] + w[2]  # 行对应 y，列对应 x
    return {
        "surface": _rounded(probability_grid(w, xs=xs, ys=ys)),
        "boundary": _rounded(logit_corners, 6),
        "title": _title(result, step),
        "step": step,
    }


def _base_figure(result: LogisticResult, xs: np.ndarray, ys: np.ndarray) -> go.Figure:
    """静态图与实时面板共用的底图：上面是概率面、边界和点，下面是损失曲线。"""
    fig = make_subplots(rows=2, cols=1, row_heights=[0.7, 0.3], vertical_spacing=0.1)
    fig.add_trace(go.Heatmap(
        x=_rounded(xs), y=_rounded(ys), z=[], zmin=0.0, zmax=1.0, zsmooth="best", colorscale="RdBu",
        reversescale=True, name=NAMES["surface"], hovertemplate="x1=%{x}<br>x2=%{y}<br>P(y=1)=%{z:.3f}<extra></extra>",
        colorbar={"title": {"text": "P(y=1)", "side": "right"}, "thickness": 12, "len": 0.6, "y": 0.68},
    ), row=1, col=1)
    fig.add_trace(go.Contour(
        x=_rounded([xs[0], xs[-1]]), y=_rounded([ys[0], ys[-1]]), z=[], name=NAMES["boundary"], showscale=False,
        contours={"start": 0.0, "end": 0.0, "size": 1.0, "coloring": "lines"}, line={"width": 3},
        colorscale=[[0.0, "black"], [1.0, "black"]], hoverinfo="skip", showlegend=True,
    ), row=1, col=1)
    for label, symbol in ((0, "circle"), (1, "triangle-up")):
        mask = result.labels == label
        fig.add_trace(go.Scatter(
            x=_rounded(result.points[mask, 0]), y=_rounded(result.points[mask, 1]), mode="markers",
            name=NAMES[f"class{label}"],
            marker={"symbol": symbol, "size": 9, "color": "#1f4e9c" if label == 0 else "#b2182b",
                    "line": {"width": 1, "color": "white"}},
        ), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=list(range(result.steps + 1)), y=_rounded(result.losses, 5), mode="lines", name=NAMES["loss"],
        line={"color": "#444"}, showlegend=False,
    ), row=2, col=1)
    fig.add_vline(x=0, line={"color": "#d62728", "dash": "dash"}, row=2, col=1)
    fig.update_xaxes(range=[xs[0], xs[-1]], title_text="特征 x1", row=1, col=1)
    fig.update_yaxes(range=[ys[0], ys[-1]], title_text="特征 x2", row=1, col=1)
    fig.update_xaxes(title_text="梯度下降的步数", row=2, col=1)
    fig.update_yaxes(title_text="平均 BCE", row=2, col=1)
    return fig


def _draw(fig: go.Figure, frame: dict[str, Any]) -> None:
    """把一步的内容画进底图（按名字找到曲线）。"""
    by_name = {t.name: t for t in fig.data}
    by_name[NAMES["surface"]].z = frame["surface"]
    by_name[NAMES["boundary"]].z = frame["boundary"]
    fig.layout.title.text = frame["title"]
    fig.layout.shapes[0].x0 = fig.layout.shapes[0].x1 = frame["step"]


def _step_of(fig: go.Figure, frame: dict[str, Any]):
    return restyle_step(
        fig, f"{frame['step']}",
        {NAMES["surface"]: {"z": frame["surface"]}, NAMES["boundary"]: {"z": frame["boundary"]}},
        layout={"title.text": frame["title"], "shapes[0].x0": frame["step"], "shapes[0].x1": frame["step"]},
    )


def logistic_figure(
    *, steps: int = 200, lr: float = 0.5, spread: float = 0.8, grid_points: int = 31
) -> go.Figure:
    """二维逻辑回归的静态交互图：滑块选训练到第几步，看概率面、决策边界与损失（见 {ref}`sec-logistic-regression`）。"""
    notes = Notes()
    grid_points = notes.clamp_int(grid_points, *GRID_RANGE, label="网格点数", default=31)
    result = logistic_training(steps=steps, lr=lr, spread=spread)
    xs, ys = _grid(result.points, grid_points)
    fig = _base_figure(result, xs, ys)
    marks = sorted({s for s in CHECKPOINTS if s <= result.steps} | {result.steps})
    frames = [_frame(result, s, xs, ys) for s in marks]
    _draw(fig, frames[-1])
    message = wrap(" ".join(t for t in (str(notes), result.message) if t))
    sliders = 1 if len(frames) >= 2 else 0
    layout = frame(plot=_PLOT_PX, title_lines=max(f["title"].count("<br>") + 1 for f in frames),
                   message_lines=message.count("<br>") + 1 if message else 0, sliders=sliders, legend_rows=2)
    apply_frame(fig, layout, title=frames[-1]["title"])
    if sliders:
        fig.update_layout(sliders=sliders_below(layout, [
            slider(name="训练步数", steps=[_step_of(fig, f) for f in frames], active=len(frames) - 1)]))
    return set_message(fig, message, y=layout.above(4))


def logistic_panel(*, steps: int = 200, lr: float = 0.5, spread: float = 0.8, grid_points: int = 41) -> LivePanel:
    """二维逻辑回归的实时面板：调步数、学习率与散布，每次都重新训练（见 {ref}`sec-logistic-regression`）。"""
    notes = Notes()
    grid_points = notes.clamp_int(grid_points, *GRID_RANGE, label="网格点数", default=41)
    first = logistic_training(steps=steps, lr=lr, spread=spread)
    xs, ys = _grid(first.points, grid_points)
    fig = _base_figure(first, xs, ys)
    apply_frame(fig, frame(plot=_PLOT_PX, title_lines=1, message_lines=0, legend_rows=2), title="")
    style = {"description_width": "initial"}
    controls = {
        "steps": widgets.IntSlider(value=first.steps, min=0, max=1000, step=10, description="训练步数", style=style),
        "lr": widgets.FloatLogSlider(value=first.lr, base=10, min=-3, max=2, step=0.1, description="学习率", style=style),
        "spread": widgets.FloatSlider(value=first.spread, min=0.2, max=3.0, step=0.1, description="散布", style=style),
    }

    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str:
        result = logistic_training(steps=values["steps"], lr=values["lr"], spread=values["spread"])
        gx, gy = _grid(result.points, grid_points)
        by_name = {t.name: t for t in figure.data}
        by_name[NAMES["surface"]].update(x=_rounded(gx), y=_rounded(gy))
        by_name[NAMES["boundary"]].update(x=_rounded([gx[0], gx[-1]]), y=_rounded([gy[0], gy[-1]]))
        for label in (0, 1):
            mask = result.labels == label
            by_name[NAMES[f"class{label}"]].update(x=_rounded(result.points[mask, 0]), y=_rounded(result.points[mask, 1]))
        by_name[NAMES["loss"]].update(x=list(range(result.steps + 1)), y=_rounded(result.losses, 5))
        figure.update_xaxes(range=[gx[0], gx[-1]], row=1, col=1)
        figure.update_yaxes(range=[gy[0], gy[-1]], row=1, col=1)
        _draw(figure, _frame(result, result.steps, gx, gy))
        return " ".join(t for t in (str(notes), result.message) if t)

    return LivePanel(figure=fig, controls=controls, update=update)


EXPLORER = Explorer(
    name="logistic",
    chapter="sec-logistic-regression",
    compute=logistic_training,
    figure=logistic_figure,
    panel=logistic_panel,
    compute_kwargs={"steps": 50},
    figure_kwargs={"steps": 100, "grid_points": 21},
    panel_kwargs={"steps": 50, "grid_points": 21},
    extremes=({"lr": 1e6}, {"steps": 0}, {"steps": -5}, {"spread": 0.0}, {"lr": float("nan"), "grid_points": 10**6}),
)

__all__ = [
    "EXPLORER",
    "LogisticResult",
    "bce_gradient",
    "bce_loss",
    "decision_boundary",
    "logistic_figure",
    "logistic_panel",
    "logistic_training",
    "probability_grid",
    "sigmoid",
    "two_blobs",
]
