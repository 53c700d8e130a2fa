"""dlbook.activations：全书唯一的激活函数登记表——PyTorch 层与 NumPy 公式必须一致。"""

import numpy as np
import pytest
import torch

from dlbook.activations import ACTIVATIONS, activation_layer, activation_values, get_activation


def test_activation_layer_gives_a_fresh_layer_of_the_registered_type():
    for name, spec in ACTIVATIONS.items():
        first, second = activation_layer(name), activation_layer(name)
        assert isinstance(first, spec.layer) and isinstance(first, torch.nn.Module)
        assert first is not second  # 每次一个新层，不会在网络之间共享
    assert isinstance(activation_layer("relu"), torch.nn.ReLU)
    assert isinstance(activation_layer("linear"), torch.nn.Identity)


def test_unknown_name_is_a_chinese_error_listing_the_choices():
    with pytest.raises(ValueError, match="未知的激活函数 'swish2'.*relu"):
        activation_layer("swish2")
    with pytest.raises(ValueError, match="可选"):
        get_activation("")


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_numpy_formula_and_derivative_match_the_torch_layer(name):
    # 避开 0（ReLU 类函数在 0 处不可导，按约定取左导数）
    x = np.array([-6.0, -2.5, -0.7, -0.01, 0.01, 0.3, 1.0, 4.0, 30.0])
    value, slope = activation_values(name, x)
    t = torch.tensor(x, requires_grad=True)
    layer = activation_layer(name).double()
    y = layer(t)
    y.sum().backward()
    np.testing.assert_allclose(value, y.detach().numpy(), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(slope, t.grad.numpy(), rtol=1e-7, atol=1e-12)


def test_labels_are_unique_and_sigmoid_does_not_overflow():
    labels = [a.label for a in ACTIVATIONS.values()]
    assert len(set(labels)) == len(labels)
    with np.errstate(over="raise"):
        value, slope = activation_values("sigmoid", np.array([-1000.0, 1000.0]))
    assert value.tolist() == [0.0, 1.0] and slope.tolist() == [0.0, 0.0]
