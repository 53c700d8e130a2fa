"""二次模型交互图的数学：闭式公式与模块自己逐步模拟出的路径必须一致。"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dlbook.explorers.quadratic import (
    DEFAULT_EIGENVALUES,
    PRESETS,
    eigen_error_figure,
    eigen_errors,
    momentum_errors,
    momentum_map,
    momentum_map_figure,
    momentum_presets,
    momentum_rate,
    optimal_momentum,
)
from dlbook.interactive import EMPTY, MESSAGE


def _step_ratios(values: np.ndarray) -> np.ndarray:
    return values[1:] / values[:-1]


def _messages(fig) -> str:
    return " ".join(a.text or "" for a in fig.layout.annotations if a.name in (MESSAGE, EMPTY) and a.visible)


def _first_below(values: np.ndarray, level: float) -> int:
    below = np.flatnonzero(values <= level)
    assert below.size, f"没有降到 {level:g} 以下"
    return int(below[0])


def _envelope_rate(loss: np.ndarray, t0: int, t1: int, window: int = 60) -> float:
    """损失包络（窗口内的最大值）在 t0 与 t1 之间的平均每步比，开方后就是误差的收敛因子。"""
    early, late = loss[t0 - window:t0].max(), loss[t1 - window:t1].max()
    return (late / early) ** (1 / (2 * (t1 - t0)))


# ---------------------------------------------------------------- 梯度下降


@pytest.mark.parametrize("lr", [0.1, 0.7, 0.9, 1.02])
def test_each_direction_shrinks_by_the_predicted_factor_every_step(lr):
    r = eigen_errors(lr=lr, steps=30)
    assert not r.clipped
    for i, lam in enumerate(r.eigenvalues):
        shown = r.components[:, i]
        keep = shown[:-1] > 1e-250
        np.testing.assert_allclose(_step_ratios(shown)[keep], (1 - lr * lam) ** 2, rtol=1e-9)
    np.testing.assert_allclose(r.factors, 1 - lr * np.asarray(DEFAULT_EIGENVALUES))
    np.testing.assert_allclose(r.total, r.components.sum(axis=1))


@pytest.mark.parametrize("eigenvalues", [DEFAULT_EIGENVALUES, (0.01, 0.3, 1.0), (1.0, 10.0)])
def test_optimal_lr_gives_the_condition_number_rate_on_the_slowest_direction(eigenvalues):
    lams = np.asarray(eigenvalues)
    kappa = lams.max() / lams.min()
    r = eigen_errors(eigenvalues=eigenvalues, lr=2 / (lams.min() + lams.max()), steps=200)
    assert r.optimal_lr == pytest.approx(2 / (lams.min() + lams.max()))
    slow = r.components[:, 0]
    measured = (slow[200] / slow[100]) ** (1 / 200)
    assert measured == pytest.approx((kappa - 1) / (kappa + 1), abs=1e-6)
    assert r.rate == pytest.approx((kappa - 1) / (kappa + 1), abs=1e-12)
    # 两端的方向一样慢：λ_max 方向的测得速度也相同
    fast = r.components[:, -1]
    assert (fast[200] / fast[100]) ** (1 / 200) == pytest.approx(measured, abs=1e-9)


def test_no_learning_rate_beats_the_optimal_one():
    best = eigen_errors(lr=2 / (0.05 + 2.0), steps=1).rate
    for lr in np.linspace(0.01, 1.2, 400):
        assert eigen_errors(lr=lr, steps=1).rate >= best - 1e-12


@pytest.mark.parametrize("eigenvalues", [DEFAULT_EIGENVALUES, (0.2, 5.0)])
def test_stable_exactly_below_two_over_lambda_max(eigenvalues):
    edge = 2 / max(eigenvalues)
    below = eigen_errors(eigenvalues=eigenvalues, lr=0.99 * edge, steps=400)
    above = eigen_errors(eigenvalues=eigenvalues, lr=1.01 * edge, steps=400)
    assert not below.diverged and above.diverged
    assert np.all(np.diff(below.components[:, -1]) < 0), "η 略小于 2/λ_max 时 λ_max 方向的损失应单调下降"
    assert below.total[-1] < 1e-3 * below.total[0]
    assert np.all(np.diff(above.components[:80, -1]) > 0), "η 略大于 2/λ_max 时 λ_max 方向的损失应单调增长"
    assert above.total[-1] > 10 * above.total[0]
    assert "发散" in above.message and "发散" not in below.message


def test_divergent_losses_are_clipped_at_the_ceiling_and_said():
    r = eigen_errors(lr=5.0, steps=60)
    assert r.diverged and r.clipped
    assert np.all(np.isfinite(r.components)) and r.components.max() <= 1e6
    assert "截断" in r.message


def test_slow_direction_dominates_the_total_below_the_optimal_lr():
    r = eigen_errors(lr=0.7, steps=60)
    assert r.components[-1, 0] / r.total[-1] > 0.999
    assert r.components[0, 0] == pytest.approx(r.components[0, -1])  # 缺省起点：各方向初始损失相同


@pytest.mark.parametrize("kwargs", [{"eigenvalues": ()}, {"eigenvalues": (float("nan"),)}])
def test_no_eigenvalues_gives_a_message_not_an_exception(kwargs):
    r = eigen_errors(lr=0.5, **kwargs)
    assert r.components.shape[1] == 0 and "没有特征值" in r.message


def test_bad_settings_are_clamped_and_said():
    r = eigen_errors(eigenvalues=(-1.0, 0.5, 0.5), lr=-2.0, steps=-4, start=(1.0, 2.0, 3.0))
    assert r.lr == 0 and r.steps == 0 and r.eigenvalues.min() > 0
    for words in ("学习率", "步数", "特征值", "重复", "起点"):
        assert words in r.message


def test_figure_slider_has_the_optimal_and_divergent_steps():
    fig = eigen_error_figure()
    steps = fig.layout.sliders[0].steps
    labels = [s.label for s in steps]
    assert f"最优 η={2 / 2.05:.3g}" in labels
    divergent = [s for s in steps if not s.label.startswith("最") and float(s.label) > 1.0]
    assert divergent, labels
    assert all("发散" in " ".join(str(v) for v in s.args[1].values()) for s in divergent)
    names = [t.name for t in fig.data]
    assert names == ["总损失", "λ = 0.05", "λ = 0.5", "λ = 2"]
    assert "0.05" in _messages(fig)


def test_figure_empty_state_for_no_eigenvalues():
    fig = eigen_error_figure(eigenvalues=())
    assert "没有特征值" in _messages(fig)
    assert all(len(t.y) == 0 for t in fig.data)


# ---------------------------------------------------------------- 动量


@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0, 1000.0])
def test_momentum_rate_at_the_optimum_is_the_square_root_formula(kappa):
    lr, mu, rate = optimal_momentum(kappa)
    root = math.sqrt(kappa)
    assert lr == pytest.approx((2 / (1 + 1 / root)) ** 2)
    assert mu == pytest.approx(((root - 1) / (root + 1)) ** 2)
    assert momentum_rate(lr=lr, momentum=mu, eigenvalues=(1 / kappa, 1.0)) == pytest.approx(
        (root - 1) / (root + 1), abs=1e-6)


def test_momentum_optimum_does_not_depend_on_the_scale_of_the_eigenvalues():
    low, high = 0.3, 30.0  # κ = 100，但 λ_max ≠ 1：η* = (2/(√λ_max + √λ_min))²
    lr = (2 / (math.sqrt(high) + math.sqrt(low))) ** 2
    mu = optimal_momentum(100.0)[1]
    assert momentum_rate(lr=lr, momentum=mu, eigenvalues=(low, 3.0, high)) == pytest.approx(9 / 11, abs=1e-6)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_optimum_is_the_minimum_of_the_map(kappa):
    m = momentum_map(kappa=kappa)
    assert m.rate.shape == (m.momenta.size, m.lrs.size)
    assert m.best_rate <= m.rate.min() + 1e-9
    assert m.rate.min() - m.best_rate < 0.03, "默认网格上的最小值应离最优值不远"
    dense = momentum_map(kappa=kappa, lrs=np.linspace(0.9, 1.1, 201) * m.best_lr,
                         momenta=np.clip(m.best_momentum + np.linspace(-0.05, 0.05, 201), 0, 0.99))
    assert dense.rate.min() >= m.best_rate - 1e-7
    assert dense.rate.min() == pytest.approx(m.best_rate, abs=2e-3)
    assert m.gd_best_rate == pytest.approx((kappa - 1) / (kappa + 1))
    assert m.rate[0].min() >= m.gd_best_rate - 1e-12, "μ = 0 那一行就是梯度下降，不会比最优梯度下降更快"


def test_momentum_map_marks_divergence_with_rate_at_least_one():
    m = momentum_map(kappa=100.0, lrs=(1.0, 3.0, 3.7), momenta=(0.0, 0.9))
    assert m.rate[0, 1] > 1 and m.rate[0, 2] > 1  # μ = 0：η > 2/λ_max 发散
    assert m.rate[1, 1] < 1 and m.rate[1, 2] < 1  # μ = 0.9：稳定边界放宽到 η < 2(1 + μ)


def test_momentum_errors_match_torch_sgd_with_momentum():
    lams = torch.tensor([0.01, 0.5, 1.0], dtype=torch.float64)
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.7, momentum=0.8)
    losses = [(0.5 * lams * w.detach() ** 2).numpy()]
    for _ in range(40):
        opt.zero_grad()
        (0.5 * (lams * w**2).sum()).backward()
        opt.step()
        losses.append((0.5 * lams * w.detach() ** 2).numpy())
    ours = momentum_errors(lr=1.7, momentum=0.8, eigenvalues=lams.numpy(), steps=40, start=(1.0, -2.0, 0.5))
    np.testing.assert_allclose(ours, np.array(losses), rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("lr, momentum", [(1.0, 0.9), (1.0, 0.3), (3.5, 0.8), (0.5, 0.0)])
def test_simulated_momentum_rate_matches_the_spectral_radius(lr, momentum):
    lams = (0.01, 1.0)
    loss = momentum_errors(lr=lr, momentum=momentum, eigenvalues=lams, steps=2000).sum(axis=1)
    measured = _envelope_rate(loss, 500, 2000)
    assert measured == pytest.approx(momentum_rate(lr=lr, momentum=momentum, eigenvalues=lams), abs=1e-3)


def test_optimal_momentum_beats_optimal_gd_by_the_predicted_factor():
    kappa = 100.0
    lams = (1 / kappa, 1.0)
    lr, mu, rate = optimal_momentum(kappa)
    heavy = momentum_errors(lr=lr, momentum=mu, eigenvalues=lams, steps=600).sum(axis=1)
    plain = eigen_errors(eigenvalues=lams, lr=2 / (1 + 1 / kappa), steps=5000).total
    predicted = math.log(rate) / math.log((kappa - 1) / (kappa + 1))
    assert predicted == pytest.approx(math.sqrt(kappa), rel=0.01)
    # 渐近地：每再降 20 个数量级，梯度下降要多走的步数约是动量的 predicted 倍
    span = lambda loss: _first_below(loss, 1e-40) - _first_below(loss, 1e-20)  # noqa: E731
    assert span(plain) / span(heavy) == pytest.approx(predicted, rel=0.05)
    assert _first_below(plain, 1e-10) > 5 * _first_below(heavy, 1e-10)


def test_presets_have_the_promised_character():
    for kappa in (10.0, 100.0, 1000.0):
        p = momentum_presets(kappa)
        assert set(p) == set(PRESETS)
        rates = {k: momentum_rate(lr=lr, momentum=mu, eigenvalues=(1 / kappa, 1.0)) for k, (lr, mu) in p.items()}
        assert rates["optimal"] == min(rates.values()) and max(rates.values()) < 1
        assert p["gd"][1] == 0 and rates["gd"] == pytest.approx((kappa - 1) / (kappa + 1))
        lr, mu = p["underdamped"]
        assert all((1 + mu - lr * lam) ** 2 < 4 * mu for lam in (1 / kappa, 1.0)), "欠阻尼：两个方向的根都是复数"
        lr, mu = p["overdamped"]
        assert all((1 + mu - lr * lam) ** 2 > 4 * mu for lam in (1 / kappa, 1.0)), "过阻尼：两个方向的根都是实数"


def test_impossible_kappa_gives_a_message():
    m = momentum_map(kappa=0.5)
    assert m.rate.size == 0 and "不可能" in m.message
    assert "不可能" in momentum_map(kappa=float("nan")).message
    fig = momentum_map_figure(kappas=(0.5,))
    assert "没有可用的条件数" in _messages(fig)
    with pytest.raises(ValueError, match="至少需要一个特征值"):
        momentum_rate(lr=1.0, momentum=0.5, eigenvalues=())


def test_map_figure_menu_moves_the_chosen_point():
    fig = momentum_map_figure(kappas=(100,), lrs=np.linspace(0.1, 4, 12), momenta=(0.0, 0.5, 0.9))
    menu = fig.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == list(PRESETS.values())
    presets = momentum_presets(100.0)
    for button, key in zip(menu.buttons, PRESETS):
        data, indices = button.args
        where = [fig.data[i].name for i in indices].index("所选点（κ=100）")
        assert data["x"][where] == [round(presets[key][0], 4)] and data["y"][where] == [round(presets[key][1], 4)]
    best = next(t for t in fig.data if t.name == "最优点（κ=100）")
    assert best.x[0] == pytest.approx(optimal_momentum(100.0)[0], abs=1e-4)
    assert "ρ*=0.818" in _messages(fig).replace("<br>", "")


def test_divergent_momentum_stops_at_the_ceiling():
    loss = momentum_errors(lr=3.9, momentum=0.5, eigenvalues=(0.01, 1.0), steps=300, ceiling=1e2)
    assert np.all(np.isfinite(loss)) and loss.max() == pytest.approx(1e2)
    hit = _first_below(-loss[:, 1], -1e2 * (1 - 1e-12))
    assert np.all(loss[hit:, 1] == pytest.approx(1e2)), "发散的方向到顶后应停在上限"
    assert loss[-1, 0] < loss[0, 0], "另一个方向照常收敛"


def test_messages_name_the_slowest_direction():
    assert "λ = 0.05 决定" in eigen_errors(lr=0.7).message
    both = eigen_errors(lr=2 / 2.05).message
    assert "最优" in both and "λ = 0.05与λ = 2" in both.replace(" 与 ", "与")
    assert "一步就到最低点" in eigen_errors(eigenvalues=(2.0,), lr=0.5).message
