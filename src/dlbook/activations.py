"""全书唯一的激活函数登记表：名字 → 显示名、PyTorch 层与 NumPy 公式（见 {ref}`sec-activations`）。

交互图（NumPy 计算）、小模型（``nn.Module``）和训练面板都从这里按名字取激活函数，
所以名字和显示名只写一次。
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

#: NumPy 公式：输入 x（与 Leaky ReLU 的负半轴斜率），返回 (f(x), f'(x))
Formula = Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray]]


def _sigmoid(x: np.ndarray, _slope: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    # σ(x) = (1 + tanh(x/2)) / 2：与 1/(1+e^{-x}) 相等，但对很大的 |x| 不会溢出。
    s = 0.5 * (1.0 + np.tanh(0.5 * x))
    return s, s * (1.0 - s)


def _tanh(x: np.ndarray, _slope: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.tanh(x)
    return t, 1.0 - t**2


def _relu(x: np.ndarray, _slope: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    # 与 PyTorch 一致：x = 0 处的导数取 0
    return np.maximum(x, 0.0), (x > 0).astype(x.dtype if x.dtype.kind == "f" else float)


def _leaky_relu(x: np.ndarray, slope: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    # 与 PyTorch 一致：x = 0 处的导数取负半轴的斜率
    return np.where(x > 0, x, slope * x), np.where(x > 0, 1.0, slope)


def _identity(x: np.ndarray, _slope: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    return x, np.ones_like(x)


@dataclass(frozen=True)
class Activation:
    """一个激活函数：显示名、对应的 PyTorch 层与 NumPy 公式（见 {ref}`sec-activations`）。"""

    label: str
    layer: type[nn.Module]
    formula: Formula


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("Sigmoid", nn.Sigmoid, _sigmoid),
    "tanh": Activation("tanh", nn.Tanh, _tanh),
    "relu": Activation("ReLU", nn.ReLU, _relu),
    "leaky_relu": Activation("Leaky ReLU", nn.LeakyReLU, _leaky_relu),
    "linear": Activation("无（恒等）", nn.Identity, _identity),
}


def get_activation(name: str) -> Activation:
    """按名字取激活函数；未知名字抛出中文 ``ValueError``（见 {ref}`sec-activations`）。"""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"未知的激活函数 {name!r}，可选：{'、'.join(ACTIVATIONS)}。") from None


def activation_layer(name: str) -> nn.Module:
    """按名字返回一个新的激活层，例如 ``activation_layer("relu")`` → ``nn.ReLU()``（见 {ref}`sec-activations`）。"""
    return get_activation(name).layer()


def activation_values(name: str, x: np.ndarray, *, slope: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """用 NumPy 计算激活值 f(x) 与闭式导数 f'(x)（见 {ref}`sec-activations`）。"""
    return get_activation(name).formula(np.asarray(x, dtype=float), slope)
