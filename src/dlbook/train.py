"""通用的训练循环 fit 与评估 evaluate（见 {ref}`sec-linear-regression`）。"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class History:
    """训练过程的记录：每个 epoch 的训练/验证损失与准确率（见 {ref}`sec-linear-regression`）。"""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    diverged: bool = False

    @property
    def epochs(self) -> list[int]:
        return list(range(1, len(self.train_loss) + 1))


def _accuracy_count(outputs: torch.Tensor, targets: torch.Tensor) -> int | None:
    """分类任务（输出 [N, C]、目标是类别下标）时返回预测正确的个数，否则返回 None。"""
    if outputs.dim() == 2 and outputs.shape[1] > 1 and targets.dim() == 1 and not targets.is_floating_point():
        return int((outputs.argmax(dim=1) == targets).sum())
    return None


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """在一个数据集上计算平均损失与（分类时的）准确率，不更新参数（见 {ref}`sec-linear-regression`）。"""
    was_training = model.training
    model.eval()
    total_loss, total_correct, total, is_classification = 0.0, 0, 0, True
    for inputs, targets in loader:
        if device is not None:
            inputs, targets = inputs.to(device), targets.to(device)
        outputs = model(inputs)
        total_loss += float(loss_fn(outputs, targets)) * len(targets)
        correct = _accuracy_count(outputs, targets)
        if correct is None:
            is_classification = False
        else:
            total_correct += correct
        total += len(targets)
    model.train(was_training)
    if total == 0:
        raise ValueError("评估用的数据集是空的（0 个样本）。")
    result = {"loss": total_loss / total}
    if is_classification:
        result["accuracy"] = total_correct / total
    return result


def fit(
    model: nn.Module,
    train_loader: Iterable,
    *,
    epochs: int,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    val_loader: Iterable | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    device: torch.device | str | None = None,
    on_epoch_end: Callable[[int, History], bool | None] | None = None,
) -> History:
    """训练 ``epochs`` 轮，返回每轮的损失/准确率记录；损失变成 nan/inf 时停止并标记发散（见 {ref}`sec-linear-regression`）。

    ``on_epoch_end(epoch, history)`` 在每轮结束时调用；它返回 ``True`` 就提前停止训练。
    """
    if epochs < 0:
        raise ValueError(f"epochs 必须是非负整数，收到 {epochs}。")
    history = History()
    if device is not None:
        model.to(device)
    for epoch in range(1, epochs + 1):
        model.train()
        total_loss, total_correct, total, is_classification = 0.0, 0, 0, True
        for inputs, targets in train_loader:
            if device is not None:
                inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(targets)
            correct = _accuracy_count(outputs.detach(), targets)
            if correct is None:
                is_classification = False
            else:
                total_correct += correct
            total += len(targets)
        if total == 0:
            raise ValueError("训练用的数据集是空的（0 个样本）。")
        history.learning_rate.append(optimizer.param_groups[0]["lr"])
        history.train_loss.append(total_loss / total)
        if is_classification:
            history.train_accuracy.append(total_correct / total)
        if val_loader is not None:
            result = evaluate(model, val_loader, loss_fn=loss_fn, device=device)
            history.val_loss.append(result["loss"])
            if "accuracy" in result:
                history.val_accuracy.append(result["accuracy"])
        if scheduler is not None:
            scheduler.step()
        if not math.isfinite(history.train_loss[-1]):
            history.diverged = True
            break
        if on_epoch_end is not None and on_epoch_end(epoch, history):
            break
    return history
