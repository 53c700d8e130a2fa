"""玩具版的“神经网络游乐场”：在二维小数据集上训练一个小 MLP，看决策边界（见 {ref}`sec-neurons`）。

- :func:`toy_dataset` 生成带标签的二维点：月牙与同心圆来自 ``sklearn.datasets``，异或手写，固定种子；
- :func:`train_playground` 是纯计算函数：按给定的层数、每层神经元数和激活函数训练一个小网络，
  返回决策边界网格、数据点与准确率；
- :func:`playground_figure` 用菜单切换数据集、滑块切换网络结构（预先计算，静态 HTML 中可拖动）；
- :func:`playground_panel` 是 JupyterLab 里的实时面板，改任何一个控件就重新训练一次。

激活函数从全书唯一的登记表 :data:`dlbook.activations.ACTIVATIONS` 里按名字取。
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from sklearn.datasets import make_circles, make_moons

from dlbook.activations import ACTIVATIONS, activation_values, get_activation
from dlbook.figure_layout import TITLE_CHARS, Frame, apply_frame, frame, menu_y, sliders_below, wrap
from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    draw_empty,
    restyle_step,
    set_message,
    slider,
    visibility_step,
)

DATASETS = ("moons", "circles", "xor")
DATASET_LABELS = {"moons": "月牙 moons", "circles": "同心圆 circles", "xor": "异或 xor"}
# 静态图的滑块：(隐藏层数, 每层神经元数)，从线性模型一路加宽、加深。
ARCHITECTURES = ((0, 0), (1, 1), (1, 2), (1, 4), (1, 8), (2, 8))
_EXTENT = 2.0  # 数据都落在 [-2, 2]² 里
_MAX_LAYERS, _MAX_UNITS, _MAX_EPOCHS = 6, 64, 3000
#: sklearn 的月牙与同心圆画在约 [-1, 2] × [-0.5, 1] 与单位圆里；平移、放大到 [-2, 2]² 的中间
_MOONS_SHIFT, _MOONS_SCALE = np.array([0.5, 0.25]), 1.2
_CIRCLES_SCALE, _CIRCLES_FACTOR = 1.5, 0.4


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """异或：第一、三象限是一类，第二、四象限是另一类（sklearn 没有这个数据集）。"""
    points = rng.uniform(-1.6, 1.6, size=(n, 2))
    points = points + np.sign(points) * 0.15
    return points + rng.normal(0.0, noise, size=points.shape), (points[:, 0] * points[:, 1] < 0).astype(int)


def toy_dataset(name: str, *, n: int = 200, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """生成二维二分类玩具数据：返回形状 [n, 2] 的坐标与 [n] 的 0/1 标签（见 {ref}`sec-neurons`）。

    月牙用 ``sklearn.datasets.make_moons``、同心圆用 ``make_circles``（外圈是类别 0），再平移缩放到 [-2, 2]² 里；
    ``noise`` 是缩放之后的噪声标准差。点的顺序已由 sklearn 按 ``seed`` 打乱，前 70% 可以直接当训练集。
    """
    if name not in DATASETS:
        raise ValueError(f"未知的数据集 {name!r}，可选：{'、'.join(DATASETS)}。")
    n = int(n)
    if n < 2:
        raise ValueError(f"样本数 n 至少为 2，收到 {n}。")
    if name == "moons":
        points, label = make_moons(n_samples=n, noise=noise / _MOONS_SCALE, random_state=seed)
        points = (points - _MOONS_SHIFT) * _MOONS_SCALE
    elif name == "circles":
        points, label = make_circles(n_samples=n, noise=noise / _CIRCLES_SCALE, factor=_CIRCLES_FACTOR,
                                     random_state=seed)
        points = points * _CIRCLES_SCALE
    else:
        points, label = _xor(n, noise, np.random.default_rng(seed))
    return np.clip(points, -_EXTENT, _EXTENT).astype(np.float32), label.astype(np.int64)


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
        h, d = activation_values(activation, h @ w.T + b)
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
        h, _ = activation_values(activation, h @ w.T + b)
    w, b = params[-1]
    return (h @ w.T + b)[:, 0]


def _adam(params, x: np.ndarray, y: np.ndarray, *, activation: str, epochs: int, lr: float):
    """全批量 Adam（数据只有一两百个点）；用 numpy 手写，比小张量上的 PyTorch 快得多，拖动控件时不卡。"""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    v = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    losses = []
    for t in range(1, epochs + 1):
        loss, grads = mlp_loss_and_grads(params, x, y, activation=activation)
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
    return params, np.array(losses)


@dataclass(frozen=True, kw_only=True)
class Playground(Result):
    """一次训练的结果：数据点、决策边界网格上的概率、准确率与损失曲线（见 {ref}`sec-neurons`）。

    ``prob`` 的形状是 [len(grid), len(grid)]，行对应纵坐标、列对应横坐标；``summary`` 一句话描述网络结构。
    """

    dataset: str
    activation: str
    x: np.ndarray
    y: np.ndarray
    n_train: int
    grid: np.ndarray
    prob: np.ndarray
    train_accuracy: float
    test_accuracy: float
    loss: np.ndarray
    n_params: int
    linear: bool
    depth: int
    summary: str


def _summary(*, linear: bool, activation: str, depth: int, units: int, n_params: int) -> str:
    if linear:
        return "没有隐藏层：网络退化为线性模型（逻辑回归），决策边界只能是一条直线。"
    if activation == "linear":
        return f"{depth} 个隐藏层但没有激活函数：几层线性变换叠起来仍是线性的，边界还是直线。"
    return f"{depth} 个隐藏层 × {units} 个神经元（{ACTIVATIONS[activation].label}），共 {n_params} 个参数。"


def _clamp_settings(notes: Notes, **kw: Any) -> dict[str, Any]:
    return {
        "hidden_layers": notes.clamp_int(kw["hidden_layers"], 0, _MAX_LAYERS, label="隐藏层数", default=1),
        "units": notes.clamp_int(kw["units"], 0, _MAX_UNITS, label="每层神经元数", default=4),
        "epochs": notes.clamp_int(kw["epochs"], 0, _MAX_EPOCHS, label="训练轮数", default=300),
        "lr": notes.clamp(kw["lr"], 1e-4, 1.0, label="学习率", default=0.05),
        "n": notes.clamp_int(kw["n"], 4, 2000, label="样本数", default=200),
        "noise": notes.clamp(kw["noise"], 0.0, 1.0, label="噪声", default=0.15),
        "grid_size": notes.clamp_int(kw["grid_size"], 2, 200, label="网格大小", default=40),
    }


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
) -> Playground:
    """训练一个小 MLP 做二分类，返回决策边界网格、数据点、准确率与说明（纯计算，见 {ref}`sec-neurons`）。

    隐藏层数或每层神经元数为 0 时没有隐藏层，网络就是线性模型（逻辑回归）。超出范围的数值（负的层数、
    过大的学习率……）被截断并写进 ``message``；未知的数据集或激活函数名是程序错误，抛出中文 ``ValueError``。
    """
    get_activation(activation)
    notes = Notes()
    s = _clamp_settings(notes, hidden_layers=hidden_layers, units=units, epochs=epochs, lr=lr, n=n, noise=noise,
                        grid_size=grid_size)
    x_all, y_all = toy_dataset(dataset, n=s["n"], noise=s["noise"], seed=seed)
    n_train = max(1, int(round(0.7 * len(y_all))))
    linear = s["hidden_layers"] == 0 or s["units"] == 0
    depth = 0 if linear else s["hidden_layers"]
    params = init_mlp(sizes=[2] + [s["units"]] * depth + [1], seed=seed)
    x, y = x_all.astype(np.float64), y_all.astype(np.float64)
    params, losses = _adam(params, x[:n_train], y[:n_train], activation=activation, epochs=s["epochs"], lr=s["lr"])
    grid = np.linspace(-_EXTENT, _EXTENT, s["grid_size"])
    gx, gy = np.meshgrid(grid, grid)
    grid_logits = _logits(params, np.stack([gx.ravel(), gy.ravel()], axis=1), activation)
    prob = (1.0 / (1.0 + np.exp(-np.clip(grid_logits, -50, 50)))).reshape(gx.shape)
    pred = (_logits(params, x, activation) > 0).astype(np.int64)
    n_params = int(sum(w.size + b.size for w, b in params))
    return Playground(
        dataset=dataset, activation=activation, x=x_all, y=y_all, n_train=n_train, grid=grid, prob=prob,
        train_accuracy=float((pred[:n_train] == y_all[:n_train]).mean()),
        test_accuracy=float((pred[n_train:] == y_all[n_train:]).mean()) if n_train < len(y_all) else float("nan"),
        loss=losses, n_params=n_params, linear=linear, depth=depth,
        summary=_summary(linear=linear, activation=activation, depth=depth, units=s["units"], n_params=n_params),
        message=str(notes),
    )


# ---------------------------------------------------------------- 画图

_COLORSCALE = [[0.0, "#e6862e"], [0.5, "#f7f7f7"], [1.0, "#3a7bd5"]]
_POINT_COLORS = np.array(["#b35806", "#1f4e99"])
_PARTS = (("训练点", "circle"), ("测试点", "diamond-open"))


def _names(prefix: str) -> dict[str, str]:
    """一组曲线（背景概率、训练点、测试点）的名字；``prefix`` 区分静态图里的不同数据集。"""
    return {"prob": f"{prefix}概率", "训练点": f"{prefix}训练点", "测试点": f"{prefix}测试点"}


def _heatmap(result: Playground, *, name: str, visible: bool = True) -> go.Heatmap:
    return go.Heatmap(
        x=result.grid, y=result.grid, z=np.round(result.prob, 3), zmin=0.0, zmax=1.0, name=name, visible=visible,
        colorscale=_COLORSCALE, zsmooth="best", showscale=False,
        hovertemplate="x=%{x:.2f}<br>y=%{y:.2f}<br>P(蓝色类)=%{z:.2f}<extra></extra>",
    )


def _point_data(result: Playground, part: str) -> dict[str, Any]:
    sl = slice(0, result.n_train) if part == "训练点" else slice(result.n_train, None)
    return {"x": np.round(result.x[sl, 0], 3), "y": np.round(result.x[sl, 1], 3),
            "marker.color": _POINT_COLORS[result.y[sl]]}


def _points(result: Playground, *, names: dict[str, str], visible: bool = True) -> list[go.Scatter]:
    traces = []
    for part, symbol in _PARTS:
        data = _point_data(result, part)
        traces.append(go.Scatter(
            x=data["x"], y=data["y"], mode="markers", name=names[part], visible=visible, hoverinfo="skip",
            marker={"color": data["marker.color"], "size": 6, "symbol": symbol, "line": {"width": 1, "color": "white"}},
        ))
    return traces


def _accuracy(result: Playground) -> str:
    return f"训练 {result.train_accuracy:.0%} · 测试 {result.test_accuracy:.0%}"


def _arch_label(layers: int, units: int) -> str:
    return "线性" if layers == 0 or units == 0 else f"{layers}×{units}"


def _base_figure(*, title: str, title_lines: int, menu: bool, sliders: int) -> tuple[go.Figure, Frame]:
    """figure 与 panel 共用的底图：正方形的 [-2, 2]² 坐标区、标题、按像素排好的边距与图例（还没有曲线），以及它的排版。"""
    layout = frame(plot=330, title_lines=title_lines, menu=menu, sliders=sliders, legend_rows=1,
                   message_lines=2 if sliders else 0)
    fig = go.Figure()
    fig.update_xaxes(range=[-_EXTENT, _EXTENT], constrain="domain", title_text="x₁")
    fig.update_yaxes(range=[-_EXTENT, _EXTENT], scaleanchor="x", constrain="domain", title_text="x₂")
    apply_frame(fig, layout, title=title)
    return fig, layout


def _figure_title(row: dict[str, Playground]) -> str:
    first = next(iter(row.values()))
    scores = "，".join(f"{DATASET_LABELS[d].split()[0]} {r.test_accuracy:.0%}" for d, r in row.items())
    return wrap(f"{first.summary}<br>测试准确率：{scores}", TITLE_CHARS)


def _dataset_menu(fig: go.Figure, layout: Frame, datasets: tuple[str, ...]) -> dict[str, Any]:
    steps = [visibility_step(fig, DATASET_LABELS[d].split()[0], list(_names(DATASET_LABELS[d] + " ").values()))
             for d in datasets]
    return {"name": "数据集", "type": "buttons", "direction": "right", "x": 0.0, "xanchor": "left",
            "y": menu_y(layout), "yanchor": "top", "showactive": True, "active": 0, "pad": {"t": 0, "b": 0},
            "buttons": [s.to_dict() for s in steps]}


def _train_all(architectures, datasets, **common: Any) -> list[dict[str, Playground]]:
    return [{d: train_playground(dataset=d, hidden_layers=layers, units=units, **common) for d in datasets}
            for layers, units in architectures]


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
    """决策边界：按钮切换数据集，滑块切换网络结构（层数 × 神经元数），每一步都预先训练好（见 {ref}`sec-neurons`）。"""
    notes = Notes()
    fig, layout = _base_figure(title="还没有可画的网络", title_lines=4, menu=True, sliders=1)
    if not architectures or not datasets:
        fig.add_trace(go.Scatter(x=[], y=[], name="数据点"))
        return draw_empty(fig, "没有可选的网络结构或数据集：<br>没有决策边界可画。")
    active = notes.clamp_int(active, 0, len(architectures) - 1, label="active", default=0)
    results = _train_all(architectures, datasets, activation=activation, epochs=epochs, grid_size=grid_size,
                         seed=seed)
    for k, (d, r) in enumerate(results[active].items()):
        names = _names(DATASET_LABELS[d] + " ")
        fig.add_trace(_heatmap(r, name=names["prob"], visible=k == 0))
        fig.add_traces(_points(r, names=names, visible=k == 0))
    steps = [
        restyle_step(fig, _arch_label(layers, units),
                     {_names(DATASET_LABELS[d] + " ")["prob"]: {"z": np.round(r.prob, 3)} for d, r in row.items()},
                     layout={"title.text": _figure_title(row)})
        for (layers, units), row in zip(architectures, results)
    ]
    messages = [str(notes)] + [r.message for r in results[active].values()]
    fig.update_layout(
        title_text=_figure_title(results[active]),
        updatemenus=[_dataset_menu(fig, layout, tuple(datasets))],
        sliders=sliders_below(layout, [slider(name="网络结构（隐藏层数×每层神经元数）", steps=steps, active=active)]),
    )
    return set_message(fig, wrap(" ".join(dict.fromkeys(m for m in messages if m))))


def _update_panel(figure: go.FigureWidget, values: dict[str, Any], *, epochs: int, grid_size: int) -> str:
    r = train_playground(**values, epochs=epochs, grid_size=grid_size)
    names = _names("")
    figure.update_traces(z=np.round(r.prob, 3), selector={"name": names["prob"]})
    for part, _ in _PARTS:
        data = _point_data(r, part)
        figure.update_traces(x=data["x"], y=data["y"], marker_color=data["marker.color"],
                             selector={"name": names[part]})
    figure.layout.title.text = f"{DATASET_LABELS[values['dataset']]}：{_accuracy(r)}"
    return " ".join(filter(None, [r.message, r.summary]))


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
    first = train_playground(dataset=dataset, hidden_layers=hidden_layers, units=units, activation=activation,
                             epochs=epochs, grid_size=grid_size)
    fig, _ = _base_figure(title=DATASET_LABELS[dataset], title_lines=1, menu=False, sliders=0)
    fig.add_trace(_heatmap(first, name=_names("")["prob"]))
    fig.add_traces(_points(first, names=_names("")))
    controls = {
        "dataset": widgets.Dropdown(options=[(DATASET_LABELS[d], d) for d in DATASETS], value=dataset,
                                    description="数据集"),
        "activation": widgets.Dropdown(options=[(a.label, k) for k, a in ACTIVATIONS.items()], value=activation,
                                       description="激活函数"),
        "hidden_layers": widgets.IntSlider(value=hidden_layers, min=0, max=4, description="隐藏层数"),
        "units": widgets.IntSlider(value=units, min=0, max=16, description="每层神经元"),
    }

    def update(figure: go.FigureWidget, values: dict[str, Any]) -> str:
        return _update_panel(figure, values, epochs=epochs, grid_size=grid_size)

    return LivePanel(figure=fig, controls=controls, update=update)


EXPLORER = Explorer(
    name="playground",
    chapter="sec-neurons",
    compute=train_playground,
    figure=playground_figure,
    panel=playground_panel,
    compute_kwargs={"epochs": 50, "grid_size": 10},
    figure_kwargs={"architectures": ((0, 0), (1, 4), (2, 8)), "epochs": 60, "grid_size": 12},
    panel_kwargs={"epochs": 40, "grid_size": 12},
    extremes=({"architectures": ()}, {"datasets": ()}, {"epochs": -5}, {"active": 99},
              {"architectures": ((99, 1000),)}),
)
