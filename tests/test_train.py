import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlbook.train import EarlyStopping, History, TrainState, accuracy, evaluate, fit


def _classification(n=200):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return DataLoader(TensorDataset(x, y), batch_size=20, shuffle=False)


def test_fit_learns_a_linear_boundary():
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    loader = _classification()
    history = fit(model, loader, epochs=5, optimizer=torch.optim.SGD(model.parameters(), lr=0.5),
                  loss_fn=nn.CrossEntropyLoss(), val_loader=loader)
    assert history.epochs == [1, 2, 3, 4, 5]
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_accuracy[-1] > 0.9
    assert evaluate(model, loader, loss_fn=nn.CrossEntropyLoss())["accuracy"] == pytest.approx(history.val_accuracy[-1])


def test_fit_regression_has_no_accuracy_and_follows_scheduler():
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 50).unsqueeze(1)
    loader = DataLoader(TensorDataset(x, 3 * x), batch_size=10)
    model = nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, loader, epochs=4, optimizer=opt, loss_fn=nn.MSELoss(),
                  scheduler=torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5))
    assert history.train_accuracy == []
    assert history.learning_rate == [0.1, 0.1, 0.05, 0.05]


def test_huge_learning_rate_stops_as_diverged():
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 50).unsqueeze(1)
    loader = DataLoader(TensorDataset(x, 3 * x), batch_size=10)
    model = nn.Linear(1, 1)
    history = fit(model, loader, epochs=50, optimizer=torch.optim.SGD(model.parameters(), lr=1e6), loss_fn=nn.MSELoss())
    assert history.diverged
    assert len(history.train_loss) < 50
    assert not math.isfinite(history.train_loss[-1])


class StopAfter:
    """只定义 on_epoch_end 的回调：第 n 个 epoch 后请求停止。"""

    def __init__(self, n):
        self.n = n

    def on_epoch_end(self, state):
        if state.epoch == self.n:
            state.request_stop("够了")


def test_callback_can_stop_after_an_epoch():
    model = nn.Linear(2, 2)
    history = fit(model, _classification(), epochs=10, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  loss_fn=nn.CrossEntropyLoss(), callbacks=[StopAfter(2)])
    assert len(history.train_loss) == 2
    assert history.stopped and history.stop_reason == "够了"


def test_empty_data_is_a_clear_error():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="空"):
        fit(model, [], epochs=1, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), loss_fn=nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="空"):
        evaluate(model, [], loss_fn=nn.CrossEntropyLoss())


class Recorder:
    """记下每个事件与当时的步数。"""

    def __init__(self, stop_at_step=None):
        self.events, self.losses, self.stop_at_step = [], [], stop_at_step

    def on_train_begin(self, state):
        self.events.append(("begin", state.step))

    def on_step(self, state):
        self.events.append(("step", state.step))
        self.losses.append(state.loss)
        if state.step == self.stop_at_step:
            state.request_stop("按了停止")

    def on_evaluate(self, state):
        self.events.append(("evaluate", state.step))

    def on_epoch_end(self, state):
        self.events.append(("epoch", state.epoch))

    def on_train_end(self, state):
        self.events.append(("end", state.step))


def _fit(model, loader, **kwargs):
    kwargs = {"epochs": 2, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
              "loss_fn": nn.CrossEntropyLoss(), **kwargs}
    return fit(model, loader, **kwargs)


def test_events_progress_and_per_step_loss():
    torch.manual_seed(0)
    model, loader, rec = nn.Linear(2, 2), _classification(), Recorder()
    history = _fit(model, loader, epochs=3, val_loader=loader, callbacks=[rec])
    steps = [s for kind, s in rec.events if kind == "step"]
    assert steps == list(range(1, 31))  # 200 个样本、批大小 20：每个 epoch 10 步
    assert rec.events[0] == ("begin", 0) and rec.events[-1] == ("end", 30)
    assert [e for kind, e in rec.events if kind == "epoch"] == [1, 2, 3]
    assert history.step_loss == rec.losses and all(math.isfinite(v) for v in rec.losses)
    # 每个 epoch 的训练损失是各步损失的平均（每批一样大）
    assert history.train_loss[0] == pytest.approx(sum(rec.losses[:10]) / 10)
    # 没有 eval_every 时每个 epoch 评估一次，在 epoch 结束时
    assert [p.step for p in history.evaluations] == [10, 20, 30]
    assert [p.val_loss for p in history.evaluations] == history.val_loss
    assert len(history.epoch_seconds) == 3 and all(t >= 0 for t in history.epoch_seconds)
    assert not history.stopped


