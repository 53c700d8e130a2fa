"""玩具版的“神经网络游乐场”：在二维小数据集上训练一个小 MLP，看决策边界（见 {ref}`sec-neurons`）。

- :func:`toy_dataset` 生成带标签的二维点（月牙、同心圆、异或），只用 numpy，固定种子；
- :func:`train_playground` 是纯计算函数：按给定的层数、每层神经元数和激活函数训练一个小网络，
  返回决策边界网格、数据点与准确率；
- :func:`playground_figure` 把三种数据集并排画出，滑块切换网络结构（预先计算，静态 HTML 中可拖动）；
- :func:`playground_panel` 是 JupyterLab 里的实时面板，改任何一个控件就重新训练一次。
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.interactive import LivePanel, Step, slider, stack_sliders

DATASETS = ("moons", "circles", "xor")
DATASET_LABELS = {"moons": "月牙 moons", "circles": "同心圆 circles", "xor": "异或 xor"}
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
ACTIVATION_LABELS = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "无（恒等）"}
# 静态图的滑块：(隐藏层数, 每层神经元数)，从线性模型一路加宽、加深。
ARCHITECTURES = ((0, 0), (1, 1), (1, 2), (1, 4), (1, 8), (2, 8))
_EXTENT = 2.0  # 数据都落在 [-2, 2]² 里
_MAX_LAYERS, _MAX_UNITS = 6, 64


def toy_dataset(name: str, *, n: int = 200, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """生成二维二分类玩具数据：返回形状 [n, 2] 的坐标与 [n] 的 0/1 标签（见 {ref}`sec-neurons`）。"""
    if name not in DATASETS:
        raise ValueError(f"未知的数据集 {name!r}，可选：{'、'.join(DATASETS)}。")
    n = int(n)
    if n < 2:
        raise ValueError(f"样本数 n 至少为 2，收到 {n}。")
    rng = np.random.default_rng(seed)
    label = np.arange(n) % 2  # 两类各占一半
    if name == "moons":
        t = rng.uniform(0.0, np.pi, size=n)
        upper = np.stack([np.cos(t), np.sin(t)], axis=1)
        lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
        points = np.where(label[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
        points = points * 1.2
    elif name == "circles":
        angle = rng.uniform(0.0, 2 * np.pi, size=n)
        radius = np.where(label == 0, 1.5, 0.6)
        points = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    else:  # xor：第一、三象限是一类，第二、四象限是另一类
        points = rng.uniform(-1.6, 1.6, size=(n, 2))
        points = points + np.sign(points) * 0.15
        label = (points[:, 0] * points[:, 1] < 0).astype(int)
    points = points + rng.normal(0.0, noise, size=points.shape)
    return np.clip(points, -_EXTENT, _EXTENT).astype(np.float32), label.astype(np.int64)


def _activate(z: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray]:
    """激活值及其对 z 的导数。"""
    if activation == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(z.dtype)
    if activation == "tanh":
        a = np.tanh(z)
        return a, 1.0 - a**2
    if activation == "sigmoid":
        a = 0.5 * (1.0 + np.tanh(0.5 * z))  # 数值稳定的 sigmoid
        return a, a * (1.0 - a)
    return z, np.ones_like(z)


def init_mlp(*, sizes: list[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """按 nn.Linear 的默认方式初始化各层 (W, b)，W 的形状是 [输出, 输入]（见 {ref}`sec-neurons`）。"""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        params.append((rng.uniform(-bound, bound, size=(fan_out, fan_in)), rng.uniform(-bound, bound, size=fan_out)))
    return params


def mlp_loss_and_grads(
    params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, y: np.ndarray, *, activation: str
) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
    """小 MLP 的二分类交叉熵（带 logits）及其对每层 (W, b) 的梯度，手写反向传播（见 {ref}`sec-neurons`）。

    每个隐藏层计算 H = σ(X Wᵀ + b)，输出层只做线性变换得到一个 logit；与 ``nn.BCEWithLogitsLoss`` 的约定相同。
    """
    hs, ds = [x], []
    h = x
    for w, b in params[:-1]:
        h, d = _activate(h @ w.T + b, activation)
        hs.append(h)
        ds.append(d)
    w_out, b_out = params[-1]
    logit = (h @ w_out.T + b_out)[:, 0]
    # BCE(logit, y) = softplus(logit) − y·logit，写成不会溢出的形式
    loss = float(np.mean(np.logaddexp(0.0, logit) - y * logit))
    grad = ((0.5 * (1.0 + np.tanh(0.5 * logit)) - y) / len(y))[:, None]  # ∂loss/∂logit
    grads = []
    for i in range(len(params) - 1, -1, -1):
        w, _ = params[i]
        grads.append((grad.T @ hs[i], grad.sum(axis=0)))
        if i > 0:
            grad = (grad @ w) * ds[i - 1]
    return loss, grads[::-1]


def _logits(params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, activation: str) -> np.ndarray:
    h = x
    for w, b in params[:-1]:
        h, _ = _activate(h @ w.T + b, activation)
    w, b = params[-1]
    return (h @ w.T + b)[:, 0]


def train_playground(
    *,
    dataset: str = "moons",
    hidden_layers: int = 1,
    units: int = 4,
    activation: str = "tanh",
    epochs: int = 300,
    lr: float = 0.05,
    n: int = 200,
    noise: float = 0.15,
    grid_size: int = 40,
    seed: int = 0,
) -> dict[str, Any]:
    """训练一个小 MLP 做二分类，返回决策边界网格、数据点、准确率与一句说明（纯计算，见 {ref}`sec-neurons`）。

    隐藏层数或每层神经元数为 0 时没有隐藏层，网络就是线性模型（逻辑回归）；不会抛异常。
    返回的 ``prob`` 是形状 [grid_size, grid_size] 的“属于第 1 类”的概率，行对应 ``grid_y``、列对应 ``grid_x``。
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"未知的激活函数 {activation!r}，可选：{'、'.join(ACTIVATIONS)}。")
    hidden_layers, units, epochs = int(hidden_layers), int(units), int(epochs)
    if hidden_layers < 0 or units < 0 or epochs < 0:
        raise ValueError("隐藏层数、神经元数与训练轮数都不能是负数。")
    if hidden_layers > _MAX_LAYERS or units > _MAX_UNITS:
        raise ValueError(f"这个小游乐场最多 {_MAX_LAYERS} 个隐藏层、每层 {_MAX_UNITS} 个神经元。")
    if not 2 <= int(grid_size) <= 200:
        raise ValueError("grid_size 应在 2 到 200 之间。")
    x_all, y_all = toy_dataset(dataset, n=n, noise=noise, seed=seed)
    n_train = max(1, int(round(0.7 * len(y_all))))
    linear = hidden_layers == 0 or units == 0
    depth = 0 if linear else hidden_layers
    sizes = [2] + [units] * depth + [1]
    params = init_mlp(sizes=sizes, seed=seed)
    x, y = x_all.astype(np.float64), y_all.astype(np.float64)
    xt, yt = x[:n_train], y[:n_train]
    # 全批量 Adam（数据只有一两百个点）；用 numpy 手写，比小张量上的 PyTorch 快得多，拖动控件时不卡。
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    v = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    losses = []
    for t in range(1, epochs + 1):
        loss, grads = mlp_loss_and_grads(params, xt, yt, activation=activation)
        losses.append(loss)
        new_params = []
        for i, ((w, b), (gw, gb)) in enumerate(zip(params, grads)):
            m[i] = (beta1 * m[i][0] + (1 - beta1) * gw, beta1 * m[i][1] + (1 - beta1) * gb)
            v[i] = (beta2 * v[i][0] + (1 - beta2) * gw**2, beta2 * v[i][1] + (1 - beta2) * gb**2)
            c1, c2 = 1 - beta1**t, 1 - beta2**t
            w = w - lr * (m[i][0] / c1) / (np.sqrt(v[i][0] / c2) + eps)
            b = b - lr * (m[i][1] / c1) / (np.sqrt(v[i][1] / c2) + eps)
            new_params.append((w, b))
        params = new_params
    grid = np.linspace(-_EXTENT, _EXTENT, int(grid_size))
    gx, gy = np.meshgrid(grid, grid)
    logits = _logits(params, x, activation)
    prob = 1.0 / (1.0 + np.exp(-np.clip(_logits(params, np.stack([gx.ravel(), gy.ravel()], axis=1), activation), -50, 50)))
    prob = prob.reshape(gx.shape)
    pred = (logits > 0).astype(np.int64)
    train_acc = float((pred[:n_train] == y_all[:n_train]).mean())
    test_acc = float((pred[n_train:] == y_all[n_train:]).mean()) if n_train < len(y_all) else float("nan")
    n_params = int(sum(w.size + b.size for w, b in params))
    if linear:
        note = "没有隐藏层：网络退化为线性模型（逻辑回归），决策边界只能是一条直线。"
    elif activation == "linear":
        note = f"{depth} 个隐藏层但没有激活函数：几层线性变换叠起来仍是线性的，边界还是直线。"
    else:
        note = f"{depth} 个隐藏层 × {units} 个神经元（{ACTIVATION_LABELS[activation]}），共 {n_params} 个参数。"
    return {
        "x": x_all,
        "y": y_all,
        "n_train": n_train,
        "grid_x": grid,
        "grid_y": grid,
        "prob": prob,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "loss": np.array(losses),
        "n_params": n_params,
        "linear": linear,
        "note": note,
    }


