"""多项式拟合中的过拟合、L2 正则（权重衰减）与偏差–方差的交互图（见 {ref}`sec-regularization`）。

- :func:`polynomial_fit` 是纯计算函数：在带噪声的 ``sin(πx)`` 样本上用最小二乘拟合多项式，
  可加 L2 惩罚 ``(λ/2)‖w‖²``（不惩罚常数项），返回拟合曲线与训练/测试均方误差；
- :func:`resampled_fits` 在同样的 x 上重抽若干次噪声、各拟合一次，画成均值±标准差的带，并给出精确的偏差与方差；
- :func:`regularization_figure` 是静态 plotly 图：滑块改多项式次数或 λ（二者选一），每一步都预先算好；
- :func:`regularization_panel` 是 JupyterLab 里的实时面板，次数与 λ 可以任意组合。

数据的生成方式与章节中手写的代码完全相同：``rng = np.random.default_rng(seed)`` 依次抽取训练点的 x、
训练噪声、测试点的 x、测试噪声。
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.figure_layout import TITLE_CHARS, Frame, apply_frame, frame, message_path, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    draw_empty,
    restyle_step,
    set_message,
    slider,
)

#: 多项式次数的上限；更高的次数被截断到这里
MAX_DEGREE = 40
#: λ 的上限；更大的值（包括 inf）被截断到这里
MAX_WEIGHT_DECAY = 1e12
#: 拟合图纵轴的显示范围；超出的部分不画（曲线断开）
Y_LIMIT = 3.0
#: 偏差–方差带里重新抽取噪声的次数
RESAMPLES = 20

#: 静态图里滑块预先计算的取值
FIGURE_DEGREES = tuple(range(0, 16))
FIGURE_WEIGHT_DECAYS = tuple(float(f"{10.0 ** (k / 2):.3g}") for k in range(-20, 3))

_VARY = {"degree": "多项式次数", "weight_decay": "L2 惩罚系数 λ"}
_COLORS = {"fit": "#d62728", "train": "#1f77b4", "test": "#ff7f0e", "bias": "#2ca02c", "variance": "#9467bd"}
_BAND = "重抽 20 次噪声的拟合：均值±标准差"
_BAND_LOW = "重抽样下沿"
_CURRENT = {"train": "当前训练误差", "test": "当前测试误差"}


@dataclass(frozen=True, kw_only=True)
class PolynomialFit(Result):
    """一次多项式拟合：训练数据、画图网格上的真实函数与拟合曲线、系数与两种均方误差（见 {ref}`sec-regularization`）。"""

    degree: int
    weight_decay: float
    x_train: np.ndarray
    y_train: np.ndarray
    x: np.ndarray
    y_true: np.ndarray
    y_fit: np.ndarray
    coef: np.ndarray
    train_mse: float
    test_mse: float


@dataclass(frozen=True, kw_only=True)
class Resampled(Result):
    """同一组 x 上重新抽噪声、各拟合一次的结果，以及精确的偏差与方差（见 {ref}`sec-regularization`）。

    ``fits`` 是每次重抽样的拟合曲线（行）；``mean``、``std`` 是它们在网格上的样本均值与标准差（画成带子）；
    ``bias2``、``variance`` 是无穷多次重抽样时的精确值（网格上的平均），由闭式解算出，不受抽样次数影响。
    """

    x: np.ndarray
    fits: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    bias2: float
    variance: float


def _data(n_train: int, n_test: int, noise: float, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x_train = np.sort(rng.uniform(-1.0, 1.0, n_train))
    y_train = np.sin(np.pi * x_train) + noise * rng.normal(size=n_train)
    x_test = rng.uniform(-1.0, 1.0, n_test)
    y_test = np.sin(np.pi * x_test) + noise * rng.normal(size=n_test)
    return x_train, y_train, x_test, y_test


def _features(x: np.ndarray, degree: int) -> np.ndarray:
    return x[:, None] ** np.arange(degree + 1)


def _solve(x_train: np.ndarray, y_train: np.ndarray, degree: int, lam: float) -> np.ndarray:
    """闭式的岭回归：‖Xw − y‖²/n + (λ/2)‖Dw‖² = ‖[X; √(nλ/2) D] w − [y; 0]‖² / n，D 去掉了常数项。"""
    design, target = _features(x_train, degree), y_train
    if lam > 0:
        penalty = np.sqrt(len(x_train) * lam / 2) * np.eye(degree + 1)[1:]
        design = np.vstack([design, penalty])
        target = np.concatenate([y_train, np.zeros(degree)])
    return np.linalg.lstsq(design, target, rcond=None)[0]


def _clamp(notes: Notes, *, degree, weight_decay, n_train, n_test, noise) -> tuple[int, float, int, int, float]:
    return (
        notes.clamp_int(degree, 0, MAX_DEGREE, label="多项式次数", default=3),
        notes.clamp(weight_decay, 0.0, MAX_WEIGHT_DECAY, label="λ", default=0.0),
        notes.clamp_int(n_train, 1, 10_000, label="训练点数", default=12),
        notes.clamp_int(n_test, 1, 100_000, label="测试点数", default=200),
        notes.clamp(noise, 0.0, 10.0, label="噪声标准差", default=0.25),
    )


def polynomial_fit(
    *,
    degree: int,
    weight_decay: float = 0.0,
    n_train: int = 12,
    n_test: int = 200,
    noise: float = 0.25,
    seed: int = 0,
    points: int = 200,
) -> PolynomialFit:
    """用（可加 L2 惩罚的）最小二乘拟合 ``degree`` 次多项式，返回曲线与训练/测试误差（见 {ref}`sec-regularization`）。

    最小化 ``mean((Xw - y)²) + (λ/2) Σ_{k≥1} w_k²``（常数项 w_0 不受惩罚），λ 与 ``torch.optim.SGD`` 的
    ``weight_decay`` 含义相同。λ = 0 且系数个数多于训练点时，返回范数最小的那个插值解。
    超出范围的次数、λ、点数、噪声（负数、nan、inf）被截断，并在 ``message`` 里说明。
    """
    notes = Notes()
    degree, lam, n_train, n_test, noise = _clamp(notes, degree=degree, weight_decay=weight_decay, n_train=n_train,
                                                 n_test=n_test, noise=noise)
    x_train, y_train, x_test, y_test = _data(n_train, n_test, noise, seed)
    coef = _solve(x_train, y_train, degree, lam)
    x = np.linspace(-1.0, 1.0, int(min(max(points, 2), 2001)))
    y_fit = _features(x, degree) @ coef
    train_mse = float(np.mean((_features(x_train, degree) @ coef - y_train) ** 2))
    test_mse = float(np.mean((_features(x_test, degree) @ coef - y_test) ** 2))
    if degree + 1 >= n_train and train_mse < 1e-8:
        notes.add("系数不少于训练点：曲线穿过每一个训练点，训练误差几乎为 0。")
    if np.abs(y_fit).max() > Y_LIMIT:
        notes.add(f"拟合曲线有一段超出了 ±{Y_LIMIT:g}，那里没有画出。")
    return PolynomialFit(
        degree=degree, weight_decay=lam, x_train=x_train, y_train=y_train, x=x, y_true=np.sin(np.pi * x),
        y_fit=y_fit, coef=coef, train_mse=train_mse, test_mse=test_mse, message=str(notes),
    )


def _smoother(x_train: np.ndarray, degree: int, lam: float) -> np.ndarray:
    """拟合是训练标签的线性函数：系数 = M @ y_train。返回矩阵 M（形状 [degree+1, n_train]）。"""
    n = len(x_train)
    design, rhs = _features(x_train, degree), np.eye(n)
    if lam > 0:
        design = np.vstack([design, np.sqrt(n * lam / 2) * np.eye(degree + 1)[1:]])
        rhs = np.vstack([rhs, np.zeros((degree, n))])
    return np.linalg.lstsq(design, rhs, rcond=None)[0]


def resampled_fits(
    *,
    degree: int,
    weight_decay: float = 0.0,
    n_train: int = 12,
    noise: float = 0.25,
    seed: int = 0,
    resamples: int = RESAMPLES,
    points: int = 200,
) -> Resampled:
    """训练点的 x 不变，重新抽 ``resamples`` 次噪声，各拟合一次：均值离真实函数多远是偏差，曲线彼此差多少是方差（见 {ref}`sec-regularization`）。

    x 与 :func:`polynomial_fit` 的训练点相同，噪声用种子 ``seed + 1`` 另抽。拟合是标签的线性函数（系数 = M y），
    所以无穷多次重抽样的平均曲线是 G M sin(πx_train)、方差是 noise²·‖G M‖²（逐行），``bias2`` 与 ``variance``
    就是它们在网格上的平均：一个点的测试误差的期望 = 偏差² + 方差 + noise²。
    """
    notes = Notes()
    degree, lam, n_train, _, noise = _clamp(notes, degree=degree, weight_decay=weight_decay, n_train=n_train,
                                            n_test=1, noise=noise)
    resamples = notes.clamp_int(resamples, 2, 5000, label="重抽样次数", default=RESAMPLES)
    x_train = _data(n_train, 1, noise, seed)[0]
    x = np.linspace(-1.0, 1.0, int(min(max(points, 2), 2001)))
    rows = _features(x, degree) @ _smoother(x_train, degree, lam)  # 网格上的拟合 = rows @ y_train
    truth = np.sin(np.pi * x_train)
    labels = truth + noise * np.random.default_rng(seed + 1).normal(size=(resamples, n_train))
    fits = labels @ rows.T
    exact_mean = rows @ truth
    return Resampled(
        x=x, fits=fits, mean=fits.mean(axis=0), std=fits.std(axis=0),
        bias2=float(np.mean((exact_mean - np.sin(np.pi * x)) ** 2)),
        variance=float(noise**2 * np.mean(np.sum(rows**2, axis=1))), message=str(notes),
    )


# ---------------------------------------------------------------- 画图


def _display(values: np.ndarray) -> list[float | None]:
    """写进图里的数值：6 位有效数字；超出 ±Y_LIMIT 或非有限的点换成 None（曲线在那里断开）。"""
    return [float(f"{v:.6g}") if np.isfinite(v) and abs(v) <= Y_LIMIT else None for v in values]


def _band(values: np.ndarray) -> list[float]:
    """带的上下沿：截在显示范围稍外，方差很大时带子铺满整个图，而不是断开。"""
    return [float(f"{v:.4g}") for v in np.clip(np.nan_to_num(values), -Y_LIMIT - 0.5, Y_LIMIT + 0.5)]


def _title(fit: PolynomialFit) -> str:
    return wrap(f"次数 {fit.degree}，λ = {fit.weight_decay:.3g}<br>训练 MSE {fit.train_mse:.3g}，"
                f"测试 MSE {fit.test_mse:.3g}", TITLE_CHARS)


def _fit_traces(fit: PolynomialFit, band: Resampled) -> dict[str, dict[str, Any]]:
    """随滑块变化的拟合图曲线：曲线名 → 新的 x、y。"""
    return {
        "拟合的多项式": {"x": fit.x.tolist(), "y": _display(fit.y_fit)},
        _BAND_LOW: {"x": band.x.tolist(), "y": _band(band.mean - band.std)},
        _BAND: {"x": band.x.tolist(), "y": _band(band.mean + band.std)},
    }


def _current(value: float, fit: PolynomialFit) -> dict[str, dict[str, Any]]:
    return {_CURRENT["train"]: {"x": [value], "y": [max(fit.train_mse, 1e-12)]},
            _CURRENT["test"]: {"x": [value], "y": [fit.test_mse]}}


def _curves(fits: Sequence[PolynomialFit], bands: Sequence[Resampled]) -> dict[str, list[float]]:
    return {"训练误差": [max(f.train_mse, 1e-12) for f in fits], "测试误差": [f.test_mse for f in fits],
            "偏差²": [b.bias2 for b in bands], "方差": [b.variance for b in bands]}


def _base_figure(*, vary: str, sliders: int) -> tuple[go.Figure, Frame]:
    """figure 与 panel 共用的底图：上面是拟合结果，下面是误差、偏差² 与方差随滑块参数的变化（还没有数据）。"""
    layout = frame(plot=540, title_lines=2, message_lines=2 if sliders else 0, sliders=sliders, legend_rows=4)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.55, 0.45], vertical_spacing=85 / 540,
                        subplot_titles=("", f"误差、偏差²与方差随{_VARY[vary]}的变化"))
    fig.update_xaxes(title_text="x", range=[-1.05, 1.05], row=1, col=1)
    fig.update_yaxes(range=[-Y_LIMIT, Y_LIMIT], row=1, col=1)
    fig.update_xaxes(title_text=_VARY[vary], type="log" if vary == "weight_decay" else "linear",
                     exponentformat="power", row=2, col=1)
    fig.update_yaxes(title_text="均方误差", type="log", exponentformat="power", row=2, col=1)
    apply_frame(fig, layout, title="")
    band = {"mode": "lines", "line": {"width": 0, "color": _COLORS["fit"]}, "hoverinfo": "skip"}
    fig.add_trace(go.Scatter(x=[], y=[], name=_BAND_LOW, showlegend=False, **band), row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], name=_BAND, fill="tonexty", fillcolor="rgba(214,39,40,0.15)", **band),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="训练点", marker={"color": "#333", "size": 8}),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name="真实函数 sin(πx)", line={"color": "#888", "dash": "dash"}),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name="拟合的多项式",
                             line={"color": _COLORS["fit"], "width": 2.5}), row=1, col=1)
    for name, key, dash in (("训练误差", "train", None), ("测试误差", "test", None), ("偏差²", "bias", "dot"),
                            ("方差", "variance", "dot")):
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=name, line={"color": _COLORS[key], "dash": dash},
                                 marker={"size": 5}), row=2, col=1)
    for key, name in _CURRENT.items():
        fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name=name, showlegend=False, hoverinfo="skip",
                                 marker={"color": _COLORS[key], "size": 14, "symbol": "circle-open",
                                         "line": {"width": 3}}), row=2, col=1)
    set_message(fig, "")
    return fig, layout


def _fill(fig: go.Figure, fit: PolynomialFit, band: Resampled, values: Sequence[float], value: float,
          curves: dict[str, list[float]]) -> None:
    """把一组结果写进底图（按曲线名）。"""
    updates = {"训练点": {"x": fit.x_train, "y": fit.y_train}, "真实函数 sin(πx)": {"x": fit.x, "y": fit.y_true},
               **_fit_traces(fit, band), **_current(value, fit),
               **{name: {"x": list(values), "y": ys} for name, ys in curves.items()}}
    for name, data in updates.items():
        fig.update_traces(x=data["x"], y=data["y"], selector={"name": name})
    fig.layout.title.text = _title(fit)


def _sweep(vary: str, values: Sequence[float], *, degree: int, weight_decay: float, **common: Any):
    """对滑块的每个取值各拟合一次，并各做一次重抽样。"""
    fits, bands = [], []
    for v in values:
        kw = {"degree": int(v), "weight_decay": weight_decay} if vary == "degree" else {"degree": degree,
                                                                                       "weight_decay": v}
        fits.append(polynomial_fit(**kw, **common))
        bands.append(resampled_fits(**kw, **common))
    return fits, bands


def _slider_values(notes: Notes, vary: str, degree: int, weight_decay: float, degrees, weight_decays):
    if vary == "degree":
        return sorted({notes.clamp_int(d, 0, MAX_DEGREE, label="多项式次数") for d in degrees} | {degree}), degree
    values = sorted({notes.clamp(v, 0.0, MAX_WEIGHT_DECAY, label="λ") for v in weight_decays} - {0.0}
                    | ({weight_decay} if weight_decay > 0 else set()))
    return values, (weight_decay if weight_decay > 0 else (values[0] if values else 0.0))


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

    上图是训练点、真实函数、拟合曲线，以及在同样的 x 上重抽 20 次噪声、各拟合一次得到的均值±标准差带（带宽显示方差）；
    下图是训练/测试误差、偏差² 与方差随滑块参数的变化，圆圈标出当前取值。另一个参数固定为 ``weight_decay`` 或 ``degree``。
    """
    if vary not in _VARY:
        raise ValueError(f"vary 只能是 {'、'.join(_VARY)}，收到 {vary!r}。")
    notes = Notes()
    degree, weight_decay, n_train, _, noise = _clamp(notes, degree=degree, weight_decay=weight_decay,
                                                     n_train=n_train, n_test=1, noise=noise)
    values, current = _slider_values(notes, vary, degree, weight_decay, degrees, weight_decays)
    fig, layout = _base_figure(vary=vary, sliders=1)
    if not values:
        set_message(fig, wrap(str(notes)))
        return draw_empty(fig, "没有正的 λ 可选：<br>对数横轴画不出 λ = 0。")
    fits, bands = _sweep(vary, values, degree=degree, weight_decay=weight_decay, n_train=n_train, noise=noise,
                         seed=seed)
    active = values.index(current)
    _fill(fig, fits[active], bands[active], values, current, _curves(fits, bands))
    path = message_path(fig)
    steps = []
    for label, v, fit, band in zip((f"{v:.3g}" for v in values), values, fits, bands):
        text = wrap(" ".join(dict.fromkeys(m for m in (str(notes), fit.message) if m)))
        steps.append(restyle_step(fig, label, {**_fit_traces(fit, band), **_current(v, fit)},
                                  layout={"title.text": _title(fit), f"{path}.text": text,
                                          f"{path}.visible": bool(text)}))
    set_message(fig, steps[active].args[1][f"{path}.text"])
    fig.update_layout(sliders=sliders_below(layout, [slider(name=_VARY[vary], steps=steps, active=active)]))
    return fig


