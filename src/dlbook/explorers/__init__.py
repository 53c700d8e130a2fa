"""全书交互图的登记表（见 {ref}`sec-activations`）。

每个交互图模块定义一个（或几个）:class:`dlbook.interactive.Explorer`，在这里登记一次；
``tests/explorers/test_contract.py`` 对登记表里的每一项运行同一个契约测试。
登记表只保存“模块:名字”，用到时才导入，所以导入本包很快、没有副作用。
"""

from __future__ import annotations

import importlib

from dlbook.interactive import Explorer

#: 交互图的名字 → ``模块:属性``（属性是一个 :class:`~dlbook.interactive.Explorer`）
EXPLORERS: dict[str, str] = {
    "activations": "dlbook.explorers.activations:EXPLORER",
    "initialization": "dlbook.explorers.initialization:EXPLORER",
    "descent1d": "dlbook.explorers.descent1d:EXPLORER",
    "losses": "dlbook.explorers.losses:LOSS_EXPLORER",
    "outlier_fit": "dlbook.explorers.losses:OUTLIER_EXPLORER",
    "logistic": "dlbook.explorers.logistic:EXPLORER",
    "convolution": "dlbook.explorers.convolution:EXPLORER",
    "lr_schedules": "dlbook.explorers.lr_schedules:EXPLORER",
    "playground": "dlbook.explorers.playground:EXPLORER",
    "regularization": "dlbook.explorers.regularization:EXPLORER",
    "optimizers": "dlbook.explorers.optimizers:EXPLORER",
    "bptt": "dlbook.explorers.bptt:EXPLORER",
    "eigen_errors": "dlbook.explorers.quadratic:EIGEN_EXPLORER",
    "momentum_map": "dlbook.explorers.quadratic:MOMENTUM_EXPLORER",
}

__all__ = ["EXPLORERS", "get_explorer", "all_explorers"]


def get_explorer(name: str) -> Explorer:
    """按名字取出一个登记过的交互图。"""
    try:
        target = EXPLORERS[name]
    except KeyError:
        raise ValueError(f"没有登记名为 {name!r} 的交互图，已登记：{'、'.join(EXPLORERS)}。") from None
    module, attr = target.split(":")
    explorer = getattr(importlib.import_module(module), attr)
    if explorer.name != name:
        raise ValueError(f"登记表里的 {name!r} 指向的交互图自称 {explorer.name!r}。")
    return explorer


def all_explorers() -> dict[str, Explorer]:
    """全部登记过的交互图（按登记顺序）。"""
    return {name: get_explorer(name) for name in EXPLORERS}
