"""dlbook.explorers.descent1d 的测试：梯度下降路径的数值性质、静态图与实时面板（通用部分见 test_contract.py）。"""

import numpy as np
import pytest
import torch

from dlbook.explorers.descent1d import FUNCTIONS, descent1d_figure, descent1d_panel, descent_path


def test_quadratic_path_matches_closed_form():
    # L = 2w² + 10，L' = 4w，所以 w_k = w_0 (1 − 4η)^k
    path = descent_path("quadratic", lr=0.1, start=4.0, steps=10)
    expected = 4.0 * (1 - 4 * 0.1) ** np.arange(11)
    np.testing.assert_allclose(path.w, expected, rtol=1e-12)
    np.testing.assert_allclose(path.loss, 2 * expected**2 + 10, rtol=1e-12)
    assert not path.diverged


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_gradients_match_autograd(name):
    spec = FUNCTIONS[name]
    for w0 in (-1.7, -0.3, 0.4, 1.9):
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        spec.value(w).backward()
        assert float(spec.grad(np.float64(w0))) == pytest.approx(float(w.grad), rel=1e-12)


def test_one_step_is_a_gradient_step():
    path = descent_path("double_well", lr=0.03, start=2.0, steps=1)
    w0 = 2.0
    assert path.w[1] == pytest.approx(w0 - 0.03 * (4 * w0**3 - 6 * w0 + 1))


def test_small_learning_rate_decreases_loss_and_large_one_diverges():
    good = descent_path("quadratic", lr=0.05, start=4.0, steps=30)
    assert np.all(np.diff(good.loss) < 0)
    assert good.w[-1] == pytest.approx(4.0 * 0.8**30)
    bad = descent_path("quadratic", lr=2.0, start=4.0, steps=50)
    assert bad.diverged
    assert np.all(np.isfinite(bad.w)) and len(bad.w) < 51
    assert "发散" in bad.message
    growing = descent_path("quadratic", lr=0.55, start=4.0, steps=20)
    assert growing.loss[-1] > growing.loss[0] and "太大" in growing.message


def test_double_well_start_and_lr_choose_the_minimum():
    slow = descent_path("double_well", lr=0.01, start=2.0, steps=200)
    fast = descent_path("double_well", lr=0.1, start=2.0, steps=200)
    assert slow.w[-1] == pytest.approx(1.1309, abs=1e-3)  # 右边的局部极小
    assert fast.w[-1] == pytest.approx(-1.3008, abs=1e-3)  # 左边的全局极小


def test_extremes_do_not_raise():
    for lr in (0.0, 1e-9, 1e6, 1e300):
        path = descent_path("quartic", lr=lr, start=1.5, steps=20)
        assert np.all(np.isfinite(path.w))
    assert len(descent_path(lr=0.1, start=4.0, steps=0).w) == 1


def test_unknown_function_raises_but_bad_numbers_are_clamped():
    with pytest.raises(ValueError, match="未知的函数"):
        descent_path("cubic", lr=0.1, start=0.0, steps=3)
    negative = descent_path(lr=-0.1, start=4.0, steps=3)
    assert negative.lr == 0.0 and "截断" in negative.message
    np.testing.assert_array_equal(negative.w, [4.0] * 4)  # η = 0：一步也不动
    no_steps = descent_path(lr=0.1, start=4.0, steps=-1)
    assert no_steps.steps == 0 and len(no_steps.w) == 1 and "截断" in no_steps.message
    nan_start = descent_path(lr=0.1, start=float("nan"), steps=2)
    assert nan_start.start == 4.0 and "nan" in nan_start.message


def test_figure_slider_steps_address_traces_by_name():
    fig = descent1d_figure(function="quadratic", lrs=[0.05, 0.2, 0.6], steps=15)
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["0.05", "0.2", "0.6"]
    for s in steps:
        assert [fig.data[i].name for i in s.args[2]] == ["w 的路径", "损失"]
    assert steps[0].args[0]["x"][0][1] == pytest.approx(4.0 * 0.8)
    assert "发散" in steps[2].args[1]["title.text"]
    # 初始状态就是选中的那一步
    active = fig.layout.sliders[0].active
    assert list(fig.data[1].x) == list(steps[active].args[0]["x"][0])
    assert len(fig.to_json()) < 1_500_000


def test_figure_title_lines_are_short_enough_for_a_phone():
    fig = descent1d_figure(function="quadratic", lrs=[0.55], steps=20)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) > 1 and max(len(line) for line in lines) <= 30


def test_panel_reacts_to_controls():
    panel = descent1d_panel(function="quadratic", lr=0.05, steps=10)
    before = list(panel.figure.data[1].x)
    panel.controls["lr"].value = 0.2
    after = list(panel.figure.data[1].x)
    assert before != after
    assert after[1] == pytest.approx(4.0 * (1 - 4 * 0.2))
    panel.controls["function"].value = "double_well"
    assert "w⁴" in panel.figure.layout.annotations[0].text
    panel.controls["lr"].value = panel.controls["lr"].max  # 极端的学习率：不抛异常，提示发散
    assert "太大" in panel.message.value
