"""优化器轨迹的交互图：在几个二维损失曲面上比较 SGD、Momentum、AdaGrad、RMSProp 与 Adam（见 {ref}`sec-optimizers`）。

- :func:`optimizer_paths` 是纯计算函数：用 numpy 手写的五种优化器（与 ``torch.optim`` 的更新规则逐项一致）
  从同一起点出发各走 ``steps`` 步，返回轨迹与损失；走出画框就截断并标记发散，不抛异常；
- :func:`optimizer_figure` 用预先算好的下拉菜单（曲面与起点）与滑块（学习率、动量）画出轨迹，静态 HTML 中可拖动；
- :func:`optimizer_panel` 是 JupyterLab 里的实时面板，所有超参数与起点都可调。

可选的曲面见 :data:`SURFACES`，优化器的名字见 :data:`OPTIMIZERS`。
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.interactive import LivePanel, Step, dropdown, slider, stack_sliders


@dataclass(frozen=True)
class Surface:
    """一个二维损失曲面：标题与短名、函数值与梯度、最小值、作图的画框、默认起点与学习率（见 {ref}`sec-optimizers`）。

    ``loss`` 只用加减乘与乘方，既能作用于 numpy 数组，也能作用于 torch 张量（便于用 autograd 核对 ``grad``）。
    """

    label: str
    short: str
    loss: Callable
    grad: Callable
    f_min: float
    box: tuple[float, float, float, float]
    start: tuple[float, float]
    lr: float


def _valley_loss(x, y):
    return 0.5 * (1 - x) ** 2 + 2.5 * (y - x**2) ** 2


def _valley_grad(x, y):
    return -(1 - x) - 10.0 * x * (y - x**2), 5.0 * (y - x**2)


SURFACES: dict[str, Surface] = {
    "bowl": Surface(
        label="狭长的碗 f = (x² + 10y²)/2",
        short="狭长的碗",
        loss=lambda x, y: 0.5 * (x**2 + 10 * y**2),
        grad=lambda x, y: (x, 10.0 * y),
        f_min=0.0,
        box=(-3.0, 3.0, -2.0, 2.0),
        start=(-2.5, 1.0),
        lr=0.1,
    ),
    "saddle": Surface(
        label="鞍点 f = x²/2 + y⁴/4 − y²/2 + 1/4",
        short="鞍点",
        loss=lambda x, y: 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2 + 0.25,
        grad=lambda x, y: (x, y**3 - y),
        f_min=0.0,
        box=(-2.5, 2.5, -2.0, 2.0),
        start=(-2.0, 0.01),
        lr=0.05,
    ),
    "valley": Surface(
        label="弯曲的山谷 f = (1−x)²/2 + 2.5(y − x²)²",
        short="弯曲的山谷",
        loss=_valley_loss,
        grad=_valley_grad,
        f_min=0.0,
        box=(-2.5, 2.5, -1.0, 3.0),
        start=(-1.5, 2.0),
        lr=0.03,
    ),
}

#: 静态交互图里每个曲面可选的起点：第一个是曲面的默认起点，第二个从另一个方向出发。
FIGURE_STARTS: dict[str, tuple[tuple[float, float], ...]] = {
    "bowl": (SURFACES["bowl"].start, (1.0, 1.8)),
    "saddle": (SURFACES["saddle"].start, (2.0, -0.3)),
    "valley": (SURFACES["valley"].start, (0.0, -0.8)),
}

#: 优化器的内部名字与显示名字（顺序就是图例的顺序）。
OPTIMIZERS: dict[str, str] = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}

COLORS = {"sgd": "#444444", "momentum": "#1f77b4", "adagrad": "#2ca02c", "rmsprop": "#9467bd", "adam": "#d62728"}


def _surface(name: str) -> Surface:
    if name not in SURFACES:
        raise ValueError(f"未知的曲面 {name!r}，可选的有：{'、'.join(SURFACES)}。")
    return SURFACES[name]


def _run(name, grad, start, steps, *, lr, momentum, beta1, beta2, alpha, limit):
    """手写的一种优化器（与 torch.optim 同样的更新公式），返回 (点列, 是否在数值上爆掉)。"""
    theta = np.array(start, dtype=np.float64)
    buf = np.zeros(2)  # Momentum 的速度 / Adam 的一阶矩
    sq = np.zeros(2)  # AdaGrad 的平方和 / RMSProp、Adam 的二阶矩
    points = [theta.copy()]
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = np.array(grad(theta[0], theta[1]), dtype=np.float64)
            if name == "sgd":
                theta = theta - lr * g
            elif name == "momentum":  # PyTorch 的写法：b ← μ·b + g，θ ← θ − η·b
                buf = momentum * buf + g
                theta = theta - lr * buf
            elif name == "adagrad":
                sq = sq + g * g
                theta = theta - lr * g / (np.sqrt(sq) + 1e-10)
            elif name == "rmsprop":
                sq = alpha * sq + (1 - alpha) * g * g
                theta = theta - lr * g / (np.sqrt(sq) + 1e-8)
            else:  # adam
                buf = beta1 * buf + (1 - beta1) * g
                sq = beta2 * sq + (1 - beta2) * g * g
                m_hat = buf / (1 - beta1**t)
                v_hat = sq / (1 - beta2**t)
                theta = theta - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
            if not np.all(np.isfinite(theta)) or np.abs(theta).max() > limit:
                return np.array(points), True
            points.append(theta.copy())
    return np.array(points), False


def _clip_to_box(points: np.ndarray, box, blew_up: bool):
    """截断到第一次走出画框之前，并补上与画框边界的交点；返回 (点列, 走出画框的步数或 None)。"""
    x0, x1, y0, y1 = box
    inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    if inside.all():
        return points, (len(points) if blew_up else None)
    k = int(np.argmin(inside))  # 第一个画框外的点
    if k == 0:
        return points[:0], 0
    a, b = points[k - 1], points[k]
    d = b - a
    s = 1.0
    for lo, hi, i in ((x0, x1, 0), (y0, y1, 1)):
        if d[i] > 0:
            s = min(s, (hi - a[i]) / d[i])
        elif d[i] < 0:
            s = min(s, (lo - a[i]) / d[i])
    return np.vstack([points[:k], a + s * d]), k


def optimizer_paths(
    *,
    surface: str = "bowl",
    optimizers: Sequence[str] = tuple(OPTIMIZERS),
    lr: float = 0.05,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    alpha: float = 0.99,
    start: tuple[float, float] | None = None,
    steps: int = 60,
    limit: float = 1e8,
) -> dict:
    """在一个二维曲面上运行几种优化器，返回各自的轨迹、损失与是否发散（见 {ref}`sec-optimizers`）。

    每种优化器的结果是一个字典：``x``、``y``、``loss``（截断到第一次走出画框之前，最后补上与画框的交点），
    ``diverged``（走出画框或数值爆掉）、``exit_step``（第几步走出画框，没有就是 ``None``）与 ``final_loss``。
    超参数的含义与 ``torch.optim`` 相同：``momentum`` 是 SGD 的 μ，``alpha`` 是 RMSprop 的 α，
    ``beta1``/``beta2`` 是 Adam 的 β₁/β₂。
    """
    spec = _surface(surface)
    unknown = [o for o in optimizers if o not in OPTIMIZERS]
    if unknown:
        raise ValueError(f"未知的优化器 {unknown}，可选的有：{'、'.join(OPTIMIZERS)}。")
    if steps < 0:
        raise ValueError(f"步数必须是非负整数，收到 {steps}。")
    if not np.isfinite(lr) or lr < 0:
        raise ValueError(f"学习率必须是非负的有限数，收到 {lr}。")
    for value, label in ((momentum, "动量 μ"), (beta1, "β₁"), (beta2, "β₂"), (alpha, "α")):
        if not 0 <= value < 1:
            raise ValueError(f"{label} 必须在 [0, 1) 之内，收到 {value}。")
    start = spec.start if start is None else (float(start[0]), float(start[1]))
    x0, x1, y0, y1 = spec.box
    if not (x0 <= start[0] <= x1 and y0 <= start[1] <= y1):
        raise ValueError(f"起点 {start} 不在画框 x∈[{x0}, {x1}]、y∈[{y0}, {y1}] 之内。")
    hyper = dict(lr=lr, momentum=momentum, beta1=beta1, beta2=beta2, alpha=alpha, limit=limit)
    paths = {}
    for name in optimizers:
        raw, blew_up = _run(name, spec.grad, start, steps, **hyper)
        shown, exit_step = _clip_to_box(raw, spec.box, blew_up)
        loss = spec.loss(shown[:, 0], shown[:, 1]) - spec.f_min
        diverged = exit_step is not None
        paths[name] = {
            "x": shown[:, 0],
            "y": shown[:, 1],
            "loss": loss,
            "diverged": diverged,
            "exit_step": exit_step,
            "final_loss": float("nan") if diverged else float(loss[-1]),
        }
    gone = [OPTIMIZERS[n] for n, p in paths.items() if p["diverged"]]
    if gone:
        message = f"η = {lr:g}：{'、'.join(gone)} 走出了画框（发散），轨迹截断在画框边缘，用 × 标出。"
    else:
        best = min(paths, key=lambda n: paths[n]["final_loss"]) if paths else None
        message = f"η = {lr:g}，{steps} 步后损失最低的是 {OPTIMIZERS[best]}。" if best else "没有选择任何优化器。"
    return {"surface": surface, "label": spec.label, "box": spec.box, "start": start, "paths": paths,
            "message": message}


# ---------------------------------------------------------------- 作图

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


def _trace_data(path: dict, name: str) -> dict:
    """一条轨迹画图所需的数据：轨迹、发散点（× 的位置，没有就是空）、损失曲线与图例名。"""
    exit_x, exit_y = ([round(float(path["x"][-1]), 4)], [round(float(path["y"][-1]), 4)]) \
        if path["diverged"] and len(path["x"]) else ([], [])
    return {"x": _r(path["x"], 3), "y": _r(path["y"], 3), "loss": _g(path["loss"]), "step": list(range(len(path["x"]))),
            "exit_x": exit_x, "exit_y": exit_y,
            "name": OPTIMIZERS[name] + ("（发散）" if path["diverged"] else "")}


TOP = 150  # 上边距：标题、下拉菜单、说明与图例
SPACING = 0.25  # 两个滑块之间的距离（占绘图区高度的比例）
NOTE = "× 表示轨迹在这里走出画框（步子太大而发散），之后不再画出。"


def _base_figure(spec: Surface, start, traces: Sequence[tuple[str, str]]) -> go.Figure:
    """左边是等高线与轨迹，右边是损失曲线。

    traces 是 (优化器名, 图例名) 的列表；图中依次是：等高线、起点、每条轨迹、每条轨迹的发散点、每条损失线。
    """
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.1)
    xs, ys, zs = _grid(spec)
    fig.add_trace(go.Contour(x=xs, y=ys, z=zs, colorscale="Blues", reversescale=True, showscale=False,
                             ncontours=24, contours={"coloring": "fill"}, opacity=0.55, hoverinfo="skip",
                             line={"width": 0.5}), row=1, col=1)
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="起点", showlegend=False,
                             marker={"symbol": "star", "size": 14, "color": "black"}), row=1, col=1)
    for name, legend in traces:
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=legend, legendgroup=legend,
                                 line={"color": COLORS[name], "width": 2.2}), row=1, col=1)
    for name, legend in traces:
        fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name=legend, legendgroup=legend, showlegend=False,
                                 marker={"symbol": "x-thin", "size": 16, "color": COLORS[name],
                                         "line": {"width": 3, "color": COLORS[name]}}), row=1, col=1)
    for name, legend in traces:
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=legend, legendgroup=legend, showlegend=False,
                                 line={"color": COLORS[name], "width": 2}), row=1, col=2)
    x0, x1, y0, y1 = spec.box
    fig.update_xaxes(title_text="x", range=[x0, x1], row=1, col=1)
    fig.update_yaxes(title_text="y", range=[y0, y1], row=1, col=1)
    fig.update_xaxes(title_text="步数", row=1, col=2)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    for ref, text in (("x", "参数的轨迹（底色越深，损失越小）"), ("x2", "损失 f − f*（对数轴）")):
        fig.add_annotation(text=text, xref=f"{ref} domain", yref="paper", x=0.5, y=1.0, yanchor="bottom",
                           showarrow=False, font={"size": 13})
    fig.add_annotation(text=NOTE, xref="paper", yref="paper", x=1.0, y=1.27, xanchor="right", yanchor="middle",
                       showarrow=False, font={"size": 11, "color": "#666"})
    fig.update_layout(height=760, title={"text": spec.label, "x": 0.5, "y": 0.985},
                      legend={"orientation": "h", "x": 0.0, "xanchor": "left", "y": 1.17, "yanchor": "top"},
                      margin={"t": TOP})
    return fig


def _restyle_args(results: Sequence[tuple[str, dict]]) -> dict:
    """把若干条轨迹的数据排成 restyle 的参数：先全部轨迹，再全部发散点，最后全部损失线。"""
    data = [_trace_data(p, n) for n, p in results]
    return {
        "x": [d["x"] for d in data] + [d["exit_x"] for d in data] + [d["step"] for d in data],
        "y": [d["y"] for d in data] + [d["exit_y"] for d in data] + [d["loss"] for d in data],
        "name": [d["name"] for d in data] * 3,
    }


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

    每个曲面有 :data:`FIGURE_STARTS` 中的几个起点，下拉菜单的每一项是一个（曲面, 起点）组合，``start_index`` 选初始的起点。
    动量滑块同时设定 SGD 的 μ 与 Adam 的 β₁；RMSProp 的 α = 0.99、Adam 的 β₂ = 0.999 固定。
    ``active_lr`` 缺省时，每个曲面的学习率滑块停在最接近该曲面默认学习率的一步；切换菜单项时两个滑块回到默认位置。
    """
    _surface(surface)
    if not 0 <= start_index < len(FIGURE_STARTS[surface]):
        raise ValueError(f"start_index 必须在 0 到 {len(FIGURE_STARTS[surface]) - 1} 之间，收到 {start_index}。")
    lrs = list(np.geomspace(0.003, 3.0, 13) if lrs is None else lrs)
    momenta = list(momenta)
    if not lrs or not momenta:
        raise ValueError("学习率与动量都至少需要一个取值。")
    if len(lrs) * len(momenta) > 400:
        raise ValueError("学习率与动量的组合太多（超过 400 个），图会太大。")
    active_momentum = min(3, len(momenta) - 1) if active_momentum is None else active_momentum
    # 轨迹的排列：SGD、AdaGrad、RMSProp 各一条；Momentum 与 Adam 每个动量取值各一条，由动量滑块切换哪条可见。
    plain = ["sgd", "adagrad", "rmsprop"]
    grouped = [(n, j) for n in ("momentum", "adam") for j in range(len(momenta))]
    traces = [(n, OPTIMIZERS[n]) for n in plain] + [(n, OPTIMIZERS[n]) for n, _ in grouped]
    path_ids = list(range(2, 2 + 3 * len(traces)))

    def combo(name: str, start, lr: float) -> dict:
        base = optimizer_paths(surface=name, optimizers=plain, lr=lr, start=start, steps=steps)["paths"]
        runs = [(n, base[n]) for n in plain]
        for n, j in grouped:
            r = optimizer_paths(surface=name, optimizers=[n], lr=lr, momentum=momenta[j], beta1=momenta[j],
                                start=start, steps=steps)
            runs.append((n, r["paths"][n]))
        return _restyle_args(runs)

    def visibility(j: int) -> list:
        return ([True] * len(plain) + [jj == j for _, jj in grouped]) * 3

    momentum_slider = slider(
        name="动量 μ（Adam 的 β₁）",
        steps=[Step(label=f"{m:g}", method="restyle", args=[{"visible": visibility(j)}, path_ids])
               for j, m in enumerate(momenta)],
        active=active_momentum,
    )
    per_surface = {}  # 键是 (曲面, 起点)
    for name, start in ((n, st) for n in SURFACES for st in FIGURE_STARTS[n]):
        spec = SURFACES[name]
        args = [combo(name, start, lr) for lr in lrs]
        i_lr = int(np.argmin(np.abs(np.log(np.array(lrs)) - np.log(spec.lr)))) if active_lr is None else active_lr
        lr_slider = slider(
            name="学习率 η",
            steps=[Step(label=f"{lr:.2g}", method="restyle", args=[a, path_ids]) for lr, a in zip(lrs, args)],
            active=i_lr,
        )
        placed = stack_sliders(go.Figure(), [lr_slider, momentum_slider], spacing=SPACING).layout.sliders
        per_surface[name, start] = (spec, args[i_lr], [s.to_plotly_json() for s in placed])

    key = (surface, FIGURE_STARTS[surface][start_index])
    spec, first, placed = per_surface[key]
    fig = _base_figure(spec, key[1], traces)
    vis = visibility(active_momentum)
    for k, idx in enumerate(path_ids):
        fig.data[idx].update(x=first["x"][k], y=first["y"][k], name=first["name"][k], visible=vis[k])
    fig = stack_sliders(fig, [placed[0], placed[1]], spacing=SPACING)
    fig.update_layout(margin={"t": TOP})
    buttons = []
    for (name, start), (spec_s, data_s, placed_s) in per_surface.items():
        xs, ys, zs = _grid(spec_s)
        restyle = {
            "x": [xs, [start[0]]] + data_s["x"],
            "y": [ys, [start[1]]] + data_s["y"],
            "z": [zs, None] + [None] * len(path_ids),
            "name": [None, "起点"] + data_s["name"],
            "visible": [True, True] + vis,
        }
        x0, x1, y0, y1 = spec_s.box
        relayout = {"title.text": spec_s.label, "xaxis.range": [x0, x1], "yaxis.range": [y0, y1],
                    "yaxis2.autorange": True, "sliders": placed_s}
        label = f"{spec_s.short}，起点 ({start[0]:g}, {start[1]:g})"
        buttons.append(Step(label=label, method="update", args=[restyle, relayout, [0, 1] + path_ids]))
    fig.update_layout(updatemenus=[dropdown(steps=buttons, active=list(per_surface).index(key), x=0.0, y=1.31)])
    return fig


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
    """JupyterLab 中的实时面板：选曲面和优化器，调学习率、动量、β₁/β₂、α、起点与步数（见 {ref}`sec-optimizers`）。"""
    spec = _surface(surface)
    controls: dict[str, widgets.ValueWidget] = {
        "surface": widgets.Dropdown(options=[(s.label, k) for k, s in SURFACES.items()], value=surface,
                                    description="曲面", layout=widgets.Layout(width="380px")),
    }
    for name, label in OPTIMIZERS.items():
        controls[name] = widgets.Checkbox(value=True, description=label, indent=False,
                                          layout=widgets.Layout(width="110px"))
    controls.update({
        "lr": widgets.FloatLogSlider(value=spec.lr if lr is None else lr, base=10, min=-3, max=1, step=0.05, description="学习率 η",
                                     readout_format=".3g"),
        "momentum": widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01, description="动量 μ"),
        "beta1": widgets.FloatSlider(value=beta1, min=0.0, max=0.99, step=0.01, description="Adam β₁"),
        "beta2": widgets.FloatSlider(value=beta2, min=0.5, max=0.999, step=0.001, description="Adam β₂",
                                     readout_format=".3f"),
        "alpha": widgets.FloatSlider(value=alpha, min=0.5, max=0.999, step=0.001, description="RMSProp α",
                                     readout_format=".3f"),
        "start_x": widgets.FloatSlider(value=spec.start[0], min=spec.box[0], max=spec.box[1], step=0.05,
                                       description="起点 x"),
        "start_y": widgets.FloatSlider(value=spec.start[1], min=spec.box[2], max=spec.box[3], step=0.01,
                                       description="起点 y"),
        "steps": widgets.IntSlider(value=steps, min=0, max=200, description="步数"),
    })
    names = list(OPTIMIZERS)
    n = len(names)
    figure = _base_figure(spec, spec.start, [(k, OPTIMIZERS[k]) for k in names])

    def update(fig: go.FigureWidget, values: dict) -> str:
        spec = SURFACES[values["surface"]]
        chosen = [k for k in names if values[k]]
        result = optimizer_paths(surface=values["surface"], optimizers=chosen, lr=values["lr"],
                                 momentum=values["momentum"], beta1=values["beta1"], beta2=values["beta2"],
                                 alpha=values["alpha"], start=(values["start_x"], values["start_y"]),
                                 steps=values["steps"])
        xs, ys, zs = _grid(spec)
        fig.data[0].update(x=xs, y=ys, z=zs)
        fig.data[1].update(x=[result["start"][0]], y=[result["start"][1]])
        for k, name in enumerate(names):
            path_trace, exit_trace, loss_trace = fig.data[2 + k], fig.data[2 + n + k], fig.data[2 + 2 * n + k]
            shown = name in result["paths"]
            for trace in (path_trace, exit_trace, loss_trace):
                trace.visible = shown
            if shown:
                d = _trace_data(result["paths"][name], name)
                path_trace.update(x=d["x"], y=d["y"], name=d["name"])
                exit_trace.update(x=d["exit_x"], y=d["exit_y"])
                loss_trace.update(x=d["step"], y=d["loss"])
        x0, x1, y0, y1 = spec.box
        fig.layout.xaxis.range = [x0, x1]
        fig.layout.yaxis.range = [y0, y1]
        fig.layout.title.text = spec.label
        return result["message"]

    panel = LivePanel(figure=figure, controls=controls, update=update)

    def reset_start(change) -> None:
        """换曲面时，起点滑块的范围改成新曲面的画框，位置回到它的默认起点。"""
        new = SURFACES[change["new"]]
        x0, x1, y0, y1 = new.box
        for widget, lo, hi, value in ((controls["start_x"], x0, x1, new.start[0]),
                                      (controls["start_y"], y0, y1, new.start[1])):
            widget.min, widget.max = min(widget.min, lo), max(widget.max, hi)  # 先放宽，新值一定合法
            widget.value = value
            widget.min, widget.max = lo, hi

    controls["surface"].observe(reset_start, names="value")
    return panel
