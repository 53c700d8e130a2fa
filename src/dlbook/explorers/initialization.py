"""参数初始化的交互图：信号在深层全连接网络里逐层变大或变小（见 {ref}`sec-initialization`）。

- :func:`signal_propagation` 是纯计算函数：把一批随机输入送进一个深层 MLP，
  返回每层的权重统计、激活分布与反向传播得到的权重梯度标准差；
- :func:`initialization_figure` 是静态图：下拉菜单切换初始化方案，滑块切换每层宽度，各步预先算好；
- :func:`initialization_panel` 是 JupyterLab 里的实时面板：初始化、激活函数、深度与宽度都可以调。
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from dlbook.interactive import LivePanel, Step, dropdown, slider, stack_sliders

#: 初始化方案：名字 → 图例里显示的中文说明
INIT_SCHEMES: dict[str, str] = {
    "normal-0.01": "正态 σ=0.01",
    "normal-1": "标准正态 σ=1",
    "xavier": "Xavier 正态",
    "kaiming": "Kaiming 正态（ReLU）",
    "default": "PyTorch 默认",
}

#: 激活函数：名字 → 函数
ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
}

_COLORS = {
    "normal-0.01": "#1f77b4",
    "normal-1": "#d62728",
    "xavier": "#2ca02c",
    "kaiming": "#9467bd",
    "default": "#ff7f0e",
}

_QUANTILES = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
_QUANTILE_SAMPLES = 20_000  # 分位数只用前这么多个激活值估计，够准也够快


def _check_names(init: str, activation: str) -> None:
    if init not in INIT_SCHEMES:
        known = "、".join(INIT_SCHEMES)
        raise ValueError(f"未知的初始化方案 {init!r}；可选的有：{known}。")
    if activation not in ACTIVATIONS:
        known = "、".join(ACTIVATIONS)
        raise ValueError(f"未知的激活函数 {activation!r}；可选的有：{known}。")


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


def _empty_result(init: str, activation: str, depth: int, width: int, batch: int, message: str) -> dict[str, Any]:
    empty = np.zeros(0)
    return {
        "init": init,
        "activation": activation,
        "depth": depth,
        "width": width,
        "batch": batch,
        "layers": np.zeros(0, dtype=int),
        "weight_std": empty,
        "weight_samples": [],
        "pre_std": empty,
        "act_mean": empty,
        "act_std": empty,
        "act_second_moment": empty,
        "act_quantiles": np.zeros((0, len(_QUANTILES))),
        "quantile_levels": np.array(_QUANTILES),
        "saturated": empty,
        "grad_std": empty,
        "hist_centers": [],
        "hist_fractions": [],
        "diverged": False,
        "vanished": False,
        "empty": True,
        "message": message,
    }


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
) -> dict[str, Any]:
    """把随机输入送进 ``depth`` 层、每层 ``width`` 个神经元的 MLP，返回逐层的权重、激活与梯度统计（见 {ref}`sec-initialization`）。

    输入 ``x`` 的每个分量来自 N(0, 1)；每层 ``h = act(h_prev @ W.T)``，偏置为 0，以便只看权重的作用。
    损失取输出与一个固定随机矩阵 ``R``（每个样本一行，分量来自 N(0, 1)）的逐样本内积的批平均
    ``mean_b(h_L[b] · R[b])``：它对 ``h_L`` 的梯度就是 ``R / batch``，与输出大小无关，
    于是每层权重梯度的大小只反映反向传播一路乘上去的因子和该层的输入大小。全部在 float32 中计算，与平常训练一样；
    数值溢出成 ``inf``/``nan`` 时 ``diverged`` 为真，下溢成 0 时 ``vanished`` 为真，``message`` 里有中文说明。
    """
    _check_names(init, activation)
    depth, width, batch = int(depth), int(width), int(batch)
    if depth <= 0:
        return _empty_result(init, activation, depth, width, batch, "深度为 0：网络没有隐藏层，没有可画的逐层统计。")
    if width <= 0:
        return _empty_result(init, activation, depth, width, batch, "宽度为 0：每层没有神经元，信号无法传播。")
    if batch <= 1:
        return _empty_result(init, activation, depth, width, batch, "批量至少要有 2 个样本才能算标准差。")

    generator = torch.Generator().manual_seed(seed)
    act = ACTIVATIONS[activation]
    x = torch.randn(batch, width, generator=generator)
    upstream = torch.randn(batch, width, generator=generator)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        _init_weight(w, init, generator)
        weights.append(w.requires_grad_())

    h = x
    pre, post = [], []
    for w in weights:
        z = h @ w.T
        h = act(z)
        pre.append(z)
        post.append(h)
    loss = (h * upstream).sum(dim=1).mean()
    loss.backward()

    layers = np.arange(1, depth + 1)
    stats: dict[str, list] = {k: [] for k in ("weight_std", "pre_std", "act_mean", "act_std", "act_m2", "sat", "grad")}
    quantiles, centers, fractions, weight_samples = [], [], [], []
    first_bad = None
    first_zero = None
    # 统计量都在 numpy 里（float64）算：既快，又不会在求平方时再溢出一次
    for i, (w, z, a) in enumerate(zip(weights, pre, post)):
        w_np = w.detach().numpy().astype(np.float64)
        z_np = z.detach().numpy().astype(np.float64)
        a_np = a.detach().numpy().astype(np.float64)
        stats["weight_std"].append(float(w_np.std()))
        weight_samples.append(w_np.ravel()[:samples].copy())
        if first_bad is None and not (np.isfinite(z_np).all() and np.isfinite(a_np).all()):
            first_bad = i + 1
        if first_bad is not None:
            for key in ("pre_std", "act_mean", "act_std", "act_m2", "sat"):
                stats[key].append(float("nan"))
            quantiles.append(np.full(len(_QUANTILES), np.nan))
            centers.append(np.zeros(0))
            fractions.append(np.zeros(0))
        else:
            stats["pre_std"].append(float(z_np.std()))
            stats["act_mean"].append(float(a_np.mean()))
            stats["act_std"].append(float(a_np.std()))
            stats["act_m2"].append(float(np.mean(a_np**2)))
            stats["sat"].append(_saturated_fraction(a_np, activation))
            quantiles.append(np.quantile(a_np.ravel()[:_QUANTILE_SAMPLES], _QUANTILES))
            c, f = _histogram(a_np.ravel(), bins)
            centers.append(c)
            fractions.append(f)
            if first_zero is None and stats["act_m2"][-1] == 0.0:
                first_zero = i + 1
        g = None if w.grad is None else w.grad.numpy().astype(np.float64)
        stats["grad"].append(float(g.std()) if g is not None and np.isfinite(g).all() else float("nan"))

    grad = np.array(stats["grad"])
    diverged = first_bad is not None or bool(np.isnan(grad).any())
    messages = []
    if first_bad is not None:
        messages.append(f"第 {first_bad} 层的激活在 float32 中溢出成 inf/nan：信号爆炸，之后各层没有统计。")
    elif np.isnan(grad).any():
        messages.append("前向传播正常，但反向传播的梯度溢出成 inf/nan：梯度爆炸。")
    if first_zero is not None:
        messages.append(f"第 {first_zero} 层起激活全部为 0（下溢或全部被 ReLU 截断）：信号消失。")
    for label, values in (("激活", np.array(stats["act_std"])), ("权重梯度", grad)):
        good = values[np.isfinite(values) & (values > 0)]
        if good.size >= 2 and good.max() > 1e6 * good.min():
            messages.append(f"各层{label}的标准差相差超过 10⁶ 倍。")
    if width == 1:
        messages.append("宽度为 1：每层只有一个神经元，统计量波动很大。")
    return {
        "init": init,
        "activation": activation,
        "depth": depth,
        "width": width,
        "batch": batch,
        "layers": layers,
        "weight_std": np.array(stats["weight_std"]),
        "weight_samples": weight_samples,
        "pre_std": np.array(stats["pre_std"]),
        "act_mean": np.array(stats["act_mean"]),
        "act_std": np.array(stats["act_std"]),
        "act_second_moment": np.array(stats["act_m2"]),
        "act_quantiles": np.array(quantiles),
        "quantile_levels": np.array(_QUANTILES),
        "saturated": np.array(stats["sat"]),
        "grad_std": grad,
        "hist_centers": centers,
        "hist_fractions": fractions,
        "diverged": diverged,
        "vanished": first_zero is not None,
        "empty": False,
        "message": "".join(messages),
    }


# ---------------------------------------------------------------- 画图


def _hist_layers(depth: int) -> list[int]:
    """直方图展示的三层：第 1 层、中间一层、最后一层（层数少时去重）。"""
    if depth <= 0:
        return []
    return sorted({1, max(1, (depth + 1) // 2), depth})


def _positive(values: np.ndarray) -> list[float | None]:
    """对数坐标画不了 0、负数与 nan：换成 None（曲线在那里断开）。"""
    return [float(v) if np.isfinite(v) and v > 0 else None for v in values]


def _base_figure(*, title: str, n_hist: int = 3) -> go.Figure:
    fig = make_subplots(
        rows=2,
        cols=12,
        specs=[
            [{"colspan": 6}] + [None] * 5 + [{"colspan": 6}] + [None] * 5,
            [{"colspan": 3}, None, None] * 4,
        ],
        subplot_titles=("各层激活的标准差", "各层权重梯度的标准差", "直方图 1", "直方图 2", "直方图 3", "权重的分布（各层相同）"),
        vertical_spacing=0.2,
        horizontal_spacing=0.08,
    )
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=7)
    fig.update_xaxes(title_text="层", row=1, col=1)
    fig.update_xaxes(title_text="层", row=1, col=7)
    for k in range(n_hist):
        fig.update_xaxes(title_text="激活值", exponentformat="power", nticks=4, row=2, col=1 + 3 * k)
    fig.update_xaxes(title_text="权重值", exponentformat="power", nticks=4, row=2, col=10)
    fig.update_yaxes(title_text="比例", row=2, col=1)
    fig.update_layout(title=title, height=640, legend={"orientation": "h", "y": -0.16})
    return fig


def _hist_titles(fig: go.Figure, layers: list[int], result: dict[str, Any]) -> list[dict[str, Any]]:
    """子图标题是 annotation：前两个给上排，接着三个给激活直方图（该层溢出时注明没有数据），最后一个给权重直方图。"""
    annotations = [a.to_plotly_json() for a in fig.layout.annotations][:6]
    for k in range(3):
        if k >= len(layers):
            annotations[2 + k]["text"] = ""
            continue
        has_data = len(result["hist_centers"]) >= layers[k] and len(result["hist_centers"][layers[k] - 1]) > 0
        suffix = "" if has_data else "（溢出，没有数据）"
        annotations[2 + k]["text"] = f"第 {layers[k]} 层的激活分布{suffix}"
    return annotations


def _add_hist_traces(fig: go.Figure, *, color: str) -> None:
    """下排的四个直方图：三层的激活分布，再加一个权重分布（放在最后，trace 的序号紧接在折线之后）。"""
    for k in range(3):
        fig.add_trace(
            go.Bar(x=[], y=[], marker_color=color, showlegend=False, name=f"直方图 {k + 1}"),
            row=2,
            col=1 + 3 * k,
        )
    fig.add_trace(go.Bar(x=[], y=[], marker_color=color, showlegend=False, name="权重"), row=2, col=10)


def _weight_hist(result: dict[str, Any], bins: int = 30) -> tuple[list, list]:
    """把各层抽出的权重样本合在一起做直方图（各层的权重来自同一个分布）。"""
    if not result["weight_samples"]:
        return [], []
    centers, fractions = _histogram(np.concatenate(result["weight_samples"]), bins)
    return np.round(centers, 8).tolist(), np.round(fractions, 5).tolist()


def _hist_data(result: dict[str, Any], layers: list[int]) -> tuple[list, list]:
    """四个直方图的数据：三层的激活分布与权重分布。"""
    xs, ys = [], []
    for k in range(3):
        if k < len(layers) and len(result["hist_centers"]) >= layers[k]:
            xs.append(result["hist_centers"][layers[k] - 1].tolist())
            ys.append(result["hist_fractions"][layers[k] - 1].tolist())
        else:
            xs.append([])
            ys.append([])
    wx, wy = _weight_hist(result)
    return xs + [wx], ys + [wy]


#: 静态图的宽度滑块默认取这几个宽度（外加调用时给的 ``width``）
DEFAULT_WIDTHS: tuple[int, ...] = (16, 64, 256, 1024)
_MAX_WIDTH_STEPS = 6


def _hist_title_texts(layers: list[int], result: dict[str, Any]) -> list[str]:
    """三个激活直方图的标题；该层溢出时注明没有数据，层数不足三层时为空。"""
    texts = []
    for k in range(3):
        if k >= len(layers):
            texts.append("")
            continue
        has_data = len(result["hist_centers"]) >= layers[k] and len(result["hist_centers"][layers[k] - 1]) > 0
        suffix = "" if has_data else "（溢出，没有数据）"
        texts.append(f"第 {layers[k]} 层的激活分布{suffix}")
    return texts


def _rounded(values: list) -> list:
    """保留 6 位有效数字，让图的 JSON 小一些（None 原样保留）。"""
    return [None if v is None else float(f"{v:.6g}") for v in values]


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
    （折线与直方图的 x/y，以及各方案直方图标题与说明的文字）；下拉菜单只切换可见性与高亮
    （每个方案有自己的一组直方图和说明，只显示选中的那组），不碰数据。
    ``widths`` 是滑块的各步（默认 :data:`DEFAULT_WIDTHS`，``width`` 不在其中时补进去），最多 6 步。
    """
    if not schemes:
        raise ValueError("至少要给一个初始化方案（schemes 为空）。")
    for name in schemes:
        _check_names(name, activation)
    active = schemes[0] if active is None else active
    if active not in schemes:
        raise ValueError(f"active={active!r} 不在 schemes 里。")
    width = int(width)
    widths = sorted({int(w) for w in (DEFAULT_WIDTHS if widths is None else widths)} | {width})
    if len(widths) > _MAX_WIDTH_STEPS:
        raise ValueError(f"宽度滑块最多 {_MAX_WIDTH_STEPS} 步（连同 width 一共给了 {len(widths)} 个宽度）。")
    results = {
        (name, w): signal_propagation(init=name, activation=activation, depth=depth, width=w, batch=batch, bins=bins,
                                      seed=seed)
        for w in widths
        for name in schemes
    }
    layers = _hist_layers(depth)
    fig = _base_figure(title="")
    n = len(schemes)

    # trace 的顺序：n 条激活折线、n 条梯度折线，再是每个方案各 4 个直方图（三层激活 + 权重）
    for name in schemes:
        fig.add_trace(
            go.Scatter(x=[], y=[], mode="lines+markers", name=INIT_SCHEMES[name], legendgroup=name,
                       line={"color": _COLORS[name]}, marker={"color": _COLORS[name]}),
            row=1, col=1,
        )
    for name in schemes:
        fig.add_trace(
            go.Scatter(x=[], y=[], mode="lines+markers", name=INIT_SCHEMES[name], legendgroup=name,
                       showlegend=False, line={"color": _COLORS[name]}, marker={"color": _COLORS[name]}),
            row=1, col=7,
        )
    for name in schemes:
        _add_hist_traces(fig, color=_COLORS[name])
        for trace in fig.data[-4:]:
            trace.opacity = 0.9
            trace.legendgroup = name

    # 注释的顺序：make_subplots 的六个子图标题（2…4 号清空，改由各方案自己的标题显示），再是每个方案 4 个（三个直方图标题 + 说明）
    base = [a.to_plotly_json() for a in fig.layout.annotations][:6]
    hist_title_slots = base[2:5]
    for k in range(2, 5):
        base[k]["text"] = ""
    scheme_annotations = []
    for name in schemes:
        scheme_annotations += [dict(slot) for slot in hist_title_slots] + _with_note([], "")
    first_own = len(base)  # 第一个“属于某方案”的注释的序号

    def own_annotations(i: int) -> range:
        return range(first_own + 4 * i, first_own + 4 * i + 4)

    def width_step(w: int) -> Step:
        """滑块的一步：所有方案在宽度 w 下的数据与文字。"""
        xs, ys = [], []
        for key in ("act_std", "grad_std"):
            for name in schemes:
                r = results[(name, w)]
                xs.append(r["layers"].tolist())
                ys.append(_rounded(_positive(r[key])))
        texts = []
        for name in schemes:
            r = results[(name, w)]
            hx, hy = _hist_data(r, layers)
            xs += [_rounded(x) for x in hx]
            ys += hy
            note = r["message"] or "数值正常：没有 inf/nan，也没有全部变成 0。"
            header = f"{activation} 网络，{depth} 层 × {w} 个神经元；直方图：{INIT_SCHEMES[name]}<br>{note}"
            texts += _hist_title_texts(layers, r) + [header]
        relayout = {f"annotations[{first_own + j}].text": t for j, t in enumerate(texts)}
        return Step(label=str(w), method="update", args=[{"x": xs, "y": ys}, relayout])

    def scheme_step(i: int) -> Step:
        """下拉菜单的一项：只切换可见性与高亮，不碰数据，所以不会撤销滑块的选择。"""
        name = schemes[i]
        restyle = {
            "visible": [True] * (2 * n) + [s == name for s in schemes for _ in range(4)],
            "line.width": [4 if s == name else 1.5 for s in schemes] * 2 + [None] * (4 * n),
            "opacity": [1.0 if s == name else 0.35 for s in schemes] * 2 + [0.9] * (4 * n),
        }
        relayout = {
            f"annotations[{j}].visible": j in own_annotations(i) for k in range(n) for j in own_annotations(k)
        }
        return Step(label=INIT_SCHEMES[name], method="update", args=[restyle, relayout])

    w_steps = [width_step(w) for w in widths]
    s_steps = [scheme_step(i) for i in range(n)]
    chosen, chosen_w = schemes.index(active), widths.index(width)
    fig.update_layout(updatemenus=[dropdown(steps=s_steps, active=chosen, x=0.0, y=1.2)])
    stack_sliders(fig, [slider(name="每层宽度（神经元个数）", steps=w_steps, active=chosen_w)])

    # 初始状态与选中的那一步、那个宽度一致
    data, texts = w_steps[chosen_w].args
    look, shown = s_steps[chosen].args
    annotations = base + scheme_annotations
    for key, text in texts.items():
        annotations[int(key[len("annotations[") : key.index("]")])]["text"] = text
    for key, visible in shown.items():
        annotations[int(key[len("annotations[") : key.index("]")])]["visible"] = visible
    for i, trace in enumerate(fig.data):
        trace.x, trace.y = data["x"][i], data["y"][i]
        trace.visible = look["visible"][i]
        trace.opacity = look["opacity"][i]
        if i < 2 * n:
            trace.line.width = look["line.width"][i]
    fig.layout.annotations = annotations
    fig.update_layout(height=700, margin={"t": 120, "b": 210}, legend={"y": -0.5})
    return fig


