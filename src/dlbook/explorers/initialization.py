"""参数初始化的交互图：信号在深层全连接网络里逐层变大或变小（见 {ref}`sec-initialization`）。

- :func:`signal_propagation` 是纯计算函数：把一批随机输入送进一个深层 MLP，
  返回每层的权重统计、激活分布与反向传播得到的权重梯度标准差（:class:`SignalStats`）；
- :func:`initialization_figure` 是静态图：下拉菜单切换初始化方案，滑块切换每层宽度，各步预先算好；
- :func:`initialization_panel` 是 JupyterLab 里的实时面板：初始化、激活函数、深度与宽度都可以调。

激活函数取自全书唯一的登记表 :mod:`dlbook.activations`。
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from dlbook.activations import activation_layer, get_activation
from dlbook.figure_layout import MENU_PX, TOOLBAR_PX, Frame, apply_frame, frame, menu_y, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    annotation_key,
    apply_step,
    clear_empty,
    draw_empty,
    dropdown,
    restyle_step,
    rounded,
    set_message,
    slider,
)

#: 初始化方案：名字 → 图例里显示的中文说明
INIT_SCHEMES: dict[str, str] = {
    "normal-0.01": "正态 σ=0.01",
    "normal-1": "标准正态 σ=1",
    "xavier": "Xavier 正态",
    "kaiming": "Kaiming 正态（ReLU）",
    "default": "PyTorch 默认",
}

#: 这个交互图可选的激活函数（:data:`dlbook.activations.ACTIVATIONS` 中的名字）
ACTIVATION_NAMES: tuple[str, ...] = ("tanh", "relu", "sigmoid")

#: 深度、宽度与批量的上限（更大的值会被截断，免得一次计算算上几分钟）
MAX_DEPTH, MAX_WIDTH, MAX_BATCH = 100, 4096, 4096

_COLORS = {
    "normal-0.01": "#1f77b4",
    "normal-1": "#d62728",
    "xavier": "#2ca02c",
    "kaiming": "#9467bd",
    "default": "#ff7f0e",
}

_QUANTILES = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
_QUANTILE_SAMPLES = 20_000  # 分位数只用前这么多个激活值估计，够准也够快


@dataclass(frozen=True, kw_only=True, eq=False)
class SignalStats(Result):
    """:func:`signal_propagation` 的结果：逐层（第 1 层到第 ``depth`` 层）的统计量。

    溢出之后的层统计量为 nan、直方图为空；``empty`` 为真时（深度或宽度为 0）所有数组都为空。
    """

    init: str
    activation: str
    depth: int
    width: int
    batch: int
    layers: np.ndarray
    weight_std: np.ndarray
    weight_samples: tuple[np.ndarray, ...]
    pre_std: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    act_second_moment: np.ndarray
    act_quantiles: np.ndarray
    saturated: np.ndarray
    grad_std: np.ndarray
    hist_centers: tuple[np.ndarray, ...]
    hist_fractions: tuple[np.ndarray, ...]
    quantile_levels: np.ndarray = field(default_factory=lambda: np.array(_QUANTILES))
    diverged: bool = False
    vanished: bool = False
    empty: bool = False


def _check_names(init: str, activation: str) -> None:
    if init not in INIT_SCHEMES:
        raise ValueError(f"未知的初始化方案 {init!r}；可选的有：{'、'.join(INIT_SCHEMES)}。")
    if activation not in ACTIVATION_NAMES:
        raise ValueError(f"未知的激活函数 {activation!r}；可选的有：{'、'.join(ACTIVATION_NAMES)}。")


def _init_weight(weight: torch.Tensor, init: str, generator: torch.Generator) -> None:
    """按方案名就地初始化一个 [fan_out, fan_in] 的权重矩阵。"""
    nn_init = torch.nn.init
    if init == "normal-0.01":
        nn_init.normal_(weight, mean=0.0, std=0.01, generator=generator)
    elif init == "normal-1":
        nn_init.normal_(weight, mean=0.0, std=1.0, generator=generator)
    elif init == "xavier":
        nn_init.xavier_normal_(weight, generator=generator)
    elif init == "kaiming":
        nn_init.kaiming_normal_(weight, nonlinearity="relu", generator=generator)
    else:  # "default"：与 nn.Linear.reset_parameters 相同
        nn_init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)


def _saturated_fraction(h: np.ndarray, activation: str) -> float:
    """饱和（tanh、sigmoid 贴近上下界）或“死掉”（ReLU 输出为 0）的激活所占比例。"""
    if activation == "tanh":
        mask = np.abs(h) > 0.99
    elif activation == "sigmoid":
        mask = (h < 0.01) | (h > 0.99)
    else:
        mask = h == 0
    return float(mask.mean())


def _histogram(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """返回 (各箱中心, 各箱所占比例)；所有值相同时用一个很窄的区间。"""
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= 1e-12 * max(1.0, abs(lo)):
        pad = max(abs(lo) * 1e-3, 1e-12)
        lo, hi = lo - pad, hi + pad
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    return (edges[:-1] + edges[1:]) / 2, counts / max(values.size, 1)


def _empty_stats(init: str, activation: str, depth: int, width: int, batch: int, message: str) -> SignalStats:
    empty = np.zeros(0)
    return SignalStats(
        init=init, activation=activation, depth=depth, width=width, batch=batch, layers=np.zeros(0, dtype=int),
        weight_std=empty, weight_samples=(), pre_std=empty, act_mean=empty, act_std=empty, act_second_moment=empty,
        act_quantiles=np.zeros((0, len(_QUANTILES))), saturated=empty, grad_std=empty, hist_centers=(),
        hist_fractions=(), empty=True, message=message,
    )


def _forward_backward(init: str, activation: str, depth: int, width: int, batch: int, seed: int):
    """前向传播一批 N(0, 1) 输入，再从损失 mean_b(h_L[b]·R[b]) 反向传播；返回各层权重、加权和与激活。"""
    generator = torch.Generator().manual_seed(seed)
    act = activation_layer(activation)
    x = torch.randn(batch, width, generator=generator)
    upstream = torch.randn(batch, width, generator=generator)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        _init_weight(w, init, generator)
        weights.append(w.requires_grad_())
    h, pre, post = x, [], []
    for w in weights:
        z = h @ w.T
        h = act(z)
        pre.append(z)
        post.append(h)
    (h * upstream).sum(dim=1).mean().backward()
    return weights, pre, post


def _layer_stats(weights, pre, post, *, activation: str, bins: int, samples: int) -> dict[str, Any]:
    """逐层统计（在 numpy 的 float64 中算：既快，又不会在求平方时再溢出一次）；溢出之后的层记为 nan。"""
    keys = ("weight_std", "pre_std", "act_mean", "act_std", "act_second_moment", "saturated", "grad_std",
            "weight_samples", "act_quantiles", "hist_centers", "hist_fractions")
    s: dict[str, Any] = {k: [] for k in keys}
    s["first_bad"] = s["first_zero"] = None
    for i, (w, z, a) in enumerate(zip(weights, pre, post)):
        w_np, z_np, a_np = (t.detach().numpy().astype(np.float64) for t in (w, z, a))
        s["weight_std"].append(float(w_np.std()))
        s["weight_samples"].append(w_np.ravel()[:samples].copy())
        if s["first_bad"] is None and not (np.isfinite(z_np).all() and np.isfinite(a_np).all()):
            s["first_bad"] = i + 1
        if s["first_bad"] is not None:
            for key in ("pre_std", "act_mean", "act_std", "act_second_moment", "saturated"):
                s[key].append(float("nan"))
            s["act_quantiles"].append(np.full(len(_QUANTILES), np.nan))
            s["hist_centers"].append(np.zeros(0))
            s["hist_fractions"].append(np.zeros(0))
        else:
            s["pre_std"].append(float(z_np.std()))
            s["act_mean"].append(float(a_np.mean()))
            s["act_std"].append(float(a_np.std()))
            s["act_second_moment"].append(float(np.mean(a_np**2)))
            s["saturated"].append(_saturated_fraction(a_np, activation))
            s["act_quantiles"].append(np.quantile(a_np.ravel()[:_QUANTILE_SAMPLES], _QUANTILES))
            centers, fractions = _histogram(a_np.ravel(), bins)
            s["hist_centers"].append(centers)
            s["hist_fractions"].append(fractions)
            if s["first_zero"] is None and s["act_second_moment"][-1] == 0.0:
                s["first_zero"] = i + 1
        g = None if w.grad is None else w.grad.numpy().astype(np.float64)
        s["grad_std"].append(float(g.std()) if g is not None and np.isfinite(g).all() else float("nan"))
    return s


def _diagnosis(stats: dict[str, Any], width: int) -> list[str]:
    """溢出、下溢、跨度过大与宽度为 1 的中文说明（每句一条）。"""
    grad = np.array(stats["grad_std"])
    messages = []
    if stats["first_bad"] is not None:
        messages.append(f"第 {stats['first_bad']} 层的激活在 float32 中溢出成 inf/nan：信号爆炸，之后各层没有统计。")
    elif np.isnan(grad).any():
        messages.append("前向传播正常，但反向传播的梯度溢出成 inf/nan：梯度爆炸。")
    if stats["first_zero"] is not None:
        messages.append(f"第 {stats['first_zero']} 层起激活全部为 0（下溢或全部被 ReLU 截断）：信号消失。")
    for label, values in (("激活", np.array(stats["act_std"])), ("权重梯度", grad)):
        good = values[np.isfinite(values) & (values > 0)]
        if good.size >= 2 and good.max() > 1e6 * good.min():
            messages.append(f"各层{label}的标准差相差超过 10⁶ 倍。")
    if width == 1:
        messages.append("宽度为 1：每层只有一个神经元，统计量波动很大。")
    return messages


def signal_propagation(
    *,
    init: str = "kaiming",
    activation: str = "relu",
    depth: int = 10,
    width: int = 256,
    batch: int = 256,
    bins: int = 40,
    samples: int = 200,
    seed: int = 0,
) -> SignalStats:
    """把随机输入送进 ``depth`` 层、每层 ``width`` 个神经元的 MLP，返回逐层的权重、激活与梯度统计（见 {ref}`sec-initialization`）。

    输入 ``x`` 的每个分量来自 N(0, 1)；每层 ``h = act(h_prev @ W.T)``，偏置为 0，以便只看权重的作用。
    损失取输出与一个固定随机矩阵 ``R``（每个样本一行，分量来自 N(0, 1)）的逐样本内积的批平均
    ``mean_b(h_L[b] · R[b])``：它对 ``h_L`` 的梯度就是 ``R / batch``，与输出大小无关，
    于是每层权重梯度的大小只反映反向传播一路乘上去的因子和该层的输入大小。全部在 float32 中计算，与平常训练一样；
    数值溢出成 ``inf``/``nan`` 时 ``diverged`` 为真，下溢成 0 时 ``vanished`` 为真，``message`` 里有中文说明。
    过大的深度、宽度、批量被截断；深度或宽度为 0、批量不足 2 时返回空结果（``empty``）。
    """
    _check_names(init, activation)
    notes = Notes()
    # 只截断过大的值；0 与负数是“不可能的设置”，下面返回空结果
    depth = notes.clamp_int(depth, min(int(depth), 0), MAX_DEPTH, label="深度")
    width = notes.clamp_int(width, min(int(width), 0), MAX_WIDTH, label="宽度")
    batch = notes.clamp_int(batch, min(int(batch), 0), MAX_BATCH, label="批量")
    bins = notes.clamp_int(bins, 1, 500, label="直方图箱数", default=40)
    samples = notes.clamp_int(samples, 1, 10_000, label="权重样本数", default=200)
    if depth <= 0:
        return _empty_stats(init, activation, depth, width, batch, "深度为 0：网络没有隐藏层，没有可画的逐层统计。")
    if width <= 0:
        return _empty_stats(init, activation, depth, width, batch, "宽度为 0：每层没有神经元，信号无法传播。")
    if batch <= 1:
        return _empty_stats(init, activation, depth, width, batch, "批量至少要有 2 个样本才能算标准差。")
    weights, pre, post = _forward_backward(init, activation, depth, width, batch, seed)
    s = _layer_stats(weights, pre, post, activation=activation, bins=bins, samples=samples)
    grad = np.array(s["grad_std"])
    return SignalStats(
        init=init, activation=activation, depth=depth, width=width, batch=batch, layers=np.arange(1, depth + 1),
        weight_std=np.array(s["weight_std"]), weight_samples=tuple(s["weight_samples"]),
        pre_std=np.array(s["pre_std"]), act_mean=np.array(s["act_mean"]), act_std=np.array(s["act_std"]),
        act_second_moment=np.array(s["act_second_moment"]), act_quantiles=np.array(s["act_quantiles"]),
        saturated=np.array(s["saturated"]), grad_std=grad, hist_centers=tuple(s["hist_centers"]),
        hist_fractions=tuple(s["hist_fractions"]), diverged=s["first_bad"] is not None or bool(np.isnan(grad).any()),
        vanished=s["first_zero"] is not None, message=" ".join([*notes.items, *_diagnosis(s, width)]),
    )


# ---------------------------------------------------------------- 画图

#: 子图：上排两条折线，中排与下排是三层的激活直方图和权重直方图（两列，窄屏上也读得清）
_TITLES = ("各层激活的标准差", "各层权重梯度的标准差", "直方图 1", "直方图 2", "直方图 3", "权重的分布")
_TITLE_NAMES = ("title:act", "title:grad", "title:hist1", "title:hist2", "title:hist3", "title:weights")
_CELLS = ((1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2))
#: 静态图的宽度滑块默认取这几个宽度（外加调用时给的 ``width``）
DEFAULT_WIDTHS: tuple[int, ...] = (16, 64, 256, 1024)
_MAX_WIDTH_STEPS = 6
#: 静态图的深度上限（每一步都要算 方案数 × 宽度数 次）
_MAX_FIGURE_DEPTH = 50


def _hist_layers(depth: int) -> list[int]:
    """直方图展示的三层：第 1 层、中间一层、最后一层（层数少时去重）。"""
    if depth <= 0:
        return []
    return sorted({1, max(1, (depth + 1) // 2), depth})


def _positive(values: np.ndarray) -> list[float | None]:
    """对数坐标画不了 0、负数与 nan：换成 None（曲线在那里断开），保留 6 位有效数字。"""
    return rounded([float(v) if np.isfinite(v) and v > 0 else None for v in values])


def _trace_names(prefix: str = "") -> tuple[str, ...]:
    """一组六条曲线的名字（顺序同 ``_CELLS``）；静态图里每个方案一组，以方案名开头。"""
    parts = ("梯度标准差", "直方图 1", "直方图 2", "直方图 3", "权重")
    return (prefix or "激活标准差", *(f"{prefix}：{p}" if prefix else p for p in parts))


def _base_figure() -> go.Figure:
    """静态图与实时面板共用的底图：三行两列的子图，子图标题按名字（``title:…``）可以改。"""
    fig = make_subplots(rows=3, cols=2, subplot_titles=_TITLES, vertical_spacing=0.12, horizontal_spacing=0.14)
    for annotation, name in zip(fig.layout.annotations, _TITLE_NAMES):
        annotation.update(name=name, font={"size": 13})
    fig.update_yaxes(type="log", exponentformat="power", row=1)
    fig.update_xaxes(title_text="层", row=1)
    for row, col in _CELLS[2:]:
        fig.update_xaxes(title_text="权重值" if (row, col) == (3, 2) else "激活值", exponentformat="power", nticks=4,
                         row=row, col=col)
    fig.update_yaxes(title_text="比例", row=2, col=1)
    fig.update_yaxes(title_text="比例", row=3, col=1)
    fig.update_layout(bargap=0.05)
    return fig


def _add_group(fig: go.Figure, names: tuple[str, ...], *, color: str, group: str = "", legend: bool = False) -> None:
    """加一组六条（空的）曲线：两条折线与四个直方图。"""
    for k, (name, (row, col)) in enumerate(zip(names, _CELLS)):
        if k < 2:
            trace = go.Scatter(x=[], y=[], mode="lines+markers", name=name, showlegend=legend and k == 0,
                               line={"color": color}, marker={"color": color, "size": 5})
        else:
            trace = go.Bar(x=[], y=[], name=name, marker_color=color, showlegend=False)
        fig.add_trace(trace.update(legendgroup=group or None), row=row, col=col)


def _weight_hist(r: SignalStats, bins: int = 30) -> tuple[list, list]:
    """把各层抽出的权重样本合在一起做直方图（各层的权重来自同一个分布）。"""
    if not r.weight_samples:
        return [], []
    centers, fractions = _histogram(np.concatenate(r.weight_samples), bins)
    return rounded(centers), rounded(fractions, digits=5)


def _series(r: SignalStats) -> list[tuple[list, list]]:
    """六条曲线的数据 (x, y)，顺序同 ``_trace_names``。"""
    layers = _hist_layers(r.depth) if not r.empty else []
    xs = r.layers.tolist()
    out = [(xs, _positive(r.act_std)), (xs, _positive(r.grad_std))]
    for k in range(3):
        if k < len(layers) and len(r.hist_centers) >= layers[k]:
            out.append((rounded(r.hist_centers[layers[k] - 1]), rounded(r.hist_fractions[layers[k] - 1], digits=5)))
        else:
            out.append(([], []))
    return out + [_weight_hist(r)]


def _hist_titles(r: SignalStats) -> list[str]:
    """三个激活直方图的标题；该层溢出时注明没有数据，层数不足三层时为空。"""
    layers = _hist_layers(r.depth) if not r.empty else []
    texts = []
    for k in range(3):
        if k >= len(layers):
            texts.append("")
        elif len(r.hist_centers) >= layers[k] and len(r.hist_centers[layers[k] - 1]) > 0:
            texts.append(f"第 {layers[k]} 层的激活分布")
        else:
            texts.append(f"第 {layers[k]} 层：溢出，无数据")
    return texts


def _lines(message: str) -> str:
    """把几句话的说明按句号与冒号分行（窄屏上也不会超出图的宽度）。"""
    return re.sub(r"(?<=[：。])\s*(?=.)", "<br>", message)


#: 静态图绘图区的高度（像素）；上边距里菜单下面的说明区有几行（方案说明约 5 行、截断提示与子图标题约 3 行）
_PLOT_PX, _NOTE_LINES = 680, 8


def _figure_frame(*, schemes: int) -> Frame:
    """静态图的排版（:mod:`dlbook.figure_layout`）：上面是菜单与说明区，下面是宽度滑块与图例（窄屏上一个方案一行）。"""
    return frame(plot=_PLOT_PX, title_lines=0, menu=True, message_lines=_NOTE_LINES, sliders=1,
                 legend_rows=max(1, schemes))


def _add_scheme_annotations(fig: go.Figure, layout: Frame, schemes: tuple[str, ...]) -> None:
    """每个方案自己的三个直方图标题与一段说明（由下拉菜单切换可见性，由滑块换文字）。"""
    slots = {a.name: a for a in fig.layout.annotations}
    for name in schemes:
        for k in (1, 2, 3):
            fig.add_annotation(slots[f"title:hist{k}"].to_plotly_json() | {"name": f"{name}:hist{k}", "text": ""})
        fig.add_annotation(
            name=f"{name}:note", text="", x=0.0, y=layout.above(layout.top - TOOLBAR_PX - MENU_PX - 2),
            xref="paper", yref="paper",
            xanchor="left", yanchor="top", align="left", showarrow=False, font={"size": 12, "color": "#555"},
        )
    for k in (1, 2, 3):
        fig.update_annotations(text="", selector={"name": f"title:hist{k}"})


def _width_step(fig: go.Figure, w: int, results: dict[str, SignalStats], *, activation: str, depth: int):
    """滑块的一步：所有方案在宽度 w 下的数据、直方图标题与说明。"""
    updates, texts = {}, {}
    for name, r in results.items():
        for trace, (x, y) in zip(_trace_names(INIT_SCHEMES[name]), _series(r)):
            updates[trace] = {"x": x, "y": y}
        for k, title in enumerate(_hist_titles(r), start=1):
            texts[annotation_key(fig, f"{name}:hist{k}", "text")] = title
        note = r.message or "数值正常：没有 inf/nan，也没有全部变成 0。"
        header = f"{get_activation(activation).label} 网络，{depth} 层 × {w} 个神经元<br>直方图：{INIT_SCHEMES[name]}"
        texts[annotation_key(fig, f"{name}:note", "text")] = f"{header}<br>{wrap(_lines(note))}"
    return restyle_step(fig, str(w), updates, layout=texts)


def _scheme_step(fig: go.Figure, chosen: str, schemes: tuple[str, ...]):
    """下拉菜单的一项：只切换可见性与高亮，不碰数据，所以不会撤销滑块选的宽度。"""
    updates, shown = {}, {}
    for name in schemes:
        mine = name == chosen
        for k, trace in enumerate(_trace_names(INIT_SCHEMES[name])):
            updates[trace] = {"visible": k < 2 or mine, "opacity": 1.0 if mine or k >= 2 else 0.3}
        for part in ("hist1", "hist2", "hist3", "note"):
            shown[annotation_key(fig, f"{name}:{part}", "visible")] = mine
    return restyle_step(fig, INIT_SCHEMES[chosen], updates, layout=shown)


def _figure_widths(width: int, widths: tuple[int, ...] | None, notes: Notes) -> list[int]:
    """宽度滑块的各步：正的宽度（截断到上限）加上 ``width``，最多 6 步（多出的去掉并说明）。"""
    given = {min(int(w), MAX_WIDTH) for w in (DEFAULT_WIDTHS if widths is None else widths) if int(w) > 0}
    values = sorted(given | {width})
    if len(values) > _MAX_WIDTH_STEPS:
        others = [w for w in values if w != width][: _MAX_WIDTH_STEPS - 1]
        notes.add(f"宽度滑块最多 {_MAX_WIDTH_STEPS} 步，只保留了 {'、'.join(map(str, sorted([*others, width])))}。")
        values = sorted([*others, width])
    return values


def _figure_layout(fig: go.Figure, layout: Frame, menu: list, bars: list, chosen: int, chosen_w: int) -> None:
    fig.update_layout(
        updatemenus=[dropdown(steps=menu, active=chosen, x=0.0, y=menu_y(layout), name="初始化方案")],
        sliders=sliders_below(layout, [slider(name="每层宽度", steps=bars, active=chosen_w)]),
    )


def initialization_figure(
    *,
    activation: str = "tanh",
    depth: int = 15,
    width: int = 256,
    widths: tuple[int, ...] | None = None,
    batch: int = 256,
    schemes: tuple[str, ...] = tuple(INIT_SCHEMES),
    active: str | None = None,
    bins: int = 40,
    seed: int = 0,
) -> go.Figure:
    """画出各种初始化下深层网络逐层的激活/梯度标准差、激活直方图与权重分布，下拉菜单切换方案、滑块切换宽度（见 {ref}`sec-initialization`）。

    两个控件各管一件事，所以在静态 HTML 里可以任意组合：滑块的每一步换掉**所有**方案在该宽度下的数据
    （折线与直方图，以及各方案直方图标题与说明的文字）；下拉菜单只切换可见性与高亮
    （每个方案有自己的一组直方图和说明，只显示选中的那组），不碰数据。
    ``widths`` 是滑块的各步（默认 :data:`DEFAULT_WIDTHS`，``width`` 不在其中时补进去），最多 6 步。
    """
    for name in schemes:
        _check_names(name, activation)
    notes = Notes()
    depth = notes.clamp_int(depth, 1, _MAX_FIGURE_DEPTH, label="深度")
    width = notes.clamp_int(width, 1, MAX_WIDTH, label="宽度")
    values = _figure_widths(width, widths, notes)
    fig, layout = _base_figure(), _figure_frame(schemes=len(schemes))
    apply_frame(fig, layout, title="")
    if not schemes:
        return draw_empty(set_message(fig, wrap(str(notes)), y=layout.above(28)), "没有选择任何初始化方案（schemes 为空）。")
    active = schemes[0] if active is None else active
    if active not in schemes:
        raise ValueError(f"active={active!r} 不在 schemes 里。")
    for name in schemes:
        _add_group(fig, _trace_names(INIT_SCHEMES[name]), color=_COLORS[name], group=name, legend=True)
    _add_scheme_annotations(fig, layout, schemes)
    bars = []
    for w in values:
        results = {name: signal_propagation(init=name, activation=activation, depth=depth, width=w, batch=batch,
                                            bins=bins, seed=seed) for name in schemes}
        bars.append(_width_step(fig, w, results, activation=activation, depth=depth))
    menu = [_scheme_step(fig, name, schemes) for name in schemes]
    chosen, chosen_w = schemes.index(active), values.index(width)
    apply_step(fig, bars[chosen_w])  # 初始状态与选中的那个宽度、那个方案一致
    apply_step(fig, menu[chosen])
    _figure_layout(fig, layout, menu, bars, chosen, chosen_w)
    return set_message(fig, wrap(str(notes)), y=layout.above(28))


def _panel_update(figure: go.FigureWidget, values: dict[str, Any], *, batch: int, seed: int) -> str:
    r = signal_propagation(init=values["init"], activation=values["activation"], depth=values["depth"],
                           width=values["width"], batch=batch, seed=seed)
    for name, (x, y) in zip(_trace_names(), _series(r)):
        figure.update_traces(x=x, y=y, selector={"name": name})
    for k, text in enumerate(_hist_titles(r), start=1):
        figure.update_annotations(text=text or f"直方图 {k}", selector={"name": f"title:hist{k}"})
    figure.layout.title.text = (f"{INIT_SCHEMES[values['init']]}，{get_activation(values['activation']).label}<br>"
                                f"{values['depth']} 层 × {values['width']} 个神经元")
    # 只走一条分支：batch_update 里先清后画同一个注释时，plotly 会丢掉第二次（与原值相同）的修改
    if r.empty:
        draw_empty(figure, r.message)
    else:
        clear_empty(figure)
    return r.message


def initialization_panel(
    *,
    init: str = "kaiming",
    activation: str = "relu",
    depth: int = 10,
    width: int = 256,
    batch: int = 256,
    seed: int = 0,
) -> LivePanel:
    """JupyterLab 实时面板：选初始化与激活函数、拖动深度与宽度，重新计算逐层统计（见 {ref}`sec-initialization`）。"""
    _check_names(init, activation)
    fig = apply_frame(_base_figure(), frame(plot=720, title_lines=2, message_lines=0, legend_rows=0), title="",
                      legend=False)
    _add_group(fig, _trace_names(), color="#1f77b4")
    fig.update_traces(line_color="#2ca02c", marker_color="#2ca02c", selector={"name": "激活标准差"})
    fig.update_traces(line_color="#9467bd", marker_color="#9467bd", selector={"name": "梯度标准差"})
    style = {"description_width": "initial"}
    slider_args = {"style": style, "continuous_update": False}
    controls = {
        "init": widgets.Dropdown(options=[(v, k) for k, v in INIT_SCHEMES.items()], value=init,
                                 description="初始化", style=style),
        "activation": widgets.Dropdown(options=[(get_activation(a).label, a) for a in ACTIVATION_NAMES],
                                       value=activation, description="激活函数", style=style),
        "depth": widgets.IntSlider(value=depth, min=0, max=50, description="深度", **slider_args),
        "width": widgets.IntSlider(value=width, min=0, max=1024, description="宽度", **slider_args),
    }
    return LivePanel(figure=fig, controls=controls,
                     update=lambda figure, values: _panel_update(figure, values, batch=batch, seed=seed))


EXPLORER = Explorer(
    name="initialization",
    chapter="sec-initialization",
    compute=signal_propagation,
    figure=initialization_figure,
    panel=initialization_panel,
    compute_kwargs={"depth": 3, "width": 16, "batch": 32},
    figure_kwargs={"activation": "relu", "depth": 4, "width": 16, "widths": (8, 16), "batch": 32,
                   "schemes": ("normal-1", "kaiming", "xavier")},
    panel_kwargs={"depth": 3, "width": 16, "batch": 32},
    extremes=({"depth": 0}, {"width": 0}, {"depth": 10_000}, {"width": 10**9, "depth": 1, "schemes": ("kaiming",)},
              {"schemes": ()}),
)
