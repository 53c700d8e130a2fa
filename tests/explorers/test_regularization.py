"""dlbook.explorers.regularization 的测试：拟合与闭式解/自动求导一致，偏差–方差分解，滑块步与计算函数一致，截断。

图能否构建、每一步是否改变画面、极端设置是否给出说明，由 ``test_contract.py`` 统一检查。
"""

import math

import numpy as np
import pytest
import torch

from dlbook.explorers.regularization import (
    MAX_DEGREE,
    Y_LIMIT,
    PolynomialFit,
    polynomial_fit,
    regularization_figure,
    regularization_panel,
    resampled_fits,
)


def test_unregularized_fit_matches_numpy_polyfit():
    fit = polynomial_fit(degree=3, n_train=12, noise=0.25, seed=0)
    assert isinstance(fit, PolynomialFit)
    reference = np.polyfit(fit.x_train, fit.y_train, 3)[::-1]
    np.testing.assert_allclose(fit.coef, reference, rtol=1e-8, atol=1e-10)
    residual = np.polyval(reference[::-1], fit.x_train) - fit.y_train
    assert fit.train_mse == pytest.approx(np.mean(residual**2))


def test_data_is_the_documented_recipe():
    fit = polynomial_fit(degree=1, n_train=5, noise=0.5, seed=7)
    rng = np.random.default_rng(7)
    x = np.sort(rng.uniform(-1, 1, 5))
    y = np.sin(np.pi * x) + 0.5 * rng.normal(size=5)
    np.testing.assert_array_equal(fit.x_train, x)
    np.testing.assert_array_equal(fit.y_train, y)


@pytest.mark.parametrize("lam", [1e-4, 0.01, 1.0])
def test_ridge_solution_is_a_stationary_point_of_the_penalised_loss(lam):
    # 目标 mean((Xw − y)²) + (λ/2)Σ_{k≥1} w_k² 在返回的系数处梯度为 0（用自动求导检查）
    fit = polynomial_fit(degree=6, weight_decay=lam, seed=3)
    x = torch.tensor(fit.x_train)
    y = torch.tensor(fit.y_train)
    w = torch.tensor(fit.coef, requires_grad=True)
    features = x[:, None] ** torch.arange(7)
    loss = ((features @ w - y) ** 2).mean() + lam / 2 * (w[1:] ** 2).sum()
    loss.backward()
    assert w.grad.abs().max().item() < 1e-8


