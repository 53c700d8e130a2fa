"""比较几次训练的两张静态图：学习率扫描曲线，以及各次训练的损失与验证准确率曲线（见 {ref}`sec-optimizers`）。

两张图都不设固定宽度，标题短，图例横排在图的最下面，390 px 宽的手机上也读得清。
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from dlbook.explorers._layout import apply_frame, frame
from dlbook.train import History

_COLORS = qualitative.Plotly


def _check_names(names: Sequence[str]) -> None:
    if not names:
        raise ValueError("没有要画的训练结果（传入的字典是空的）。")
    if len(names) > len(_COLORS):
        raise ValueError(f"一张图最多比较 {len(_COLORS)} 组，收到 {len(names)} 组。")


def lr_sweep_figure(
    *,
    results: Mapping[str, Mapping[float, float]],
    y_title: str = "验证集错误率",
    title: str = "学习率扫描",
    log_y: bool = True,
    y_format: str = ".0%",
) -> go.Figure:
    """每组一条折线：横轴是学习率（对数轴），纵轴是该学习率下的最终指标（见 {ref}`sec-optimizers`）。"""
    _check_names(list(results))
    fig = go.Figure()
    for color, (name, by_lr) in zip(_COLORS, results.items()):
        lrs = sorted(by_lr)
        hover = f"学习率 %{{x:.3g}}<br>{y_title} %{{y:{y_format}}}<extra>{name}</extra>"
        fig.add_scatter(x=lrs, y=[by_lr[lr] for lr in lrs], mode="lines+markers", name=name,
                        line={"color": color}, hovertemplate=hover)
    layout = frame(plot=300, title_lines=1, message_lines=0, legend_rows=3)
    apply_frame(fig, layout, title=title)
    fig.update_xaxes(type="log", title_text="学习率", exponentformat="power")
    fig.update_yaxes(title_text=y_title, tickformat=y_format)
    return fig.update_yaxes(type="log", dtick="D2") if log_y else fig  # 对数轴只标 1、2、5 倍的刻度


def _epoch_axis(history: History) -> list[float]:
    """每一步的位置折算成 epoch（第 k 步在第 k / 每轮步数 个 epoch 处）。"""
    steps_per_epoch = len(history.step_loss) / max(len(history.train_loss), 1)
    return [(k + 1) / steps_per_epoch for k in range(len(history.step_loss))]


def _smoothed(values: Sequence[float], beta: float) -> list[float]:
    """偏差修正的指数加权平均（见 {ref}`sec-optimizers` 的“指数加权平均”一节）。"""
    v, out = 0.0, []
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta**t))
    return out


def run_curves_figure(
    *,
    histories: Mapping[str, History],
    smoothing: float = 0.9,
    title: str = "各自最佳学习率下的训练过程",
) -> go.Figure:
    """上：每步训练损失（偏差修正的 EMA 平滑）；下：每个 epoch 末的验证准确率；每组一种颜色（见 {ref}`sec-optimizers`）。"""
    _check_names(list(histories))
    if not 0 <= smoothing < 1:
        raise ValueError(f"平滑系数 smoothing 应在 [0, 1) 之间，收到 {smoothing}。")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        subplot_titles=(f"训练损失（每步，EMA β = {smoothing:g}）", "验证准确率（每个 epoch 末）"))
    for color, (name, history) in zip(_COLORS, histories.items()):
        style = {"legendgroup": name, "line": {"color": color}}
        fig.add_scatter(x=_epoch_axis(history), y=_smoothed(history.step_loss, smoothing), name=name,
                        mode="lines", row=1, col=1, **style)
        fig.add_scatter(x=history.epochs[: len(history.val_accuracy)], y=history.val_accuracy, name=name,
                        mode="lines+markers", showlegend=False, row=2, col=1, **style)
    layout = frame(plot=460, title_lines=1, message_lines=2, legend_rows=3)  # 说明行的位置留给上面子图的标题
    apply_frame(fig, layout, title=title)
    fig.update_yaxes(type="log", dtick="D2", title_text="损失", row=1, col=1)
    fig.update_yaxes(title_text="准确率", tickformat=".0%", row=2, col=1)
    return fig.update_xaxes(title_text="epoch", row=2, col=1)


__all__ = ["lr_sweep_figure", "run_curves_figure"]
