"""全书唯一的优化器登记表：名字 → 显示名与创建 ``torch.optim`` 优化器的函数（见 {ref}`sec-optimizers`）。

训练面板、基准测试、章节里的比较实验和优化器交互图（NumPy 实现）都用这里的名字与显示名。
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class OptimizerSpec:
    """一个优化器：显示名，以及 ``make(params, lr)`` 创建对应的 ``torch.optim`` 优化器（见 {ref}`sec-optimizers`）。"""

    label: str
    make: Callable[[Iterable, float], torch.optim.Optimizer]


OPTIMIZERS: dict[str, OptimizerSpec] = {
    "sgd": OptimizerSpec("SGD", lambda p, lr: torch.optim.SGD(p, lr=lr)),
    "momentum": OptimizerSpec("Momentum", lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9)),
    "nesterov": OptimizerSpec("Nesterov", lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True)),
    "adagrad": OptimizerSpec("AdaGrad", lambda p, lr: torch.optim.Adagrad(p, lr=lr)),
    "rmsprop": OptimizerSpec("RMSProp", lambda p, lr: torch.optim.RMSprop(p, lr=lr)),
    "adam": OptimizerSpec("Adam", lambda p, lr: torch.optim.Adam(p, lr=lr)),
    "adamw": OptimizerSpec("AdamW", lambda p, lr: torch.optim.AdamW(p, lr=lr)),
}


def make_optimizer(name: str, params: Iterable, *, lr: float) -> torch.optim.Optimizer:
    """按名字创建优化器，例如 ``make_optimizer("adam", model.parameters(), lr=1e-3)``（见 {ref}`sec-optimizers`）。"""
    try:
        spec = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"未知的优化器 {name!r}，可选：{'、'.join(OPTIMIZERS)}。") from None
    return spec.make(params, lr)
