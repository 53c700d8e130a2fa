"""多项式拟合中的过拟合与 L2 正则（权重衰减）的交互图（见 {ref}`sec-regularization`）。

- :func:`polynomial_fit` 是纯计算函数：在带噪声的 ``sin(πx)`` 样本上用最小二乘拟合多项式，
  可加 L2 惩罚 ``(λ/2)‖w‖²``（不惩罚常数项），返回拟合曲线与训练/测试均方误差；
- :func:`regularization_figure` 是静态 plotly 图：滑块改多项式次数或 λ（二者选一），每一步都预先算好；
- :func:`regularization_panel` 是 JupyterLab 里的实时面板，次数与 λ 可以任意组合。

数据的生成方式与章节中手写的代码完全相同：``rng = np.random.default_rng(seed)`` 依次抽取训练点的 x、
训练噪声、测试点的 x、测试噪声。
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.interactive import LivePanel, Step, slider, stack_sliders

#: 多项式次数的上限；更高的次数被截断到这里
MAX_DEGREE = 40
#: λ 的上限；更大的值（包括 inf）被截断到这里
MAX_WEIGHT_DECAY = 1e12
#: 左图纵轴的显示范围；超出的部分不画（曲线断开）
Y_LIMIT = 3.0

#: 静态图里滑块预先计算的取值
FIGURE_DEGREES = tuple(range(0, 16))
FIGURE_WEIGHT_DECAYS = tuple(float(f"{10.0 ** (k / 2):.3g}") for k in range(-20, 3))

_VARY = {"degree": "多项式次数", "weight_decay": "L2 惩罚系数 λ"}
_FIT_COLOR, _TRAIN_COLOR, _TEST_COLOR = "#d62728", "#1f77b4", "#ff7f0e"


def _data(n_train: int, n_test: int, noise: float, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x_train = np.sort(rng.uniform(-1.0, 1.0, n_train))
    y_train = np.sin(np.pi * x_train) + noise * rng.normal(size=n_train)
    x_test = rng.uniform(-1.0, 1.0, n_test)
    y_test = np.sin(np.pi * x_test) + noise * rng.normal(size=n_test)
    return x_train, y_train, x_test, y_test


def _features(x: np.ndarray, degree: int) -> np.ndarray:
    return x[:, None] ** np.arange(degree + 1)


def polynomial_fit(
    *,
    degree: int,
    weight_decay: float = 0.0,
    n_train: int = 12,
    n_test: int = 200,
    noise: float = 0.25,
    seed: int = 0,
    points: int = 200,
) -> dict[str, Any]:
    """用（可加 L2 惩罚的）最小二乘拟合 ``degree`` 次多项式，返回曲线与训练/测试误差（见 {ref}`sec-regularization`）。

    最小化 ``mean((Xw - y)²) + (λ/2) Σ_{k≥1} w_k²``（常数项 w_0 不受惩罚），λ 与 ``torch.optim.SGD`` 的
    ``weight_decay`` 含义相同。λ = 0 且系数个数多于训练点时，
    返回范数最小的那个插值解。返回字典：``x_train``、``y_train``、``x``（画图网格）、``y_true``、``y_fit``、
    ``coef``、``train_mse``、``test_mse``、``degree``、``weight_decay`` 与 ``message``（一句中文说明，可能为空）。
    次数超过 MAX_DEGREE、λ 超过 MAX_WEIGHT_DECAY 时截断并说明；负的次数/λ、nan、不足 1 个训练点等非法输入
    抛出带中文说明的 ``ValueError``。
    """
    notes: list[str] = []
    degree_f = float(degree)
    if math.isnan(degree_f) or degree_f < 0:
        raise ValueError(f"多项式次数必须是非负整数，收到 {degree}。")
    if degree_f > MAX_DEGREE:
        notes.append(f"次数 {degree_f:g} 太大，已截断为 {MAX_DEGREE}。")
        degree_f = MAX_DEGREE
    degree = int(round(degree_f))
    lam = float(weight_decay)
    if math.isnan(lam) or lam < 0:
        raise ValueError(f"L2 惩罚系数 λ 必须是非负数，收到 {weight_decay}。")
    if lam > MAX_WEIGHT_DECAY:
        notes.append(f"λ = {lam:g} 太大，已截断为 {MAX_WEIGHT_DECAY:g}。")
        lam = MAX_WEIGHT_DECAY
    if int(n_train) < 1 or int(n_test) < 1:
        raise ValueError(f"训练点与测试点都至少要 1 个，收到 n_train={n_train}、n_test={n_test}。")
    if not noise >= 0:
        raise ValueError(f"噪声标准差必须是非负数，收到 {noise}。")
    n_train, n_test = int(n_train), int(n_test)
    points = int(min(max(points, 2), 2001))

    x_train, y_train, x_test, y_test = _data(n_train, n_test, float(noise), seed)
    design = _features(x_train, degree)
    if lam > 0:
        # 增广最小二乘：‖Xw − y‖²/n + (λ/2)‖Dw‖² = ‖[X; √(nλ/2) D] w − [y; 0]‖² / n，D 去掉了常数项
        penalty = np.sqrt(n_train * lam / 2) * np.eye(degree + 1)[1:]
        design = np.vstack([design, penalty])
        target = np.concatenate([y_train, np.zeros(degree)])
    else:
        target = y_train
    coef = np.linalg.lstsq(design, target, rcond=None)[0]

    x = np.linspace(-1.0, 1.0, points)
    y_fit = _features(x, degree) @ coef
    train_mse = float(np.mean((_features(x_train, degree) @ coef - y_train) ** 2))
    test_mse = float(np.mean((_features(x_test, degree) @ coef - y_test) ** 2))
    if degree + 1 >= n_train and train_mse < 1e-8:
        notes.append("系数个数不少于训练点数：曲线穿过每一个训练点，训练误差几乎为 0。")
    if np.abs(y_fit).max() > Y_LIMIT:
        notes.append(f"拟合曲线在部分区间超出了显示范围 ±{Y_LIMIT:g}（那里没有画出）。")
    return {
        "x_train": x_train,
        "y_train": y_train,
        "x": x,
        "y_true": np.sin(np.pi * x),
        "y_fit": y_fit,
        "coef": coef,
        "train_mse": train_mse,
        "test_mse": test_mse,
        "degree": degree,
        "weight_decay": lam,
        "message": " ".join(notes),
    }


def _display(values: np.ndarray) -> list[float | None]:
    """写进图里的数值：6 位有效数字；超出 ±Y_LIMIT 或非有限的点换成 None（曲线在那里断开）。"""
    return [float(f"{v:.6g}") if np.isfinite(v) and abs(v) <= Y_LIMIT else None for v in values]


def _title(fit: dict[str, Any]) -> str:
    lam = fit["weight_decay"]
    return (
        f"次数 {fit['degree']}，λ = {lam:.3g}：训练 MSE {fit['train_mse']:.3g}，测试 MSE {fit['test_mse']:.3g}"
    )


def _base_figure(vary: str) -> go.Figure:
    fig = make_subplots(
        rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.1,
        subplot_titles=("拟合结果", f"误差随{_VARY[vary]}的变化"),
    )
    fig.update_xaxes(title_text="x", range=[-1.05, 1.05], row=1, col=1)
    fig.update_yaxes(range=[-Y_LIMIT, Y_LIMIT], row=1, col=1)
    fig.update_xaxes(title_text=_VARY[vary], type="log" if vary == "weight_decay" else "linear", row=1, col=2)
    fig.update_yaxes(title_text="均方误差（对数）", type="log", exponentformat="power", row=1, col=2)
    fig.update_xaxes(exponentformat="power", row=1, col=2)
    fig.update_layout(height=500, legend={"orientation": "h", "yanchor": "bottom", "y": 1.1, "x": 0.0},
                      margin={"t": 130})
    return fig


def _add_traces(fig: go.Figure, fit: dict[str, Any], xs: Sequence[float], curves: Sequence[dict[str, Any]],
                current: float) -> None:
    """依次加入：训练点、真实函数、拟合曲线、训练误差、测试误差、当前训练误差点、当前测试误差点。"""
    fig.add_trace(go.Scatter(x=fit["x_train"], y=fit["y_train"], mode="markers", name="训练点",
                             marker={"color": "#333", "size": 8}), row=1, col=1)
    fig.add_trace(go.Scatter(x=fit["x"], y=fit["y_true"], mode="lines", name="真实函数 sin(πx)",
                             line={"color": "#888", "dash": "dash"}), row=1, col=1)
    fig.add_trace(go.Scatter(x=fit["x"], y=_display(fit["y_fit"]), mode="lines", name="拟合的多项式",
                             line={"color": _FIT_COLOR, "width": 2.5}), row=1, col=1)
    train = [max(c["train_mse"], 1e-12) for c in curves]
    test = [c["test_mse"] for c in curves]
    fig.add_trace(go.Scatter(x=list(xs), y=train, mode="lines+markers", name="训练误差",
                             line={"color": _TRAIN_COLOR}), row=1, col=2)
    fig.add_trace(go.Scatter(x=list(xs), y=test, mode="lines+markers", name="测试误差",
                             line={"color": _TEST_COLOR}), row=1, col=2)
    for value, color in ((max(fit["train_mse"], 1e-12), _TRAIN_COLOR), (fit["test_mse"], _TEST_COLOR)):
        fig.add_trace(go.Scatter(x=[current], y=[value], mode="markers", showlegend=False,
                                 marker={"color": color, "size": 14, "symbol": "circle-open", "line": {"width": 3}}),
                      row=1, col=2)


def regularization_figure(
    *,
    vary: str = "degree",
    degree: int = 3,
    weight_decay: float = 0.0,
    degrees: Sequence[int] = FIGURE_DEGREES,
    weight_decays: Sequence[float] = FIGURE_WEIGHT_DECAYS,
    n_train: int = 12,
    noise: float = 0.25,
    seed: int = 0,
) -> go.Figure:
    """多项式拟合的静态交互图：滑块改次数（``vary="degree"``）或 λ（``vary="weight_decay"``）（见 {ref}`sec-regularization`）。

    左图是训练点、真实函数与拟合曲线，右图是训练/测试误差随滑块参数的变化，圆圈标出当前取值。
    另一个参数固定为 ``weight_decay`` 或 ``degree``。
    """
    if vary not in _VARY:
        raise ValueError(f"vary 只能是 {'、'.join(_VARY)}，收到 {vary!r}。")
    if vary == "degree":
        values = sorted({int(d) for d in degrees} | {int(degree)})
        fits = [polynomial_fit(degree=d, weight_decay=weight_decay, n_train=n_train, noise=noise, seed=seed)
                for d in values]
        active = values.index(int(degree))
        labels = [str(d) for d in values]
    else:
        values = sorted({float(v) for v in weight_decays if v > 0} | ({float(weight_decay)} if weight_decay > 0 else set()))
        if not values:
            raise ValueError("vary='weight_decay' 时至少需要一个正的 λ（对数横轴画不出 0）。")
        fits = [polynomial_fit(degree=degree, weight_decay=v, n_train=n_train, noise=noise, seed=seed) for v in values]
        active = values.index(float(weight_decay)) if weight_decay > 0 else 0
        labels = [f"{v:.3g}" for v in values]

    fig = _base_figure(vary)
    _add_traces(fig, fits[active], values, fits, values[active])
    steps = [
        Step(
            label=label,
            method="update",
            args=[
                {"y": [_display(f["y_fit"]), [max(f["train_mse"], 1e-12)], [f["test_mse"]]],
                 "x": [f["x"].tolist(), [v], [v]]},
                {"title.text": _title(f)},
                [2, 5, 6],
            ],
        )
        for label, v, f in zip(labels, values, fits)
    ]
    stack_sliders(fig, [slider(name=_VARY[vary], steps=steps, active=active)])
    fig.update_layout(title={"text": _title(fits[active]), "y": 0.98})
    return fig


def regularization_panel(
    *, degree: int = 3, weight_decay: float = 1e-10, n_train: int = 12, noise: float = 0.25, seed: int = 0
) -> LivePanel:
    """多项式拟合的实时面板：次数、λ、训练点数与噪声都可调，每次重新拟合（见 {ref}`sec-regularization`）。"""
    degrees = list(range(0, 21))
    first = polynomial_fit(degree=degree, weight_decay=weight_decay, n_train=n_train, noise=noise, seed=seed)
    fig = _base_figure("degree")
    _add_traces(fig, first, degrees, [first] * len(degrees), degree)

    style = {"description_width": "initial"}
    controls = {
        "degree": widgets.IntSlider(value=int(degree), min=0, max=20, description="多项式次数", style=style),
        "weight_decay": widgets.FloatLogSlider(value=max(weight_decay, 1e-10), base=10, min=-10, max=2, step=0.25,
                                               description="λ", readout_format=".1e", style=style),
        "n_train": widgets.IntSlider(value=int(n_train), min=2, max=60, description="训练点数", style=style),
        "noise": widgets.FloatSlider(value=float(noise), min=0.0, max=1.0, step=0.05, description="噪声", style=style),
    }

    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str | None:
        common = {"weight_decay": values["weight_decay"], "n_train": values["n_train"], "noise": values["noise"],
                  "seed": seed}
        fit = polynomial_fit(degree=values["degree"], **common)
        curves = [polynomial_fit(degree=d, **common) for d in degrees]
        data = figure.data
        data[0].x, data[0].y = fit["x_train"], fit["y_train"]
        data[2].y = _display(fit["y_fit"])
        data[3].y = [max(c["train_mse"], 1e-12) for c in curves]
        data[4].y = [c["test_mse"] for c in curves]
        data[5].x, data[5].y = [fit["degree"]], [max(fit["train_mse"], 1e-12)]
        data[6].x, data[6].y = [fit["degree"]], [fit["test_mse"]]
        figure.layout.title.text = _title(fit)
        return fit["message"] or None

    return LivePanel(figure=fig, controls=controls, update=update)
