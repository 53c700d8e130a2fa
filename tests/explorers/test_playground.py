"""dlbook.explorers.playground 的测试：数据（sklearn 与手写异或）、手写反向传播、训练结果、静态图与实时面板的数值。

图能否构建、每一步是否改变画面、极端设置是否给出说明，由 ``test_contract.py`` 统一检查。
"""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_circles, make_moons
from torch import nn

from dlbook.activations import ACTIVATIONS, activation_layer
from dlbook.explorers.playground import (
    ARCHITECTURES,
    DATASETS,
    Playground,
    init_mlp,
    mlp_loss_and_grads,
    playground_figure,
    playground_panel,
    toy_dataset,
    train_playground,
)


@pytest.mark.parametrize("name", DATASETS)
def test_toy_dataset_shapes_balance_and_seed(name):
    x, y = toy_dataset(name, n=200, seed=3)
    assert x.shape == (200, 2) and y.shape == (200,)
    assert set(np.unique(y)) == {0, 1}
    assert 0.35 < y.mean() < 0.65
    assert 0.35 < y[:140].mean() < 0.65  # 打乱过：前 70% 的训练集里两类都有
    assert np.abs(x).max() <= 2.0
    x2, y2 = toy_dataset(name, n=200, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = toy_dataset(name, n=200, seed=4)
    assert not np.allclose(x, x3)


def test_moons_and_circles_are_sklearns_shifted_and_scaled():
    x, y = toy_dataset("moons", n=100, noise=0.0, seed=5)
    ref, ref_y = make_moons(n_samples=100, noise=0.0, random_state=5)
    np.testing.assert_allclose(x, (ref - [0.5, 0.25]) * 1.2, atol=1e-6)
    np.testing.assert_array_equal(y, ref_y)
    x, y = toy_dataset("circles", n=100, noise=0.0, seed=5)
    ref, ref_y = make_circles(n_samples=100, noise=0.0, factor=0.4, random_state=5)
    np.testing.assert_allclose(x, ref * 1.5, atol=1e-6)
    radius = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.5, atol=1e-5)  # 外圈是类别 0
    np.testing.assert_allclose(radius[y == 1], 0.6, atol=1e-5)


def test_xor_labels_follow_the_quadrants():
    x, y = toy_dataset("xor", n=400, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(int))


def test_toy_dataset_rejects_unknown_name():
    with pytest.raises(ValueError, match="未知的数据集"):
        toy_dataset("spiral")


