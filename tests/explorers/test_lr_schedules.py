"""学习率调度交互图的测试：闭式公式与 torch.optim.lr_scheduler 逐 epoch 一致、截断与说明、静态图与面板的数值。

图能否构建、每一步是否改变画面、极端设置是否给出说明，由 ``test_contract.py`` 统一检查。
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from dlbook.explorers.lr_schedules import Schedule, lr_schedule, lr_schedule_figure, lr_schedule_panel


def torch_rates(make_scheduler, *, lr: float, epochs: int) -> np.ndarray:
    """按“每个 epoch 先记录 get_last_lr()，训练，再 scheduler.step()”的顺序记录 PyTorch 的学习率。"""
    w = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(epochs):
        rates.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return np.array(rates)


S = torch.optim.lr_scheduler


@pytest.mark.parametrize(
    ("kwargs", "make"),
    [
        (dict(name="step", step_size=30, gamma=0.1), lambda o: S.StepLR(o, step_size=30, gamma=0.1)),
        (dict(name="step", step_size=7, gamma=0.5), lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
        (dict(name="multistep", milestones=(20, 60, 80), gamma=0.3),
         lambda o: S.MultiStepLR(o, milestones=[20, 60, 80], gamma=0.3)),
        (dict(name="exponential", gamma=0.95), lambda o: S.ExponentialLR(o, gamma=0.95)),
        (dict(name="cosine", t_max=100), lambda o: S.CosineAnnealingLR(o, T_max=100)),
        (dict(name="cosine", t_max=40, eta_min=0.001), lambda o: S.CosineAnnealingLR(o, T_max=40, eta_min=0.001)),
    ],
)
def test_closed_form_matches_torch_schedulers(kwargs, make):
    result = lr_schedule(lr=0.1, epochs=100, **kwargs)
    assert isinstance(result, Schedule) and not result.message.count("截断")
    np.testing.assert_allclose(result.lr, torch_rates(make, lr=0.1, epochs=100), rtol=1e-9, atol=1e-12)


def test_known_values():
    r = lr_schedule(name="step", lr=0.1, epochs=100, step_size=30, gamma=0.1).lr
    assert r[29] == pytest.approx(0.1) and r[30] == pytest.approx(0.01) and r[99] == pytest.approx(1e-4)
    c = lr_schedule(name="cosine", lr=0.2, epochs=50).lr
    assert c[0] == pytest.approx(0.2) and c[25] == pytest.approx(0.1)
    m = lr_schedule(name="multistep", lr=1.0, epochs=10, milestones=(8, 3), gamma=0.5).lr
    np.testing.assert_allclose(m, [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25])


def test_extremes_do_not_raise():
    assert len(lr_schedule(name="step", epochs=0).lr) == 0
    zero = lr_schedule(name="exponential", gamma=0.0, epochs=5).lr
    np.testing.assert_allclose(zero, [0.1, 0, 0, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = lr_schedule(name="exponential", gamma=1e3, epochs=300)
    assert "无穷大" in big.message
    grow = lr_schedule(name="step", gamma=1.1, epochs=50, step_size=10)
    assert "不降反升" in grow.message and grow.lr[-1] > grow.lr[0]


@pytest.mark.parametrize(
    ("kwargs", "field", "expected"),
    [
        (dict(name="step", step_size=0), "label", "StepLR(step_size=1, gamma=0.1)"),
        (dict(name="cosine", t_max=0, epochs=3), "label", "CosineAnnealingLR(T_max=1, eta_min=0)"),
        (dict(name="step", epochs=-4), "epoch", []),
        (dict(name="exponential", lr=-1.0, epochs=3), "lr", [0.0, 0.0, 0.0]),
        (dict(name="multistep", milestones=(0, 2), gamma=0.5, lr=1.0, epochs=3), "lr", [1.0, 0.5, 0.25]),
    ],
)
def test_out_of_range_values_are_clamped_and_said(kwargs, field, expected):
    result = lr_schedule(**kwargs)
    value = getattr(result, field)
    assert (value == expected) if isinstance(value, str) else np.allclose(value, expected) and len(value) == len(expected)
    assert "截断" in result.message


def test_unknown_schedule_is_a_programming_error():
    with pytest.raises(ValueError, match="未知的调度"):
        lr_schedule(name="onecycle")


def _trace(fig, name):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def test_figure_curves_match_the_compute_function():
    fig = lr_schedule_figure()
    gamma_slider, step_slider = fig.layout.sliders
    gamma = float(gamma_slider.steps[gamma_slider.active].label)
    step_size = int(step_slider.steps[step_slider.active].label)
    step = _trace(fig, f"StepLR(step_size={step_size})")
    expo = _trace(fig, f"ExponentialLR(γ^(1/{step_size}))")
    assert step.visible and expo.visible
    np.testing.assert_allclose(step.y, lr_schedule(name="step", step_size=step_size, gamma=gamma).lr, rtol=1e-3)
    # ExponentialLR 是 StepLR 的平滑版：每 step_size 个 epoch 恰好也乘了 γ。
    assert expo.y[step_size] == pytest.approx(step.y[step_size], rel=1e-3)
    # step_size 滑块每一步恰好显示一条 StepLR、一条 ExponentialLR，外加 MultiStepLR 与余弦
    for s in step_slider.steps:
        flags = s.args[0]["visible"]
        assert sum(flags) == 4
        shown = {t.name for t, f in zip(fig.data, flags) if f}
        assert f"StepLR(step_size={s.label})" in shown
    assert len(fig.to_json()) < 1.5e6
    assert fig.layout.width is None


def test_panel_highlights_one_schedule_and_reports_growth():
    panel = lr_schedule_panel()
    step = next(t for t in panel.figure.data if t.name == "StepLR")
    before = tuple(step.y)
    assert step.line.width > next(t for t in panel.figure.data if t.name == "ExponentialLR").line.width
    panel.controls["gamma"].value = 0.2
    assert tuple(step.y) != before
    panel.controls["name"].value = "cosine"
    assert panel.figure.layout.title.text.startswith("CosineAnnealingLR")
    panel.controls["name"].value = "exponential"
    panel.controls["gamma"].value = 1.2
    assert "不降反升" in panel.message.value
    panel.controls["epochs"].value = 0
    assert "没有学习率曲线" in panel.message.value and panel.error is None