# ---------------------------------------------------------------- 画图

_COLORSCALE = [[0.0, "#e6862e"], [0.5, "#f7f7f7"], [1.0, "#3a7bd5"]]
_POINT_COLORS = np.array(["#b35806", "#1f4e99"])


def _heatmap(result: dict[str, Any], *, showscale: bool) -> go.Heatmap:
    return go.Heatmap(
        x=result["grid_x"],
        y=result["grid_y"],
        z=np.round(result["prob"], 3),
        zmin=0.0,
        zmax=1.0,
        colorscale=_COLORSCALE,
        zsmooth="best",
        showscale=showscale,
        colorbar={"title": "P(类别 1)", "len": 0.8},
        hovertemplate="x=%{x:.2f}<br>y=%{y:.2f}<br>P(类别 1)=%{z:.2f}<extra></extra>",
    )


def _points(result: dict[str, Any], *, showlegend: bool) -> list[go.Scatter]:
    x, y, k = result["x"], result["y"], result["n_train"]
    traces = []
    for part, sl, symbol in (("训练点", slice(0, k), "circle"), ("测试点", slice(k, None), "diamond-open")):
        traces.append(
            go.Scatter(
                x=np.round(x[sl, 0], 3),
                y=np.round(x[sl, 1], 3),
                mode="markers",
                name=part,
                showlegend=showlegend,
                marker={"color": _POINT_COLORS[y[sl]], "size": 6, "symbol": symbol, "line": {"width": 1, "color": "white"}},
                hoverinfo="skip",
            )
        )
    return traces


