"""dlbook.explorers.bptt 的测试：谱半径缩放正确，手写的反向传播与自动求导一致，
静态图的每一步画的正是纯计算函数的结果，溢出与极端参数给出说明而不抛异常。"""

import numpy as np
import pytest
import torch

from dlbook.explorers.bptt import (
    CELLS,
    HIDDEN,
    INPUT,
    _problem,
    _trace_name,
    bptt_figure,
    bptt_panel,
    gradient_through_time,
    scaled_recurrent,
)
from dlbook.interactive import MESSAGE


def _messages(fig) -> str:
    return " ".join(a.text or "" for a in fig.layout.annotations if a.name == MESSAGE and a.visible is not False)


@pytest.mark.parametrize("radius", [0.3, 1.0, 2.5])
def test_recurrent_matrix_has_the_requested_spectral_radius(radius):
    w = scaled_recurrent(size=HIDDEN, radius=radius, seed=3)
    assert np.max(np.abs(np.linalg.eigvals(w))) == pytest.approx(radius, rel=1e-10)
    np.testing.assert_array_equal(w, scaled_recurrent(size=HIDDEN, radius=radius, seed=3))


def _autograd_norms(cell: str, length: int, radius: float, seed: int = 0) -> np.ndarray:
    """用 nn.RNNCell 与自动求导独立地再算一遍 ‖∂L/∂h_t‖。"""
    xs, w_xh, bias, u = _problem(length, seed)
    rnn = torch.nn.RNNCell(INPUT, HIDDEN, nonlinearity=cell).double()
    with torch.no_grad():
        rnn.weight_hh.copy_(torch.from_numpy(scaled_recurrent(size=HIDDEN, radius=radius, seed=seed)))
        rnn.weight_ih.copy_(torch.from_numpy(w_xh))
        rnn.bias_ih.copy_(torch.from_numpy(bias))
        rnn.bias_hh.zero_()
    h, states = torch.zeros(1, HIDDEN, dtype=torch.float64), []
    for x in torch.from_numpy(xs):
        h = rnn(x.unsqueeze(0), h)
        h.retain_grad()
        states.append(h)
    (h @ torch.from_numpy(u)).sum().backward()
    return np.array([s.grad.norm().item() for s in states])


@pytest.mark.parametrize("cell", ["tanh", "relu"])
@pytest.mark.parametrize("radius", [0.6, 1.0, 1.6])
def test_hand_written_backward_matches_autograd(cell, radius):
    result = gradient_through_time(length=25, radius=radius, cell=cell)
    np.testing.assert_allclose(result.norms, _autograd_norms(cell, 25, radius), rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("cell", list(CELLS))
def test_gradient_at_the_last_step_is_the_readout_vector(cell):
    result = gradient_through_time(length=12, radius=0.9, cell=cell)
    assert result.norms[-1] == pytest.approx(1.0)  # ∂(uᵀh_T)/∂h_T = u，‖u‖ = 1
    assert result.norms.shape == (12,) and result.steps.tolist() == list(range(1, 13))


def test_small_radius_vanishes_and_large_relu_radius_explodes():
    small = gradient_through_time(length=60, radius=0.5, cell="tanh").norms
    assert small[0] < 1e-12 * small[-1]
    big = gradient_through_time(length=60, radius=2.0, cell="relu").norms
    assert big[0] > 1e6 * big[-1]


def test_lstm_keeps_more_gradient_than_tanh_at_the_same_radius():
    tanh = gradient_through_time(length=100, radius=1.0, cell="tanh").norms
    lstm = gradient_through_time(length=100, radius=1.0, cell="lstm").norms
    assert lstm[0] > 1e6 * tanh[0]


def test_overflow_gives_a_message_not_an_exception():
    result = gradient_through_time(length=400, radius=10.0, cell="relu")
    assert result.exploded and "inf" in result.message
    assert np.isnan(result.norms[0]) and result.norms[-1] == pytest.approx(1.0)


def test_out_of_range_settings_are_clamped_and_said():
    result = gradient_through_time(length=1, radius=0.0)
    assert result.length == 2 and result.radius == 0.05
    assert "序列长度" in result.message and "谱半径" in result.message
    assert gradient_through_time(radius=float("nan")).radius == 1.0
    with pytest.raises(ValueError, match="未知的单元"):
        gradient_through_time(cell="gru")


def test_each_radius_step_draws_exactly_the_computed_curves():
    fig = bptt_figure(lengths=(10, 20), radii=(0.5, 2.0), radius=0.5)
    radius_slider = fig.layout.sliders[0]
    assert [s.label for s in radius_slider.steps] == ["0.5", "2"]
    data, indices = radius_slider.steps[1].args[0], radius_slider.steps[1].args[2]
    for k, i in enumerate(indices):
        name = fig.data[i].name
        cell = next(c for c in CELLS if _trace_name(c, 10) == name or _trace_name(c, 20) == name)
        length = 10 if name.endswith("T=10") else 20
        expected = gradient_through_time(length=length, radius=2.0, cell=cell).norms
        np.testing.assert_allclose(np.array(data["y"][k], dtype=float), expected, rtol=5e-3)


def test_figure_at_an_overflowing_setting_says_so():
    fig = bptt_figure(lengths=(400,), radii=(10.0,), radius=10.0)
    assert "inf" in _messages(fig)


def test_panel_follows_its_controls():
    panel = bptt_panel(length=20)
    before = list(panel.figure.data[0].y)
    panel.controls["radius"].value = 2.0
    assert list(panel.figure.data[0].y) != before
    panel.controls["cell"].value = "lstm"
    assert panel.figure.data[0].name == "LSTM" and panel.error is None