def test_init_mlp_shapes_and_bounds():
    params = init_mlp(sizes=[2, 5, 3, 1], seed=0)
    assert [w.shape for w, _ in params] == [(5, 2), (3, 5), (1, 3)]
    assert [b.shape for _, b in params] == [(5,), (3,), (1,)]
    assert np.abs(params[0][0]).max() <= 1 / np.sqrt(2)
    assert np.abs(params[1][0]).max() <= 1 / np.sqrt(5)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_hand_written_backprop_matches_autograd(activation):
    params = init_mlp(sizes=[2, 4, 3, 1], seed=1)
    x, y = toy_dataset("moons", n=30, seed=1)
    x, y = x.astype(np.float64), y.astype(np.float64)
    loss, grads = mlp_loss_and_grads(params, x, y, activation=activation)

    tparams = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in params]
    act = activation_layer(activation)  # 同一个登记表里的 PyTorch 层
    h = torch.tensor(x)
    for w, b in tparams[:-1]:
        h = act(h @ w.T + b)
    logit = (h @ tparams[-1][0].T + tparams[-1][1])[:, 0]
    tloss = nn.functional.binary_cross_entropy_with_logits(logit, torch.tensor(y))
    tloss.backward()
    assert loss == pytest.approx(tloss.item(), rel=1e-10)
    for (gw, gb), (w, b) in zip(grads, tparams):
        np.testing.assert_allclose(gw, w.grad.numpy(), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_hidden_layer_beats_linear_model_on_moons():
    linear = train_playground(dataset="moons", hidden_layers=0, units=8)
    deep = train_playground(dataset="moons", hidden_layers=1, units=8, activation="tanh")
    assert isinstance(deep, Playground)
    assert deep.test_accuracy > 0.9
    assert deep.train_accuracy > linear.train_accuracy + 0.05
    assert deep.loss[-1] < deep.loss[0]


def test_circles_need_a_nonlinear_hidden_layer():
    linear = train_playground(dataset="circles", hidden_layers=0, units=0)
    no_act = train_playground(dataset="circles", hidden_layers=2, units=8, activation="linear")
    relu = train_playground(dataset="circles", hidden_layers=1, units=8, activation="relu")
    assert linear.train_accuracy < 0.7
    assert no_act.train_accuracy < 0.7  # 没有激活函数，叠几层都还是线性模型
    assert relu.train_accuracy > 0.95
    assert "线性" in no_act.summary


def test_result_grid_shapes_and_probabilities():
    r = train_playground(dataset="xor", hidden_layers=2, units=4, grid_size=17)
    assert r.prob.shape == (17, 17)
    assert np.all((r.prob >= 0) & (r.prob <= 1))
    assert r.n_params == (2 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    assert len(r.loss) == 300


@pytest.mark.parametrize("layers, units", [(0, 0), (0, 16), (3, 0), (0, 5)])
def test_zero_layers_or_units_give_a_linear_model(layers, units):
    r = train_playground(dataset="moons", hidden_layers=layers, units=units)
    assert r.linear and r.n_params == 3
    assert "线性模型" in r.summary


def test_extremes_are_clamped_not_raised():
    r = train_playground(dataset="circles", hidden_layers=4, units=16, activation="sigmoid", lr=50.0, epochs=50)
    assert np.all(np.isfinite(r.prob))
    assert "学习率 50" in r.message and "截断" in r.message
    r = train_playground(dataset="moons", epochs=0)
    assert len(r.loss) == 0 and 0.0 <= r.train_accuracy <= 1.0
    r = train_playground(hidden_layers=-1, units=10**6, epochs=10)
    assert r.linear and "隐藏层数" in r.message
    with pytest.raises(ValueError, match="激活函数"):
        train_playground(activation="swish")


def _trace(fig, name):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def test_figure_steps_match_the_compute_function():
    fig = playground_figure(grid_size=12, epochs=150)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(ARCHITECTURES)
    heat = fig.data.index(_trace(fig, "月牙 moons 概率"))
    first = np.asarray(steps[0].args[0]["z"][list(steps[0].args[2]).index(heat)])
    last = np.asarray(steps[-1].args[0]["z"][list(steps[-1].args[2]).index(heat)])
    assert first.shape == (12, 12)
    assert np.abs(first - last).max() > 0.1
    layers, units = ARCHITECTURES[-1]
    ref = train_playground(dataset="moons", hidden_layers=layers, units=units, grid_size=12, epochs=150)
    np.testing.assert_allclose(last, np.round(ref.prob, 3))
    assert f"月牙 {ref.test_accuracy:.0%}" in steps[-1].args[1]["title.text"].replace("<br>", "")
    # 数据集按钮：每次恰好显示一个数据集的三条曲线
    for button in fig.layout.updatemenus[0].buttons:
        assert sum(button.args[0]["visible"]) == 3
    assert len(fig.to_json()) < 1_500_000


def test_panel_updates_on_change():
    panel = playground_panel(units=1, epochs=100, grid_size=15)
    before = np.array(_trace(panel.figure, "概率").z, dtype=float)
    panel.controls["units"].value = 8
    after = np.array(_trace(panel.figure, "概率").z, dtype=float)
    assert np.abs(before - after).max() > 0.05
    points_before = np.array(_trace(panel.figure, "训练点").x, dtype=float)
    panel.controls["dataset"].value = "circles"
    assert not np.allclose(points_before, np.array(_trace(panel.figure, "训练点").x, dtype=float))
    panel.controls["hidden_layers"].value = 0
    assert "线性模型" in panel.message.value
    panel.controls["activation"].value = "leaky_relu"
    panel.controls["units"].value = 0
    assert panel.error is None
