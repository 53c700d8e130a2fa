"""dlbook.optim：全书唯一的优化器登记表。"""

import pytest
import torch

from dlbook.optim import OPTIMIZERS, make_optimizer

EXPECTED = {
    "sgd": (torch.optim.SGD, {"momentum": 0, "nesterov": False}),
    "momentum": (torch.optim.SGD, {"momentum": 0.9, "nesterov": False}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (torch.optim.Adagrad, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
}


def test_registry_names_and_labels():
    assert list(OPTIMIZERS) == list(EXPECTED)
    labels = [spec.label for spec in OPTIMIZERS.values()]
    assert len(set(labels)) == len(labels) and all(labels)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_make_optimizer_builds_the_right_kind_with_the_learning_rate(name):
    cls, settings = EXPECTED[name]
    params = [torch.nn.Parameter(torch.zeros(2))]
    optimizer = make_optimizer(name, params, lr=0.03)
    assert type(optimizer) is cls
    group = optimizer.param_groups[0]
    assert group["lr"] == 0.03 and group["params"][0] is params[0]
    for key, value in settings.items():
        assert group[key] == value


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_optimizer_descends_on_a_bowl(name):
    w = torch.nn.Parameter(torch.tensor([3.0, -2.0]))
    optimizer = make_optimizer(name, [w], lr=0.05)
    start = float((w.detach() ** 2).sum())
    for _ in range(20):
        optimizer.zero_grad()
        (w**2).sum().backward()
        optimizer.step()
    assert float((w.detach() ** 2).sum()) < start


def test_unknown_optimizer_is_a_chinese_error():
    with pytest.raises(ValueError, match="未知的优化器 'lbfgs'.*adam"):
        make_optimizer("lbfgs", [torch.nn.Parameter(torch.zeros(1))], lr=0.1)
