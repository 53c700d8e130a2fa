"""回归损失（L1、MSE、SmoothL1、Huber）的曲线、梯度与带离群点的直线拟合交互图（见 {ref}`sec-losses`）。

- :func:`loss_curves` 与 :func:`robust_line_fit` 是纯计算函数（只用 numpy），返回 :class:`LossCurves` 与 :class:`RobustFit`；
- :func:`loss_figure` 画损失与梯度随误差变化的曲线，滑块改变 δ（即 SmoothL1 的 β）；
- :func:`outlier_fit_figure` 画四种损失拟合出的直线，滑块移动离群点；
- :func:`loss_panel` 是 JupyterLab 里的实时面板，同时调节 δ 与离群点位置。
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.figure_layout import SUBPLOT_TITLE_LINES, TITLE_CHARS, apply_frame, frame, sliders_below, wrap
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

LOSS_NAMES = ("l1", "mse", "smooth_l1", "huber")
LOSS_LABELS = {
    "l1": "L1 / MAE",
    "mse": "MSE",
    "smooth_l1": "SmoothL1（β=δ）",
    "huber": "Huber（δ）",
}
LOSS_COLORS = {"l1": "#1f77b4", "mse": "#d62728", "smooth_l1": "#2ca02c", "huber": "#9467bd"}
_TINY = 1e-12
#: δ、误差范围与离群点位置的范围（超出的值被截断，并在说明里说出来）
DELTA_RANGE = (0.0, 1000.0)
ERROR_LIMIT = 1000.0
OUTLIER_LIMIT = 1e9


@dataclass(frozen=True, kw_only=True, eq=False)
class LossCurves(Result):
    """:func:`loss_curves` 的结果：误差 ``error`` 上四种损失的值与导数（按损失名）。``message`` 说明 δ 的作用。"""

    delta: float
    error: np.ndarray
    loss: dict[str, np.ndarray]
    grad: dict[str, np.ndarray]


@dataclass(frozen=True, kw_only=True, eq=False)
class RobustFit(Result):
    """:func:`robust_line_fit` 的结果：数据点、各损失拟合的 ``(截距, 斜率)`` 与无离群点时的最小二乘直线。"""

    delta: float
    outlier_y: float
    x: np.ndarray
    y: np.ndarray
    clean_y: np.ndarray
    coef: dict[str, np.ndarray]
    clean_coef: np.ndarray


def _check_delta(delta: float) -> float:
    delta = float(delta)
    if not np.isfinite(delta) or delta < 0:
        raise ValueError(f"δ 必须是非负的有限数，收到 {delta}。")
    return delta


def elementwise_loss(name: str, error: np.ndarray, *, delta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """逐元素的损失值及其对误差 e = 预测 − 真实 的导数（见 {ref}`sec-losses`）。

    约定与 PyTorch 相同：MSE 为 e²（没有 1/2）；SmoothL1 在 |e| < β 时为 0.5e²/β，否则为 |e| − 0.5β；
    Huber 在 |e| ≤ δ 时为 0.5e²，否则为 δ(|e| − 0.5δ)。δ = 0 时 SmoothL1 退化为 L1，Huber 恒为 0。
    在 e = 0 处，L1 的导数取 0（与 PyTorch 的 autograd 一致）。
    """
    if name not in LOSS_NAMES:
        raise ValueError(f"未知的损失函数 {name!r}，可选：{'、'.join(LOSS_NAMES)}。")
    delta = _check_delta(delta)
    e = np.asarray(error, dtype=float)
    a = np.abs(e)
    s = np.sign(e)
    if name == "l1":
        return a, s
    if name == "mse":
        return e**2, 2 * e
    if name == "smooth_l1":
        if delta <= _TINY:
            return a, s
        inside = a < delta
        loss = np.where(inside, 0.5 * e**2 / delta, a - 0.5 * delta)
        grad = np.where(inside, e / delta, s)
        return loss, grad
    # huber
    inside = a <= delta
    loss = np.where(inside, 0.5 * e**2, delta * (a - 0.5 * delta))
    grad = np.where(inside, e, delta * s)
    return loss, grad


def loss_curves(*, delta: float = 1.0, error_min: float = -3.0, error_max: float = 3.0, num: int = 121) -> LossCurves:
    """四种回归损失及其导数在一组误差上的取值（纯计算，见 {ref}`sec-losses`）。

    超出范围的 δ（负数、非有限）与误差端点被截断并写进 ``message``；空的误差范围给出空数组和说明。
    """
    notes = Notes()
    delta = notes.clamp(delta, *DELTA_RANGE, label="δ", default=1.0)
    lo = notes.clamp(error_min, -ERROR_LIMIT, ERROR_LIMIT, label="误差左端点", default=-3.0)
    hi = notes.clamp(error_max, -ERROR_LIMIT, ERROR_LIMIT, label="误差右端点", default=3.0)
    n = notes.clamp_int(num, 2, 5001, label="采样点数", default=121)
    if not hi > lo:
        notes.add(f"误差范围 [{lo:g}, {hi:g}] 为空：右端点必须大于左端点。")
        e = np.empty(0)
    else:
        e = np.linspace(lo, hi, n)
    loss, grad = {}, {}
    for name in LOSS_NAMES:
        loss[name], grad[name] = elementwise_loss(name, e, delta=delta)
    if delta <= _TINY:
        notes.add("δ = 0：SmoothL1 退化为 L1，Huber 恒等于 0（没有梯度，学不到任何东西）。")
    else:
        notes.add(f"δ = {delta:g}：|误差| ≤ δ 时 SmoothL1 与 Huber 是二次的，之外是一次的；Huber = δ × SmoothL1。")
    return LossCurves(delta=delta, error=e, loss=loss, grad=grad, message=str(notes))


def outlier_data(*, n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """拟合用的小数据：y ≈ 1 + 0.5x 加一点噪声，最后一个点将被改成离群点（见 {ref}`sec-losses`）。"""
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 10.0, n)
    y = 1.0 + 0.5 * x + rng.normal(0.0, 0.3, size=n)
    return x, y


def _weighted_lstsq(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    sw = np.sqrt(w)
    design = np.stack([np.ones_like(x), x], axis=1) * sw[:, None]
    coef, *_ = np.linalg.lstsq(design, y * sw, rcond=None)
    return coef


def _fit_l1(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # 最小绝对误差直线一定经过某两个数据点（线性规划的顶点），点少时直接枚举所有点对。
    best, best_loss = None, np.inf
    for i, j in combinations(range(len(x)), 2):
        if x[i] == x[j]:
            continue
        slope = (y[j] - y[i]) / (x[j] - x[i])
        coef = np.array([y[i] - slope * x[i], slope])
        total = np.abs(coef[0] + coef[1] * x - y).sum()
        if total < best_loss - 1e-12:
            best, best_loss = coef, total
    return best


def _fit_huber(x: np.ndarray, y: np.ndarray, delta: float, iters: int = 200) -> np.ndarray:
    # 迭代重加权最小二乘：|残差| ≤ δ 的点权重为 1，之外的点权重为 δ/|残差|。
    if delta <= _TINY:
        return _fit_l1(x, y)  # δ → 0 时 Huber/δ 的最小点趋于 L1 的最小点
    coef = _weighted_lstsq(x, y, np.ones_like(x))
    for _ in range(iters):
        r = np.abs(coef[0] + coef[1] * x - y)
        w = np.where(r <= delta, 1.0, delta / np.maximum(r, _TINY))
        new = _weighted_lstsq(x, y, w)
        if np.allclose(new, coef, rtol=0.0, atol=1e-12 * (1.0 + np.abs(coef).max())):
            return new
        coef = new
    return coef


def robust_line_fit(*, outlier_y: float, delta: float = 1.0, n: int = 12, seed: int = 0) -> RobustFit:
    """把最后一个点移到 ``outlier_y``，分别用 MSE、L1、Huber(δ)、SmoothL1(β=δ) 拟合直线（纯计算，见 {ref}`sec-losses`）。

    巨大的离群点不会报错：MSE 直线被拉走，其余几条基本不动。超出范围的 δ 与 ``outlier_y`` 被截断并写进 ``message``。
    """
    notes = Notes()
    delta = notes.clamp(delta, *DELTA_RANGE, label="δ", default=1.0)
    outlier_y = notes.clamp(outlier_y, -OUTLIER_LIMIT, OUTLIER_LIMIT, label="离群点的 y", default=20.0)
    n = notes.clamp_int(n, 3, 60, label="数据点个数", default=12)
    x, y = outlier_data(n=n, seed=seed)
    clean_y = y.copy()
    y = y.copy()
    y[-1] = outlier_y
    huber = _fit_huber(x, y, delta)
    coef = {
        "mse": _weighted_lstsq(x, y, np.ones_like(x)),
        "l1": _fit_l1(x, y),
        "huber": huber,
        "smooth_l1": huber.copy(),  # Huber(δ) = δ·SmoothL1(β=δ)，两者的最小点相同
    }
    truth = _weighted_lstsq(x, clean_y, np.ones_like(x))
    notes.add(
        f"离群点 y = {outlier_y:g}：MSE 直线的斜率偏离无离群点时 {abs(coef['mse'][1] - truth[1]):.3g}，"
        f"L1 偏离 {abs(coef['l1'][1] - truth[1]):.3g}，Huber/SmoothL1 偏离 {abs(huber[1] - truth[1]):.3g}。"
    )
    if delta <= _TINY:
        notes.add("δ = 0 时 Huber/SmoothL1 取 δ → 0 的极限，即 L1 直线。")
    return RobustFit(delta=delta, outlier_y=outlier_y, x=x, y=y, clean_y=clean_y, coef=coef, clean_coef=truth,
                     message=str(notes))


# ---------------------------------------------------------------- 画图

_FIT_ORDER = ("mse", "l1", "huber", "smooth_l1")
_LINE_X = np.array([-0.5, 10.5])
_DEFAULT_DELTAS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0)
_DEFAULT_OUTLIERS = tuple(float(v) for v in np.linspace(-10.0, 30.0, 21))


def _fit_name(name: str) -> str:
    return LOSS_LABELS[name] + (" 拟合（与 Huber 重合）" if name == "smooth_l1" else " 拟合")


def _add_curve_traces(fig: go.Figure, *, row: int) -> None:
    """四种损失的值（左）与导数（右），名字是“显示名”与“显示名 的导数”。"""
    for col in (1, 2):
        for name in LOSS_NAMES:
            fig.add_trace(
                go.Scatter(x=[], y=[], name=LOSS_LABELS[name] + ("" if col == 1 else " 的导数"), legendgroup=name,
                           showlegend=col == 1,
                           line={"color": LOSS_COLORS[name], "dash": "dot" if name == "smooth_l1" else "solid"}),
                row=row, col=col,
            )
    fig.update_xaxes(title_text="误差 e = 预测 − 真实", row=row)
    fig.update_yaxes(range=[-3.5, 3.5], row=row, col=2)


def _add_fit_traces(fig: go.Figure, *, row: int, legend: bool) -> None:
    """数据点、离群点与四种损失拟合的直线。"""
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="数据点", showlegend=legend,
                             marker={"color": "#555", "size": 8}), row=row, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="离群点", showlegend=legend,
                             marker={"color": "#ff7f0e", "size": 13, "symbol": "x"}), row=row, col=1)
    for name in _FIT_ORDER:
        fig.add_trace(
            go.Scatter(x=[], y=[], mode="lines", name=_fit_name(name), showlegend=legend,
                       line={"color": LOSS_COLORS[name], "dash": "dot" if name == "smooth_l1" else "solid", "width": 2}),
            row=row, col=1,
        )
    fig.update_xaxes(title_text="x", row=row, col=1)


def _base_figure(*, curves: bool, fit: bool) -> go.Figure:
    """静态图与实时面板共用的底图：损失曲线一行（两幅），拟合直线一行（一幅），按需要取其一或都要。"""
    if curves and fit:
        fig = make_subplots(rows=2, cols=2, specs=[[{}, {}], [{"colspan": 2}, None]], vertical_spacing=0.16,
                            subplot_titles=("损失 ℓ(e)", "导数 dℓ/de", "拟合的直线"))
    elif curves:
        fig = make_subplots(rows=1, cols=2, subplot_titles=("损失 ℓ(e)", "导数 dℓ/de"), horizontal_spacing=0.14)
    else:
        fig = make_subplots(rows=1, cols=1)
    if curves:
        _add_curve_traces(fig, row=1)
    if fit:
        _add_fit_traces(fig, row=2 if curves else 1, legend=not curves)
        fig.update_yaxes(title_text="y", row=2 if curves else 1, col=1)
    return fig


#: 静态图绘图区的高度（像素）：损失曲线图与拟合直线图
_CURVES_PX, _FIT_PX = 280, 290


def _finish(fig: go.Figure, bars: list, titles: list[str], *, name: str, active: int, plot: int,
            notes: Notes) -> go.Figure:
    """按像素排版（:mod:`dlbook.figure_layout`）：标题按最长的一步留行，上边距里再留子图标题与截断说明的行；
    滑块在横轴标题下面，图例在最下面。"""
    message = wrap(str(notes))
    lines = message.count("<br>") + 1 if message else 0
    layout = frame(plot=plot, title_lines=max(t.count("<br>") + 1 for t in titles),
                   message_lines=SUBPLOT_TITLE_LINES + lines, sliders=1, legend_rows=3)
    apply_step(fig, bars[active])
    apply_frame(fig, layout, title=titles[active])
    fig.update_layout(sliders=sliders_below(layout, [slider(name=name, steps=bars, active=active)]))
    return set_message(fig, message, y=layout.above(24))


def _empty(fig: go.Figure, *, plot: int, text: str) -> go.Figure:
    """没有可画的东西：照常排版，画空状态。"""
    layout = frame(plot=plot, title_lines=1, message_lines=SUBPLOT_TITLE_LINES, legend_rows=3)
    return draw_empty(apply_frame(fig, layout, title=""), text)


def _curve_updates(c: LossCurves) -> dict[str, dict[str, list]]:
    e = rounded(c.error)
    updates = {LOSS_LABELS[n]: {"x": e, "y": rounded(c.loss[n])} for n in LOSS_NAMES}
    updates |= {LOSS_LABELS[n] + " 的导数": {"x": e, "y": rounded(c.grad[n])} for n in LOSS_NAMES}
    return updates


def _fit_updates(fit: RobustFit) -> dict[str, dict[str, list]]:
    updates = {"数据点": {"x": rounded(fit.x[:-1]), "y": rounded(fit.y[:-1])},
               "离群点": {"x": rounded(fit.x[-1:]), "y": rounded(fit.y[-1:])}}
    for name in _FIT_ORDER:
        b, w = fit.coef[name]
        updates[_fit_name(name)] = {"x": _LINE_X.tolist(), "y": rounded(b + w * _LINE_X)}
    return updates


def loss_figure(
    *,
    deltas: tuple[float, ...] = _DEFAULT_DELTAS,
    active: float = 0.5,
    error_range: float = 3.0,
    num: int = 121,
) -> go.Figure:
    """四种回归损失及其导数随误差变化的曲线，滑块改变 δ（预先计算，见 {ref}`sec-losses`）。"""
    notes = Notes()
    error_range = notes.clamp(error_range, 0.1, 100.0, label="误差范围", default=3.0)
    deltas = tuple(dict.fromkeys(notes.clamp(d, *DELTA_RANGE, label="δ", default=1.0) for d in deltas))
    fig = _base_figure(curves=True, fit=False)
    if not deltas:
        return _empty(fig, plot=_CURVES_PX, text="没有给 δ 的取值（deltas 为空），没有可画的曲线。")
    fig.update_yaxes(range=[-0.1, min(error_range**2, 2 * error_range) + 0.5], row=1, col=1)
    curves = [loss_curves(delta=d, error_min=-error_range, error_max=error_range, num=num) for d in deltas]
    titles = [wrap(c.message, TITLE_CHARS) for c in curves]
    bars = [restyle_step(fig, f"{d:g}", _curve_updates(c), layout={"title.text": t})
            for d, c, t in zip(deltas, curves, titles)]
    start = int(np.argmin([abs(d - active) for d in deltas]))
    return _finish(fig, bars, titles, name="δ（= SmoothL1 的 β）", active=start, plot=_CURVES_PX, notes=notes)


def outlier_fit_figure(
    *,
    outlier_values: tuple[float, ...] = _DEFAULT_OUTLIERS,
    active: float = 20.0,
    delta: float = 1.0,
) -> go.Figure:
    """用四种损失给带一个离群点的数据拟合直线，滑块移动离群点的 y（预先计算，见 {ref}`sec-losses`）。"""
    notes = Notes()
    delta = notes.clamp(delta, *DELTA_RANGE, label="δ", default=1.0)
    values = tuple(dict.fromkeys(notes.clamp(v, -1e4, 1e4, label="离群点的 y", default=20.0) for v in outlier_values))
    fig = _base_figure(curves=False, fit=True)
    if not values:
        return _empty(fig, plot=_FIT_PX, text="没有给离群点的位置（outlier_values 为空），没有可拟合的数据。")
    fits = [robust_line_fit(outlier_y=v, delta=delta) for v in values]
    clean = fits[0].clean_y
    fig.update_yaxes(range=[min(min(values), float(clean.min())) - 1, max(max(values), float(clean.max())) + 1])
    titles = [wrap(f.message, TITLE_CHARS) for f in fits]
    bars = [restyle_step(fig, f"{v:g}", _fit_updates(f), layout={"title.text": t})
            for v, f, t in zip(values, fits, titles)]
    start = int(np.argmin([abs(v - active) for v in values]))
    return _finish(fig, bars, titles, name="离群点的 y", active=start, plot=_FIT_PX, notes=notes)


def _panel_update(figure: go.FigureWidget, values: dict[str, Any]) -> str:
    c = loss_curves(delta=values["delta"])
    fit = robust_line_fit(outlier_y=values["outlier_y"], delta=values["delta"])
    for name, update in (_curve_updates(c) | _fit_updates(fit)).items():
        figure.update_traces(update, selector={"name": name})
    return c.message + "<br>" + fit.message


def loss_panel(*, delta: float = 1.0, outlier_y: float = 20.0) -> LivePanel:
    """JupyterLab 实时面板：拖动 δ 与离群点的位置，损失曲线与拟合直线随之重算（见 {ref}`sec-losses`）。"""
    fig = _base_figure(curves=True, fit=True)
    fig.update_yaxes(range=[-0.1, 6.5], row=1, col=1)
    apply_frame(fig, frame(plot=590, title_lines=0, message_lines=SUBPLOT_TITLE_LINES, legend_rows=3), title="")
    controls = {
        "delta": widgets.FloatSlider(value=delta, min=0.0, max=3.0, step=0.05, description="δ"),
        "outlier_y": widgets.FloatSlider(value=outlier_y, min=-50.0, max=100.0, step=1.0, description="离群点 y"),
    }
    return LivePanel(figure=fig, controls=controls, update=_panel_update)


LOSS_EXPLORER = Explorer(
    name="losses",
    chapter="sec-losses",
    compute=loss_curves,
    figure=loss_figure,
    panel=loss_panel,
    compute_kwargs={"delta": 0.5},
    figure_kwargs={"deltas": (0.0, 0.5, 2.0), "num": 41},
    extremes=({"deltas": ()}, {"deltas": (-1.0, 1e9)}, {"error_range": 0.0}),
)

OUTLIER_EXPLORER = Explorer(
    name="outlier_fit",
    chapter="sec-losses",
    compute=robust_line_fit,
    figure=outlier_fit_figure,
    panel=loss_panel,
    compute_kwargs={"outlier_y": 20.0},
    figure_kwargs={"outlier_values": (0.0, 10.0, 30.0)},
    extremes=({"outlier_values": ()}, {"outlier_values": (float("nan"), 1e12), "delta": -5.0}),
)