def _title(name: str, result: dict[str, Any], *, sep: str = "<br>") -> str:
    return f"{DATASET_LABELS[name]}{sep}训练 {result['train_accuracy']:.0%} · 测试 {result['test_accuracy']:.0%}"


def _figure_title(activation: str, note: str) -> str:
    return f"激活函数：{ACTIVATION_LABELS[activation]}。{note}<br><sub>背景：属于蓝色类别的概率；实心圆：训练点，空心菱形：测试点</sub>"


def _arch_label(layers: int, units: int) -> str:
    return "线性（无隐藏层）" if layers == 0 or units == 0 else f"{layers} 层 × {units}"


def playground_figure(
    *,
    architectures: tuple[tuple[int, int], ...] = ARCHITECTURES,
    datasets: tuple[str, ...] = DATASETS,
    activation: str = "tanh",
    active: int = 3,
    epochs: int = 300,
    grid_size: int = 40,
    seed: int = 0,
) -> go.Figure:
    """三种数据集并排的决策边界，滑块切换网络结构（层数 × 神经元数，预先计算，见 {ref}`sec-neurons`）。"""
    if not architectures or not datasets:
        raise ValueError("architectures 与 datasets 都不能为空。")
    if not 0 <= active < len(architectures):
        raise ValueError(f"active={active} 超出了结构列表的范围 0…{len(architectures) - 1}。")
    results = [
        [
            train_playground(dataset=d, hidden_layers=l, units=u, activation=activation, epochs=epochs, grid_size=grid_size, seed=seed)
            for d in datasets
        ]
        for l, u in architectures
    ]
    start = results[active]
    fig = make_subplots(rows=1, cols=len(datasets), subplot_titles=[_title(d, r) for d, r in zip(datasets, start)])
    for col, r in enumerate(start, start=1):
        fig.add_trace(_heatmap(r, showscale=col == len(datasets)), row=1, col=col)
    for col, r in enumerate(start, start=1):
        for trace in _points(r, showlegend=False):  # 图例写在标题里，省地方
            fig.add_trace(trace, row=1, col=col)
    fig.update_xaxes(range=[-_EXTENT, _EXTENT], constrain="domain")
    fig.update_yaxes(range=[-_EXTENT, _EXTENT], scaleanchor="x", constrain="domain")
    for col in range(2, len(datasets) + 1):
        fig.update_yaxes(scaleanchor=f"x{col}", row=1, col=col)
    fig.update_annotations(font_size=13)
    fig.update_layout(
        height=440,
        title={"text": _figure_title(activation, start[0]["note"]), "font": {"size": 13}},
        margin={"t": 120},
    )
    heat_idx = list(range(len(datasets)))
    steps = []
    for (l, u), row in zip(architectures, results):
        layout = {f"annotations[{i}].text": _title(d, r) for i, (d, r) in enumerate(zip(datasets, row))}
        layout["title.text"] = _figure_title(activation, row[0]["note"])
        steps.append(
            Step(label=_arch_label(l, u), method="update", args=[{"z": [np.round(r["prob"], 3) for r in row]}, layout, heat_idx])
        )
    return stack_sliders(fig, [slider(name="网络结构（隐藏层数 × 每层神经元数）", steps=steps, active=active)])


