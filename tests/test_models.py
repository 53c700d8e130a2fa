import pytest
import torch

from dlbook.models import SmallCNN, mlp


def test_seed_mlp_shapes_and_parameter_count():
    model = mlp()
    out = model(torch.zeros(4, 1, 28, 28))
    assert out.shape == (4, 10)
    sizes = [784, 512, 256, 128, 64, 10]
    expected = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    assert sum(p.numel() for p in model.parameters()) == expected
    assert isinstance(model[-1], torch.nn.Linear), "最后一层输出 logits，不加激活"


def test_mlp_activation_and_validation():
    assert isinstance(mlp(sizes=(4, 3, 2), activation="tanh")[2], torch.nn.Tanh)
    with pytest.raises(ValueError, match="未知的激活函数"):
        mlp(sizes=(4, 3, 2), activation="swish2")
    with pytest.raises(ValueError):
        mlp(sizes=(4,))
    with pytest.raises(ValueError):
        mlp(sizes=(4, 0, 2))


def test_small_cnn_has_320_features():
    model = SmallCNN()
    assert model.features(torch.zeros(2, 1, 28, 28)).flatten(1).shape == (2, 320)
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