def test_penalty_matches_sgd_weight_decay():
    # 在同一个损失上用 torch.optim.SGD(weight_decay=λ) 做梯度下降，收敛到同一组系数（常数项不衰减）
    lam = 0.05
    fit = polynomial_fit(degree=2, weight_decay=lam, seed=1)
    x = torch.tensor(fit.x_train)
    y = torch.tensor(fit.y_train)
    features = x[:, None] ** torch.arange(3)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    weights = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([{"params": [bias], "weight_decay": 0.0}, {"params": [weights], "weight_decay": lam}], lr=0.6)
    for _ in range(1000):
        loss = ((features @ torch.cat([bias, weights]) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(torch.cat([bias, weights]).detach().numpy(), fit.coef, atol=1e-9)


def test_overfitting_shape_of_the_errors():
    fits = {d: polynomial_fit(degree=d) for d in range(0, 12)}
    train = [fits[d].train_mse for d in range(0, 12)]
    # 无惩罚时，次数越高训练误差越小（嵌套模型）
    assert all(b <= a + 1e-12 for a, b in zip(train, train[1:]))
    # 11 次多项式穿过全部 12 个训练点
    assert fits[11].train_mse < 1e-12
    assert "穿过每一个训练点" in fits[11].message
    # 测试误差是 U 形：中等次数最好，高次数远比它差
    best = min(range(12), key=lambda d: fits[d].test_mse)
    assert 2 <= best <= 6
    assert fits[11].test_mse > 100 * fits[best].test_mse


def test_weight_decay_shrinks_coefficients_and_limits_to_constant():
    norms = [np.linalg.norm(polynomial_fit(degree=11, weight_decay=lam).coef[1:]) for lam in (1e-6, 1e-3, 1.0)]
    assert norms[0] > norms[1] > norms[2]
    huge = polynomial_fit(degree=11, weight_decay=1e9)
    assert huge.coef[0] == pytest.approx(huge.y_train.mean(), abs=1e-6)
    assert np.abs(huge.coef[1:]).max() < 1e-6
    # 适中的 λ 让 11 次多项式的测试误差比不加惩罚时小得多
    assert polynomial_fit(degree=11, weight_decay=1e-3).test_mse < polynomial_fit(degree=11).test_mse / 100


def test_min_norm_solution_when_more_coefficients_than_points():
    fit = polynomial_fit(degree=15, n_train=6)
    assert fit.train_mse < 1e-20
    assert np.isfinite(fit.coef).all()


@pytest.mark.parametrize(
    "kwargs, field, expected",
    [
        ({"degree": -1}, "degree", 0),
        ({"degree": math.nan}, "degree", 3),
        ({"degree": 2, "weight_decay": -0.1}, "weight_decay", 0.0),
        ({"degree": 2, "weight_decay": math.nan}, "weight_decay", 0.0),
        ({"degree": 2, "n_train": 0}, "x_train", 1),
    ],
)
def test_illegal_inputs_are_clamped_and_said(kwargs, field, expected):
    fit = polynomial_fit(**kwargs)
    value = getattr(fit, field)
    assert (len(value) if isinstance(value, np.ndarray) else value) == expected
    assert "截断" in fit.message or "nan" in fit.message
    assert np.isfinite(fit.y_fit).all()


def test_extremes_are_clamped_not_raised():
    fit = polynomial_fit(degree=10**6, weight_decay=math.inf, n_train=1, noise=-1.0)
    assert fit.degree == MAX_DEGREE
    assert fit.weight_decay == 1e12
    assert "截断" in fit.message
    assert np.isfinite(fit.y_fit).all()
    wild = polynomial_fit(degree=MAX_DEGREE, n_train=12)
    assert np.isfinite(wild.y_fit).all()
    assert "没有画出" in wild.message


def test_resampled_fits_use_the_same_x_and_match_the_exact_bias_and_variance():
    # 没有噪声时，每次“重抽样”都是 polynomial_fit 在同一组 x 上的拟合
    clean = resampled_fits(degree=3, noise=0.0, resamples=3)
    np.testing.assert_allclose(clean.fits, np.tile(polynomial_fit(degree=3, noise=0.0).y_fit, (3, 1)), atol=1e-10)
    assert clean.variance == 0.0 and clean.std.max() < 1e-10
    # 抽样很多次时，样本均值/标准差接近闭式的期望，平均均方误差接近 偏差² + 方差
    band = resampled_fits(degree=5, weight_decay=1e-4, resamples=4000)
    assert band.fits.shape == (4000, len(band.x))
    truth = np.sin(np.pi * band.x)
    assert np.mean((band.fits - truth) ** 2) == pytest.approx(band.bias2 + band.variance, rel=0.03)
    assert np.mean(band.std**2) == pytest.approx(band.variance, rel=0.03)
    assert np.mean((band.mean - truth) ** 2) == pytest.approx(band.bias2, rel=0.2, abs=1e-3)


def test_bias_falls_and_variance_rises_with_the_degree():
    bands = {d: resampled_fits(degree=d) for d in (1, 3, 9)}
    assert bands[1].bias2 > 10 * bands[3].bias2  # 直线太简单：偏差大
    assert bands[9].variance > 10 * bands[3].variance  # 次数太高：换一次噪声，曲线就大变
    lam = [resampled_fits(degree=11, weight_decay=v) for v in (1e-8, 1e-6, 1e-3, 1.0, 10.0)]
    assert all(a.variance > b.variance for a, b in zip(lam, lam[1:]))  # λ 越大，方差越小
    assert all(a.bias2 < b.bias2 for a, b in zip(lam, lam[1:]))  # ……偏差越大


def _slider(fig):
    (s,) = fig.layout.sliders
    return s


def _trace(fig, name):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


@pytest.mark.parametrize("vary", ["degree", "weight_decay"])
def test_figure_slider_steps_match_the_compute_function(vary):
    fig = regularization_figure(vary=vary, degree=11 if vary == "weight_decay" else 3)
    s = _slider(fig)
    assert 5 <= len(s.steps) <= 30
    fit_index = fig.data.index(_trace(fig, "拟合的多项式"))
    test_index = fig.data.index(_trace(fig, "当前测试误差"))
    curves = []
    for step in s.steps:
        data, layout, indices = step.args
        assert "MSE" in layout["title.text"]
        curves.append(np.array([np.nan if v is None else v for v in data["y"][list(indices).index(fit_index)]],
                               dtype=float))
    for a, b in zip(curves, curves[1:]):
        assert np.nanmax(np.abs(a - b)) > 1e-4
    active = s.steps[s.active]
    np.testing.assert_allclose(curves[s.active], np.array(_trace(fig, "拟合的多项式").y, dtype=float), equal_nan=True)
    assert active.args[0]["y"][list(active.args[2]).index(test_index)][0] == pytest.approx(
        _trace(fig, "当前测试误差").y[0])
    if vary == "degree":
        reference = polynomial_fit(degree=int(active.label))
        assert fig.layout.xaxis2.type == "linear"
    else:
        reference = polynomial_fit(degree=11, weight_decay=float(active.label))
        assert fig.layout.xaxis2.type == "log"
    assert _trace(fig, "当前测试误差").y[0] == pytest.approx(reference.test_mse, rel=1e-6)
    band = resampled_fits(degree=reference.degree, weight_decay=reference.weight_decay)
    variance = np.array(_trace(fig, "方差").y)
    assert variance[s.active] == pytest.approx(band.variance)


def test_figure_hides_points_outside_display_range_and_is_small():
    fig = regularization_figure(vary="degree", degree=11)
    ys = list(_trace(fig, "拟合的多项式").y)
    assert None in ys
    assert all(v is None or abs(v) <= Y_LIMIT for v in ys)
    assert "没有画出" in next(a.text for a in fig.layout.annotations if a.name == "message")
    assert len(fig.to_json()) < 1_500_000
    assert len(regularization_figure(vary="weight_decay", degree=11).to_json()) < 1_500_000


def test_figure_rejects_unknown_vary_and_clamps_extremes():
    with pytest.raises(ValueError, match="vary"):
        regularization_figure(vary="dropout")
    fig = regularization_figure(vary="degree", degree=40, weight_decay=1e20, degrees=(1, 3))
    assert "λ = 1e+12" in fig.layout.title.text


def test_panel_reacts_to_controls():
    panel = regularization_panel()
    assert set(panel.controls) == {"degree", "weight_decay", "n_train", "noise"}
    fit_trace = _trace(panel.figure, "拟合的多项式")
    before = np.array(fit_trace.y, dtype=float)
    test_curve = np.array(_trace(panel.figure, "测试误差").y, dtype=float)
    assert test_curve.argmin() in range(2, 7)

    panel.controls["degree"].value = 9
    after = np.array(fit_trace.y, dtype=float)
    assert np.nanmax(np.abs(after - before)) > 1e-3
    current = _trace(panel.figure, "当前测试误差")
    assert current.x[0] == 9
    assert current.y[0] == pytest.approx(polynomial_fit(degree=9, weight_decay=1e-10).test_mse, rel=1e-6)

    panel.controls["weight_decay"].value = 1.0
    assert current.y[0] == pytest.approx(polynomial_fit(degree=9, weight_decay=1.0).test_mse, rel=1e-6)

    panel.controls["n_train"].value = 30
    assert len(_trace(panel.figure, "训练点").x) == 30


def test_panel_extremes_show_message_without_raising():
    panel = regularization_panel()
    panel.controls["n_train"].value = 2
    panel.controls["degree"].value = 20
    panel.controls["weight_decay"].value = 1e-10
    assert "训练点" in panel.message.value or "没有画出" in panel.message.value
    panel.controls["noise"].value = 0.0
    assert np.isfinite(np.array(_trace(panel.figure, "训练误差").y, dtype=float)).all()
    assert panel.error is None
