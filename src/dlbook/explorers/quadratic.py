"""二次模型上的梯度下降与动量：按特征方向拆开的误差，以及动量的收敛速度地图（见 {ref}`sec-optimization-theory`）。

模型是 f(w) = ½ wᵀAw（A 对称正定）。在 A 的特征向量组成的坐标系里，cᵢ 是 w 沿第 i 个特征向量的分量，
f = ½ Σᵢ λᵢ cᵢ²，梯度的第 i 个分量是 λᵢ cᵢ，各方向互不影响：

- **梯度下降** w ← w − η∇f 在每个方向上是 cᵢ ← (1 − ηλᵢ) cᵢ，这个方向的损失 ½λᵢcᵢ² 每步乘 (1 − ηλᵢ)²。
  η < 2/λ_max 时收敛；最优学习率 η* = 2/(λ_min + λ_max)，此时最慢的两个方向（λ_min 与 λ_max）的
  |1 − ηλ| 都等于 (κ − 1)/(κ + 1)，κ = λ_max/λ_min 是条件数。
- **动量**用 PyTorch 的写法（``torch.optim.SGD(momentum=μ)``，dampening = 0，无 Nesterov）：
  b ← μb + g，w ← w − ηb。每个方向是状态 (cᵢ, bᵢ) 上的 2×2 线性迭代
  [c; b] ← [[1 − ηλ, −ημ], [λ, μ]] [c; b]，特征多项式 z² − (1 + μ − ηλ) z + μ = 0。
  这与“重球法” w ← w − α∇f + β(w − w_prev) 在 α = η、β = μ 时完全相同（消去 b 即得）；
  若写成指数平均 b ← μb + (1 − μ)g，则对应 α = (1 − μ)η，学习率要相应放大 1/(1 − μ) 倍。
  一个方向的收敛因子是两根模的较大者 ρ(η, μ, λ)：判别式 < 0 时两根共轭，ρ = √μ；否则
  ρ = (|1 + μ − ηλ| + √((1 + μ − ηλ)² − 4μ))/2。整个问题的收敛因子是 maxᵢ ρ(η, μ, λᵢ)。
  最优参数 η* = (2/(√λ_max + √λ_min))²、μ* = ((√κ − 1)/(√κ + 1))²，此时 λ_min 与 λ_max 两个方向
  恰好都是二重根，收敛因子 √μ* = (√κ − 1)/(√κ + 1)。

接口：

- :func:`eigen_errors`、:func:`eigen_error_figure`、:func:`eigen_error_panel`：梯度下降在各特征方向上的损失；
- :func:`momentum_rate`、:func:`momentum_errors`、:func:`momentum_map`、:func:`momentum_map_figure`、
  :func:`momentum_map_panel`：动量的收敛因子与 (η, μ) 平面上的地图。地图按 λ_max = 1、λ_min = 1/κ 归一化
  （收敛因子只依赖 ηλ，这样 η 的单位就是 1/λ_max）。
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.explorers._layout import Frame, apply_frame, frame, menu_y, message_path, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    apply_step,
    draw_empty,
    dropdown,
    reserve_notes,
    restyle_step,
    rounded,
    set_message,
    slider,
    visibility_step,
)

REF = "sec-optimization-theory"
#: 默认的三个特征值：条件数 κ = 40，最慢的方向 λ = 0.05 最后主导损失
DEFAULT_EIGENVALUES = (0.05, 0.5, 2.0)
EIGEN_RANGE = (1e-6, 1e6)
LR_RANGE = (0.0, 1e6)
START_RANGE = (-1e3, 1e3)
MAX_STEPS = 5000
#: 损失超过这个值就截断（发散的曲线在这里变平），低于 FLOOR 的值在对数图上不画
CEILING = 1e6
FLOOR = 1e-14
COLORS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


# ---------------------------------------------------------------- 梯度下降：各特征方向的损失


@dataclass(frozen=True, kw_only=True, eq=False)
class EigenErrors(Result):
    """:func:`eigen_errors` 的结果：每个特征方向每一步的损失 ½λᵢcᵢ²（含起点）与它们的和（见 {ref}`sec-optimization-theory`）。

    ``factors`` 是每个方向每步的乘子 1 − ηλᵢ，``rate`` 是其中绝对值最大的一个（误差的收敛因子），
    ``diverged`` 表示 rate > 1（这个方向的误差越来越大），``clipped`` 表示有损失超过 :data:`CEILING` 被截断。
    """

    eigenvalues: np.ndarray
    lr: float
    steps: int
    start: np.ndarray
    factors: np.ndarray
    components: np.ndarray
    total: np.ndarray
    rate: float
    diverged: bool
    clipped: bool
    optimal_lr: float


def _clean_eigenvalues(notes: Notes, eigenvalues: Sequence[float]) -> np.ndarray:
    """特征值的清理：nan 丢掉，截断到 :data:`EIGEN_RANGE`，重复的合并，按从小到大排好（说明记进 ``notes``）。"""
    values = [float(v) for v in np.atleast_1d(np.asarray(eigenvalues, dtype=float)).ravel()]
    if any(math.isnan(v) for v in values):
        notes.add("特征值里的 nan 已去掉。")
    kept = [notes.clamp(v, *EIGEN_RANGE, label="特征值") for v in values if not math.isnan(v)]
    unique = sorted({float(f"{v:.12g}") for v in kept})
    if len(unique) < len(kept):
        notes.add("重复的特征值已合并。")
    return np.array(unique, dtype=float)


def equal_start(eigenvalues: np.ndarray) -> np.ndarray:
    """缺省的起点：每个方向的初始损失 ½λᵢcᵢ² 都是 1/n（总损失为 1），各方向只比快慢（见 {ref}`sec-optimization-theory`）。"""
    lams = np.asarray(eigenvalues, dtype=float)
    return np.sqrt(2 / (lams.size * lams))


def _clean_start(notes: Notes, start, lams: np.ndarray) -> np.ndarray:
    n = lams.size
    if start is None:
        return equal_start(lams)
    values = np.atleast_1d(np.asarray(start, dtype=float)).ravel()
    if values.size != n:
        notes.add(f"起点有 {values.size} 个分量，特征值有 {n} 个：改用缺省起点。")
        return equal_start(lams)
    return np.array([notes.clamp(v, *START_RANGE, label="起点分量", default=1.0) for v in values])


def _descend(lams: np.ndarray, c0: np.ndarray, lr: float, steps: int) -> tuple[np.ndarray, bool]:
    """逐步做梯度下降 c ← c − η·(λc)，返回每一步的分量（含起点）；损失超过 CEILING 的分量被截断在那里。"""
    limit = np.sqrt(2 * CEILING / lams)
    path = np.empty((steps + 1, lams.size))
    path[0] = c = np.clip(c0, -limit, limit)
    clipped = bool(np.any(np.abs(c0) > limit))
    for t in range(1, steps + 1):
        c = c - lr * (lams * c)
        clipped = clipped or bool(np.any(np.abs(c) > limit))
        path[t] = c = np.clip(c, -limit, limit)
    return path, clipped


def _eigen_verdict(r: EigenErrors) -> str:
    lams, f = r.eigenvalues, r.factors
    if r.lr == 0:
        return "η = 0：参数不动，损失不变。"
    worst = int(np.argmax(np.abs(f)))
    if r.diverged:
        cut = f"，曲线在 {CEILING:g} 处截断" if r.clipped else ""
        return (f"η = {r.lr:.3g} > 2/λ_max = {2 / lams[-1]:.3g}：方向 λ = {lams[worst]:g} 的 1 − ηλ = {f[worst]:.3g}，"
                f"损失每步乘 {f[worst] ** 2:.3g}，发散了{cut}。")
    if abs(abs(f[worst]) - 1) < 1e-9:
        return f"η = {r.lr:.3g}：方向 λ = {lams[worst]:g} 的 1 − ηλ = {f[worst]:.3g}，误差不减小，不收敛。"
    if f[worst] == 0:
        return f"η = {r.lr:.3g} = 1/λ：每个方向的 1 − ηλ 都是 0，一步就到最低点。"
    best = "（最优 η* = 2/(λ_min + λ_max)）" if math.isclose(r.lr, r.optimal_lr) else ""
    factors = "、".join(f"{v * v:.3g}" for v in f)
    slow = " 与 ".join(f"λ = {lam:g}" for lam, v in zip(lams, f) if abs(v) > abs(f[worst]) * (1 - 1e-6))
    return f"η = {r.lr:.3g}{best}：各方向损失每步乘 (1 − ηλ)² = {factors}；最慢的 {slow} 决定收敛速度。"


def eigen_errors(
    *, eigenvalues: Sequence[float] = DEFAULT_EIGENVALUES, lr: float, steps: int = 60, start=None
) -> EigenErrors:
    """梯度下降在二次函数 ½Σλᵢcᵢ² 上走 steps 步，返回每个特征方向的损失（见 {ref}`sec-optimization-theory`）。

    ``start`` 是起点在各特征方向上的分量（缺省让每个方向的初始损失相同，见 :func:`equal_start`）。坏的特征值、学习率、步数与起点被截断并写进 ``message``；
    没有特征值时返回空数组与一句说明，不抛异常。
    """
    notes = Notes()
    lams = _clean_eigenvalues(notes, eigenvalues)
    lr = notes.clamp(lr, *LR_RANGE, label="学习率 η", default=0.1)
    steps = notes.clamp_int(steps, 0, MAX_STEPS, label="步数", default=60)
    if lams.size == 0:
        notes.add("没有特征值（eigenvalues 为空）：没有可以下降的方向。")
        empty = np.zeros((steps + 1, 0))
        return EigenErrors(eigenvalues=lams, lr=lr, steps=steps, start=np.zeros(0), factors=np.zeros(0),
                           components=empty, total=np.zeros(steps + 1), rate=math.nan, diverged=False,
                           clipped=False, optimal_lr=math.nan, message=str(notes))
    c0 = _clean_start(notes, start, lams)
    path, clipped = _descend(lams, c0, lr, steps)
    components = 0.5 * lams * path**2
    factors = 1 - lr * lams
    rate = float(np.max(np.abs(factors)))
    result = EigenErrors(eigenvalues=lams, lr=lr, steps=steps, start=c0, factors=factors, components=components,
                         total=components.sum(axis=1), rate=rate, diverged=rate > 1 + 1e-12, clipped=clipped,
                         optimal_lr=2 / (lams[0] + lams[-1]))
    notes.add(_eigen_verdict(result))
    return replace(result, message=str(notes))


def _positive(values: np.ndarray) -> list[float | None]:
    """对数纵轴上画的值：低于 FLOOR（含 0）的写成 None，曲线在那里断开。"""
    return rounded(np.where(values >= FLOOR, values, np.nan), digits=5)


def _log_range(arrays: Sequence[np.ndarray]) -> list[float]:
    shown = np.concatenate([a[a >= FLOOR] for a in arrays] or [np.ones(1)])
    if shown.size == 0:
        shown = np.ones(1)
    lo, hi = math.log10(shown.min()), math.log10(shown.max())
    return [round(lo - 0.3, 3), round(hi + 0.3, 3)]


def _direction_name(lam: float, i: int | None = None) -> str:
    return f"λ = {lam:g}" if i is None else f"λ{str(i + 1).translate(SUBSCRIPTS)} = {lam:g}"


EIGEN_TITLE = "二次函数上的梯度下降：各特征方向的损失 ½λc²"
EIGEN_MESSAGE_LINES = 3


def _eigen_base(names: Sequence[str], *, sliders: int) -> tuple[go.Figure, Frame]:
    """figure 与 panel 共用的底图：每个方向一条损失曲线（按 ``names``）与一条总损失，对数纵轴。"""
    rows = max(2, math.ceil((len(names) + 1) / 3))  # 手机上一行大约放得下三个图例
    layout = frame(plot=300, title_lines=2, message_lines=EIGEN_MESSAGE_LINES, sliders=sliders, legend_rows=rows)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name="总损失", line={"color": "#aaa", "width": 6}))
    for i, name in enumerate(names):
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=name,
                                 line={"color": COLORS[i % len(COLORS)], "width": 2}))
    fig.update_xaxes(title_text="迭代次数 t")
    fig.update_yaxes(title_text="损失", type="log", exponentformat="power")
    apply_frame(fig, layout, title=EIGEN_TITLE)
    reserve_notes(fig)  # 说明行先放好（隐藏），滑块的各步按路径改写它
    return fig, layout


def _eigen_updates(r: EigenErrors, names: Sequence[str]) -> dict[str, dict[str, list]]:
    t = list(range(r.steps + 1))
    updates = {name: {"x": t, "y": _positive(r.components[:, i])} for i, name in enumerate(names)}
    updates["总损失"] = {"x": t, "y": _positive(r.total)}
    return updates


def _default_lrs(lams: np.ndarray) -> list[float]:
    """缺省的学习率：2/λ_max 的若干倍（含稳定边界 2/λ_max 本身与它之外的两个发散值）。"""
    edge = 2 / lams[-1]
    return [edge * f for f in (0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.02, 1.1)]


def _figure_lrs(notes: Notes, lrs, lams: np.ndarray) -> tuple[list[float], float]:
    """滑块的学习率：清理、加入最优 η*、去重排序；返回列表与 η*。"""
    best = float(f"{2 / (lams[0] + lams[-1]):.6g}")
    given = _default_lrs(lams) if lrs is None else list(lrs)
    if not given:
        notes.add("没有给学习率（lrs 为空）：只画最优 η。")
    clean = {float(f"{notes.clamp(v, *LR_RANGE, label='学习率 η', default=best):.6g}") for v in given}
    return sorted(clean | {best}), best


def eigen_error_figure(
    *, eigenvalues: Sequence[float] = DEFAULT_EIGENVALUES, lrs: Sequence[float] | None = None, steps: int = 60,
    active: int | None = None,
) -> go.Figure:
    """各特征方向的损失与总损失随迭代的变化，学习率滑块（含最优 η 与发散的值）的每一步都预先算好（见 {ref}`sec-optimization-theory`）。"""
    notes = Notes()
    lams = _clean_eigenvalues(notes, eigenvalues)
    steps = notes.clamp_int(steps, 1, MAX_STEPS, label="步数", default=60)
    names = [_direction_name(v) for v in lams]
    fig, layout = _eigen_base(names, sliders=1)
    if lams.size == 0:
        set_message(fig, wrap(str(notes)))
        return draw_empty(fig, "没有特征值（eigenvalues 为空）：<br>没有可画的方向。")
    values, best = _figure_lrs(notes, lrs, lams)
    path = message_path(fig)
    prefix = str(notes)
    ui_steps, results = [], []
    for lr in values:
        r = eigen_errors(eigenvalues=lams, lr=lr, steps=steps)
        text = wrap(" ".join(filter(None, [prefix, r.message])))
        label = f"最优 η={lr:.3g}" if lr == best else f"{lr:.3g}"
        results.append(r)
        ui_steps.append(restyle_step(fig, label, _eigen_updates(r, names), layout={
            f"{path}.text": text, f"{path}.visible": True,
            "yaxis.range": _log_range([r.total, *r.components.T])}))
    default = int(np.argmin([abs(math.log(max(v, 1e-300) * lams[-1] / 1.4)) for v in values]))  # 最接近 η = 0.7·2/λ_max
    active = default if active is None else notes.clamp_int(active, 0, len(values) - 1, label="active",
                                                            default=default)
    for name, update in _eigen_updates(results[active], names).items():
        fig.update_traces(selector={"name": name}, **update)
    fig.update_layout(yaxis_range=_log_range([results[active].total, *results[active].components.T]),
                      sliders=sliders_below(layout, [slider(name="学习率 η", steps=ui_steps, active=active)]))
    return set_message(fig, wrap(" ".join(filter(None, [str(notes), results[active].message]))))


def panel_eigenvalues(kappa: float, *, largest: float = 2.0) -> tuple[float, ...]:
    """面板用的特征值：λ_max = ``largest``、λ_min = λ_max/κ，0.5 落在两者之间时也加上（见 {ref}`sec-optimization-theory`）。

    κ = 40 时就是默认的三个特征值 :data:`DEFAULT_EIGENVALUES`。
    """
    low = largest / kappa
    return (low, 0.5, largest) if low < 0.5 < largest else tuple(sorted({low, largest}))


def _update_eigen_panel(fig: go.FigureWidget, values: dict) -> str:
    """按 κ 重新定特征值，按 η（或最优 η）重算各方向的损失。"""
    lams = panel_eigenvalues(values["kappa"])
    lr = 2 / (min(lams) + max(lams)) if values["optimal"] else values["lr"]
    r = eigen_errors(eigenvalues=lams, lr=lr, steps=values["steps"])
    t = np.arange(r.steps + 1)
    for i, trace in enumerate(fig.data[1:]):
        if i < r.eigenvalues.size:
            trace.update(name=_direction_name(r.eigenvalues[i], i), x=t, y=_positive(r.components[:, i]),
                         visible=True)
        else:
            trace.update(name=f"（未用 {i + 1}）", x=[], y=[], visible=False)
    fig.data[0].update(x=t, y=_positive(r.total))
    fig.layout.yaxis.range = _log_range([r.total, *r.components.T])
    return f"κ = {values['kappa']:.3g}，特征值 {'、'.join(f'{v:g}' for v in r.eigenvalues)}。{r.message}"


def eigen_error_panel(*, kappa: float = 40.0, lr: float = 0.5, steps: int = 60) -> LivePanel:
    """JupyterLab 中的实时面板：拖动学习率（或勾选“最优 η”）与条件数 κ，看各方向的损失（见 {ref}`sec-optimization-theory`）。"""
    fig, _ = _eigen_base([_direction_name(v, i) for i, v in enumerate(panel_eigenvalues(40.0))], sliders=0)
    controls = {
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0.5, step=0.02, description="学习率 η",
                                     readout_format=".3g"),
        "optimal": widgets.Checkbox(value=False, description="最优 η"),
        "kappa": widgets.FloatLogSlider(value=kappa, base=10, min=0, max=3, step=0.05, description="条件数 κ",
                                        readout_format=".3g"),
        "steps": widgets.IntSlider(value=steps, min=1, max=300, description="步数"),
    }
    return LivePanel(figure=fig, controls=controls, update=_update_eigen_panel)



# ---------------------------------------------------------------- 动量：收敛因子与 (η, μ) 地图


def _radius(lr, momentum, lams) -> np.ndarray:
    """每个方向的收敛因子 ρ(η, μ, λ)：z² − (1 + μ − ηλ)z + μ = 0 两根的模的较大者（可广播）。"""
    t = 1 + momentum - lr * lams
    disc = t * t - 4 * momentum
    real = (np.abs(t) + np.sqrt(np.abs(disc))) / 2
    return np.where(disc >= 0, real, np.sqrt(np.abs(momentum)))


def momentum_rate(*, lr: float, momentum: float, eigenvalues: Sequence[float]) -> float:
    """PyTorch 动量（b ← μb + g，w ← w − ηb）在二次函数上的收敛因子 maxᵢ ρ(η, μ, λᵢ)，≥ 1 表示不收敛（见 {ref}`sec-optimization-theory`）。"""
    lams = np.atleast_1d(np.asarray(eigenvalues, dtype=float)).ravel()
    if lams.size == 0:
        raise ValueError("momentum_rate 至少需要一个特征值（eigenvalues 为空）。")
    return float(np.max(_radius(float(lr), float(momentum), lams)))


def momentum_errors(
    *, lr: float, momentum: float, eigenvalues: Sequence[float], steps: int, start=None, ceiling: float = CEILING
) -> np.ndarray:
    """逐步执行 PyTorch 动量 b ← μb + λc、c ← c − ηb（b₀ = 0），返回每一步各方向的损失 ½λᵢcᵢ²，形状 (steps+1, n)（见 {ref}`sec-optimization-theory`）。

    ``start`` 缺省同 :func:`equal_start`。某个方向的损失一旦超过 ``ceiling``，它就停在 ``ceiling``（不再溢出）；
    步数截断到 [0, :data:`MAX_STEPS`]。
    """
    lams = np.atleast_1d(np.asarray(eigenvalues, dtype=float)).ravel()
    c = equal_start(lams) if start is None else np.atleast_1d(np.asarray(start, dtype=float)).ravel()
    if c.size != lams.size:
        raise ValueError(f"起点有 {c.size} 个分量，特征值有 {lams.size} 个，两者应一样多。")
    steps = min(max(int(steps), 0), MAX_STEPS)
    b, limit = np.zeros_like(c), np.sqrt(2 * ceiling / lams)
    stuck = np.zeros(lams.size, dtype=bool)
    out = np.empty((steps + 1, lams.size))
    out[0] = 0.5 * lams * c**2
    for t in range(1, steps + 1):
        b = np.where(stuck, 0.0, momentum * b + lams * c)
        c = c - lr * b
        stuck |= np.abs(c) > limit
        c = np.where(stuck, np.sign(c) * limit, c)
        out[t] = 0.5 * lams * c**2
    return out


@dataclass(frozen=True, kw_only=True, eq=False)
class MomentumMap(Result):
    """:func:`momentum_map` 的结果：(η, μ) 网格上的收敛因子与最优参数（见 {ref}`sec-optimization-theory`）。

    特征值归一化为 λ_max = 1、λ_min = 1/κ（``eigenvalues``）。``rate[j, i]`` 是 μ = momenta[j]、η = lrs[i]
    时的 maxᵢ ρ，≥ 1 表示不收敛。``best_*`` 是闭式的最优值（不是网格上的最小值）：
    η* = (2/(1 + 1/√κ))²，μ* = ((√κ − 1)/(√κ + 1))²，ρ* = √μ*；``gd_best_lr`` = 2/(1 + 1/κ) 与
    ``gd_best_rate`` = (κ − 1)/(κ + 1) 是纯梯度下降（μ = 0）的最优值。
    """

    kappa: float
    eigenvalues: np.ndarray
    lrs: np.ndarray
    momenta: np.ndarray
    rate: np.ndarray
    best_lr: float
    best_momentum: float
    best_rate: float
    gd_best_lr: float
    gd_best_rate: float


KAPPA_RANGE = (1.0, 1e6)
MAP_LR_RANGE = (0.0, 4.0)
MAP_MOMENTUM_RANGE = (0.0, 0.99)
MAP_LRS = tuple(np.round(np.linspace(0.05, 4.0, 80), 4))
MAP_MOMENTA = tuple(np.round(np.linspace(0.0, 0.99, 45), 4))


def optimal_momentum(kappa: float) -> tuple[float, float, float]:
    """λ_max = 1、λ_min = 1/κ 时动量的最优 (η*, μ*, ρ*)（见 {ref}`sec-optimization-theory`）。"""
    root = math.sqrt(kappa)
    return (2 / (1 + 1 / root)) ** 2, ((root - 1) / (root + 1)) ** 2, (root - 1) / (root + 1)


def _speedup(gd_rate: float, best_rate: float) -> str:
    if not 0 < gd_rate < 1 or not 0 < best_rate < 1:
        return ""
    return f"达到同样精度，梯度下降所需的步数约是动量的 {math.log(best_rate) / math.log(gd_rate):.3g} 倍。"


def _grid(notes: Notes, values, default: Sequence[float], bounds: tuple[float, float], label: str) -> np.ndarray:
    given = default if values is None else values
    return np.array(sorted({float(f"{notes.clamp(v, *bounds, label=label):.6g}") for v in given}), dtype=float)


def momentum_map(*, kappa: float, lrs: Sequence[float] | None = None,
                 momenta: Sequence[float] | None = None) -> MomentumMap:
    """条件数为 κ 的二次函数上，动量在 (η, μ) 网格每一点的收敛因子，以及闭式的最优参数（见 {ref}`sec-optimization-theory`）。

    κ < 1（或 nan）是不可能的条件数：返回空网格与一句说明；过大的 κ、超出范围的 η 与 μ 被截断并写进 ``message``。
    """
    notes = Notes()
    lr_grid = _grid(notes, lrs, MAP_LRS, MAP_LR_RANGE, "学习率 η")
    mu_grid = _grid(notes, momenta, MAP_MOMENTA, MAP_MOMENTUM_RANGE, "动量 μ")
    kappa = float(kappa)
    if not kappa >= 1:
        notes.add(f"条件数 κ = {kappa:g} 不可能：κ = λ_max/λ_min 至少是 1。")
        nan = math.nan
        return MomentumMap(kappa=kappa, eigenvalues=np.zeros(0), lrs=lr_grid, momenta=mu_grid,
                           rate=np.zeros((0, 0)), best_lr=nan, best_momentum=nan, best_rate=nan, gd_best_lr=nan,
                           gd_best_rate=nan, message=str(notes))
    kappa = notes.clamp(kappa, *KAPPA_RANGE, label="条件数 κ")
    lams = np.array([1 / kappa, 1.0])
    rate = np.max(_radius(lr_grid[None, :, None], mu_grid[:, None, None], lams[None, None, :]), axis=2)
    best_lr, best_mu, best_rate = optimal_momentum(kappa)
    gd_rate = (kappa - 1) / (kappa + 1)
    notes.add(f"κ = {kappa:g}：最优 η*={best_lr:.3g}、μ*={best_mu:.3g}，ρ*={best_rate:.3g}；"
              f"最优梯度下降 ρ={gd_rate:.3g}。{_speedup(gd_rate, best_rate)}")
    return MomentumMap(kappa=kappa, eigenvalues=lams, lrs=lr_grid, momenta=mu_grid, rate=rate, best_lr=best_lr,
                       best_momentum=best_mu, best_rate=best_rate, gd_best_lr=2 / (1 + 1 / kappa),
                       gd_best_rate=gd_rate, message=str(notes))



#: 静态图里可选的几个点（名字 → 菜单上的标签）；具体的 (η, μ) 由 :func:`momentum_presets` 按 κ 算出
PRESETS = {"optimal": "最优", "underdamped": "欠阻尼（μ 太大）", "overdamped": "过阻尼（μ 太小）",
           "gd": "纯梯度下降 μ=0"}
MAP_PLOT_PX = 560
MAP_MESSAGE_LINES = 4
MAP_TITLE = "动量在 (η, μ) 平面上的收敛因子 ρ<br>（λ_max = 1，λ_min = 1/κ）"
CURVE_CEILING = 1e2
CURVE_FLOOR = 1e-12
DIVERGED = "灰色：不收敛（ρ ≥ 1）"
#: 颜色用 −lg(1 − ρ)：越接近 1 的 ρ 分得越开；色条上标的是 ρ 本身
RATE_TICKS = (0.0, 0.5, 0.9, 0.99, 0.999, 0.9999)


def momentum_presets(kappa: float) -> dict[str, tuple[float, float]]:
    """λ_max = 1、λ_min = 1/κ 时几个有代表性的 (η, μ)：最优、欠阻尼、过阻尼、最优的纯梯度下降（见 {ref}`sec-optimization-theory`）。

    欠阻尼：η 不变，μ 取 1 − (1 − μ*)/3（更靠近 1，误差振荡）；过阻尼：μ = μ*/4，η 按 (1 + μ)/(1 + μ*) 缩小
    （快方向的相对位置不变），慢方向的两个根都是实数、爬得慢。
    """
    lr, mu, _ = optimal_momentum(kappa)
    low = mu / 4
    return {"optimal": (lr, mu), "underdamped": (lr, 1 - (1 - mu) / 3),
            "overdamped": (lr * (1 + low) / (1 + mu), low), "gd": (2 / (1 + 1 / kappa), 0.0)}


def _steps_for(kappa: float) -> int:
    """曲线的步数：够最优动量把损失降到 CURVE_FLOOR 再多一半。"""
    rate = optimal_momentum(kappa)[2]
    if rate <= 0:
        return 20
    return int(min(max(math.ceil(1.5 * math.log(CURVE_FLOOR) / (2 * math.log(rate))), 20), 600))


def _color_z(rate: np.ndarray) -> list:
    """热图的颜色值 −lg(1 − ρ)（上限 4）；ρ ≥ 1 写成 None，露出底下灰色的“不收敛”区域。"""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(rate < 1, np.minimum(-np.log10(np.maximum(1 - rate, 1e-12)), 4.0), np.nan)
    return [rounded(row, digits=3) for row in z]


def _names(tag: str) -> dict[str, str]:
    """一组曲线的名字：热图、两个标记与三条曲线，后面接上 ``tag``（例如“（κ=100）”）。"""
    keys = ("heat", "best", "chosen", "total", "slow", "fast")
    labels = ("收敛因子", "最优点", "所选点", "总损失", "最慢方向 λ = 1/κ", "最快方向 λ = 1")
    return {k: f"{label}{tag}" for k, label in zip(keys, labels)}


MARKERS = {"best": {"symbol": "star", "size": 16, "color": "white", "line": {"color": "black", "width": 1.5}},
           "chosen": {"symbol": "circle-open", "size": 15, "color": "#d62728", "line": {"width": 3}}}
LINES = {"total": {"color": "black", "width": 3}, "slow": {"color": "#1f77b4", "width": 1.5, "dash": "dash"},
         "fast": {"color": "#ff7f0e", "width": 1.5, "dash": "dot"}}
LEGEND_KEYS = (*MARKERS, *LINES)


def _legend_entries(fig: go.Figure) -> list[str]:
    """静态图的图例：每种标记与曲线一个不带 κ 的条目（各组的曲线本身不进图例），返回它们的名字。"""
    names = _names("")
    for key, marker in MARKERS.items():
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=names[key], marker=marker), row=1, col=1)
    for key, line in LINES.items():
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=names[key], line=line), row=2, col=1)
    return [names[k] for k in LEGEND_KEYS]


def _add_group(fig: go.Figure, tag: str, *, visible: bool, colorbar: dict, legend: bool) -> None:
    """一个 κ 的一组曲线（名字带 ``tag``）：热图、最优点、所选点，以及下面的三条损失曲线。"""
    n = _names(tag)
    fig.add_trace(go.Heatmap(x=[], y=[], z=[], name=n["heat"], visible=visible, zmin=0, zmax=4, colorscale="Viridis",
                             reversescale=True, colorbar=colorbar, hoverongaps=False,
                             hovertemplate="η = %{x:.3g}，μ = %{y:.3g}<br>ρ = %{customdata:.4f}<extra></extra>"),
                  row=1, col=1)
    for key, marker in MARKERS.items():
        fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name=n[key], visible=visible, marker=marker,
                                 showlegend=legend), row=1, col=1)
    for key, line in LINES.items():
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=n[key], visible=visible, line=line,
                                 showlegend=legend), row=2, col=1)


def _map_base(tags: Sequence[str], *, menu: bool, sliders: int) -> tuple[go.Figure, Frame]:
    """figure 与 panel 共用的底图：上面是 (η, μ) 平面的热图，下面是所选点的损失曲线；每个 ``tags`` 一组曲线。"""
    layout = frame(plot=MAP_PLOT_PX, title_lines=2, menu=menu, message_lines=MAP_MESSAGE_LINES, sliders=sliders,
                   legend_rows=3)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.56, 0.44], vertical_spacing=90 / MAP_PLOT_PX)
    low, high = fig.layout.yaxis.domain
    ticks = [0.0 if r == 0 else -math.log10(1 - r) for r in RATE_TICKS]
    colorbar = {"title": {"text": "ρ"}, "tickvals": ticks, "ticktext": [f"{r:g}" for r in RATE_TICKS],
                "thickness": 12, "len": high - low, "y": (low + high) / 2, "yanchor": "middle", "x": 1.0, "xpad": 6}
    fig.add_shape(type="rect", xref="x domain", yref="y domain", x0=0, x1=1, y0=0, y1=1, layer="below",
                  fillcolor="#bdbdbd", line={"width": 0})
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=DIVERGED,
                             marker={"symbol": "square", "size": 12, "color": "#bdbdbd"}), row=1, col=1)
    for i, tag in enumerate(tags):
        _add_group(fig, tag, visible=i == 0, colorbar=colorbar, legend=not tag)
    if any(tags):
        _legend_entries(fig)
    fig.update_xaxes(title_text="学习率 η", range=list(MAP_LR_RANGE), row=1, col=1)
    fig.update_yaxes(title_text="动量 μ", range=list(MAP_MOMENTUM_RANGE), row=1, col=1)
    fig.update_xaxes(title_text="迭代次数 t", row=2, col=1)
    fig.update_yaxes(title_text="损失", type="log", exponentformat="power",
                     range=[math.log10(CURVE_FLOOR), math.log10(CURVE_CEILING) + 0.2], row=2, col=1)
    apply_frame(fig, layout, title=MAP_TITLE)
    fig.update_layout(margin={"r": 64})
    reserve_notes(fig)  # 说明行先放好（隐藏），滑块的各步按路径改写它
    return fig, layout


def _heat_update(m: MomentumMap) -> dict[str, list]:
    return {"x": rounded(m.lrs, digits=4), "y": rounded(m.momenta, digits=4), "z": _color_z(m.rate),
            "customdata": [rounded(row, digits=4) for row in m.rate]}


def _curve_updates(names: dict[str, str], kappa: float, lr: float, mu: float, steps: int) -> dict[str, dict]:
    """所选点 (η, μ) 的标记与三条损失曲线（总损失与两个方向）的数据。"""
    loss = momentum_errors(lr=lr, momentum=mu, eigenvalues=(1 / kappa, 1.0), steps=steps, ceiling=CURVE_CEILING)
    t = list(range(steps + 1))
    keep = lambda v: rounded(np.where(v >= CURVE_FLOOR, v, np.nan), digits=4)  # noqa: E731
    return {names["chosen"]: {"x": [round(lr, 4)], "y": [round(mu, 4)]},
            names["total"]: {"x": t, "y": keep(loss.sum(axis=1))},
            names["slow"]: {"x": t, "y": keep(loss[:, 0])}, names["fast"]: {"x": t, "y": keep(loss[:, 1])}}


def _preset_text(kappa: float, keys: Sequence[str]) -> str:
    """说明行里欠阻尼、过阻尼两个点的收敛因子（最优与梯度下降的已在地图的说明里）。"""
    short = {"underdamped": "欠阻尼", "overdamped": "过阻尼"}
    rates = [f"{short[k]} ρ={momentum_rate(lr=lr, momentum=mu, eigenvalues=(1 / kappa, 1.0)):.3g}"
             for k, (lr, mu) in momentum_presets(kappa).items() if k in keys and k in short]
    return "，".join(rates) + ("。" if rates else "")


def _clean_kappas(notes: Notes, kappas: Sequence[float]) -> list[float]:
    good = []
    for value in kappas:
        value = float(value)
        if not value >= 1:
            notes.add(f"条件数 κ = {value:g} 不可能（κ = λ_max/λ_min ≥ 1），已去掉。")
            continue
        good.append(float(f"{notes.clamp(value, *KAPPA_RANGE, label='条件数 κ'):.6g}"))
    return sorted(set(good))


def _clean_points(notes: Notes, points: Sequence[str]) -> list[str]:
    unknown = [str(p) for p in points if p not in PRESETS]
    if unknown:
        notes.add(f"未知的点 {'、'.join(unknown)} 已忽略，可选的有：{'、'.join(PRESETS)}。")
    keys = [k for k in PRESETS if k in points]
    if not keys:
        notes.add("没有可选的点：只画最优点。")
    return keys or ["optimal"]


def _map_steps(fig: go.Figure, ks: list[float], keys: list[str], prefix: str, lrs, momenta, steps) -> tuple:
    """κ 滑块（切换可见的一组并改写说明行）与选点菜单（改写每个 κ 的所选点与曲线）的各步。"""
    path = message_path(fig)
    counts = {k: _steps_for(k) if steps is None else steps for k in ks}
    kappa_steps, legend = [], [_names("")[k] for k in LEGEND_KEYS]
    for k in ks:
        m = momentum_map(kappa=k, lrs=lrs, momenta=momenta)
        names = _names(f"（κ={k:g}）")
        fig.update_traces(selector={"name": names["heat"]}, **_heat_update(m))
        fig.update_traces(selector={"name": names["best"]}, x=[round(m.best_lr, 4)], y=[round(m.best_momentum, 4)])
        text = wrap(" ".join(filter(None, [prefix, m.message + _preset_text(k, keys)])))
        kappa_steps.append(visibility_step(fig, f"{k:g}", [DIVERGED, *legend, *names.values()], layout={
            f"{path}.text": text, f"{path}.visible": True, "xaxis2.range": [0, counts[k]]}))
    point_steps = []
    for key in keys:
        updates: dict[str, dict] = {}
        for k in ks:
            lr, mu = momentum_presets(k)[key]
            updates.update(_curve_updates(_names(f"（κ={k:g}）"), k, lr, mu, counts[k]))
        point_steps.append(restyle_step(fig, PRESETS[key], updates))
    return kappa_steps, point_steps


def momentum_map_figure(
    *, kappas: Sequence[float] = (10, 100, 1000), points: Sequence[str] = tuple(PRESETS),
    lrs: Sequence[float] | None = None, momenta: Sequence[float] | None = None, steps: int | None = None,
    active_kappa: int | None = None, active_point: int = 0,
) -> go.Figure:
    """动量收敛因子在 (η, μ) 平面上的地图与所选点的损失曲线：κ 滑块与选点菜单的每一步都预先算好（见 {ref}`sec-optimization-theory`）。

    ``points`` 取 :data:`PRESETS` 的键；曲线的步数缺省按 κ 自动选（最优动量把损失降到 1e-12 还多一半）。
    """
    notes = Notes()
    ks = _clean_kappas(notes, kappas)
    keys = _clean_points(notes, points)
    if steps is not None:
        steps = notes.clamp_int(steps, 1, MAX_STEPS, label="步数", default=100)
    fig, layout = _map_base([f"（κ={k:g}）" for k in ks] or [""], menu=True, sliders=1)
    if not ks:
        set_message(fig, wrap(str(notes)))
        return draw_empty(fig, "没有可用的条件数 κ（需要 κ ≥ 1）：<br>没有可画的地图。")
    default = ks.index(100.0) if 100.0 in ks else len(ks) // 2
    ak = default if active_kappa is None else notes.clamp_int(active_kappa, 0, len(ks) - 1, label="active_kappa",
                                                                default=default)
    ap = notes.clamp_int(active_point, 0, len(keys) - 1, label="active_point", default=0)
    kappa_steps, point_steps = _map_steps(fig, ks, keys, str(notes), lrs, momenta, steps)
    apply_step(fig, point_steps[ap])
    apply_step(fig, kappa_steps[ak])
    return fig.update_layout(
        sliders=sliders_below(layout, [slider(name="条件数 κ", steps=kappa_steps, active=ak)]),
        updatemenus=[dropdown(steps=point_steps, active=ap, x=0.0, y=menu_y(layout), name="所选点")])


def _update_map_panel(fig: go.FigureWidget, values: dict) -> str:
    """按 κ 重算地图，按 (η, μ) 重算所选点的曲线。"""
    lr, mu = values["lr"], values["momentum"]
    m = momentum_map(kappa=values["kappa"])
    names = _names("")
    fig.update_traces(selector={"name": names["heat"]}, **_heat_update(m))
    fig.update_traces(selector={"name": names["best"]}, x=[m.best_lr], y=[m.best_momentum])
    steps = _steps_for(m.kappa)
    for name, update in _curve_updates(names, m.kappa, lr, mu, steps).items():
        fig.update_traces(selector={"name": name}, **update)
    fig.layout.xaxis2.range = [0, steps]
    rate = momentum_rate(lr=lr, momentum=mu, eigenvalues=m.eigenvalues)
    verdict = (f"ρ = {rate:.4g} ≥ 1，不收敛（曲线在 {CURVE_CEILING:g} 处截断）。" if rate >= 1
               else f"ρ = {rate:.4g}（最优 ρ* = {m.best_rate:.4g}）。")
    return f"η = {lr:.3g}、μ = {mu:.3g}：{verdict}{m.message}"


def momentum_map_panel(*, kappa: float = 100.0, lr: float = 2.0, momentum: float = 0.9) -> LivePanel:
    """JupyterLab 中的实时面板：拖动 η、μ、κ（或点热图选点），看收敛因子与损失曲线（见 {ref}`sec-optimization-theory`）。"""
    fig, _ = _map_base([""], menu=False, sliders=0)
    controls = {
        "lr": widgets.FloatSlider(value=lr, min=0.05, max=4.0, step=0.01, description="学习率 η"),
        "momentum": widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.005, description="动量 μ",
                                        readout_format=".3f"),
        "kappa": widgets.FloatLogSlider(value=kappa, base=10, min=0, max=3, step=0.05, description="条件数 κ",
                                        readout_format=".3g"),
    }
    jump = widgets.Button(description="跳到最优点")
    panel = LivePanel(figure=fig, controls=controls, update=_update_map_panel, actions=[jump],
                      footer=[widgets.HTML("在 JupyterLab 里点热图上的一点，也会把 η 与 μ 设成那一点。")])

    def go_to_best(_button=None) -> None:
        best_lr, best_mu, _ = optimal_momentum(controls["kappa"].value)
        controls["lr"].value, controls["momentum"].value = round(best_lr, 2), round(best_mu, 3)

    def pick(_trace, points, _state) -> None:
        if points.xs:
            controls["lr"].value, controls["momentum"].value = points.xs[0], points.ys[0]

    jump.on_click(go_to_best)
    heat = next(t for t in panel.figure.data if t.name == _names("")["heat"])
    heat.on_click(pick)
    return panel


EIGEN_EXPLORER = Explorer(
    name="eigen_errors",
    chapter=REF,
    compute=eigen_errors,
    figure=eigen_error_figure,
    panel=eigen_error_panel,
    compute_kwargs={"lr": 0.5},
    figure_kwargs={"lrs": (0.2, 1.05), "steps": 30},
    panel_kwargs={"steps": 30},
    extremes=({"eigenvalues": ()}, {"eigenvalues": (-1.0, 0.5, 1e9)}, {"lrs": (-1.0, 1e9), "steps": -3},
              {"lrs": ()}, {"active": 99}),
)


MOMENTUM_EXPLORER = Explorer(
    name="momentum_map",
    chapter=REF,
    compute=momentum_map,
    figure=momentum_map_figure,
    panel=momentum_map_panel,
    compute_kwargs={"kappa": 100.0},
    figure_kwargs={"kappas": (10, 100), "lrs": tuple(np.linspace(0.1, 4.0, 14)), "momenta": (0.0, 0.3, 0.6, 0.9)},
    extremes=({"kappas": ()}, {"kappas": (0.5,)}, {"kappas": (-3.0, 100.0, 1e9)}, {"points": ("nope",)},
              {"lrs": (-1.0, 9.0), "momenta": (1.5,), "steps": -5}, {"active_kappa": 99}),
)
