"""优化器轨迹的交互图：在几个二维损失曲面上比较 SGD、Momentum、Nesterov、AdaGrad、RMSProp、Adam 与 AdamW（见 {ref}`sec-optimizers`）。

- :func:`optimizer_paths` 是纯计算函数：用 :mod:`dlbook.optim2d` 里手写的七种优化器（与 ``torch.optim`` 的更新规则
  逐项一致）从同一起点出发各走 ``steps`` 步，返回 :class:`OptimizerPaths`；走出画框就截断并标记发散，不抛异常；
- :func:`optimizer_figure` 用预先算好的下拉菜单（曲面与起点）与滑块（学习率、动量）画出轨迹，静态 HTML 中可拖动；
- :func:`optimizer_panel` 是 JupyterLab 里的实时面板，所有超参数、κ、旋转角、噪声与起点都可调。

书页上的实时探索器（``book/_static/dlbook-optim.js``，在浏览器里计算）用的是同样的公式，见 :mod:`dlbook.optim2d`。

可选的曲面见 :data:`SURFACES`；优化器的名字与显示名来自全书唯一的登记表 :data:`dlbook.optim.OPTIMIZERS`，
这里用 NumPy 实现其中的 :data:`LABELS` 这几种。
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.figure_layout import TITLE_CHARS, Frame, apply_frame, frame, menu_y, message_path, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    clear_empty,
    draw_empty,
    dropdown,
    restyle_step,
    set_message,
    slider,
    visibility_step,
)
from dlbook.optim import OPTIMIZERS
from dlbook.optim2d import OPTIMIZER_NAMES, SURFACE_NAMES, Surface, make_surface, run_path


SURFACES: dict[str, Surface] = {name: make_surface(name) for name in SURFACE_NAMES}

#: 静态交互图里每个曲面可选的起点：第一个是曲面的默认起点，第二个从另一个方向出发。
FIGURE_STARTS: dict[str, tuple[tuple[float, float], ...]] = {
    "bowl": (SURFACES["bowl"].start, (1.0, 1.8)),
    "saddle": (SURFACES["saddle"].start, (2.0, -0.3)),
    "valley": (SURFACES["valley"].start, (0.0, -0.8)),
}

#: 这里用 NumPy 实现的优化器：内部名字 → 显示名（取自 :data:`dlbook.optim.OPTIMIZERS`，顺序就是图例的顺序）。
LABELS: dict[str, str] = {k: OPTIMIZERS[k].label for k in OPTIMIZER_NAMES}

COLORS = {"sgd": "#444444", "momentum": "#1f77b4", "nesterov": "#17becf", "adagrad": "#2ca02c", "rmsprop": "#9467bd",
          "adam": "#d62728", "adamw": "#ff7f0e"}
MAX_LR = 10.0
MAX_STEPS = 1000
MAX_BETA = 0.999
MAX_KAPPA = 100.0
MAX_NOISE = 5.0
MAX_DECAY = 10.0


@dataclass(frozen=True, kw_only=True)
class Trajectory(Result):
    """一种优化器的轨迹：点列 ``x``、``y`` 与损失 ``loss``（截断到第一次走出画框之前，最后补上与画框的交点），
    ``diverged``（走出画框或数值爆掉）、``exit_step``（第几步走出画框，没有就是 ``None``）与 ``final_loss``（见 {ref}`sec-optimizers`）。"""

    name: str
    label: str
    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    diverged: bool
    exit_step: int | None
    final_loss: float


@dataclass(frozen=True, kw_only=True)
class OptimizerPaths(Result):
    """:func:`optimizer_paths` 的结果：曲面、起点与每种优化器的 :class:`Trajectory`（见 {ref}`sec-optimizers`）。"""

    surface: str
    label: str
    box: tuple[float, float, float, float]
    start: tuple[float, float]
    steps: int
    lr: float
    paths: dict[str, Trajectory]


def _surface(name: str) -> Surface:
    if name not in SURFACES:
        raise ValueError(f"未知的曲面 {name!r}，可选的有：{'、'.join(SURFACES)}。")
    return SURFACES[name]


def _clamp_settings(notes: Notes, spec: Surface, *, start, steps, **values) -> dict:
    """按统一规则截断读者能设的值（超出范围的写进说明）。"""
    x0, x1, y0, y1 = spec.box
    start = spec.start if start is None else start
    ranges = {  # 名字: (下限, 上限, 说明里的名字, nan 时的缺省值)
        "lr": (0.0, MAX_LR, "学习率 η", spec.lr), "momentum": (0.0, MAX_BETA, "动量 μ", 0.9),
        "beta1": (0.0, MAX_BETA, "β₁", 0.9), "beta2": (0.0, MAX_BETA, "β₂", 0.999), "alpha": (0.0, MAX_BETA, "α", 0.99),
        "weight_decay": (0.0, MAX_DECAY, "权重衰减 λ", 0.0), "kappa": (1.0, MAX_KAPPA, "条件数 κ", 10.0),
        "angle": (-90.0, 90.0, "旋转角", 0.0), "noise": (0.0, MAX_NOISE, "噪声 σ", 0.0),
    }
    out = {k: notes.clamp(values[k], lo, hi, label=label, default=d) for k, (lo, hi, label, d) in ranges.items()}
    out["seed"] = notes.clamp_int(values["seed"], 0, 2**32 - 1, label="随机种子", default=0)
    out["start"] = (notes.clamp(start[0], x0, x1, label="起点 x", default=spec.start[0]),
                    notes.clamp(start[1], y0, y1, label="起点 y", default=spec.start[1]))
    out["steps"] = notes.clamp_int(steps, 0, MAX_STEPS, label="步数", default=60)
    return out


def _trajectory(name: str, surface: str, settings: dict, limit: float) -> Trajectory:
    p = run_path(optimizer=name, surface=surface, limit=limit, **settings)
    return Trajectory(name=name, label=LABELS[name], x=p.x, y=p.y, loss=p.loss, diverged=p.diverged,
                      exit_step=p.exit_step, final_loss=float("nan") if p.diverged else float(p.loss[-1]))


def _summary(paths: dict[str, Trajectory], *, lr: float, steps: int) -> str:
    gone = [p.label for p in paths.values() if p.diverged]
    if not paths:
        return "没有选择任何优化器：勾选至少一种才有轨迹可画。"
    if gone:
        return f"η = {lr:g}：{'、'.join(gone)} 走出了画框（发散），轨迹截断在画框边缘，用 × 标出。"
    if steps == 0:
        return "步数为 0：每种优化器都还停在起点。"
    best = min(paths.values(), key=lambda p: p.final_loss)
    return f"η = {lr:g}，{steps} 步后损失最低的是 {best.label}。"


def optimizer_paths(
    *,
    surface: str = "bowl",
    optimizers: Sequence[str] = tuple(LABELS),
    lr: float = 0.05,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    alpha: float = 0.99,
    weight_decay: float = 0.0,
    kappa: float = 10.0,
    angle: float = 0.0,
    noise: float = 0.0,
    seed: int = 0,
    start: tuple[float, float] | None = None,
    steps: int = 60,
    limit: float = 1e8,
) -> OptimizerPaths:
    """在一个二维曲面上运行几种优化器，返回各自的轨迹、损失与是否发散（见 {ref}`sec-optimizers`）。

    超参数的含义与 ``torch.optim`` 相同：``momentum`` 是 SGD 的 μ，``alpha`` 是 RMSprop 的 α，
    ``beta1``/``beta2`` 是 Adam/AdamW 的 β₁/β₂，``weight_decay`` 是 λ（AdamW 解耦，其余加在梯度上）。
    ``kappa``（条件数）与 ``angle``（旋转角，度）只对狭长的碗起作用；``noise`` 是梯度噪声的标准差 σ，
    噪声由 ``seed`` 决定（与书页上的 JS 实现同一串随机数）。更新规则见 :mod:`dlbook.optim2d`。超出范围的学习率、超参数、起点与步数被截断并写进 ``message``；
    未知的曲面或优化器名是程序错误，抛出中文 ``ValueError``。
    """
    _surface(surface)
    unknown = [o for o in optimizers if o not in LABELS]
    if unknown:
        raise ValueError(f"未知的优化器 {unknown}，这里实现了：{'、'.join(LABELS)}。")
    notes = Notes()
    s = _clamp_settings(notes, SURFACES[surface], lr=lr, momentum=momentum, beta1=beta1, beta2=beta2, alpha=alpha,
                        weight_decay=weight_decay, kappa=kappa, angle=angle, noise=noise, seed=seed,
                        start=start, steps=steps)
    spec = make_surface(surface, kappa=s["kappa"], angle=s["angle"])
    paths = {name: _trajectory(name, surface, s, limit) for name in optimizers}
    message = " ".join(filter(None, [str(notes), _summary(paths, lr=s["lr"], steps=s["steps"])]))
    return OptimizerPaths(surface=surface, label=spec.label, box=spec.box, start=s["start"], steps=s["steps"],
                          lr=s["lr"], paths=paths, message=message)


# ---------------------------------------------------------------- 作图

PLOT_PX = 620  # 两个子图（上：轨迹，下：损失）合起来的像素高度
TRAJECTORY_TITLE = "参数的轨迹（底色越深，损失越小；× 表示轨迹在这里走出画框而发散，之后不再画出）"
LOSS_TITLE = "损失 f − f*（对数轴）"
PLAIN = ("sgd", "adagrad", "rmsprop")  # 静态图里各一条轨迹
GROUPED = ("momentum", "adam")  # 静态图里每个动量取值各一条，由动量滑块切换


def _grid(spec: Surface, num: int = 60):
    """等高线用的网格；画 log10(f − f* + 0.01)，让谷底附近的等高线也看得清。"""
    x0, x1, y0, y1 = spec.box
    xs, ys = np.linspace(x0, x1, num), np.linspace(y0, y1, num)
    X, Y = np.meshgrid(xs, ys)
    Z = np.log10(spec.loss(X, Y) - spec.f_min + 1e-2)
    return xs.round(4).tolist(), ys.round(4).tolist(), Z.round(3).tolist()


def _r(values, digits: int = 4) -> list:
    return [round(float(v), digits) for v in values]


def _g(values) -> list:
    """损失取 3 位有效数字，并给 0 一个下限，好画在对数轴上。"""
    return [float(f"{max(float(v), 1e-12):.3g}") for v in values]


def _updates(runs: Sequence[tuple[str, Trajectory]]) -> dict[str, dict[str, list]]:
    """按曲线名排好的数据：轨迹 ``名字``、发散点 ``名字 ×``（没有发散就是空）与损失线 ``名字 损失``。"""
    out: dict[str, dict[str, list]] = {}
    for name, p in runs:
        out[name] = {"x": _r(p.x, 3), "y": _r(p.y, 3)}
        hit = p.diverged and len(p.x) > 0
        out[f"{name} ×"] = {"x": [round(float(p.x[-1]), 4)] if hit else [], "y": [round(float(p.y[-1]), 4)] if hit else []}
        out[f"{name} 损失"] = {"x": list(range(len(p.x))), "y": _g(p.loss)}
    return out


def _base_figure(*, spec: Surface, start, lines: Sequence[tuple[str, str]], menu: bool,
                 sliders: int) -> tuple[go.Figure, Frame]:
    """figure 与 panel 共用的底图：上面是等高线与轨迹，下面是损失曲线；``lines`` 是 (优化器, 曲线名) 的列表。"""
    layout = frame(plot=PLOT_PX, title_lines=2, menu=menu, message_lines=4, sliders=sliders, legend_rows=3)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.62, 0.38], vertical_spacing=95 / PLOT_PX)
    xs, ys, zs = _grid(spec)
    fig.add_trace(go.Contour(x=xs, y=ys, z=zs, name="等高线", showlegend=False, colorscale="Blues",
                             reversescale=True, showscale=False, ncontours=24, contours={"coloring": "fill"},
                             opacity=0.55, hoverinfo="skip", line={"width": 0.5}), row=1, col=1)
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="起点", showlegend=False,
                             marker={"symbol": "star", "size": 14, "color": "black"}), row=1, col=1)
    for kind, name in lines:
        color = COLORS[kind]
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=name, legendgroup=name,
                                 line={"color": color, "width": 2.2}), row=1, col=1)
        fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name=f"{name} ×", legendgroup=name, showlegend=False,
                                 marker={"symbol": "x-thin", "size": 16, "line": {"width": 3, "color": color}}),
                      row=1, col=1)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=f"{name} 损失", legendgroup=name, showlegend=False,
                                 line={"color": color, "width": 2}), row=2, col=1)
    x0, x1, y0, y1 = spec.box
    fig.update_xaxes(title_text="x", range=[x0, x1], row=1, col=1)
    fig.update_yaxes(title_text="y", range=[y0, y1], row=1, col=1)
    fig.update_xaxes(title_text="步数", row=2, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=2, col=1)
    for ref, text in (("y", wrap(TRAJECTORY_TITLE)), ("y2", LOSS_TITLE)):
        fig.add_annotation(text=text, xref="x domain", yref=f"{ref} domain", x=0.0, xanchor="left", y=1.0,
                           yanchor="bottom", align="left", showarrow=False, font={"size": 12})
    apply_frame(fig, layout, title=spec.label)
    set_message(fig, "", y=layout.above(38))
    return fig, layout


def _figure_runs(surface: str, start, lr: float, steps: int, momenta: Sequence[float]):
    """静态图在一个（曲面, 起点, 学习率）下的全部轨迹：(曲线名, 轨迹) 的列表。"""
    base = optimizer_paths(surface=surface, optimizers=PLAIN, lr=lr, start=start, steps=steps).paths
    runs = [(LABELS[n], base[n]) for n in PLAIN]
    for n in GROUPED:
        for m in momenta:
            r = optimizer_paths(surface=surface, optimizers=[n], lr=lr, momentum=m, beta1=m, start=start, steps=steps)
            runs.append((f"{LABELS[n]} μ={m:g}", r.paths[n]))
    return runs


def _step_message(runs, lr: float) -> str:
    """滑块一步的说明：哪些轨迹走出了画框。"""
    gone = [LABELS[n] for n, (_, p) in zip(PLAIN, runs) if p.diverged]
    for n in GROUPED:
        flags = [p.diverged for name, p in runs if name.startswith(f"{LABELS[n]} μ=")]
        if any(flags):
            gone.append(LABELS[n] if all(flags) else f"{LABELS[n]}（部分 μ）")
    if not gone:
        return f"η = {lr:.2g}：没有轨迹走出画框。"
    return f"η = {lr:.2g}：{'、'.join(gone)} 走出了画框（发散），用 × 标出。"


def _lines(momenta: Sequence[float]) -> list[tuple[str, str]]:
    return [(n, LABELS[n]) for n in PLAIN] + [(n, f"{LABELS[n]} μ={m:g}") for n in GROUPED for m in momenta]


def _visible(momenta: Sequence[float], j: int) -> list[str]:
    """动量滑块在第 j 步时可见的曲线名。"""
    keep = [name for n, name in _lines(momenta) if n in PLAIN or name.endswith(f"μ={momenta[j]:g}")]
    return ["等高线", "起点"] + [f"{name}{suffix}" for name in keep for suffix in ("", " ×", " 损失")]


def _clean_figure_settings(notes: Notes, *, lrs, momenta, steps, start_index, surface):
    lrs = np.geomspace(0.003, 3.0, 13) if lrs is None else lrs
    lrs = sorted({notes.clamp(v, 1e-4, MAX_LR, label="学习率 η", default=0.01) for v in lrs})
    momenta = sorted({round(notes.clamp(m, 0.0, 0.99, label="动量 μ", default=0.9), 4) for m in momenta})
    steps = notes.clamp_int(steps, 0, 300, label="步数", default=60)
    start_index = notes.clamp_int(start_index, 0, len(FIGURE_STARTS[surface]) - 1, label="start_index", default=0)
    return lrs, momenta, steps, start_index


def _combo_sliders(fig, layout: Frame, table, lrs, momenta, *, active_lr: int, active_momentum: int) -> list[dict]:
    """一个（曲面, 起点）组合的两个滑块：学习率（按名字改轨迹数据与说明行）与动量（按名字切换可见的曲线）。"""
    path = message_path(fig)
    lr_steps = [restyle_step(fig, f"{lr:.2g}", updates, layout={f"{path}.text": wrap(msg), f"{path}.visible": True})
                for lr, (updates, msg) in zip(lrs, table)]
    momentum_steps = [visibility_step(fig, f"{m:g}", _visible(momenta, j)) for j, m in enumerate(momenta)]
    return sliders_below(layout, [
        slider(name="学习率 η", steps=lr_steps, active=active_lr),
        slider(name="动量 μ（Adam 的 β₁）", steps=momentum_steps, active=active_momentum),
    ])


def _menu_step(fig, combo, updates: dict, visible: list[str], sliders: list[dict], message: str):
    """下拉菜单的一项：换曲面与起点，轨迹、滑块与说明行换成这个组合预先算好的。"""
    name, start = combo
    spec = SURFACES[name]
    xs, ys, zs = _grid(spec)
    data = {"等高线": {"x": xs, "y": ys, "z": zs}, "起点": {"x": [start[0]], "y": [start[1]], "z": None},
            **{k: {**v, "z": None} for k, v in updates.items()}}
    data = {k: {**v, "visible": k in visible} for k, v in data.items()}
    x0, x1, y0, y1 = spec.box
    path = message_path(fig)
    layout = {"title.text": wrap(spec.label, TITLE_CHARS), "xaxis.range": [x0, x1], "yaxis.range": [y0, y1],
              "yaxis2.autorange": True, "sliders": sliders, f"{path}.text": wrap(message), f"{path}.visible": True}
    return restyle_step(fig, f"{spec.short}，起点 ({start[0]:g}, {start[1]:g})", data, layout=layout)


def optimizer_figure(
    *,
    surface: str = "bowl",
    lrs: Sequence[float] | None = None,
    momenta: Sequence[float] = (0.0, 0.5, 0.8, 0.9, 0.95),
    steps: int = 60,
    active_lr: int | None = None,
    active_momentum: int | None = None,
    start_index: int = 0,
) -> go.Figure:
    """几种优化器在二维曲面上的轨迹：下拉菜单选曲面与起点，滑块选学习率与动量，各步都预先算好（见 {ref}`sec-optimizers`）。

    每个曲面有 :data:`FIGURE_STARTS` 中的几个起点，下拉菜单的每一项是一个（曲面, 起点）组合。
    动量滑块同时设定 SGD 的 μ 与 Adam 的 β₁；RMSProp 的 α = 0.99、Adam 的 β₂ = 0.999 固定。
    ``active_lr`` 缺省时，每个曲面的学习率滑块停在最接近该曲面默认学习率的一步。
    """
    spec = _surface(surface)
    notes = Notes()
    lrs, momenta, steps, start_index = _clean_figure_settings(notes, lrs=lrs, momenta=momenta, steps=steps,
                                                              start_index=start_index, surface=surface)
    key = (surface, FIGURE_STARTS[surface][start_index])
    fig, layout = _base_figure(spec=spec, start=key[1], lines=_lines(momenta), menu=True, sliders=2)
    if not lrs or not momenta or steps == 0:
        set_message(fig, wrap(str(notes)), y=layout.above(38))
        return draw_empty(fig, "步数为 0 或没有可选的学习率 / 动量：<br>没有轨迹可画。")
    j = notes.clamp_int(min(3, len(momenta) - 1) if active_momentum is None else active_momentum, 0,
                        len(momenta) - 1, label="active_momentum", default=0)
    if active_lr is not None:
        active_lr = notes.clamp_int(active_lr, 0, len(lrs) - 1, label="active_lr", default=0)
    combos = [(n, st) for n in SURFACES for st in FIGURE_STARTS[n]]
    prefix = str(notes)
    buttons, chosen = [], {}
    for combo in combos:
        table = []
        for lr in lrs:
            runs = _figure_runs(combo[0], combo[1], lr, steps, momenta)
            table.append((_updates(runs), " ".join(filter(None, [prefix, _step_message(runs, lr)]))))
        i = int(np.argmin(np.abs(np.log(lrs) - np.log(SURFACES[combo[0]].lr)))) if active_lr is None else active_lr
        sliders = _combo_sliders(fig, layout, table, lrs, momenta, active_lr=i, active_momentum=j)
        buttons.append(_menu_step(fig, combo, table[i][0], _visible(momenta, j), sliders, table[i][1]))
        chosen[combo] = (table[i], sliders)
    (updates, message), sliders = chosen[key]
    visible = _visible(momenta, j)
    for name, update in updates.items():
        fig.update_traces(selector={"name": name}, visible=name in visible, **update)
    fig.update_layout(sliders=sliders, updatemenus=[dropdown(steps=buttons, active=combos.index(key), x=0.0,
                                                             y=menu_y(layout), name="曲面与起点")])
    return set_message(fig, wrap(message), y=layout.above(38))


def _panel_controls(*, spec: Surface, surface: str, lr, momentum, beta1, beta2, alpha, steps) -> dict:
    """面板的控件：曲面、七个优化器的勾选框与各个超参数的滑块。"""
    wide = widgets.Layout(width="100%", max_width="380px")
    controls: dict[str, widgets.ValueWidget] = {
        "surface": widgets.Dropdown(options=[(s.label, k) for k, s in SURFACES.items()], value=surface,
                                    description="曲面", layout=wide),
    }
    for name, label in LABELS.items():
        controls[name] = widgets.Checkbox(value=True, description=label, indent=False,
                                          layout=widgets.Layout(width="110px"))
    controls.update({
        "lr": widgets.FloatLogSlider(value=spec.lr if lr is None else lr, base=10, min=-3, max=1, step=0.05,
                                     description="学习率 η", readout_format=".3g"),
        "momentum": widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01, description="动量 μ"),
        "beta1": widgets.FloatSlider(value=beta1, min=0.0, max=0.99, step=0.01, description="Adam β₁"),
        "beta2": widgets.FloatSlider(value=beta2, min=0.5, max=0.999, step=0.001, description="Adam β₂",
                                     readout_format=".3f"),
        "alpha": widgets.FloatSlider(value=alpha, min=0.5, max=0.999, step=0.001, description="RMSProp α",
                                     readout_format=".3f"),
        "weight_decay": widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01, description="权重衰减 λ"),
        "kappa": widgets.FloatLogSlider(value=10.0, base=10, min=0, max=2, step=0.05, description="碗的 κ",
                                        readout_format=".3g"),
        "angle": widgets.FloatSlider(value=0.0, min=-90.0, max=90.0, step=5.0, description="碗的旋转角"),
        "noise": widgets.FloatSlider(value=0.0, min=0.0, max=3.0, step=0.05, description="噪声 σ"),
        "start_x": widgets.FloatSlider(value=spec.start[0], min=spec.box[0], max=spec.box[1], step=0.05,
                                       description="起点 x"),
        "start_y": widgets.FloatSlider(value=spec.start[1], min=spec.box[2], max=spec.box[3], step=0.01,
                                       description="起点 y"),
        "steps": widgets.IntSlider(value=steps, min=0, max=200, description="步数"),
    })
    return controls


def _update_panel(fig: go.FigureWidget, values: dict[str, Any]) -> str:
    """按控件的值重算选中的优化器，按名字更新曲线；一个都没选时画空状态。"""
    spec = make_surface(values["surface"], kappa=values["kappa"], angle=values["angle"])
    chosen = [k for k in LABELS if values[k]]
    hyper = {k: values[k] for k in ("lr", "momentum", "beta1", "beta2", "alpha", "weight_decay", "kappa", "angle",
                                    "noise")}
    result = optimizer_paths(surface=values["surface"], optimizers=chosen, start=(values["start_x"], values["start_y"]),
                             steps=values["steps"], **hyper)
    xs, ys, zs = _grid(spec)
    fig.update_traces(selector={"name": "等高线"}, x=xs, y=ys, z=zs)
    fig.update_traces(selector={"name": "起点"}, x=[result.start[0]], y=[result.start[1]])
    x0, x1, y0, y1 = spec.box
    fig.update_layout(xaxis_range=[x0, x1], yaxis_range=[y0, y1], title_text=wrap(spec.label, TITLE_CHARS))
    if not chosen:
        draw_empty(fig, "没有选择任何优化器：<br>至少勾选一种。")
        return result.message
    clear_empty(fig)
    updates = _updates([(LABELS[k], result.paths[k]) for k in chosen])
    for k, label in LABELS.items():
        for suffix in ("", " ×", " 损失"):
            fig.update_traces(selector={"name": label + suffix}, visible=k in chosen,
                              **updates.get(label + suffix, {}))
    return result.message


def _reset_start(controls: dict, change) -> None:
    """换曲面时，起点滑块的范围改成新曲面的画框，位置回到它的默认起点。"""
    new = SURFACES[change["new"]]
    x0, x1, y0, y1 = new.box
    for widget, lo, hi, value in ((controls["start_x"], x0, x1, new.start[0]),
                                  (controls["start_y"], y0, y1, new.start[1])):
        widget.min, widget.max = min(widget.min, lo), max(widget.max, hi)  # 先放宽，新值一定合法
        widget.value = value
        widget.min, widget.max = lo, hi


def optimizer_panel(
    *,
    surface: str = "bowl",
    lr: float | None = None,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    alpha: float = 0.99,
    steps: int = 60,
) -> LivePanel:
    """JupyterLab 中的实时面板：选曲面和优化器，调学习率、动量、β₁/β₂、α、λ、κ、旋转角、噪声、起点与步数（见 {ref}`sec-optimizers`）。"""
    spec = _surface(surface)
    fig, _ = _base_figure(spec=spec, start=spec.start, lines=list(LABELS.items()), menu=False, sliders=0)
    controls = _panel_controls(spec=spec, surface=surface, lr=lr, momentum=momentum, beta1=beta1, beta2=beta2,
                               alpha=alpha, steps=steps)
    controls["surface"].observe(lambda change: _reset_start(controls, change), names="value")
    return LivePanel(figure=fig, controls=controls, update=_update_panel)


EXPLORER = Explorer(
    name="optimizers",
    chapter="sec-optimizers",
    compute=optimizer_paths,
    figure=optimizer_figure,
    panel=optimizer_panel,
    compute_kwargs={"steps": 10},
    figure_kwargs={"lrs": (0.01, 0.1, 1.0), "momenta": (0.5, 0.9), "steps": 15},
    panel_kwargs={"steps": 20},
    extremes=({"steps": 0}, {"lrs": ()}, {"momenta": ()}, {"lrs": (-1.0, 50.0)}, {"start_index": 9},
              {"momenta": (1.5, 0.5)}, {"active_lr": 99}),
)
