"""沿时间反向传播的交互图：损失在最后一步，梯度传回每个时间步时还剩多大（见 {ref}`sec-rnn`）。

- :func:`gradient_through_time` 是纯计算函数：一个隐藏维数为 16 的小 RNN（tanh、ReLU 或 LSTM），
  循环权重 :math:`W_{hh}` 缩放到给定的谱半径，读入一段固定的随机输入，损失 :math:`L = \\mathbf{u}^\\top \\mathbf{h}_T`
  只看最后一步；返回每个时间步的 :math:`\\lVert \\partial L / \\partial \\mathbf{h}_t \\rVert`；
- :func:`bptt_figure` 是静态图：菜单突出一种单元，滑块选序列长度与谱半径，纵轴取对数；
- :func:`bptt_panel` 是 JupyterLab 里的实时面板。

tanh 与 ReLU 用 NumPy（float64）手写前向与反向；LSTM 用 ``torch.nn.LSTMCell``（float64）与自动求导，
它的四个门各自的 :math:`H\\times H` 循环权重块都缩放到同一个谱半径，遗忘门的偏置取 :data:`FORGET_BIAS`。
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import torch

from dlbook.figure_layout import TITLE_CHARS, apply_frame, frame, menu_y, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    restyle_step,
    set_message,
    slider,
    visibility_step,
)

#: 单元的名字 → 图上显示的名字
CELLS = {"tanh": "tanh", "relu": "ReLU", "lstm": "LSTM"}
HIDDEN = 16
INPUT = 4
#: LSTM 遗忘门的偏置：σ(2) ≈ 0.88，单元状态每步保留约 88%
FORGET_BIAS = 2.0
#: 读者可设的范围
LENGTH_RANGE = (2, 400)
RADIUS_RANGE = (0.05, 10.0)
#: 静态图预先计算的长度与谱半径
LENGTHS = (10, 30, 60, 100)
RADII = (0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)
#: 绘图区的像素高度与说明行最多的行数
PLOT_PX = 330
MESSAGE_LINES = 3
#: 菜单“突出显示”时，其余单元的不透明度
DIM = 0.15


@dataclass(frozen=True, kw_only=True)
class BpttResult(Result):
    """每个时间步的梯度范数 ‖∂L/∂h_t‖（t = 1…T；无穷或 nan 的地方记为 nan）（见 {ref}`sec-rnn`）。"""

    norms: np.ndarray
    cell: str
    length: int
    radius: float
    exploded: bool = False

    @property
    def steps(self) -> np.ndarray:
        return np.arange(1, self.length + 1)


def scaled_recurrent(*, size: int, radius: float, seed: int = 0) -> np.ndarray:
    """一个 size×size 的随机高斯矩阵，缩放到谱半径（特征值绝对值的最大者）为 radius（见 {ref}`sec-rnn`）。"""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((size, size))
    return w * (radius / np.max(np.abs(np.linalg.eigvals(w))))


def _problem(length: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """固定的输入序列、输入权重、偏置与读出向量 u（与谱半径无关）。"""
    rng = np.random.default_rng(seed + 1)
    xs = rng.standard_normal((length, INPUT))
    w_xh = rng.standard_normal((HIDDEN, INPUT)) / np.sqrt(INPUT)
    bias = 0.1 * rng.standard_normal(HIDDEN)
    u = rng.standard_normal(HIDDEN)
    return xs, w_xh, bias, u / np.linalg.norm(u)


def _simple_norms(cell: str, length: int, radius: float, seed: int) -> np.ndarray:
    """tanh / ReLU 单元：手写前向，再按 ∂L/∂h_{t−1} = W_hhᵀ (f'(a_t) ⊙ ∂L/∂h_t) 往回传。"""
    xs, w_xh, bias, u = _problem(length, seed)
    w_hh = scaled_recurrent(size=HIDDEN, radius=radius, seed=seed)
    h, slopes = np.zeros(HIDDEN), []
    with np.errstate(all="ignore"):
        for x in xs:
            a = w_hh @ h + w_xh @ x + bias
            h = np.tanh(a) if cell == "tanh" else np.maximum(a, 0.0)
            slope = 1.0 - h**2 if cell == "tanh" else (a > 0).astype(float)
            slopes.append(np.where(np.isfinite(a), slope, np.nan))  # 前向溢出之后，梯度也无从谈起
        grads, g = np.empty(length), u.copy()
        for t in range(length - 1, -1, -1):  # g 是 ∂L/∂h_{t+1}（下标从 1 数）
            grads[t] = np.linalg.norm(g)
            g = w_hh.T @ (slopes[t] * g)
    return grads


def _lstm_norms(length: int, radius: float, seed: int) -> np.ndarray:
    """LSTM：四个门的循环权重块都缩放到谱半径 radius，用自动求导得到每一步的 ∂L/∂h_t。"""
    xs, _, _, u = _problem(length, seed)
    torch.manual_seed(seed)
    cell = torch.nn.LSTMCell(INPUT, HIDDEN).double()
    with torch.no_grad():
        for k in range(4):
            block = scaled_recurrent(size=HIDDEN, radius=radius, seed=seed + k)
            cell.weight_hh[k * HIDDEN : (k + 1) * HIDDEN] = torch.from_numpy(block)
        cell.bias_ih[HIDDEN : 2 * HIDDEN] = FORGET_BIAS
        cell.bias_hh[HIDDEN : 2 * HIDDEN] = 0.0
    h = c = torch.zeros(1, HIDDEN, dtype=torch.float64)
    states = []
    for x in torch.from_numpy(xs):
        h, c = cell(x.unsqueeze(0), (h, c))
        h.retain_grad()
        states.append(h)
    (h @ torch.from_numpy(u)).sum().backward()
    return np.array([s.grad.norm().item() for s in states])


def gradient_through_time(*, length: int = 60, radius: float = 1.0, cell: str = "tanh", seed: int = 0) -> BpttResult:
    """一个小 RNN 的损失只看最后一步时，每个时间步的梯度范数 ‖∂L/∂h_t‖（见 {ref}`sec-rnn`）。

    超出范围的长度与谱半径被截断并写进 ``message``；梯度溢出成 inf/nan 时不抛异常，``message`` 会说明。
    """
    if cell not in CELLS:
        raise ValueError(f"未知的单元 {cell!r}；可选：{'、'.join(CELLS)}。")
    notes = Notes()
    length = notes.clamp_int(length, *LENGTH_RANGE, label="序列长度", default=60)
    radius = notes.clamp(radius, *RADIUS_RANGE, label="谱半径", default=1.0)
    norms = _lstm_norms(length, radius, seed) if cell == "lstm" else _simple_norms(cell, length, radius, seed)
    exploded = not np.all(np.isfinite(norms))
    norms = np.where(np.isfinite(norms), norms, np.nan)
    if exploded:
        notes.add(f"{CELLS[cell]}：梯度爆炸到 inf（超出了浮点数能表示的范围），溢出的时间步没有画出。")
    if np.any(norms[np.isfinite(norms)] == 0.0):
        notes.add(f"{CELLS[cell]}：有的时间步梯度恰好为 0（ReLU 全部落在负半轴），对数坐标画不出 0。")
    return BpttResult(norms=norms, cell=cell, length=length, radius=radius, exploded=exploded, message=str(notes))


# ---------------------------------------------------------------- 画图


def _trace_name(cell: str, length: int) -> str:
    return f"{CELLS[cell]} · T={length}"


def _plotted(result: BpttResult) -> list:
    """写进图里的数：三位有效数字；0、inf、nan 写成 None（对数坐标画不出来）。"""
    values = np.asarray(result.norms, dtype=float)
    return [float(f"{v:.3g}") if np.isfinite(v) and v > 0 else None for v in values]


def _base_figure(lengths: tuple[int, ...], title: str, *, sliders: int, menu: bool) -> tuple[go.Figure, Any]:
    """静态图与实时面板共用的底图：每种单元、每个长度一条曲线，纵轴取对数；同时返回按像素算好的排版。"""
    layout = frame(plot=PLOT_PX, menu=menu, message_lines=MESSAGE_LINES, sliders=sliders, legend_rows=3)
    fig = go.Figure()
    colors = {"tanh": "#1f77b4", "relu": "#d62728", "lstm": "#2ca02c"}
    for length in lengths:
        for cell in CELLS:
            fig.add_trace(go.Scatter(
                x=list(range(1, length + 1)), y=[], mode="lines", name=_trace_name(cell, length),
                line={"color": colors[cell], "width": 2.5}, visible=length == lengths[-1],
                hovertemplate="t=%{x}<br>‖∂L/∂h_t‖=%{y:.3g}<extra></extra>",
            ))
    apply_frame(fig, layout, title=title)
    fig.update_layout(xaxis_title="时间步 t（损失在最后一步）", yaxis_title="‖∂L/∂h_t‖",
                      yaxis={"type": "log", "exponentformat": "power"})
    return fig, layout


def _title(radius: float) -> str:
    return f"梯度沿时间往回传<br>W_hh 的谱半径 = {radius:g}"


def _curves(lengths, radius: float, seed: int) -> tuple[dict[str, dict[str, list]], list[str]]:
    """某个谱半径下，每种单元、每个长度的曲线（按曲线名），以及各次计算的说明。"""
    updates, messages = {}, []
    for length in lengths:
        for cell in CELLS:
            result = gradient_through_time(length=length, radius=radius, cell=cell, seed=seed)
            updates[_trace_name(cell, length)] = {"y": _plotted(result)}
            if result.message and length == lengths[-1]:
                messages.append(result.message)
    return updates, messages


def bptt_figure(
    *, lengths: tuple[int, ...] = LENGTHS, radii: tuple[float, ...] = RADII, radius: float = 1.0, seed: int = 0
) -> go.Figure:
    """梯度沿时间反向传播的静态交互图：菜单突出一种单元，滑块选长度与谱半径（见 {ref}`sec-rnn`）。"""
    notes = Notes()
    lengths = tuple(sorted({notes.clamp_int(n, *LENGTH_RANGE, label="序列长度", default=60) for n in lengths}))
    radii = tuple(sorted({notes.clamp(r, *RADIUS_RANGE, label="谱半径", default=1.0) for r in radii}))
    radius = notes.clamp(radius, *RADIUS_RANGE, label="谱半径", default=1.0)
    radii = tuple(sorted(set(radii) | {radius}))
    fig, layout = _base_figure(lengths, _title(radius), sliders=(len(radii) >= 2) + (len(lengths) >= 2), menu=True)
    frames = {r: _curves(lengths, r, seed) for r in radii}
    for name, update in frames[radius][0].items():
        fig.update_traces(y=update["y"], selector={"name": name})
    sliders = []
    if len(radii) >= 2:
        steps = [restyle_step(fig, f"{r:g}", frames[r][0], layout={"title.text": wrap(_title(r), TITLE_CHARS)})
                 for r in radii]
        sliders.append(slider(name="谱半径", steps=steps, active=radii.index(radius)))
    if len(lengths) >= 2:
        steps = [visibility_step(fig, f"{n}", [_trace_name(c, n) for c in CELLS],
                                 layout={"xaxis.range": [1, n]}) for n in lengths]
        sliders.append(slider(name="序列长度 T", steps=steps, active=len(lengths) - 1))
    if sliders:
        fig.update_layout(sliders=sliders_below(layout, sliders))
    menu = [restyle_step(fig, "三种", {_trace_name(c, n): {"opacity": 1.0} for n in lengths for c in CELLS})]
    for cell, label in CELLS.items():
        menu.append(restyle_step(fig, label, {
            _trace_name(c, n): {"opacity": 1.0 if c == cell else DIM} for n in lengths for c in CELLS}))
    fig.update_layout(updatemenus=[{
        "name": "突出显示", "type": "buttons", "direction": "right", "x": 0.0, "xanchor": "left",
        "y": menu_y(layout), "yanchor": "top", "showactive": True, "active": 0, "pad": {"t": 0, "b": 0},
        "buttons": [step.to_dict() for step in menu]}])
    set_message(fig, wrap(" ".join(t for t in (str(notes), *frames[radius][1]) if t)))
    return fig


def bptt_panel(*, length: int = 60, radius: float = 1.0, cell: str = "tanh", seed: int = 0) -> LivePanel:
    """梯度沿时间反向传播的实时面板：长度、谱半径与单元都可以连续调（见 {ref}`sec-rnn`）。"""
    fig, _ = _base_figure((LENGTH_RANGE[1],), _title(radius), sliders=0, menu=False)
    fig.data = fig.data[:1]
    fig.update_layout(showlegend=False)
    style = {"description_width": "initial"}
    controls = {
        "cell": widgets.Dropdown(options=[(v, k) for k, v in CELLS.items()], value=cell if cell in CELLS else "tanh",
                                 description="单元"),
        "length": widgets.IntSlider(value=int(np.clip(length, *LENGTH_RANGE)), min=LENGTH_RANGE[0], max=LENGTH_RANGE[1],
                                    step=1, description="序列长度 T", style=style),
        "radius": widgets.FloatSlider(value=float(np.clip(radius, *RADIUS_RANGE)), min=RADIUS_RANGE[0],
                                      max=RADIUS_RANGE[1], step=0.05, description="谱半径", style=style),
    }
    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str:
        result = gradient_through_time(length=values["length"], radius=values["radius"], cell=values["cell"], seed=seed)
        trace = figure.data[0]
        trace.update(x=result.steps.tolist(), y=_plotted(result), name=CELLS[result.cell])
        figure.layout.title.text = wrap(_title(result.radius), TITLE_CHARS)
        figure.layout.xaxis.range = [1, result.length]
        return result.message

    return LivePanel(figure=fig, controls=controls, update=update)


EXPLORER = Explorer(
    name="bptt",
    chapter="sec-rnn",
    compute=gradient_through_time,
    figure=bptt_figure,
    panel=bptt_panel,
    compute_kwargs={"length": 20},
    figure_kwargs={"lengths": (10, 30), "radii": (0.5, 1.0, 2.0)},
    panel_kwargs={"length": 30},
    extremes=({"radius": 0.0}, {"radius": 1e6}, {"lengths": (1, 10**6)}, {"radius": float("nan")},
              {"radii": (10.0,), "radius": 10.0, "lengths": (400,)}),
)

__all__ = ["EXPLORER", "BpttResult", "bptt_figure", "bptt_panel", "gradient_through_time", "scaled_recurrent"]