def _update_panel(figure: go.FigureWidget, values: dict[str, Any], *, seed: int, degrees: Sequence[int]) -> str:
    common = {"n_train": values["n_train"], "noise": values["noise"], "seed": seed}
    fits, bands = _sweep("degree", degrees, degree=0, weight_decay=values["weight_decay"], **common)
    fit = polynomial_fit(degree=values["degree"], weight_decay=values["weight_decay"], **common)
    band = resampled_fits(degree=values["degree"], weight_decay=values["weight_decay"], **common)
    _fill(figure, fit, band, degrees, fit.degree, _curves(fits, bands))
    return fit.message


def regularization_panel(
    *, degree: int = 3, weight_decay: float = 1e-10, n_train: int = 12, noise: float = 0.25, seed: int = 0
) -> LivePanel:
    """多项式拟合的实时面板：次数、λ、训练点数与噪声都可调，每次重新拟合与重抽样（见 {ref}`sec-regularization`）。"""
    fig, _ = _base_figure(vary="degree", sliders=0)
    style = {"description_width": "initial"}
    controls = {
        "degree": widgets.IntSlider(value=int(degree), min=0, max=20, description="多项式次数", style=style),
        "weight_decay": widgets.FloatLogSlider(value=max(weight_decay, 1e-10), base=10, min=-10, max=2, step=0.25,
                                               description="λ", readout_format=".1e", style=style),
        "n_train": widgets.IntSlider(value=int(n_train), min=2, max=60, description="训练点数", style=style),
        "noise": widgets.FloatSlider(value=float(noise), min=0.0, max=1.0, step=0.05, description="噪声", style=style),
    }

    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str:
        return _update_panel(figure, values, seed=seed, degrees=list(range(0, 21)))

    return LivePanel(figure=fig, controls=controls, update=update)


EXPLORER = Explorer(
    name="regularization",
    chapter="sec-regularization",
    compute=polynomial_fit,
    figure=regularization_figure,
    panel=regularization_panel,
    compute_kwargs={"degree": 3},
    figure_kwargs={"degrees": (1, 3, 9, 11)},
    extremes=({"degree": -2}, {"weight_decay": 1e20}, {"vary": "weight_decay", "weight_decays": (0.0,)},
              {"n_train": 0}, {"degree": 40}),
)
