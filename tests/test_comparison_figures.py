import math

import pytest

from dlbook.comparison_figures import lr_sweep_figure, run_curves_figure
from dlbook.train import History


def _history(step_loss, val_accuracy, epochs):
    return History(train_loss=[1.0] * epochs, val_accuracy=list(val_accuracy), step_loss=list(step_loss))


def _phone_layout(fig):
    """没有固定宽度、图例横排并放在绘图区下面（纸面坐标为负）、标题不空。"""
    assert fig.layout.width is None
    assert fig.layout.legend.orientation == "h"
    assert fig.layout.legend.y < 0 and fig.layout.legend.yanchor == "top"
    assert fig.layout.title.text


def test_lr_sweep_figure_draws_one_sorted_line_per_name_on_log_axes():
    fig = lr_sweep_figure(results={"SGD": {0.3: 0.05, 0.03: 0.1, 0.1: 0.07}, "Adam": {1e-3: 0.06}})
    assert [t.name for t in fig.data] == ["SGD", "Adam"]
    sgd = fig.data[0]
    assert list(sgd.x) == [0.03, 0.1, 0.3]  # 按学习率排好，折线不会来回折返
    assert list(sgd.y) == [0.1, 0.07, 0.05]  # 每个值跟着自己的学习率
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.tickformat == ".0%"  # 错误率按百分数标
    assert fig.data[0].line.color != fig.data[1].line.color
    _phone_layout(fig)


def test_lr_sweep_figure_linear_y_and_bad_input():
    fig = lr_sweep_figure(results={"SGD": {0.1: 0.9}}, log_y=False, y_title="验证损失", y_format=".3f")
    assert fig.layout.yaxis.type != "log" and fig.layout.yaxis.title.text == "验证损失"
    assert fig.layout.yaxis.tickformat == ".3f"
    with pytest.raises(ValueError, match="空"):
        lr_sweep_figure(results={})
    with pytest.raises(ValueError, match="最多"):
        lr_sweep_figure(results={f"o{i}": {0.1: 0.5} for i in range(20)})


def test_run_curves_figure_smooths_step_loss_and_places_it_on_an_epoch_axis():
    steps = [4.0, 2.0, 2.0, 1.0, 1.0, 1.0]  # 2 个 epoch，每个 3 步
    fig = run_curves_figure(histories={"SGD": _history(steps, [0.8, 0.9], 2), "Adam": _history(steps, [0.85, 0.95], 2)},
                            smoothing=0.5)
    loss, acc = fig.data[0], fig.data[1]
    assert loss.name == acc.name == "SGD" and loss.legendgroup == acc.legendgroup
    assert loss.showlegend is not False and acc.showlegend is False  # 每组只在图例里出现一次
    assert list(loss.x) == pytest.approx([1 / 3, 2 / 3, 1.0, 4 / 3, 5 / 3, 2.0])
    assert loss.y[0] == pytest.approx(4.0)  # 偏差修正：第一步就是原值，不是 (1 − β) 倍
    assert loss.y[1] == pytest.approx((0.25 * 4 + 0.5 * 2) / 0.75)
    assert list(acc.x) == [1, 2] and list(acc.y) == [0.8, 0.9]
    assert loss.line.color == acc.line.color != fig.data[2].line.color
    assert fig.layout.yaxis.type == "log"
    _phone_layout(fig)


def test_run_curves_figure_without_smoothing_keeps_the_raw_losses_and_rejects_bad_beta():
    steps = [3.0, 1.0, 2.0]
    fig = run_curves_figure(histories={"SGD": _history(steps, [0.5], 1)}, smoothing=0.0)
    assert list(fig.data[0].y) == steps
    for beta in (1.0, -0.1, math.nan):
        with pytest.raises(ValueError, match="平滑系数"):
            run_curves_figure(histories={"SGD": _history(steps, [0.5], 1)}, smoothing=beta)