def test_eval_every_gives_periodic_points_without_duplicates():
    torch.manual_seed(0)
    model, loader, rec = nn.Linear(2, 2), _classification(), Recorder()
    history = _fit(model, loader, epochs=2, val_loader=loader, eval_every=4, callbacks=[rec])
    # 每 4 步一次，外加每个 epoch 结束时（第 20 步两者重合，只评估一次）
    assert [p.step for p in history.evaluations] == [4, 8, 10, 12, 16, 20]
    assert [p.epoch for p in history.evaluations] == pytest.approx([0.4, 0.8, 1.0, 1.2, 1.6, 2.0])
    assert [s for kind, s in rec.events if kind == "evaluate"] == [4, 8, 10, 12, 16, 20]
    # 每个点的训练损失是自上一个点以来各步损失的平均
    assert history.evaluations[0].train_loss == pytest.approx(sum(history.step_loss[:4]) / 4)
    assert history.evaluations[2].train_loss == pytest.approx(sum(history.step_loss[8:10]) / 2)
    assert history.val_loss == [history.evaluations[2].val_loss, history.evaluations[5].val_loss]
    assert all(0 <= p.val_accuracy <= 1 for p in history.evaluations)


def test_stop_flag_from_a_step_stops_right_there():
    model, loader, rec = nn.Linear(2, 2), _classification(), Recorder(stop_at_step=13)
    history = _fit(model, loader, epochs=5, val_loader=loader, callbacks=[rec])
    assert len(history.step_loss) == 13
    assert history.stopped and history.stop_reason == "按了停止"
    assert len(history.train_loss) == 2 and len(history.val_loss) == 2  # 停下前的半个 epoch 也记了
    assert history.evaluations[-1].step == 13
    assert rec.events[-1] == ("end", 13)


def test_eval_every_needs_validation_data():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="val_loader"):
        _fit(model, _classification(), eval_every=3)
    with pytest.raises(ValueError, match="至少为 1"):
        _fit(model, _classification(), val_loader=_classification(), eval_every=0)


def test_accuracy_function():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [0.2, 0.1]])
    assert accuracy(logits, torch.tensor([0, 1, 1, 1])) == 0.5
    with pytest.raises(ValueError, match="类别下标"):
        accuracy(torch.zeros(4, 1), torch.zeros(4, 1))


# ---------------------------------------------------------------- EarlyStopping


def _scripted(values, monitor="val_loss", patience=2):
    """不训练：按给定的指标序列逐个 epoch 调用 EarlyStopping；每个 epoch 的“权重”就是 epoch 序号。"""
    model = nn.Linear(1, 1)
    state = TrainState(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), history=History(),
                       epochs=len(values), steps_per_epoch=1)
    stopper = EarlyStopping(patience=patience, monitor=monitor)
    stopper.on_train_begin(state)
    for epoch, value in enumerate(values, start=1):
        state.epoch = epoch
        getattr(state.history, monitor).append(value)
        with torch.no_grad():
            model.weight.fill_(epoch)
        stopper.on_epoch_end(state)
        if state.stop:
            break
    stopper.on_train_end(state)
    return stopper, state, model


def test_early_stopping_waits_patience_epochs_and_restores_best():
    stopper, state, model = _scripted([1.0, 0.5, 0.6, 0.7, 0.4, 0.3])
    assert state.stop and stopper.stopped_epoch == 4 and stopper.best_epoch == 2
    assert model.weight.item() == 2.0  # 恢复成第 2 个 epoch 的权重
    assert "第 2 个 epoch" in state.stop_reason


def test_early_stopping_on_accuracy_prefers_larger_values():
    stopper, state, model = _scripted([0.5, 0.7, 0.6, 0.9, 0.8, 0.85], monitor="val_accuracy", patience=2)
    assert state.stop and stopper.best_epoch == 4 and stopper.best_value == 0.9
    assert model.weight.item() == 4.0
    stopper, state, _ = _scripted([0.5, 0.6, 0.7, 0.8], monitor="val_accuracy", patience=1)
    assert not state.stop and stopper.best_epoch == 4


def test_early_stopping_ignores_nan_and_respects_min_delta():
    stopper, state, _ = _scripted([1.0, float("nan"), 0.9], patience=5)
    assert stopper.best_epoch == 3
    stopper = EarlyStopping(patience=1, min_delta=0.2)
    stopper.on_train_begin(None)
    assert stopper._improved(1.0)
    stopper.best_value = 1.0
    assert not stopper._improved(0.85) and stopper._improved(0.7)


def test_early_stopping_inside_fit_restores_the_best_validation_weights():
    # 验证集的目标与训练集相反：越学训练集，验证损失越大，所以第 1 个 epoch 最好
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 40).unsqueeze(1)
    train = DataLoader(TensorDataset(x, 3 * x), batch_size=10)
    val = DataLoader(TensorDataset(x, -3 * x), batch_size=40)
    model = nn.Linear(1, 1)
    stopper = EarlyStopping(patience=2)
    history = fit(model, train, epochs=20, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  loss_fn=nn.MSELoss(), val_loader=val, callbacks=[stopper])
    assert history.stopped and len(history.val_loss) == 3
    assert stopper.best_epoch == 1
    restored = evaluate(model, val, loss_fn=nn.MSELoss())["loss"]
    assert restored == pytest.approx(history.val_loss[0])
    assert restored < history.val_loss[-1]


def test_early_stopping_needs_what_it_monitors():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="val_loader"):
        _fit(model, _classification(), callbacks=[EarlyStopping(patience=1)])
    with pytest.raises(ValueError, match="monitor"):
        EarlyStopping(patience=1, monitor="val_acc")
    with pytest.raises(ValueError, match="不能为负"):
        EarlyStopping(patience=-1)
