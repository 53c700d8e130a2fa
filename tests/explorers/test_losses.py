"""dlbook.explorers.losses 的测试：与 torch.nn.functional 的损失和 autograd 的梯度对照（通用部分见 test_contract.py）。"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.explorers.losses import (
    LOSS_LABELS,
    LOSS_NAMES,
    elementwise_loss,
    loss_curves,
    loss_figure,
    loss_panel,
    outlier_fit_figure,
    robust_line_fit,
)

# 避开分段点与 0，让 autograd 的导数唯一
ERRORS = np.array([-3.7, -1.2, -0.6, -0.05, 0.3, 0.9, 1.6, 2.4, 5.0])


def torch_loss(name, pred, target, delta):
    if name == "l1":
        return F.l1_loss(pred, target, reduction="none")
    if name == "mse":
        return F.mse_loss(pred, target, reduction="none")
    if name == "smooth_l1":
        return F.smooth_l1_loss(pred, target, beta=delta, reduction="none")
    return F.huber_loss(pred, target, delta=delta, reduction="none")


@pytest.mark.parametrize("name", LOSS_NAMES)
@pytest.mark.parametrize("delta", [0.25, 1.0, 2.0])
def test_loss_and_gradient_match_torch(name, delta):
    target = torch.linspace(-1.0, 1.0, len(ERRORS), dtype=torch.float64)
    pred = (target + torch.tensor(ERRORS)).requires_grad_(True)
    expected = torch_loss(name, pred, target, delta)
    expected.sum().backward()
    loss, grad = elementwise_loss(name, ERRORS, delta=delta)
    np.testing.assert_allclose(loss, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, pred.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_huber_is_delta_times_smooth_l1():
    c = loss_curves(delta=0.7)
    np.testing.assert_allclose(c.loss["huber"], 0.7 * c.loss["smooth_l1"], rtol=1e-12)
    np.testing.assert_allclose(c.grad["huber"], 0.7 * c.grad["smooth_l1"], rtol=1e-12)


def test_known_values():
    pred, true = np.array([1.9, 2.3, 4.5]), np.full(3, 2.0)
    e = pred - true
    assert elementwise_loss("l1", e)[0].mean() == pytest.approx(0.966666, abs=1e-5)
    assert elementwise_loss("mse", e)[0].mean() == pytest.approx(2.116666, abs=1e-5)
    assert elementwise_loss("smooth_l1", e, delta=1.0)[0].mean() == pytest.approx(0.683333, abs=1e-5)


def test_delta_zero_is_degenerate_not_an_error():
    c = loss_curves(delta=0.0)
    np.testing.assert_allclose(c.loss["smooth_l1"], np.abs(c.error))
    assert np.all(c.loss["huber"] == 0)
    assert "δ = 0" in c.message
    assert all(np.all(np.isfinite(v)) for v in c.grad.values())


def test_unknown_loss_raises_but_bad_numbers_are_clamped():
    with pytest.raises(ValueError, match="未知"):
        elementwise_loss("hinge", ERRORS)
    with pytest.raises(ValueError, match="非负"):
        elementwise_loss("huber", ERRORS, delta=-1.0)
    c = loss_curves(delta=-1.0)
    assert c.delta == 0.0 and "截断" in c.message
    empty = loss_curves(error_min=2.0, error_max=-2.0)
    assert empty.error.size == 0 and "为空" in empty.message
    fit = robust_line_fit(outlier_y=float("nan"), delta=float("inf"))
    assert fit.outlier_y == 20.0 and "nan" in fit.message and "截断" in fit.message


def _total(name, coef, x, y, delta):
    pred = torch.tensor(coef[0] + coef[1] * x)
    return float(torch_loss(name, pred, torch.tensor(y), delta).sum())


@pytest.mark.parametrize("outlier", [-10.0, 6.0, 25.0])
def test_fits_are_minimisers(outlier):
    delta = 1.0
    fit = robust_line_fit(outlier_y=outlier, delta=delta)
    x, y = fit.x, fit.y
    for name in ("mse", "huber", "smooth_l1"):
        # 光滑的凸损失：在最小点处 autograd 梯度为 0
        params = torch.tensor(fit.coef[name], dtype=torch.float64, requires_grad=True)
        pred = params[0] + params[1] * torch.tensor(x)
        torch_loss(name, pred, torch.tensor(y), delta).sum().backward()
        assert params.grad.abs().max() < 1e-6, name
    # L1 不光滑：检查任何小扰动都不会让总损失更小
    best = _total("l1", fit.coef["l1"], x, y, delta)
    rng = np.random.default_rng(1)
    for _ in range(200):
        trial = fit.coef["l1"] + rng.normal(0, 0.05, size=2)
        assert _total("l1", trial, x, y, delta) >= best - 1e-9


def test_mse_is_dragged_by_outlier_but_robust_fits_are_not():
    near = robust_line_fit(outlier_y=6.0)
    far = robust_line_fit(outlier_y=30.0)
    assert abs(far.coef["mse"][1] - near.coef["mse"][1]) > 0.5
    assert abs(far.coef["huber"][1] - near.coef["huber"][1]) < 0.1
    assert abs(far.coef["l1"][1] - near.coef["l1"][1]) < 0.1


def test_extremes_do_not_raise():
    fit = robust_line_fit(outlier_y=1e9, delta=0.0)
    assert all(np.all(np.isfinite(c)) for c in fit.coef.values())
    np.testing.assert_allclose(fit.coef["huber"], fit.coef["l1"])
    assert abs(fit.coef["huber"][1] - 0.5) < 0.1


def test_figures_steps_address_traces_by_name():
    fig = loss_figure(deltas=(0.25, 1.0, 2.0))
    steps = fig.layout.sliders[0].steps
    names = [t.name for t in fig.data]
    assert len(steps) == 3 and len(names) == 2 * len(LOSS_NAMES)
    smooth = [fig.data[i].name for i in steps[0].args[2]].index(LOSS_LABELS["smooth_l1"])
    first, last = np.asarray(steps[0].args[0]["y"][smooth]), np.asarray(steps[-1].args[0]["y"][smooth])
    assert not np.allclose(first, last)
    c = loss_curves(delta=0.25)
    np.testing.assert_allclose(first, c.loss["smooth_l1"], rtol=1e-5)

    fit_fig = outlier_fit_figure(outlier_values=(0.0, 20.0))
    s = fit_fig.layout.sliders[0].steps
    mse = [fit_fig.data[i].name for i in s[0].args[2]].index("MSE 拟合")
    mse_a, mse_b = np.asarray(s[0].args[0]["y"][mse]), np.asarray(s[1].args[0]["y"][mse])
    assert not np.allclose(mse_a, mse_b)
    assert len(fit_fig.to_json()) < 1_500_000


def _em(line: str) -> float:
    """一行字大约多宽（以汉字的宽度为单位；拉丁字母、数字约半个汉字）。"""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in line)


def test_figure_titles_fit_a_phone_and_legends_sit_below_the_slider():
    # 390 像素宽的手机上，13 像素的字一行大约放得下 26 个汉字
    for fig in (loss_figure(), outlier_fit_figure(), outlier_fit_figure(delta=0.0)):
        assert fig.layout.width is None
        assert max(_em(line) for line in fig.layout.title.text.split("<br>")) <= 26
        assert fig.layout.legend.y < fig.layout.sliders[0].y < 0  # 图例在滑块下面，换行时向下长


def test_panel_updates_on_control_change():
    panel = loss_panel(delta=1.0, outlier_y=10.0)
    curve = [t.name for t in panel.figure.data].index(LOSS_LABELS["smooth_l1"])
    line = [t.name for t in panel.figure.data].index("MSE 拟合")
    before_curve = np.array(panel.figure.data[curve].y)
    before_fit = np.array(panel.figure.data[line].y)
    panel.controls["delta"].value = 0.3
    assert not np.allclose(before_curve, np.array(panel.figure.data[curve].y))
    panel.controls["outlier_y"].value = 80.0
    assert not np.allclose(before_fit, np.array(panel.figure.data[line].y))
    panel.controls["delta"].value = 0.0
    assert "δ = 0" in panel.message.value
