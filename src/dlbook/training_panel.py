"""手写数字的实时训练面板：调超参数、按“开始”，看损失与准确率曲线一点点长出来（见 {ref}`sec-mnist`）。

- :class:`TrainingPanel` 建在交互图共用的 :class:`dlbook.interactive.LivePanel` 上：训练用 ``dlbook.train.fit``
  在后台线程里跑，随时可以按“停止”，停下后 ``panel.model`` 仍是一个可以直接使用的模型；
- :meth:`TrainingPanel.run` 在当前线程里同步训练，供测试和静态书使用；
- :func:`training_curves_figure` 把一次训练的记录画成静态的 plotly 图。
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from torch import nn
from tqdm.notebook import tqdm as notebook_tqdm
from traitlets import TraitError

from dlbook.activations import ACTIVATIONS
from dlbook.data import TensorBatches, images_to_tensor, load_digits_dataset
from dlbook.device import best_device, describe_device
from dlbook.figure_layout import SUBPLOT_TITLE_LINES, TITLE_CHARS, apply_frame, frame, wrap
from dlbook.interactive import LivePanel
from dlbook.models import mlp
from dlbook.optim import OPTIMIZERS, make_optimizer
from dlbook.train import History, TrainState, evaluate, fit

BATCH_SIZES = (1, 8, 16, 32, 64, 100, 128, 256, 512, 1024)
LOSS_TRACE, ACCURACY_TRACE = "训练损失", "测试准确率"
#: 训练曲线图绘图区的高度（像素）；总高度随标题行数增加
CURVES_PLOT_PX = 250


@dataclass
class TrainingRecord:
    """一次训练的记录：横轴是已训练的 epoch 数（可以是小数），以及损失、测试准确率和结论（见 {ref}`sec-mnist`）。"""

    epoch: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    device: str = ""
    dataset: str = ""
    status: str = "未开始"
    diverged: bool = False
    stopped: bool = False
    seconds: float = 0.0
    history: History | None = None

    @property
    def final_accuracy(self) -> float | None:
        return self.accuracy[-1] if self.accuracy else None


def parse_hidden_sizes(text: str) -> tuple[int, ...]:
    """把 ``"512,256"`` 这样的文字解析成隐藏层宽度的元组；空文字表示没有隐藏层（见 {ref}`sec-mnist`）。"""
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"隐藏层宽度应写成用逗号分隔的正整数，例如 512,256；收到 {text!r}。") from None
    if any(s < 1 for s in sizes):
        raise ValueError(f"每个隐藏层的宽度至少为 1，收到 {text!r}。")
    if any(s > 4096 for s in sizes):
        raise ValueError(f"隐藏层宽度不要超过 4096（收到 {text!r}），否则在 CPU 上会非常慢。")
    return sizes


def training_curves_figure(record: TrainingRecord, *, title: str | None = None) -> go.Figure:
    """把一次训练的记录画成两幅并排的曲线：训练损失与测试准确率（见 {ref}`sec-mnist`）。

    长标题按手机的宽度折行，上边距随行数加高（:mod:`dlbook.figure_layout`），不会压到两幅子图的小标题。
    """
    text = wrap(title if title is not None else record.status, TITLE_CHARS)
    layout = frame(plot=CURVES_PLOT_PX, title_lines=text.count("<br>") + 1, message_lines=SUBPLOT_TITLE_LINES,
                   legend_rows=0)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("训练损失（近期平均）", "测试准确率"), horizontal_spacing=0.16)
    fig.update_annotations(font_size=13)
    fig.add_trace(go.Scatter(x=record.epoch, y=record.loss, mode="lines+markers", name=LOSS_TRACE), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=record.epoch, y=record.accuracy, mode="lines+markers", name=ACCURACY_TRACE), row=1, col=2
    )
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(range=[0, 1], tickformat=".0%", row=1, col=2)
    return apply_frame(fig, layout, title=text, legend=False)


def _controls(*, lr, batch_size, epochs, hidden, optimizer, activation) -> dict[str, widgets.ValueWidget]:
    style = {"description_width": "initial"}
    return {
        "lr": widgets.FloatLogSlider(
            value=lr, base=10, min=-4, max=1, step=0.25, description="学习率", readout_format=".4g", style=style
        ),
        "batch_size": widgets.SelectionSlider(
            options=sorted(set(BATCH_SIZES) | {batch_size}), value=batch_size, description="批大小", style=style
        ),
        "epochs": widgets.IntSlider(value=epochs, min=1, max=30, description="epoch 数", style=style),
        "hidden": widgets.Text(value=hidden, description="隐藏层宽度", style=style),
        "optimizer": widgets.Dropdown(
            options=[(spec.label, key) for key, spec in OPTIMIZERS.items()], value=optimizer, description="优化器"
        ),
        "activation": widgets.Dropdown(
            options=[(a.label, key) for key, a in ACTIVATIONS.items()], value=activation, description="激活函数"
        ),
    }


def _html(text: str, color: str) -> str:
    """面板里的一段说明：随面板宽度自动换行，长单词也会断开，不会被截掉。"""
    return f"<div style='color:{color};white-space:normal;overflow-wrap:anywhere'>{text}</div>"


class TrainingPanel(LivePanel):
    """实时训练面板：学习率、批大小、epoch 数、隐藏层、优化器、激活函数、开始/停止与进度条（见 {ref}`sec-mnist`）。"""

    def __init__(
        self,
        *,
        digits=None,
        limit: int | None = None,
        eval_limit: int = 1000,
        device: torch.device | str | None = None,
        seed: int = 0,
        lr: float = 0.01,
        batch_size: int = 100,
        epochs: int = 3,
        hidden: str = "512,256,128,64",
        optimizer: str = "momentum",
        activation: str = "relu",
        points_per_epoch: int = 5,
    ) -> None:
        self.device = torch.device(device) if device is not None else best_device()
        self.digits = digits if digits is not None else load_digits_dataset()
        images, labels = self.digits.train_images[:limit], self.digits.train_labels[:limit]
        if len(labels) == 0:
            raise ValueError("面板没有可用的训练图片（limit 为 0 或数据集为空）。")
        # 张量快速通道：一次性标准化并放到设备上
        self.x_train, self.y_train = images_to_tensor(images, device=self.device), labels.to(self.device)
        self.x_test = images_to_tensor(self.digits.test_images[:eval_limit], device=self.device)
        self.y_test = self.digits.test_labels[:eval_limit].to(self.device)
        self.seed, self.points_per_epoch = seed, max(1, points_per_epoch)
        self.model: nn.Module | None = None
        self.record = TrainingRecord()
        self.bar: notebook_tqdm | None = None  # 当前（或上一次）训练的进度条
        self._stop, self._lock = threading.Event(), threading.Lock()
        self._thread: threading.Thread | None = None

        self.start_button = widgets.Button(description="开始训练", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="停止", button_style="danger", icon="stop")
        self.start_button.on_click(lambda _b: self.start())
        self.stop_button.on_click(lambda _b: self.stop())
        self.progress_box = widgets.Box(layout=widgets.Layout(flex="1 1 auto"))
        self.device_label = widgets.HTML(value=_html(
            f"设备：{describe_device(self.device)}；数据：{self.digits.source}。本面板用 {len(labels):,} 张训练，"
            f"用 {len(self.y_test):,} 张测试图片评估。", "#555"))
        super().__init__(
            figure=training_curves_figure(self.record, title="按“开始训练”后曲线会实时更新"),
            controls=_controls(lr=lr, batch_size=batch_size, epochs=epochs, hidden=hidden, optimizer=optimizer,
                               activation=activation),
            update=self._check_settings,
            header=[self.device_label],
            actions=[self.start_button, self.stop_button, self.progress_box],
        )

    # ------------------------------------------------------------ 控件与状态

    def set(self, **values: Any) -> None:
        """按名字设置控件，例如 ``panel.set(lr=0.1, batch_size=32)``。"""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"没有名为 {name!r} 的控件，可选：{'、'.join(self.controls)}。")
            try:
                self.controls[name].value = value
            except TraitError as err:
                raise ValueError(f"控件 {name!r} 不接受取值 {value!r}：{err}") from None

    @property
    def running(self) -> bool:
        """后台线程是否正在训练。"""
        return self._thread is not None and self._thread.is_alive()

    def _say(self, text: str, *, color: str = "#555") -> None:
        self.message.value = _html(text, color)

    def _settings(self, values: dict[str, Any] | None = None) -> dict[str, Any]:
        v = self.values if values is None else values
        return {
            "lr": float(v["lr"]),
            "batch_size": int(v["batch_size"]),
            "epochs": int(v["epochs"]),
            "hidden": parse_hidden_sizes(v["hidden"]),
            "optimizer": v["optimizer"],
            "activation": v["activation"],
        }

    def _check_settings(self, _figure: go.FigureWidget, values: dict[str, Any]) -> str | None:
        """控件一变就检查设置（不训练）：有问题时说出来，训练中时提示新设置下次生效。"""
        if self.running:
            return "正在训练：新的设置在下次按“开始训练”时生效。"
        try:
            self._settings(values)
        except ValueError as err:
            return f"⚠ {err}"
        return None

    # ------------------------------------------------------------ 开始与停止

    def start(self) -> bool:
        """“开始训练”按钮：在后台线程里训练；已经在训练时只给出提示。返回是否真的启动了。"""
        with self._lock:
            if self.running:
                self._say("已经在训练了：先按“停止”，或等它结束。", color="#b60")
                return False
            try:
                settings = self._settings()
            except ValueError as err:
                self._say(f"⚠ {err}", color="#b00")
                return False
            self._stop.clear()
            self._thread = threading.Thread(target=self._train_safely, args=(settings,), daemon=True)
            self._thread.start()
            return True

    def stop(self) -> None:
        """“停止”按钮：请求后台线程在当前小批量之后停下；模型保持可用。"""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        """等后台训练结束（测试里用）。"""
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self, **values: Any) -> TrainingRecord:
        """同步训练：先按关键字设置控件，再在当前线程里训练完，返回记录（测试与静态书用）。"""
        if self.running:
            raise RuntimeError("后台正在训练，不能同时再同步训练一次。")
        self.set(**values)
        self._stop.clear()
        self._train_safely(self._settings())
        return self.record

    # ------------------------------------------------------------ 训练本身（用 dlbook.train.fit）

    def _train_safely(self, settings: dict[str, Any]) -> None:
        try:
            self._train(settings)
        except Exception as err:  # 后台线程里的异常不能变成异常栈，只显示成一句话
            self.record.status = f"训练出错：{type(err).__name__}: {err}"
            self._say(f"⚠ {self.record.status}", color="#b00")

    def _train(self, s: dict[str, Any]) -> None:
        torch.manual_seed(self.seed)
        sizes = (self.x_train[0].numel(), *s["hidden"], len(self.digits.classes))
        self.model = model = mlp(sizes=sizes, activation=s["activation"]).to(self.device)
        batches = TensorBatches(self.x_train, self.y_train, batch_size=s["batch_size"], shuffle=True, seed=self.seed)
        self.record = TrainingRecord(
            settings=dict(s), device=describe_device(self.device), dataset=self.digits.source, status="训练中……"
        )
        self.bar = notebook_tqdm(total=s["epochs"] * len(batches), desc="进度", display=False, leave=True)
        self.progress_box.children = (self.bar.container,)
        live = _LiveCurves(self, s["lr"])
        start = time.perf_counter()
        try:
            history = fit(
                model, batches, epochs=s["epochs"], optimizer=make_optimizer(s["optimizer"], model.parameters(),
                                                                            lr=s["lr"]),
                loss_fn=nn.CrossEntropyLoss(), val_loader=TensorBatches(self.x_test, self.y_test, batch_size=1000),
                eval_every=max(1, len(batches) // self.points_per_epoch), callbacks=[live],
            )
        finally:
            self.bar.close()  # 关掉进度条：之后它不再更新（也不再走时间）
        model.eval()
        self.record.seconds, self.record.history = time.perf_counter() - start, history
        self._conclude(history.evaluations[-1].val_accuracy, live.reason, s["epochs"])

    def _conclude(self, acc: float, reason: str | None, epochs: int) -> None:
        """训练结束后的一句结论，写进记录、面板说明和图标题（标题只放短的一句）。"""
        r = self.record
        if reason is None:
            message, short = f"完成：{epochs} 个 epoch，用时 {r.seconds:.1f} 秒，测试准确率 {acc:.2%}。", "完成"
        else:
            message, short = reason, "发散了" if r.diverged else "已停止"
        chance = 1 / len(self.digits.classes)
        if acc < 2 * chance:
            message += (
                f" 测试准确率只有 {acc:.2%}，和瞎猜（{chance:.0%}）差不多："
                "学习率可能太大（发散、神经元“死亡”）或太小（还没学动）。"
            )
        r.status = message
        self.figure.layout.title.text = f"{short}：测试准确率 {acc:.1%}"
        self._say(message, color="#b00" if r.diverged else "#555")

    def push(self, epoch: float, loss: float, accuracy: float) -> None:
        """记一个点，并更新实时曲线。"""
        r = self.record
        r.epoch.append(epoch)
        r.loss.append(loss)
        r.accuracy.append(accuracy)
        with self.figure.batch_update():
            for trace in self.figure.data:
                values = r.loss if trace.name == LOSS_TRACE else r.accuracy
                trace.x, trace.y = r.epoch, values


class _LiveCurves:
    """fit 的回调：推进进度条、把每次评估画到面板上，发现发散或按了“停止”就请 fit 停下。"""

    def __init__(self, panel: TrainingPanel, lr: float) -> None:
        self.panel, self.lr = panel, lr
        self.reason: str | None = None
        self.limit_loss = math.inf

    def _stop(self, state: TrainState, reason: str, *, diverged: bool) -> None:
        self.reason = self.reason or reason
        self.panel.record.diverged |= diverged
        self.panel.record.stopped |= not diverged
        state.request_stop(reason)

    def on_train_begin(self, state: TrainState) -> None:
        panel, loss_fn = self.panel, nn.CrossEntropyLoss()
        with panel.figure.batch_update():
            for trace in panel.figure.data:
                trace.x, trace.y = [], []
            panel.figure.layout.title.text = "训练中……"
        panel._say(f"训练中：{state.steps_per_epoch} 个小批量/epoch，共 {state.epochs} 个 epoch。")
        some_train = TensorBatches(panel.x_train[:1000], panel.y_train[:1000], batch_size=1000)
        initial = evaluate(state.model, some_train, loss_fn=loss_fn)["loss"]
        test = TensorBatches(panel.x_test, panel.y_test, batch_size=1000)
        panel.push(0.0, initial, evaluate(state.model, test, loss_fn=loss_fn)["accuracy"])
        self.limit_loss = 10 * max(initial, math.log(len(panel.digits.classes)))  # 超过它就算发散

    def on_step(self, state: TrainState) -> None:
        self.panel.bar.update(1)
        if not math.isfinite(state.loss):
            self._stop(state, f"发散了：第 {state.step} 步损失变成了 {state.loss}（学习率 {self.lr:.4g} 太大），"
                              "训练已停止。把学习率调小再试。", diverged=True)
        elif self.panel._stop.is_set():
            self._stop(state, f"已停止（{state.epoch_progress:.2f} 个 epoch）；panel.model 是停下时的模型，可以直接使用。",
                       diverged=False)

    def on_evaluate(self, state: TrainState) -> None:
        point = state.last_evaluation
        if not math.isfinite(point.train_loss):
            return  # 发散的那一步不画点
        self.panel.push(point.epoch, point.train_loss, point.val_accuracy)
        if point.train_loss > self.limit_loss:
            self._stop(state, f"发散了：损失升到 {point.train_loss:.3g}（学习率 {self.lr:.4g} 太大），训练已停止。",
                       diverged=True)


__all__ = [
    "BATCH_SIZES",
    "TrainingPanel",
    "TrainingRecord",
    "parse_hidden_sizes",
    "training_curves_figure",
]
