"""全书唯一的训练循环 fit、评估 evaluate 与准确率 accuracy，以及回调 EarlyStopping（见 {ref}`sec-linear-regression`）。

``fit`` 在训练过程中的几个时刻通知回调对象（``callbacks=[...]``）；回调对象只需定义自己关心的方法：

- ``on_train_begin(state)``：开始训练前；
- ``on_step(state)``：每个小批量更新之后（``state.loss`` 是这一步的损失，``state.step`` 是已完成的步数）；
- ``on_evaluate(state)``：每次在验证集上评估之后（``state.last_evaluation``）；
- ``on_epoch_end(state)``：每个 epoch 结束、记录写进 ``state.history`` 之后；
- ``on_train_end(state)``：训练结束时（包括提前停止和发散）。

任何回调都可以调用 ``state.request_stop("原因")``，``fit`` 会在当前这一步之后停下。
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Evaluation:
    """训练中的一次评估：第几步（也折算成 epoch）、自上次评估以来的平均训练损失、验证损失与准确率（见 {ref}`sec-linear-regression`）。"""

    step: int
    epoch: float
    train_loss: float
    val_loss: float
    val_accuracy: float | None


@dataclass
class History:
    """训练过程的记录：每个 epoch 的损失/准确率/学习率/用时，每一步的损失与每次评估（见 {ref}`sec-linear-regression`）。"""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    diverged: bool = False
    stopped: bool = False
    stop_reason: str = ""

    @property
    def epochs(self) -> list[int]:
        return list(range(1, len(self.train_loss) + 1))


@dataclass
class TrainState:
    """``fit`` 交给回调的当前状态：模型、优化器、记录、进度，以及停止标志（见 {ref}`sec-linear-regression`）。"""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    history: History
    epochs: int
    steps_per_epoch: int | None
    epoch: int = 0
    step: int = 0
    loss: float = math.nan
    last_evaluation: Evaluation | None = None
    stop: bool = False
    stop_reason: str = ""

    @property
    def total_steps(self) -> int | None:
        """全部训练的步数（数据集长度未知时为 None）。"""
        return None if self.steps_per_epoch is None else self.epochs * self.steps_per_epoch

    @property
    def epoch_progress(self) -> float:
        """已训练的 epoch 数，可以是小数（例如 1.5 表示第二个 epoch 过了一半）。"""
        if not self.steps_per_epoch:
            return float(self.epoch)
        return self.step / self.steps_per_epoch

    def request_stop(self, reason: str = "") -> None:
        """请求 ``fit`` 在当前这一步之后停下。"""
        self.stop = True
        self.stop_reason = self.stop_reason or reason


def correct_count(outputs: torch.Tensor, targets: torch.Tensor) -> int | None:
    """分类任务（输出 [N, C]、目标是类别下标）时返回预测正确的个数，否则返回 None（见 {ref}`sec-linear-regression`）。"""
    if outputs.dim() == 2 and outputs.shape[1] > 1 and targets.dim() == 1 and not targets.is_floating_point():
        return int((outputs.argmax(dim=1) == targets).sum())
    return None


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """一批分类输出（logits [N, C]）相对类别下标的准确率（见 {ref}`sec-linear-regression`）。"""
    correct = correct_count(outputs, targets)
    if correct is None:
        raise ValueError(f"准确率要求输出形如 [N, C]、目标是类别下标；收到 {tuple(outputs.shape)} 与 {tuple(targets.shape)}。")
    if len(targets) == 0:
        raise ValueError("准确率：没有样本（0 个）。")
    return correct / len(targets)


class _Totals:
    """累加一段数据上的损失和与正确个数。"""

    def __init__(self) -> None:
        self.loss, self.correct, self.count, self.classification = 0.0, 0, 0, True

    def add(self, loss: float, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        correct = correct_count(outputs, targets)
        self.classification = self.classification and correct is not None
        self.correct += correct or 0
        self.loss += loss * len(targets)
        self.count += len(targets)

    def mean_loss(self) -> float:
        return self.loss / self.count

    def accuracy(self) -> float | None:
        return self.correct / self.count if self.classification else None


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    *,
    loss_fn: LossFn,
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """在一个数据集上计算平均损失与（分类时的）准确率，不更新参数（见 {ref}`sec-linear-regression`）。"""
    was_training = model.training
    model.eval()
    totals = _Totals()
    for inputs, targets in loader:
        if device is not None:
            inputs, targets = inputs.to(device), targets.to(device)
        outputs = model(inputs)
        totals.add(float(loss_fn(outputs, targets)), outputs, targets)
    model.train(was_training)
    if totals.count == 0:
        raise ValueError("评估用的数据集是空的（0 个样本）。")
    result = {"loss": totals.mean_loss()}
    if totals.accuracy() is not None:
        result["accuracy"] = totals.accuracy()
    return result


def _notify(callbacks: Sequence[Any], event: str, state: TrainState) -> None:
    for callback in callbacks:
        method = getattr(callback, event, None)
        if method is not None:
            method(state)


def _synchronize(model: nn.Module) -> None:
    """GPU 上的计算是异步的：计时前等它算完。"""
    param = next(model.parameters(), None)
    if param is not None and param.device.type == "cuda":
        torch.cuda.synchronize(param.device)


@dataclass
class _Run:
    """一次 fit 调用的固定参数（让各个小函数不必传一长串参数）。"""

    state: TrainState
    loader: Iterable
    loss_fn: LossFn
    val_loader: Iterable | None
    device: torch.device | str | None
    eval_every: int | None
    callbacks: Sequence[Any]
    recent: list[float] = field(default_factory=list)  # 自上次评估以来每一步的损失
    eval_seconds: float = 0.0

    def evaluate_now(self) -> Evaluation:
        """在验证集上评估一次，记进 history.evaluations 并通知回调；返回这次评估。"""
        state = self.state
        _synchronize(state.model)
        start = time.perf_counter()
        result = evaluate(state.model, self.val_loader, loss_fn=self.loss_fn, device=self.device)
        self.eval_seconds += time.perf_counter() - start
        train_loss = sum(self.recent) / len(self.recent) if self.recent else math.nan
        self.recent = []
        point = Evaluation(state.step, state.epoch_progress, train_loss, result["loss"], result.get("accuracy"))
        state.history.evaluations.append(point)
        state.last_evaluation = point
        _notify(self.callbacks, "on_evaluate", state)
        return point

    def train_step(self, inputs: torch.Tensor, targets: torch.Tensor, totals: _Totals) -> None:
        state = self.state
        if self.device is not None:
            inputs, targets = inputs.to(self.device), targets.to(self.device)
        outputs = state.model(inputs)
        loss = self.loss_fn(outputs, targets)
        state.optimizer.zero_grad()
        loss.backward()
        state.optimizer.step()
        state.step += 1
        state.loss = loss.item()
        state.history.step_loss.append(state.loss)
        self.recent.append(state.loss)
        totals.add(state.loss, outputs.detach(), targets)
        _notify(self.callbacks, "on_step", state)
        if self.eval_every is not None and state.step % self.eval_every == 0 and not state.stop:
            self.evaluate_now()

    def run_epoch(self) -> _Totals:
        """训练一个 epoch（停止标志一出现就停），返回这一段的累计。"""
        totals = _Totals()
        _synchronize(self.state.model)
        start, self.eval_seconds = time.perf_counter(), 0.0
        self.state.model.train()
        for inputs, targets in self.loader:
            self.train_step(inputs, targets, totals)
            if self.state.stop:
                break
        _synchronize(self.state.model)
        self.state.history.epoch_seconds.append(time.perf_counter() - start - self.eval_seconds)
        return totals

    def finish_epoch(self, totals: _Totals) -> None:
        """把一个 epoch（或停下前的那一段）的结果写进记录。"""
        state, history = self.state, self.state.history
        history.learning_rate.append(state.optimizer.param_groups[0]["lr"])
        history.train_loss.append(totals.mean_loss())
        if totals.accuracy() is not None:
            history.train_accuracy.append(totals.accuracy())
        if self.val_loader is not None:
            last = history.evaluations[-1] if history.evaluations else None
            point = last if last is not None and last.step == state.step else self.evaluate_now()
            history.val_loss.append(point.val_loss)
            if point.val_accuracy is not None:
                history.val_accuracy.append(point.val_accuracy)


def _check_arguments(epochs: int, eval_every: int | None, val_loader: Iterable | None) -> None:
    if epochs < 0:
        raise ValueError(f"epochs 必须是非负整数，收到 {epochs}。")
    if eval_every is not None and eval_every < 1:
        raise ValueError(f"eval_every（每隔多少步评估一次）至少为 1，收到 {eval_every}。")
    if eval_every is not None and val_loader is None:
        raise ValueError("设置了 eval_every，却没有给 val_loader：没有可以评估的数据。")


def fit(
    model: nn.Module,
    train_loader: Iterable,
    *,
    epochs: int,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    val_loader: Iterable | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    device: torch.device | str | None = None,
    eval_every: int | None = None,
    callbacks: Sequence[Any] = (),
) -> History:
    """训练 ``epochs`` 轮并返回记录；每轮（或每 ``eval_every`` 步）在验证集上评估，回调可以看进度、提前停止（见 {ref}`sec-linear-regression`）。

    一个 epoch 的平均训练损失变成 nan/inf 时停止并标记 ``history.diverged``。
    """
    _check_arguments(epochs, eval_every, val_loader)
    if device is not None:
        model.to(device)
    steps = len(train_loader) if hasattr(train_loader, "__len__") else None
    state = TrainState(model=model, optimizer=optimizer, history=History(), epochs=epochs, steps_per_epoch=steps)
    run = _Run(state, train_loader, loss_fn, val_loader, device, eval_every, list(callbacks))
    _notify(run.callbacks, "on_train_begin", state)
    for epoch in range(1, epochs + 1):
        state.epoch = epoch
        totals = run.run_epoch()
        if totals.count == 0:
            raise ValueError("训练用的数据集是空的（0 个样本）。")
        run.finish_epoch(totals)
        if scheduler is not None:
            scheduler.step()
        if not math.isfinite(state.history.train_loss[-1]):
            state.history.diverged = True
            state.request_stop(f"第 {epoch} 个 epoch 的训练损失变成了 {state.history.train_loss[-1]}（发散）。")
        _notify(run.callbacks, "on_epoch_end", state)
        if state.stop:
            break
    state.history.stopped, state.history.stop_reason = state.stop, state.stop_reason
    _notify(run.callbacks, "on_train_end", state)
    return state.history


class EarlyStopping:
    """提前停止：监视的指标连续 ``patience`` 个 epoch 没有改进就停下，并恢复最好的那一轮的权重（见 {ref}`sec-regularization`）。

    ``monitor`` 是 History 里的一个列表名：``"val_loss"``、``"train_loss"`` 越小越好，
    ``"val_accuracy"``、``"train_accuracy"`` 越大越好。改进要超过 ``min_delta`` 才算数。
    """

    MONITORS = ("val_loss", "val_accuracy", "train_loss", "train_accuracy")

    def __init__(
        self, *, patience: int, monitor: str = "val_loss", min_delta: float = 0.0, restore_best: bool = True
    ) -> None:
        if monitor not in self.MONITORS:
            raise ValueError(f"EarlyStopping 不认识 monitor={monitor!r}，可选：{'、'.join(self.MONITORS)}。")
        if patience < 0 or min_delta < 0:
            raise ValueError(f"patience 与 min_delta 不能为负，收到 patience={patience}、min_delta={min_delta}。")
        self.patience, self.monitor, self.min_delta, self.restore_best = patience, monitor, min_delta, restore_best
        self.on_train_begin(None)

    def on_train_begin(self, _state: TrainState | None) -> None:
        self.best_value: float | None = None
        self.best_epoch: int | None = None
        self.best_weights: dict[str, torch.Tensor] | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best_value is None:
            return True
        if self.monitor.endswith("loss"):
            return value < self.best_value - self.min_delta
        return value > self.best_value + self.min_delta

    def on_epoch_end(self, state: TrainState) -> None:
        values = getattr(state.history, self.monitor)
        if not values:
            raise ValueError(
                f"EarlyStopping 要监视 {self.monitor}，但这次训练没有记录它"
                + ("：请给 fit 传入 val_loader。" if self.monitor.startswith("val") else "（不是分类任务？）。")
            )
        if self._improved(values[-1]):
            self.best_value, self.best_epoch, self.wait = values[-1], state.epoch, 0
            self.best_weights = copy.deepcopy(state.model.state_dict())
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = state.epoch
            state.request_stop(
                f"{self.monitor} 连续 {self.wait} 个 epoch 没有改进，在第 {state.epoch} 个 epoch 后提前停止；"
                f"最好的是第 {self.best_epoch} 个 epoch（{self.best_value:.4g}）。"
            )

    def on_train_end(self, state: TrainState) -> None:
        if self.restore_best and self.best_weights is not None:
            state.model.load_state_dict(self.best_weights)


__all__ = [
    "EarlyStopping",
    "Evaluation",
    "History",
    "TrainState",
    "accuracy",
    "correct_count",
    "evaluate",
    "fit",
]
