"""学习率调度交互图的测试：闭式公式与 torch.optim.lr_scheduler 逐 epoch 一致、图与面板、极端参数。"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from dlbook.explorers.lr_schedules import lr_schedule, lr_schedule_figure, lr_schedule_panel


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
    ours = lr_schedule(lr=0.1, epochs=100, **kwargs)["lr"]
    ref = torch_rates(make, lr=0.1, epochs=100)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_known_values():
    r = lr_schedule(name="step", lr=0.1, epochs=100, step_size=30, gamma=0.1)["lr"]
    assert r[29] == pytest.approx(0.1) and r[30] == pytest.approx(0.01) and r[99] == pytest.approx(1e-4)
    c = lr_schedule(name="cosine", lr=0.2, epochs=50)["lr"]
    assert c[0] == pytest.approx(0.2) and c[25] == pytest.approx(0.1)
    m = lr_schedule(name="multistep", lr=1.0, epochs=10, milestones=(8, 3), gamma=0.5)["lr"]
    np.testing.assert_allclose(m, [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25])


def test_extremes_do_not_raise():
    assert len(lr_schedule(name="step", epochs=0)["lr"]) == 0
    zero = lr_schedule(name="exponential", gamma=0.0, epochs=5)["lr"]
    np.testing.assert_allclose(zero, [0.1, 0, 0, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = lr_schedule(name="exponential", gamma=1e3, epochs=300)
    assert "无穷大" in big["message"]
    grow = lr_schedule(name="step", gamma=1.1, epochs=50, step_size=10)
    assert "不降反升" in grow["message"] and grow["lr"][-1] > grow["lr"][0]


def test_invalid_inputs_raise_value_error():
    with pytest.raises(ValueError, match="未知的调度"):
        lr_schedule(name="onecycle")
    with pytest.raises(ValueError, match="step_size"):
        lr_schedule(name="step", step_size=0)
    with pytest.raises(ValueError, match="t_max"):
        lr_schedule(name="cosine", t_max=0)


def test_figure_sliders_change_the_curves():
    fig = lr_schedule_figure()
    gamma_slider, step_slider = fig.layout.sliders
    ys = [json.dumps(s.args[0]["y"]) for s in gamma_slider.steps]
    assert len(set(ys)) == len(ys)
    vis = [json.dumps(s.args[0]["visible"]) for s in step_slider.steps]
    assert len(set(vis)) == len(vis)
    assert len(fig.to_json()) < 1.5e6
    # ExponentialLR 是 StepLR 的平滑版：每 step_size 个 epoch 恰好也乘了 γ。
    k = step_slider.active
    step_size = int(step_slider.steps[k].label)
    names = [t.name for t in fig.data]
    step_trace = next(t for t in fig.data if t.visible and t.name.startswith("StepLR"))
    exp_trace = next(t for t in fig.data if t.visible and t.name.startswith("ExponentialLR"))
    assert exp_trace.y[step_size] == pytest.approx(step_trace.y[step_size], rel=1e-3)
    assert len(names) == len(fig.data)


def test_panel_updates_and_reports_growth():
    panel = lr_schedule_panel()
    before = tuple(panel.figure.data[0].y)
    panel.controls["gamma"].value = 0.2
    assert tuple(panel.figure.data[0].y) != before
    panel.controls["name"].value = "cosine"
    assert panel.figure.layout.title.text.startswith("CosineAnnealingLR")
    panel.controls["name"].value = "exponential"
    panel.controls["gamma"].value = 1.2
    assert "不降反升" in panel.message.value
    panel.controls["epochs"].value = 0
    assert "⚠" not in panel.message.value
