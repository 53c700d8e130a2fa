"""手写数字的实时训练面板：调超参数、按“开始”，看损失与准确率曲线一点点长出来（见 {ref}`sec-mnist`）。

- :class:`TrainingPanel` 是 JupyterLab 里的 ipywidgets 面板：训练在后台线程里跑，随时可以按“停止”，
  停下后 ``panel.model`` 仍是一个可以直接使用的模型；
- :meth:`TrainingPanel.run` 在当前线程里同步训练，供测试和静态书使用；
- :func:`training_curves_figure` 把一次训练的记录画成静态的 plotly 图。
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from torch import nn
from tqdm.notebook import tqdm as notebook_tqdm
from traitlets import TraitError

from dlbook.data import DigitData, TensorBatches, images_to_tensor, load_digits_dataset
from dlbook.device import best_device, describe_device
from dlbook.activations import ACTIVATIONS
from dlbook.models import mlp

OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD + 动量 0.9", "adam": "Adam"}
BATCH_SIZES = (1, 8, 16, 32, 64, 100, 128, 256, 512, 1024)
MEAN, STD = 0.1307, 0.3081


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


def make_optimizer(name: str, params, *, lr: float) -> torch.optim.Optimizer:
    """按名字创建优化器：sgd、momentum（SGD + 动量 0.9）或 adam（见 {ref}`sec-optimizers`）。"""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"未知的优化器 {name!r}，可选：{'、'.join(OPTIMIZERS)}。")


def training_curves_figure(record: TrainingRecord, *, title: str | None = None) -> go.Figure:
    """把一次训练的记录画成两幅并排的曲线：训练损失与测试准确率（见 {ref}`sec-mnist`）。"""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("训练损失（最近一段的平均）", "测试准确率"))
    fig.add_trace(go.Scatter(x=record.epoch, y=record.loss, mode="lines+markers", name="训练损失"), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=record.epoch, y=record.accuracy, mode="lines+markers", name="测试准确率"), row=1, col=2
    )
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(range=[0, 1], tickformat=".0%", row=1, col=2)
    fig.update_layout(
        title=title if title is not None else record.status,
        height=360,
        showlegend=False,
        margin={"t": 80},
    )
    return fig


class TrainingPanel:
    """实时训练面板：学习率、批大小、epoch 数、隐藏层、优化器、激活函数、开始/停止与进度条（见 {ref}`sec-mnist`）。"""

    def __init__(
        self,
        *,
        digits: DigitData | None = None,
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
        images, labels = self.digits.train_images, self.digits.train_labels
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        if len(labels) == 0:
            raise ValueError("面板没有可用的训练图片（limit 为 0 或数据集为空）。")
        # 张量快速通道：一次性标准化并放到设备上
        self.x_train = images_to_tensor(images, mean=MEAN, std=STD, device=self.device)
        self.y_train = labels.to(self.device)
        self.x_test = images_to_tensor(self.digits.test_images[:eval_limit], mean=MEAN, std=STD, device=self.device)
        self.y_test = self.digits.test_labels[:eval_limit].to(self.device)
        self.seed, self.points_per_epoch = seed, max(1, points_per_epoch)
        self.model: nn.Module | None = None
        self.record = TrainingRecord()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

        style = {"description_width": "initial"}
        self.controls: dict[str, widgets.ValueWidget] = {
            "lr": widgets.FloatLogSlider(
                value=lr, base=10, min=-4, max=1, step=0.25, description="学习率", readout_format=".4g", style=style
            ),
            "batch_size": widgets.SelectionSlider(
                options=sorted(set(BATCH_SIZES) | {batch_size}), value=batch_size, description="批大小", style=style
            ),
            "epochs": widgets.IntSlider(value=epochs, min=1, max=30, description="epoch 数", style=style),
            "hidden": widgets.Text(value=hidden, description="隐藏层宽度", style=style),
            "optimizer": widgets.Dropdown(
                options=[(label, key) for key, label in OPTIMIZERS.items()], value=optimizer, description="优化器"
            ),
            "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation, description="激活函数"),
        }
        self.start_button = widgets.Button(description="开始训练", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="停止", button_style="danger", icon="stop")
        self.start_button.on_click(lambda _b: self.start())
        self.stop_button.on_click(lambda _b: self.stop())
        # tqdm.auto 在 JupyterLab 中给出的就是 tqdm.notebook 的进度条；这里直接用它，并把它嵌进面板
        # （display=False：不单独显示，由面板显示）。progress 是其中的进度条控件，方便读取 value/max。
        self._bar = notebook_tqdm(total=1, desc="进度", display=False, leave=True)
        self.progress = self._bar.container.children[1]
        self.message = widgets.HTML(value="")
        self.device_label = widgets.HTML(
            value=f"设备：{describe_device(self.device)}；数据：{self.digits.describe()}，本面板用 {len(labels):,} 张训练"
        )
        self.figure = go.FigureWidget(training_curves_figure(self.record, title="按“开始训练”后曲线会实时更新"))
        box = widgets.Box(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        buttons = widgets.HBox([self.start_button, self.stop_button, self._bar.container])
        self.widget = widgets.VBox([self.device_label, box, buttons, self.message, self.figure])

    # ------------------------------------------------------------ 控件与状态

    @property
    def values(self) -> dict[str, Any]:
        """当前所有控件的值。"""
        return {name: c.value for name, c in self.controls.items()}

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
        self.message.value = f"<span style='color:{color}'>{text}</span>"

    def _settings(self) -> dict[str, Any]:
        v = self.values
        return {
            "lr": float(v["lr"]),
            "batch_size": int(v["batch_size"]),
            "epochs": int(v["epochs"]),
            "hidden": parse_hidden_sizes(v["hidden"]),
            "optimizer": v["optimizer"],
            "activation": v["activation"],
        }

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

    train_now = run

    # ------------------------------------------------------------ 训练本身

    def _train_safely(self, settings: dict[str, Any]) -> None:
        try:
            self._train(settings)
        except Exception as err:  # 后台线程里的异常不能变成异常栈，只显示成一句话
            self.record.status = f"训练出错：{type(err).__name__}: {err}"
            self._say(f"⚠ {self.record.status}", color="#b00")

    @torch.no_grad()
    def _test_accuracy(self, model: nn.Module) -> float:
        model.eval()
        correct = 0
        for i in range(0, len(self.y_test), 1000):
            correct += int((model(self.x_test[i : i + 1000]).argmax(1) == self.y_test[i : i + 1000]).sum())
        model.train()
        return correct / len(self.y_test)

    def _push(self, epoch: float, loss: float, accuracy: float) -> None:
        """记一个点，并更新实时曲线。"""
        r = self.record
        r.epoch.append(epoch)
        r.loss.append(loss)
        r.accuracy.append(accuracy)
        with self.figure.batch_update():
            self.figure.data[0].x, self.figure.data[0].y = r.epoch, r.loss
            self.figure.data[1].x, self.figure.data[1].y = r.epoch, r.accuracy

    def _train(self, s: dict[str, Any]) -> None:
        torch.manual_seed(self.seed)
        sizes = (self.x_train[0].numel(), *s["hidden"], len(self.digits.classes))
        model = mlp(sizes=sizes, activation=s["activation"]).to(self.device)
        self.model = model
        optimizer = make_optimizer(s["optimizer"], model.parameters(), lr=s["lr"])
        loss_fn = nn.CrossEntropyLoss()
        batches = TensorBatches(self.x_train, self.y_train, batch_size=s["batch_size"], shuffle=True, seed=self.seed)
        n_batches = len(batches)
        every = max(1, n_batches // self.points_per_epoch)
        total = s["epochs"] * n_batches
        self.record = TrainingRecord(
            settings=dict(s), device=describe_device(self.device), dataset=self.digits.describe(), status="训练中……"
        )
        self._bar.reset(total=total)
        progress_every = max(1, total // 200)  # 进度条最多更新约 200 次
        with self.figure.batch_update():
            for trace in self.figure.data:
                trace.x, trace.y = [], []
            self.figure.layout.title.text = "训练中……"
        self._say(f"训练中：{n_batches} 个小批量/epoch，共 {s['epochs']} 个 epoch。")
        with torch.no_grad():
            initial_loss = float(loss_fn(model(self.x_train[:1000]), self.y_train[:1000]))
        self._push(0.0, initial_loss, self._test_accuracy(model))
        limit_loss = 10 * max(initial_loss, math.log(len(self.digits.classes)))  # 超过它就算发散
        start, step = time.perf_counter(), 0
        running_loss, running_n = 0.0, 0
        message = None
        for epoch in range(s["epochs"]):
            for x, y in batches:
                loss = loss_fn(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                value = loss.item()
                step += 1
                running_loss, running_n = running_loss + value, running_n + 1
                if step % progress_every == 0 or step == total:
                    self._bar.update(step - self._bar.n)
                    self._bar.refresh()
                if not math.isfinite(value):
                    self.record.diverged = True
                    message = (
                        f"发散了：第 {step} 步损失变成了 {value}（学习率 {s['lr']:.4g} 太大），训练已停止。"
                        "把学习率调小再试。"
                    )
                    break
                if step % every == 0 or step == total:
                    mean_loss = running_loss / running_n
                    running_loss, running_n = 0.0, 0
                    self._push(step / n_batches, mean_loss, self._test_accuracy(model))
                    if mean_loss > limit_loss:
                        self.record.diverged = True
                        message = f"发散了：损失升到 {mean_loss:.3g}（学习率 {s['lr']:.4g} 太大），训练已停止。"
                        break
                if self._stop.is_set():
                    self.record.stopped = True
                    message = f"已停止（{step / n_batches:.2f} 个 epoch）；panel.model 是停下时的模型，可以直接使用。"
                    break
            if message is not None:
                break
        model.eval()
        self.record.seconds = time.perf_counter() - start
        acc = self._test_accuracy(model)
        model.eval()
        if message is None:
            message = f"完成：{s['epochs']} 个 epoch，用时 {self.record.seconds:.1f} 秒，测试准确率 {acc:.2%}。"
        chance = 1 / len(self.digits.classes)
        if acc < 2 * chance:
            message += (
                f" 测试准确率只有 {acc:.2%}，和瞎猜（{chance:.0%}）差不多："
                "学习率可能太大（发散、神经元“死亡”）或太小（还没学动）。"
            )
        self.record.status = message
        self.figure.layout.title.text = message
        self._say(message, color="#b00" if self.record.diverged else "#555")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def training_panel(**kwargs: Any) -> TrainingPanel:
    """创建一个实时训练面板，参数同 :class:`TrainingPanel`（见 {ref}`sec-mnist`）。"""
    return TrainingPanel(**kwargs)


__all__ = [
    "BATCH_SIZES",
    "OPTIMIZERS",
    "TrainingPanel",
    "TrainingRecord",
    "make_optimizer",
    "parse_hidden_sizes",
    "training_curves_figure",
    "training_panel",
]
