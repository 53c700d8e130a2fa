"""书中反复用到的小模型：可配置的多层感知机与 LeNet 风格的小卷积网络（见 {ref}`sec-mnist`）。"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from dlbook.activations import activation_layer


def mlp(*, sizes: Sequence[int] = (784, 512, 256, 128, 64, 10), activation: str = "relu") -> nn.Sequential:
    """多层感知机：先展平，再是全连接层 + 激活，最后一层输出 logits（不加激活）（见 {ref}`sec-mnist`）。"""
    if len(sizes) < 2:
        raise ValueError(f"sizes 至少要有输入和输出两个数，收到 {list(sizes)}。")
    if any(s < 1 for s in sizes):
        raise ValueError(f"每层的宽度必须是正整数，收到 {list(sizes)}。")
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation_layer(activation))
    return nn.Sequential(*layers)


class SmallCNN(nn.Module):
    """两层卷积 + 两次最大池化 + 一个全连接层：28×28 → 10 × 12 × 12 → 20 × 4 × 4 = 320 → 10（见 {ref}`sec-mnist`）。"""

    def __init__(self, *, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 10, kernel_size=5),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Conv2d(10, 20, kernel_size=5),
            nn.MaxPool2d(2),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(320, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
