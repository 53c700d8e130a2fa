"""回归损失（L1、MSE、SmoothL1、Huber）的曲线、梯度与带离群点的直线拟合交互图（见 {ref}`sec-losses`）。

- :func:`loss_curves` 与 :func:`robust_line_fit` 是纯计算函数（只用 numpy）；
- :func:`loss_figure` 画损失与梯度随误差变化的曲线，滑块改变 δ（即 SmoothL1 的 β）；
- :func:`outlier_fit_figure` 画四种损失拟合出的直线，滑块移动离群点；
- :func:`loss_panel` 是 JupyterLab 里的实时面板，同时调节 δ 与离群点位置。
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.interactive import LivePanel, Step, slider, stack_sliders

LOSS_NAMES = ("l1", "mse", "smooth_l1", "huber")
LOSS_LABELS = {
    "l1": "L1 / MAE",
    "mse": "MSE",
    "smooth_l1": "SmoothL1（β=δ）",
    "huber": "Huber（δ）",
}
LOSS_COLORS = {"l1": "#1f77b4", "mse": "#d62728", "smooth_l1": "#2ca02c", "huber": "#9467bd"}
_TINY = 1e-12


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


def loss_curves(*, delta: float = 1.0, error_min: float = -3.0, error_max: float = 3.0, num: int = 121) -> dict[str, Any]:
    """四种回归损失及其导数在一组误差上的取值（纯计算，见 {ref}`sec-losses`）。

    返回 ``{"error": e, "loss": {名字: 数组}, "grad": {名字: 数组}, "note": 说明}``。
    """
    delta = _check_delta(delta)
    if not error_max > error_min:
        raise ValueError("误差范围为空：error_max 必须大于 error_min。")
    e = np.linspace(error_min, error_max, int(num))
    loss, grad = {}, {}
    for name in LOSS_NAMES:
        loss[name], grad[name] = elementwise_loss(name, e, delta=delta)
    if delta <= _TINY:
        note = "δ = 0：SmoothL1 退化为 L1，Huber 恒等于 0（没有梯度，学不到任何东西）。"
    else:
        note = f"δ = {delta:g}：|误差| ≤ δ 时 SmoothL1 与 Huber 是二次的，之外是一次的；Huber = δ × SmoothL1。"
    return {"error": e, "loss": loss, "grad": grad, "delta": delta, "note": note}


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


def robust_line_fit(*, outlier_y: float, delta: float = 1.0, n: int = 12, seed: int = 0) -> dict[str, Any]:
    """把最后一个点移到 ``outlier_y``，分别用 MSE、L1、Huber(δ)、SmoothL1(β=δ) 拟合直线（纯计算，见 {ref}`sec-losses`）。

    返回数据点、每种损失的 ``(截距, 斜率)`` 以及一句说明。巨大的离群点不会报错：MSE 直线被拉走，其余几条基本不动。
    """
    delta = _check_delta(delta)
    outlier_y = float(outlier_y)
    if not np.isfinite(outlier_y):
        raise ValueError("离群点的 y 必须是有限数。")
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
    shift = abs(coef["mse"][1] - truth[1])
    note = (
        f"离群点 y = {outlier_y:g}：MSE 直线的斜率偏离无离群点时 {shift:.3g}，"
        f"L1 偏离 {abs(coef['l1'][1] - truth[1]):.3g}，Huber/SmoothL1 偏离 {abs(huber[1] - truth[1]):.3g}。"
    )
    if delta <= _TINY:
        note += "（δ = 0 时 Huber/SmoothL1 取 δ → 0 的极限，即 L1 直线。）"
    return {"x": x, "y": y, "clean_y": clean_y, "coef": coef, "clean_coef": truth, "delta": delta, "note": note}


# ---------------------------------------------------------------- 画图


def _curve_traces(curves: dict[str, Any]) -> list[go.Scatter]:
    traces = []
    for col, key in ((1, "loss"), (2, "grad")):
        for name in LOSS_NAMES:
            traces.append(
                go.Scatter(
                    x=curves["error"],
                    y=curves[key][name],
                    name=LOSS_LABELS[name],
                    legendgroup=name,
                    showlegend=col == 1,
                    line={"color": LOSS_COLORS[name], "dash": "dot" if name == "smooth_l1" else "solid"},
                    xaxis=f"x{'' if col == 1 else col}",
                    yaxis=f"y{'' if col == 1 else col}",
                )
            )
    return traces


def _curves_figure(curves: dict[str, Any], *, y_max: float) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=("损失 ℓ(e)", "导数 dℓ/de"))
    for i, trace in enumerate(_curve_traces(curves)):
        fig.add_trace(trace, row=1, col=1 if i < len(LOSS_NAMES) else 2)
    fig.update_xaxes(title_text="误差 e = 预测 − 真实")
    fig.update_yaxes(range=[-0.1, y_max], row=1, col=1)
    fig.update_yaxes(range=[-3.5, 3.5], row=1, col=2)
    fig.update_layout(
        height=480,
        title={"text": curves["note"], "font": {"size": 13}, "y": 0.97, "yanchor": "top"},
        legend={"orientation": "h", "x": 0.0, "y": 1.13, "yanchor": "bottom"},
        margin={"t": 130},
    )
    return fig


def loss_figure(
    *,
    deltas: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0),
    active: float = 0.5,
    error_range: float = 3.0,
    num: int = 121,
) -> go.Figure:
    """四种回归损失及其导数随误差变化的曲线，滑块改变 δ（预先计算，见 {ref}`sec-losses`）。"""
    deltas = tuple(float(d) for d in deltas)
    if not deltas:
        raise ValueError("deltas 不能为空。")
    all_curves = [loss_curves(delta=d, error_min=-error_range, error_max=error_range, num=num) for d in deltas]
    start = int(np.argmin([abs(d - active) for d in deltas]))
    fig = _curves_figure(all_curves[start], y_max=min(error_range**2, 2 * error_range) + 0.5)
    steps = [
        Step(
            label=f"{d:g}",
            method="update",
            args=[
                {"y": [c[key][name] for key in ("loss", "grad") for name in LOSS_NAMES]},
                {"title.text": c["note"]},
            ],
        )
        for d, c in zip(deltas, all_curves)
    ]
    return stack_sliders(fig, [slider(name="δ（= SmoothL1 的 β）", steps=steps, active=start)])


def _fit_traces(fit: dict[str, Any], line_x: np.ndarray) -> list[go.Scatter]:
    x, y = fit["x"], fit["y"]
    traces = [
        go.Scatter(x=x[:-1], y=y[:-1], mode="markers", name="数据点", marker={"color": "#555", "size": 8}),
        go.Scatter(x=x[-1:], y=y[-1:], mode="markers", name="离群点", marker={"color": "#ff7f0e", "size": 13, "symbol": "x"}),
    ]
    for name in ("mse", "l1", "huber", "smooth_l1"):
        b, w = fit["coef"][name]
        traces.append(
            go.Scatter(
                x=line_x,
                y=b + w * line_x,
                mode="lines",
                name=LOSS_LABELS[name] + (" 拟合（与 Huber 重合）" if name == "smooth_l1" else " 拟合"),
                line={"color": LOSS_COLORS[name], "dash": "dot" if name == "smooth_l1" else "solid", "width": 2},
            )
        )
    return traces


def outlier_fit_figure(
    *,
    outlier_values: tuple[float, ...] = tuple(float(v) for v in np.linspace(-10.0, 30.0, 21)),
    active: float = 20.0,
    delta: float = 1.0,
) -> go.Figure:
    """用四种损失给带一个离群点的数据拟合直线，滑块移动离群点的 y（预先计算，见 {ref}`sec-losses`）。"""
    values = tuple(float(v) for v in outlier_values)
    if not values:
        raise ValueError("outlier_values 不能为空。")
    fits = [robust_line_fit(outlier_y=v, delta=delta) for v in values]
    start = int(np.argmin([abs(v - active) for v in values]))
    line_x = np.array([-0.5, 10.5])
    fig = go.Figure(_fit_traces(fits[start], line_x))
    y_lo = min(min(values), float(fits[0]["clean_y"].min())) - 1
    y_hi = max(max(values), float(fits[0]["clean_y"].max())) + 1
    fig.update_layout(
        height=500,
        title={"text": fits[start]["note"], "font": {"size": 13}, "y": 0.97, "yanchor": "top"},
        legend={"orientation": "h", "x": 0.0, "y": 1.02, "yanchor": "bottom"},
        margin={"t": 130},
        xaxis_title="x",
        yaxis={"title": "y", "range": [y_lo, y_hi]},
    )
    steps = []
    for v, fit in zip(values, fits):
        ys = [fit["y"][:-1], fit["y"][-1:]] + [
            fit["coef"][n][0] + fit["coef"][n][1] * line_x for n in ("mse", "l1", "huber", "smooth_l1")
        ]
        steps.append(Step(label=f"{v:g}", method="update", args=[{"y": ys}, {"title.text": fit["note"]}]))
    return stack_sliders(fig, [slider(name="离群点的 y", steps=steps, active=start)])


def loss_panel(*, delta: float = 1.0, outlier_y: float = 20.0) -> LivePanel:
    """JupyterLab 实时面板：拖动 δ 与离群点的位置，损失曲线与拟合直线随之重算（见 {ref}`sec-losses`）。"""
    fig = make_subplots(rows=1, cols=3, subplot_titles=("损失 ℓ(e)", "导数 dℓ/de", "拟合的直线"))
    curves = loss_curves(delta=delta)
    for i, trace in enumerate(_curve_traces(curves)):
        fig.add_trace(trace, row=1, col=1 if i < len(LOSS_NAMES) else 2)
    line_x = np.array([-0.5, 10.5])
    for trace in _fit_traces(robust_line_fit(outlier_y=outlier_y, delta=delta), line_x):
        trace.showlegend = False
        fig.add_trace(trace, row=1, col=3)
    fig.update_yaxes(range=[-0.1, 6.5], row=1, col=1)
    fig.update_yaxes(range=[-3.5, 3.5], row=1, col=2)
    fig.update_layout(height=460, legend={"orientation": "h", "x": 0.0, "y": 1.12, "yanchor": "bottom"}, margin={"t": 90})
    controls = {
        "delta": widgets.FloatSlider(value=delta, min=0.0, max=3.0, step=0.05, description="δ"),
        "outlier_y": widgets.FloatSlider(value=outlier_y, min=-50.0, max=100.0, step=1.0, description="离群点 y"),
    }
    n_curve = 2 * len(LOSS_NAMES)

    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str:
        c = loss_curves(delta=values["delta"])
        for i, (key, name) in enumerate((k, n) for k in ("loss", "grad") for n in LOSS_NAMES):
            figure.data[i].y = c[key][name]
        fit = robust_line_fit(outlier_y=values["outlier_y"], delta=values["delta"])
        for j, trace in enumerate(_fit_traces(fit, line_x)):
            figure.data[n_curve + j].y = trace.y
        return c["note"] + "<br>" + fit["note"]

    return LivePanel(figure=fig, controls=controls, update=update)