def _with_note(annotations: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """在下拉菜单右边加两行说明（网络的形状、选中的方案、是否溢出）。"""
    return annotations + [
        {"text": note, "x": 0.34, "y": 1.2, "xref": "paper", "yref": "paper", "xanchor": "left", "align": "left",
         "yanchor": "top", "showarrow": False, "font": {"size": 12, "color": "#555"}}
    ]


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
    import ipywidgets as widgets

    _check_names(init, activation)
    fig = _base_figure(title="")
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="激活标准差", line={"color": "#2ca02c"}),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="权重梯度标准差", line={"color": "#9467bd"}),
                  row=1, col=7)
    _add_hist_traces(fig, color="#1f77b4")
    style = {"description_width": "initial"}
    controls = {
        "init": widgets.Dropdown(options=[(v, k) for k, v in INIT_SCHEMES.items()], value=init,
                                 description="初始化", style=style),
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation, description="激活函数", style=style),
        "depth": widgets.IntSlider(value=depth, min=0, max=50, description="深度", style=style, continuous_update=False),
        "width": widgets.IntSlider(value=width, min=0, max=1024, description="宽度", style=style,
                                   continuous_update=False),
    }

    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str | None:
        r = signal_propagation(init=values["init"], activation=values["activation"], depth=values["depth"],
                               width=values["width"], batch=batch, seed=seed)
        layers = _hist_layers(r["depth"]) if not r["empty"] else []
        figure.data[0].x, figure.data[0].y = r["layers"].tolist(), _positive(r["act_std"])
        figure.data[1].x, figure.data[1].y = r["layers"].tolist(), _positive(r["grad_std"])
        xs, ys = _hist_data(r, layers)
        for k in range(4):
            figure.data[2 + k].x, figure.data[2 + k].y = xs[k], ys[k]
        figure.layout.annotations = _hist_titles(figure, layers, r)
        figure.layout.title = (
            f"{INIT_SCHEMES[values['init']]}，{values['activation']}，{values['depth']} 层 × {values['width']} 个神经元"
        )
        return r["message"] or None

    return LivePanel(figure=fig, controls=controls, update=update)