def playground_panel(
    *,
    dataset: str = "moons",
    hidden_layers: int = 1,
    units: int = 4,
    activation: str = "tanh",
    epochs: int = 300,
    grid_size: int = 40,
) -> LivePanel:
    """JupyterLab 实时面板：选数据集与激活函数、拖动层数与神经元数，每次变化都重新训练（见 {ref}`sec-neurons`）。"""
    first = train_playground(
        dataset=dataset, hidden_layers=hidden_layers, units=units, activation=activation, epochs=epochs, grid_size=grid_size
    )
    fig = go.Figure([_heatmap(first, showscale=True), *_points(first, showlegend=True)])
    fig.update_layout(
        height=460,
        width=560,
        title={"text": _title(dataset, first, sep="："), "font": {"size": 13}},
        xaxis={"range": [-_EXTENT, _EXTENT], "constrain": "domain"},
        yaxis={"range": [-_EXTENT, _EXTENT], "scaleanchor": "x", "constrain": "domain"},
        legend={"orientation": "h", "y": -0.12},
    )
    controls = {
        "dataset": widgets.Dropdown(options=[(DATASET_LABELS[d], d) for d in DATASETS], value=dataset, description="数据集"),
        "activation": widgets.Dropdown(
            options=[(ACTIVATION_LABELS[a], a) for a in ACTIVATIONS], value=activation, description="激活函数"
        ),
        "hidden_layers": widgets.IntSlider(value=hidden_layers, min=0, max=4, description="隐藏层数"),
        "units": widgets.IntSlider(value=units, min=0, max=16, description="每层神经元"),
    }

    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str:
        r = train_playground(**values, epochs=epochs, grid_size=grid_size)
        figure.data[0].z = np.round(r["prob"], 3)
        for trace, new in zip(figure.data[1:], _points(r, showlegend=True)):
            trace.x, trace.y, trace.marker.color = new.x, new.y, new.marker.color
        figure.layout.title.text = _title(values["dataset"], r, sep="：")
        return r["note"]

    return LivePanel(figure=fig, controls=controls, update=update)
