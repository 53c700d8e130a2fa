"""基准测试：同一台机器、同一次运行里并排测量源材料的常规管线与 dlbook 的张量快速通道（见 {ref}`sec-mnist`）。

    python -m dlbook.bench mnist [--device auto] [--limit N] [--max-epochs N] [--threads N] [--cnn]

(a) 常规管线：逐张取图 → PIL → ``ToTensor`` + ``Normalize`` → ``DataLoader``（批大小 100，与源材料相同）；
(b) 张量快速通道：整个数据集一次性标准化放在设备上，按下标取小批量。
先只测取数据（把训练集过一遍、产出标准化的小批量，不经过模型；各 3 遍取最快），再测端到端（用 ``dlbook.train.fit``
训练同一个多层感知机一个 epoch）。最后用 (b) 按本书手写数字一章的做法训练，报告第一次达到 97% 测试准确率
（官方测试集）所用的训练时间（不含评估）；再加上随机平移与余弦学习率各训练一次；``--cnn`` 再加一个小卷积网络到
98.5%。所有训练与评估都经过 ``fit``/``evaluate``。
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from dlbook.data import MNIST_MEAN, MNIST_STD, PilDigits, TensorBatches, images_to_tensor, load_digits_dataset
from dlbook.device import best_device, describe_device
from dlbook.models import SmallCNN, mlp
from dlbook.optim import make_optimizer
from dlbook.train import TrainState, fit


@dataclass(frozen=True)
class Recipe:
    """一套训练做法：模型、优化器（``dlbook.optim`` 里的名字）、学习率、批大小、epoch 预算与目标测试准确率（见 {ref}`sec-mnist`）。

    ``shift`` 大于 0 时每个小批量做随机平移（数据增强，见 :class:`RandomShift`）；``cosine`` 时学习率在
    ``epochs`` 个 epoch 内按余弦曲线降到 0。
    """

    label: str
    model: Callable[[], nn.Module]
    optimizer: str
    lr: float
    batch_size: int
    target: float
    epochs: int = 20
    shift: int = 0
    cosine: bool = False


#: 手写数字一章的标准设计，原样照搬
MLP_RECIPE = Recipe(
    "本章的多层感知机（784-512-256-128-64-10，SGD + 动量 0.9，学习率 0.01，批大小 100）",
    mlp, "momentum", 0.01, 100, 0.97, epochs=20,
)
#: 同一个多层感知机，加上随机平移与余弦学习率（只有 1 万张训练图片时，这两样让它过 97%）
MLP_AUGMENTED_RECIPE = Recipe(
    "同一个多层感知机 + 随机平移 ±2 像素 + Adam（学习率 0.001，余弦衰减，15 个 epoch），批大小 100",
    mlp, "adam", 1e-3, 100, 0.97, epochs=15, shift=2, cosine=True,
)
#: 同一章最后的小卷积网络，加上随机平移与余弦学习率
CNN_RECIPE = Recipe(
    "小卷积网络 SmallCNN + 随机平移 ±2 像素 + Adam（学习率 0.002，余弦衰减，15 个 epoch），批大小 64",
    SmallCNN, "adam", 2e-3, 64, 0.985, epochs=15, shift=2, cosine=True,
)


class RandomShift:
    """数据增强：把每个小批量里的每张图随机上下、左右平移至多 ``pixels`` 个像素，空出来的地方填背景（见 {ref}`sec-mnist`）。

    包在任何产出 ``(图像 [N, 1, H, W], 标签)`` 的小批量序列外面（例如 :class:`TensorBatches`），整批在设备上一次完成。
    """

    def __init__(self, batches: Iterable, *, pixels: int, background: float = -MNIST_MEAN / MNIST_STD,
                 seed: int = 0) -> None:
        if pixels < 0:
            raise ValueError(f"平移的像素数不能为负，收到 {pixels}。")
        self.batches, self.pixels, self.background = batches, pixels, background
        self._generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        p = self.pixels
        for images, labels in self.batches:
            if p == 0:
                yield images, labels
                continue
            n, _, h, w = images.shape
            padded = torch.nn.functional.pad(images, (p, p, p, p), value=self.background)
            dy, dx = torch.randint(0, 2 * p + 1, (2, n), generator=self._generator).to(images.device)
            rows = (torch.arange(h, device=images.device) + dy[:, None])[:, None, :, None].expand(n, 1, h, w + 2 * p)
            cols = (torch.arange(w, device=images.device) + dx[:, None])[:, None, None, :].expand(n, 1, h, w)
            yield padded.gather(2, rows).gather(3, cols), labels


@dataclass(frozen=True)
class TargetRun:
    """按一套做法训练到目标准确率的结果；没达到时 ``seconds``/``epochs`` 为 None（见 {ref}`sec-mnist`）。"""

    label: str
    target: float
    seconds: float | None
    epochs: int | None
    best_accuracy: float
    epochs_run: int
    seconds_run: float

    def line(self) -> str:
        """一行中文结果。"""
        if self.seconds is not None:
            return f"{self.label}：{self.seconds:.2f} 秒（{self.epochs} 个 epoch）达到 {self.target:.1%}"
        return (
            f"{self.label}：未达到 {self.target:.1%}"
            f"（{self.epochs_run} 个 epoch、{self.seconds_run:.2f} 秒内最好 {self.best_accuracy:.2%}）"
        )


@dataclass
class BenchResult:
    """一次基准测试的结果（见 {ref}`sec-mnist`）。"""

    dataset: str
    device: str
    images: int
    pipeline_data_images_per_s: float
    tensor_data_images_per_s: float
    tensor_setup_seconds: float
    pipeline_epoch_seconds: float
    tensor_epoch_seconds: float
    runs: list[TargetRun] = field(default_factory=list)

    @property
    def data_ratio(self) -> float:
        """只看取数据（不经过模型）的速度比 (b)/(a)。"""
        return self.tensor_data_images_per_s / self.pipeline_data_images_per_s

    @property
    def ratio(self) -> float:
        """端到端（训练一个 epoch）的速度比 (b)/(a)。"""
        return self.pipeline_epoch_seconds / self.tensor_epoch_seconds

    def report(self) -> str:
        """多行中文报告：两条管线并排，最后是达到目标准确率的时间。"""
        a_rate, b_rate = self.images / self.pipeline_epoch_seconds, self.images / self.tensor_epoch_seconds
        return "\n".join(
            [
                f"数据：{self.dataset}",
                f"设备：{self.device}；每个 epoch {self.images:,} 张训练图片",
                "(a) = 常规管线（PIL + ToTensor + Normalize + DataLoader），(b) = 张量快速通道，并排：",
                f"只取数据（不经过模型）：(a) {self.pipeline_data_images_per_s:,.0f} 张/秒"
                f" | (b) {self.tensor_data_images_per_s:,.0f} 张/秒 | (b)/(a) {self.data_ratio:.1f}×",
                f"端到端训练一个 epoch（fit）：(a) {self.pipeline_epoch_seconds:.3f} 秒（{a_rate:,.0f} 张/秒）"
                f" | (b) {self.tensor_epoch_seconds:.3f} 秒（{b_rate:,.0f} 张/秒） | (b)/(a) {self.ratio:.1f}×",
                f"(b) 另有一次性的标准化与搬运：{self.tensor_setup_seconds:.3f} 秒",
                "(b) 达到目标测试准确率所用的训练时间（不含评估）：",
                *[f"  {run.line()}" for run in self.runs],
            ]
        )


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _data_pass(batches: Iterable, device: torch.device) -> float:
    """只把数据过一遍（每个小批量搬到设备上，不经过模型），返回所用秒数。"""
    _sync(device)
    start = time.perf_counter()
    for x, y in batches:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
    _sync(device)
    return time.perf_counter() - start


def _epoch_seconds(batches: Iterable, device: torch.device, *, seed: int) -> float:
    """用 fit 训练源材料的多层感知机（SGD，学习率 0.01，动量 0.5）一个 epoch，返回训练用时。"""
    torch.manual_seed(seed)
    model = mlp().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    history = fit(model, batches, epochs=1, optimizer=optimizer, loss_fn=nn.CrossEntropyLoss(), device=device)
    return history.epoch_seconds[0]


class _StopAtAccuracy:
    """回调：验证准确率第一次达到目标就停。"""

    def __init__(self, target: float) -> None:
        self.target = target

    def on_epoch_end(self, state: TrainState) -> None:
        if state.history.val_accuracy and state.history.val_accuracy[-1] >= self.target:
            state.request_stop(f"达到 {self.target:.1%}")


def time_to_accuracy(
    recipe: Recipe, *, train: TensorBatches, test: Iterable, device: torch.device, max_epochs: int | None = None,
    seed: int = 0,
) -> TargetRun:
    """按 ``recipe`` 用 fit 训练，每个 epoch 后在测试集上评估，直到达到目标准确率或用完 epoch 预算（见 {ref}`sec-mnist`）。"""
    torch.manual_seed(seed)
    model = recipe.model().to(device)
    epochs = recipe.epochs if max_epochs is None else max_epochs
    optimizer = make_optimizer(recipe.optimizer, model.parameters(), lr=recipe.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs) if recipe.cosine else None
    batches = TensorBatches(train.inputs, train.targets, batch_size=recipe.batch_size, shuffle=True, seed=seed)
    history = fit(
        model, RandomShift(batches, pixels=recipe.shift, seed=seed), epochs=epochs, optimizer=optimizer,
        loss_fn=nn.CrossEntropyLoss(), val_loader=test, scheduler=scheduler, device=device,
        callbacks=[_StopAtAccuracy(recipe.target)],
    )
    reached = bool(history.val_accuracy) and history.val_accuracy[-1] >= recipe.target
    seconds = sum(history.epoch_seconds)
    return TargetRun(
        label=recipe.label, target=recipe.target, seconds=seconds if reached else None,
        epochs=len(history.val_accuracy) if reached else None, best_accuracy=max(history.val_accuracy, default=0.0),
        epochs_run=len(history.val_accuracy), seconds_run=seconds,
    )


def _warm_up(recipes: Iterable[Recipe], train: TensorBatches, device: torch.device) -> None:
    """先让每种模型在设备上跑几步（GPU 的初始化不算进任何一次计时）。"""
    few = TensorBatches(train.inputs[:256], train.targets[:256], batch_size=64)
    for recipe in recipes:
        model = recipe.model().to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        fit(model, RandomShift(few, pixels=recipe.shift), epochs=1, optimizer=optimizer, loss_fn=nn.CrossEntropyLoss(),
            device=device)


def run_mnist(
    *,
    digits=None,
    device: torch.device | str | None = None,
    limit: int | None = None,
    max_epochs: int | None = None,
    recipes: Iterable[Recipe] = (MLP_RECIPE, MLP_AUGMENTED_RECIPE),
    seed: int = 0,
) -> BenchResult:
    """在同一次运行中测量 (a) 常规管线与 (b) 张量快速通道，再按各 ``recipes`` 训练到目标准确率（见 {ref}`sec-mnist`）。"""
    from torchvision import transforms

    device = torch.device(device) if device is not None else best_device()
    digits = digits if digits is not None else load_digits_dataset()
    images, labels = digits.train_images[:limit], digits.train_labels[:limit]
    if len(labels) == 0:
        raise ValueError("没有训练图片可用于基准测试（limit 为 0 或数据集为空）。")
    recipes = list(recipes)

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MNIST_MEAN,), (MNIST_STD,))])
    loader = torch.utils.data.DataLoader(PilDigits(images, labels, transform=transform), batch_size=100, shuffle=True)
    _sync(device)
    start = time.perf_counter()
    x_train, y_train = images_to_tensor(images, device=device), labels.to(device)
    _sync(device)
    setup = time.perf_counter() - start
    train = TensorBatches(x_train, y_train, batch_size=100, shuffle=True, seed=seed)
    _warm_up([MLP_RECIPE, *recipes], train, device)

    # 只取数据的一遍很短（(b) 只要几毫秒），各测 3 遍取最快的一遍，减少别的进程造成的干扰
    data_a = min(_data_pass(loader, device) for _ in range(3))
    data_b = min(_data_pass(train, device) for _ in range(3))
    epoch_a, epoch_b = _epoch_seconds(loader, device, seed=seed), _epoch_seconds(train, device, seed=seed)
    test = TensorBatches(images_to_tensor(digits.test_images, device=device), digits.test_labels.to(device),
                         batch_size=2000)
    runs = [time_to_accuracy(r, train=train, test=test, device=device, max_epochs=max_epochs, seed=seed)
            for r in recipes]
    return BenchResult(
        dataset=digits.source,
        device=describe_device(device), images=len(labels),
        pipeline_data_images_per_s=len(labels) / data_a, tensor_data_images_per_s=len(labels) / max(data_b, 1e-9),
        tensor_setup_seconds=setup, pipeline_epoch_seconds=epoch_a, tensor_epoch_seconds=epoch_b, runs=runs,
    )


def main(argv: list[str] | None = None) -> int:
    """命令行入口：``python -m dlbook.bench mnist``（见 {ref}`sec-mnist`）。"""
    parser = argparse.ArgumentParser(prog="python -m dlbook.bench", description="dlbook 的基准测试")
    parser.add_argument("task", choices=["mnist"], help="要测的任务")
    parser.add_argument("--device", default="auto", help="auto（默认：CUDA → MPS → CPU）、cpu、cuda……")
    parser.add_argument("--limit", type=int, default=None, help="只用前 N 张训练图片")
    parser.add_argument("--max-epochs", type=int, default=None, help="每套做法最多训练几个 epoch（默认用各自的预算）")
    parser.add_argument("--threads", type=int, default=None, help="PyTorch 在 CPU 上用几个线程（默认不改）")
    parser.add_argument("--cnn", action="store_true", help="再测小卷积网络达到 98.5%% 的时间")
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = None if args.device == "auto" else args.device
    recipes = [MLP_RECIPE, MLP_AUGMENTED_RECIPE] + ([CNN_RECIPE] if args.cnn else [])
    result = run_mnist(device=device, limit=args.limit, max_epochs=args.max_epochs, recipes=recipes)
    print(result.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
