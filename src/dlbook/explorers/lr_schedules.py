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

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from dlbook.interactive import LivePanel, Step, slider, stack_sliders

#: 调度的内部名字与 PyTorch 中的类名。
SCHEDULES: dict[str, str] = {
    "step": "StepLR",
    "multistep": "MultiStepLR",
    "exponential": "ExponentialLR",
    "cosine": "CosineAnnealingLR",
}

COLORS = {"step": "#1f77b4", "multistep": "#ff7f0e", "exponential": "#2ca02c", "cosine": "#d62728"}


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
) -> dict:
    """按闭式公式计算第 0…epochs−1 个 epoch 使用的学习率（见 {ref}`sec-lr-schedules`）。

    - ``step``：lr·γ^⌊e/step_size⌋；
    - ``multistep``：lr·γ^(已经过的里程碑个数)；
    - ``exponential``：lr·γ^e；
    - ``cosine``：eta_min + (lr − eta_min)(1 + cos(π e / t_max))/2，``t_max`` 缺省为 ``epochs``。

    返回 ``epoch``、``lr`` 两个数组、PyTorch 写法的 ``label`` 与一句中文说明 ``message``。
    """
    if name not in SCHEDULES:
        raise ValueError(f"未知的调度 {name!r}，可选的有：{'、'.join(SCHEDULES)}。")
    if epochs < 0:
        raise ValueError(f"epochs 必须是非负整数，收到 {epochs}。")
    if not math.isfinite(lr) or lr < 0:
        raise ValueError(f"初始学习率必须是非负的有限数，收到 {lr}。")
    if not math.isfinite(gamma) or gamma < 0:
        raise ValueError(f"γ 必须是非负的有限数，收到 {gamma}。")
    e = np.arange(epochs)
    if name == "step":
        if step_size < 1:
            raise ValueError(f"step_size 至少是 1，收到 {step_size}。")
        with np.errstate(over="ignore"):
            rates = lr * gamma ** (e // step_size).astype(float)
        label = f"StepLR(step_size={step_size}, gamma={gamma:g})"
    elif name == "multistep":
        marks = sorted(int(m) for m in milestones)
        if any(m < 1 for m in marks):
            raise ValueError(f"里程碑必须是正整数，收到 {list(milestones)}。")
        counts = np.array([bisect_right(marks, int(k)) for k in e], dtype=float)
        rates = lr * gamma**counts
        label = f"MultiStepLR(milestones={marks}, gamma={gamma:g})"
    elif name == "exponential":
        with np.errstate(over="ignore"):
            rates = lr * gamma ** e.astype(float)
        label = f"ExponentialLR(gamma={gamma:.4g})"
    else:
        t_max = epochs if t_max is None else t_max
        if t_max < 1:
            raise ValueError(f"t_max 至少是 1，收到 {t_max}。")
        rates = eta_min + (lr - eta_min) * (1 + np.cos(np.pi * e / t_max)) / 2
        label = f"CosineAnnealingLR(T_max={t_max}, eta_min={eta_min:g})"
    rates = np.asarray(rates, dtype=float)
    if epochs == 0:
        message = "epochs = 0：没有训练，也就没有学习率曲线。"
    elif not np.all(np.isfinite(rates)):
        message = f"{label}：γ > 1 使学习率指数增长，已经溢出成无穷大，训练必然发散。"
    elif gamma > 1 and name != "cosine":
        message = f"{label}：γ > 1，学习率不降反升（从 {rates[0]:.3g} 升到 {rates[-1]:.3g}），这不是衰减。"
    else:
        message = f"{label}：学习率从 {rates[0]:.3g} 变到最后一个 epoch 的 {rates[-1]:.3g}。"
    return {"epoch": e, "lr": rates, "name": name, "label": label, "message": message}


def _sig(values) -> list:
    return [float(f"{v:.4g}") for v in values]


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
    gammas, step_sizes = list(gammas), list(step_sizes)
    if not gammas or not step_sizes:
        raise ValueError("γ 与 step_size 都至少需要一个取值。")
    active_gamma = gammas.index(0.5) if active_gamma is None and 0.5 in gammas else (active_gamma or 0)
    active_step = len(step_sizes) // 2 if active_step is None else active_step
    milestones = (max(1, epochs // 2), max(1, (3 * epochs) // 4))
    # 轨迹：StepLR 与 ExponentialLR 每个 step_size 各一条（由 step_size 滑块切换显示），MultiStepLR 与余弦各一条。
    layout = [("step", j) for j in range(len(step_sizes))] + [("exponential", j) for j in range(len(step_sizes))]
    layout += [("multistep", None), ("cosine", None)]

    def curves(gamma: float) -> list[dict]:
        out = []
        for name, j in layout:
            s = step_sizes[j] if j is not None else 1
            g = gamma ** (1 / s) if name == "exponential" else gamma
            out.append(lr_schedule(name=name, lr=lr, epochs=epochs, step_size=s, gamma=g, milestones=milestones))
        return out

    def visibility(k: int) -> list:
        return [j is None or j == k for _, j in layout]

    fig = go.Figure()
    first = curves(gammas[active_gamma])
    for (name, j), c, vis in zip(layout, first, visibility(active_step)):
        fig.add_trace(go.Scatter(x=c["epoch"], y=_sig(c["lr"]), mode="lines", name=c["label"], visible=vis,
                                 line={"color": COLORS[name], "width": 2.5,
                                       "dash": "dot" if name == "cosine" else None,
                                       "shape": "hv" if name in ("step", "multistep") else "linear"}))
    gamma_steps = []
    for g in gammas:
        cs = curves(g)
        gamma_steps.append(Step(label=f"{g:g}", method="restyle",
                                args=[{"y": [_sig(c["lr"]) for c in cs], "name": [c["label"] for c in cs]}]))
    step_steps = [Step(label=str(s), method="restyle", args=[{"visible": visibility(k)}])
                  for k, s in enumerate(step_sizes)]
    fig.update_layout(
        height=700, xaxis_title="epoch", yaxis_title=f"学习率（初始 {lr:g}）",
        legend={"y": 1.02, "yanchor": "bottom", "x": 0.0},
        margin={"t": 140},
        updatemenus=[{"type": "buttons", "direction": "right", "x": 1.0, "xanchor": "right", "y": 1.02,
                      "yanchor": "bottom", "showactive": True,
                      "buttons": [{"label": "线性纵轴", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
                                  {"label": "对数纵轴", "method": "relayout", "args": [{"yaxis.type": "log"}]}]}],
    )
    return stack_sliders(fig, [
        slider(name="衰减系数 γ", steps=gamma_steps, active=active_gamma),
        slider(name="step_size", steps=step_steps, active=active_step),
    ], spacing=0.3)


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
    """JupyterLab 中的实时面板：选调度，调初始学习率、epoch 数、step_size、γ、两个里程碑与 eta_min（见 {ref}`sec-lr-schedules`）。"""
    if name not in SCHEDULES:
        raise ValueError(f"未知的调度 {name!r}，可选的有：{'、'.join(SCHEDULES)}。")
    m1, m2 = (list(milestones) + [epochs, epochs])[:2]
    controls = {
        "name": widgets.Dropdown(options=[(v, k) for k, v in SCHEDULES.items()], value=name, description="调度"),
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
    fig = go.Figure(go.Scatter(x=[], y=[], mode="lines", line={"width": 2.5}))
    fig.update_layout(height=420, xaxis_title="epoch", yaxis_title="学习率")

    def update(figure: go.FigureWidget, values: dict) -> str:
        r = lr_schedule(name=values["name"], lr=values["lr"], epochs=values["epochs"],
                        step_size=values["step_size"], gamma=values["gamma"],
                        milestones=(values["m1"], values["m2"]), eta_min=values["eta_min"])
        finite = np.where(np.isfinite(r["lr"]), r["lr"], np.nan)
        figure.data[0].update(x=r["epoch"], y=finite, name=r["label"], line={"color": COLORS[r["name"]],
                              "shape": "hv" if r["name"] in ("step", "multistep") else "linear"})
        figure.layout.title.text = r["label"]
        figure.layout.yaxis.type = "log" if values["log"] else "linear"
        return r["message"]

    return LivePanel(figure=fig, controls=controls, update=update)
