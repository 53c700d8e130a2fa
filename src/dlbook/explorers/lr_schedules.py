"""学习率调度的交互图：StepLR、MultiStepLR、ExponentialLR 与余弦退火的学习率曲线（见 {ref}`sec-lr-schedules`）。

- :func:`lr_schedule` 是纯计算函数：按闭式公式算出每个 epoch 使用的学习率，与 ``torch.optim.lr_scheduler``
  在每个 epoch 开始时 ``get_last_lr()`` 的值一致；
- :func:`lr_schedule_figure` 用预先算好的 γ 与 step_size 滑块比较四种调度，静态 HTML 中可拖动；
- :func:`lr_schedule_panel` 是 JupyterLab 里的实时面板，每个参数都可调。
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from dlbook.figure_layout import TITLE_CHARS, Frame, apply_frame, frame, menu_y, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    clear_empty,
    draw_empty,
    relayout_step,
    restyle_step,
    set_message,
    slider,
    visibility_step,
)

#: 调度的内部名字与 PyTorch 中的类名。
SCHEDULES: dict[str, str] = {
    "step": "StepLR",
    "multistep": "MultiStepLR",
    "exponential": "ExponentialLR",
    "cosine": "CosineAnnealingLR",
}

COLORS = {"step": "#1f77b4", "multistep": "#ff7f0e", "exponential": "#2ca02c", "cosine": "#d62728"}
MAX_EPOCHS = 1000
MAX_LR = 10.0


@dataclass(frozen=True, kw_only=True)
class Schedule(Result):
    """一种调度在第 0…epochs−1 个 epoch 的学习率（见 {ref}`sec-lr-schedules`）。"""

    name: str
    label: str
    epoch: np.ndarray
    lr: np.ndarray


def _rates(name: str, e: np.ndarray, *, lr: float, step_size: int, gamma: float, milestones: list[int],
           t_max: int, eta_min: float) -> tuple[np.ndarray, str]:
    """四个闭式公式；返回学习率数组与 PyTorch 写法的标签。"""
    with np.errstate(over="ignore", invalid="ignore"):
        if name == "step":
            return lr * gamma ** (e // step_size).astype(float), f"StepLR(step_size={step_size}, gamma={gamma:g})"
        if name == "multistep":
            counts = np.array([bisect_right(milestones, int(k)) for k in e], dtype=float)
            return lr * gamma**counts, f"MultiStepLR(milestones={milestones}, gamma={gamma:g})"
        if name == "exponential":
            return lr * gamma ** e.astype(float), f"ExponentialLR(gamma={gamma:.4g})"
    rates = eta_min + (lr - eta_min) * (1 + np.cos(np.pi * e / t_max)) / 2
    return rates, f"CosineAnnealingLR(T_max={t_max}, eta_min={eta_min:g})"


def _describe(name: str, label: str, rates: np.ndarray, gamma: float) -> str:
    if len(rates) == 0:
        return "epochs = 0：没有训练，也就没有学习率曲线。"
    if not np.all(np.isfinite(rates)):
        return f"{label}：γ > 1 使学习率指数增长，已经溢出成无穷大，训练必然发散。"
    if gamma > 1 and name != "cosine":
        return f"{label}：γ > 1，学习率不降反升（从 {rates[0]:.3g} 升到 {rates[-1]:.3g}），这不是衰减。"
    return f"{label}：学习率从 {rates[0]:.3g} 变到最后一个 epoch 的 {rates[-1]:.3g}。"


def lr_schedule(
    *,
    name: str,
    lr: float = 0.1,
    epochs: int = 100,
    step_size: int = 30,
    gamma: float = 0.1,
    milestones: Sequence[int] = (50, 75),
    t_max: int | None = None,
    eta_min: float = 0.0,
) -> Schedule:
    """按闭式公式计算第 0…epochs−1 个 epoch 使用的学习率（见 {ref}`sec-lr-schedules`）。

    - ``step``：lr·γ^⌊e/step_size⌋；
    - ``multistep``：lr·γ^(已经过的里程碑个数)；
    - ``exponential``：lr·γ^e；
    - ``cosine``：eta_min + (lr − eta_min)(1 + cos(π e / t_max))/2，``t_max`` 缺省为 ``epochs``。

    超出范围的数值（负的学习率、γ 或 epoch 数，小于 1 的 step_size、里程碑或 t_max）被截断并写进 ``message``；
    未知的调度名是程序错误，抛出中文 ``ValueError``。
    """
    if name not in SCHEDULES:
        raise ValueError(f"未知的调度 {name!r}，可选的有：{'、'.join(SCHEDULES)}。")
    notes = Notes()
    lr = notes.clamp(lr, 0.0, MAX_LR, label="初始学习率", default=0.1)
    epochs = notes.clamp_int(epochs, 0, MAX_EPOCHS, label="epochs", default=100)
    gamma = notes.clamp(gamma, 0.0, math.inf, label="γ", default=0.1)
    step_size = notes.clamp_int(step_size, 1, MAX_EPOCHS, label="step_size", default=30)
    marks = sorted(notes.clamp_int(m, 1, MAX_EPOCHS, label="里程碑", default=1) for m in milestones)
    t_max = notes.clamp_int(max(epochs, 1) if t_max is None else t_max, 1, MAX_EPOCHS, label="T_max", default=max(epochs, 1))
    eta_min = notes.clamp(eta_min, 0.0, math.inf, label="eta_min", default=0.0)
    e = np.arange(epochs)
    rates, label = _rates(name, e, lr=lr, step_size=step_size, gamma=gamma, milestones=marks, t_max=t_max,
                          eta_min=eta_min)
    rates = np.asarray(rates, dtype=float)
    message = " ".join(filter(None, [str(notes), _describe(name, label, rates, gamma)]))
    return Schedule(name=name, label=label, epoch=e, lr=rates, message=message)


def _sig(values: np.ndarray) -> list[float | None]:
    """写进图里的数值：4 位有效数字；溢出的无穷大换成 None（曲线在那里断开）。"""
    return [float(f"{v:.4g}") if np.isfinite(v) else None for v in values]


def _base_figure(*, lr: float, title: str, menu: bool, sliders: int, legend_rows: int) -> tuple[go.Figure, Frame]:
    """figure 与 panel 共用的底图：坐标轴、标题、按像素排好的边距与图例位置（还没有曲线），以及它的排版。"""
    layout = frame(plot=330, menu=menu, sliders=sliders, legend_rows=legend_rows, message_lines=2 if sliders else 0)
    fig = go.Figure()
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text=f"学习率（初始 {lr:g}）", exponentformat="power")
    apply_frame(fig, layout, title=title)
    if menu:
        steps = [relayout_step("线性纵轴", {"yaxis.type": "linear"}), relayout_step("对数纵轴", {"yaxis.type": "log"})]
        fig.update_layout(updatemenus=[{
            "name": "纵轴", "type": "buttons", "direction": "right", "x": 0.0, "xanchor": "left",
            "y": menu_y(layout), "yanchor": "top", "showactive": True, "pad": {"t": 0, "b": 0},
            "buttons": [s.to_dict() for s in steps]}])
    return fig, layout


def _line(name: str, kind: str, rates: np.ndarray, *, visible: bool = True, width: float = 2.5) -> go.Scatter:
    return go.Scatter(
        x=np.arange(len(rates)), y=_sig(rates), mode="lines", name=name, visible=visible,
        line={"color": COLORS[kind], "width": width, "dash": "dot" if kind == "cosine" else None,
              "shape": "hv" if kind in ("step", "multistep") else "linear"},
    )


def _figure_curves(*, lr: float, epochs: int, gamma: float, step_sizes: Sequence[int],
                   milestones: tuple[int, int]) -> dict[str, tuple[str, int | None, np.ndarray]]:
    """静态图的全部曲线：曲线名 → (调度, 所属的 step_size, 学习率)。

    每个 step_size 各一条 StepLR 与 ExponentialLR（由 step_size 滑块切换显示）；MultiStepLR 与余弦各一条，
    不属于任何 step_size（``None``），一直显示。
    """
    curves: dict[str, tuple[str, int | None, np.ndarray]] = {}
    for s in step_sizes:
        curves[f"StepLR(step_size={s})"] = ("step", s, lr_schedule(
            name="step", lr=lr, epochs=epochs, step_size=s, gamma=gamma).lr)
        curves[f"ExponentialLR(γ^(1/{s}))"] = ("exponential", s, lr_schedule(
            name="exponential", lr=lr, epochs=epochs, gamma=gamma ** (1 / s)).lr)
    curves[f"MultiStepLR({list(milestones)})"] = ("multistep", None, lr_schedule(
        name="multistep", lr=lr, epochs=epochs, gamma=gamma, milestones=milestones).lr)
    curves[f"CosineAnnealingLR({epochs})"] = ("cosine", None, lr_schedule(name="cosine", lr=lr, epochs=epochs).lr)
    return curves


def _visible_names(curves: dict[str, tuple[str, int | None, np.ndarray]], step_size: int) -> list[str]:
    return [name for name, (_, s, _) in curves.items() if s is None or s == step_size]


def _clean_choices(notes: Notes, gammas: Sequence[float], step_sizes: Sequence[int]) -> tuple[list, list]:
    good_g = sorted({round(notes.clamp(g, 0.0, 1.0, label="γ", default=0.5), 6) for g in gammas})
    good_s = sorted({notes.clamp_int(s, 1, MAX_EPOCHS, label="step_size", default=30) for s in step_sizes})
    return good_g, good_s


def lr_schedule_figure(
    *,
    lr: float = 0.1,
    epochs: int = 100,
    gammas: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    step_sizes: Sequence[int] = (5, 10, 15, 20, 25, 30, 40, 50),
    active_gamma: int | None = None,
    active_step: int | None = None,
) -> go.Figure:
    """四种调度的学习率曲线：γ 滑块与 step_size 滑块的每一步都预先算好（见 {ref}`sec-lr-schedules`）。

    为了让四条曲线可比：ExponentialLR 取每个 epoch 乘 γ^(1/step_size)（平均每 step_size 个 epoch 乘 γ，
    是 StepLR 的平滑版本）；MultiStepLR 的里程碑固定在训练的 50% 与 75%；余弦退火的 T_max = epochs。
    """
    notes = Notes()
    lr = notes.clamp(lr, 1e-6, MAX_LR, label="初始学习率", default=0.1)
    epochs = notes.clamp_int(epochs, 0, MAX_EPOCHS, label="epochs", default=100)
    gammas, step_sizes = _clean_choices(notes, gammas, step_sizes)
    fig, layout = _base_figure(lr=lr, title=f"四种学习率调度（初始学习率 {lr:g}）", menu=True, sliders=2,
                               legend_rows=2)
    if epochs == 0 or not gammas or not step_sizes:
        fig.add_trace(go.Scatter(x=[], y=[], name="学习率"))
        set_message(fig, wrap(str(notes)))
        return draw_empty(fig, "epochs = 0 或没有可选的 γ / step_size：<br>没有学习率曲线可画。")
    default_g = gammas.index(0.5) if 0.5 in gammas else len(gammas) // 2
    active_gamma = notes.clamp_int(default_g if active_gamma is None else active_gamma, 0, len(gammas) - 1,
                                   label="active_gamma", default=default_g)
    active_step = notes.clamp_int(len(step_sizes) // 2 if active_step is None else active_step, 0,
                                  len(step_sizes) - 1, label="active_step", default=0)
    milestones = (max(1, epochs // 2), max(1, (3 * epochs) // 4))
    table = {g: _figure_curves(lr=lr, epochs=epochs, gamma=g, step_sizes=step_sizes, milestones=milestones)
             for g in gammas}
    shown = _visible_names(table[gammas[0]], step_sizes[active_step])
    for name, (kind, _, rates) in table[gammas[active_gamma]].items():
        fig.add_trace(_line(name, kind, rates, visible=name in shown))
    gamma_steps = [restyle_step(fig, f"{g:g}", {n: {"y": _sig(r)} for n, (_, _, r) in table[g].items()})
                   for g in gammas]
    size_steps = [visibility_step(fig, str(s), _visible_names(table[gammas[0]], s)) for s in step_sizes]
    fig.update_layout(sliders=sliders_below(layout, [
        slider(name="衰减系数 γ", steps=gamma_steps, active=active_gamma),
        slider(name="step_size", steps=size_steps, active=active_step),
    ]))
    return set_message(fig, wrap(str(notes)))


def _panel_controls(*, name: str, lr: float, epochs: int, step_size: int, gamma: float, milestones: Sequence[int],
                    eta_min: float) -> dict[str, widgets.ValueWidget]:
    m1, m2 = (list(milestones) + [epochs, epochs])[:2]
    return {
        "name": widgets.Dropdown(options=[(v, k) for k, v in SCHEDULES.items()], value=name, description="突出显示"),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-4, max=0, step=0.1, description="初始 lr",
                                     readout_format=".3g"),
        "epochs": widgets.IntSlider(value=epochs, min=0, max=300, description="epochs"),
        "step_size": widgets.IntSlider(value=step_size, min=1, max=100, description="step_size"),
        "gamma": widgets.FloatSlider(value=gamma, min=0.0, max=1.2, step=0.01, description="γ"),
        "m1": widgets.IntSlider(value=m1, min=1, max=300, description="里程碑 1"),
        "m2": widgets.IntSlider(value=m2, min=1, max=300, description="里程碑 2"),
        "eta_min": widgets.FloatLogSlider(value=max(eta_min, 1e-6), base=10, min=-6, max=-1, step=0.1,
                                          description="eta_min", readout_format=".1e"),
        "log": widgets.Checkbox(value=False, description="对数纵轴"),
    }


def _update_panel(figure: go.FigureWidget, values: dict) -> str:
    """按控件的值重算四条曲线；``name`` 选中的那条画粗，标题写它的 PyTorch 写法。"""
    common = {"lr": values["lr"], "epochs": values["epochs"], "gamma": values["gamma"]}
    results = {
        "step": lr_schedule(name="step", step_size=values["step_size"], **common),
        "multistep": lr_schedule(name="multistep", milestones=(values["m1"], values["m2"]), **common),
        "exponential": lr_schedule(name="exponential", **common),
        "cosine": lr_schedule(name="cosine", eta_min=values["eta_min"], lr=values["lr"], epochs=values["epochs"]),
    }
    chosen = results[values["name"]]
    figure.layout.yaxis.type = "log" if values["log"] else "linear"
    if len(chosen.lr) == 0:
        draw_empty(figure, "epochs = 0：没有学习率曲线可画。")
        return chosen.message
    clear_empty(figure)
    for kind, r in results.items():
        figure.update_traces(x=r.epoch, y=_sig(r.lr), line_width=4 if kind == values["name"] else 1.5,
                             opacity=1.0 if kind == values["name"] else 0.45, selector={"name": SCHEDULES[kind]})
    figure.layout.title.text = wrap(chosen.label, TITLE_CHARS)
    return chosen.message


def lr_schedule_panel(
    *,
    name: str = "step",
    lr: float = 0.1,
    epochs: int = 100,
    step_size: int = 30,
    gamma: float = 0.5,
    milestones: Sequence[int] = (50, 75),
    eta_min: float = 0.0,
) -> LivePanel:
    """JupyterLab 中的实时面板：四种调度一起画，选一种突出显示；调初始学习率、epoch 数、step_size、γ、两个里程碑与 eta_min（见 {ref}`sec-lr-schedules`）。"""
    if name not in SCHEDULES:
        raise ValueError(f"未知的调度 {name!r}，可选的有：{'、'.join(SCHEDULES)}。")
    fig, _ = _base_figure(lr=lr, title=SCHEDULES[name], menu=False, sliders=0, legend_rows=2)
    for kind, label in SCHEDULES.items():
        fig.add_trace(_line(label, kind, np.array([])))
    controls = _panel_controls(name=name, lr=lr, epochs=epochs, step_size=step_size, gamma=gamma,
                               milestones=milestones, eta_min=eta_min)
    return LivePanel(figure=fig, controls=controls, update=_update_panel)


EXPLORER = Explorer(
    name="lr_schedules",
    chapter="sec-lr-schedules",
    compute=lr_schedule,
    figure=lr_schedule_figure,
    panel=lr_schedule_panel,
    compute_kwargs={"name": "step"},
    figure_kwargs={"gammas": (0.2, 0.5, 0.9), "step_sizes": (10, 30)},
    extremes=({"epochs": 0}, {"lr": -1.0}, {"gammas": (1.5, 0.5)}, {"step_sizes": (0, 10)},
              {"gammas": ()}, {"active_gamma": 99}),
)
