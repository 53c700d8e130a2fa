"""基准测试：同一台机器、同一次运行里并排测量“常规管线”与 dlbook 张量快速通道的速度（见 {ref}`sec-mnist`）。

    python -m dlbook.bench mnist [--device auto] [--limit N] [--max-epochs 20] [--threads N]

(a) 常规管线：逐张取图 → PIL → ``ToTensor`` + ``Normalize`` → ``DataLoader``（batch 100，与源材料相同）；
(b) 张量快速通道：整个数据集一次性标准化放在设备上，按下标取小批量。
先只测数据管线（把整个训练集过一遍、产出标准化的小批量，不经过模型），再测端到端（训练同一个多层感知机一个 epoch）；
分别打印每秒图片数和两者之比。数据管线之比说明取数据本身快了多少；端到端之比还包含模型的计算，
在 CPU 上模型计算往往占大头，所以这个比值会小得多。最后用 (b) 继续训练，报告达到 97% 测试准确率所用的时间。
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from dlbook.data import DigitData, PilDigits, TensorBatches, images_to_tensor, load_digits_dataset
from dlbook.device import best_device, describe_device
from dlbook.models import mlp

MEAN, STD = 0.1307, 0.3081


@dataclass
class BenchResult:
    """一次基准测试的结果（见 {ref}`sec-mnist`）。"""

    dataset: str
    device: str
    images: int
    pipeline_images_per_s: float
    tensor_images_per_s: float
    target_accuracy: float
    seconds_to_target: float | None
    best_accuracy: float
    epochs_to_target: int | None
    pipeline_data_images_per_s: float = float("nan")
    tensor_data_images_per_s: float = float("nan")
    tensor_setup_seconds: float = float("nan")

    @property
    def ratio(self) -> float:
        """端到端（训练一个 epoch）的速度比 (b)/(a)。"""
        return self.tensor_images_per_s / self.pipeline_images_per_s

    @property
    def data_ratio(self) -> float:
        """只看数据管线（不经过模型）的速度比 (b)/(a)。"""
        return self.tensor_data_images_per_s / self.pipeline_data_images_per_s

    def report(self) -> str:
        """多行中文报告。"""
        reached = (
            f"{self.seconds_to_target:.2f} 秒（{self.epochs_to_target} 个 epoch）"
            if self.seconds_to_target is not None
            else f"未达到（最好 {self.best_accuracy:.2%}）"
        )
        return "\n".join(
            [
                f"数据：{self.dataset}",
                f"设备：{self.device}；每个 epoch {self.images:,} 张图片",
                "只取数据（过一遍训练集，产出标准化的小批量，不经过模型）：",
                f"  (a) 常规管线（PIL + ToTensor + DataLoader）：{self.pipeline_data_images_per_s:,.0f} 张/秒",
                f"  (b) 张量快速通道：{self.tensor_data_images_per_s:,.0f} 张/秒"
                f"（另有一次性的标准化与搬运 {self.tensor_setup_seconds:.3f} 秒）",
                f"  速度比 (b)/(a)：{self.data_ratio:.1f}×",
                "端到端（训练同一个多层感知机一个 epoch）：",
                f"  (a) 常规管线：{self.pipeline_images_per_s:,.0f} 张/秒",
                f"  (b) 张量快速通道：{self.tensor_images_per_s:,.0f} 张/秒",
                f"  速度比 (b)/(a)：{self.ratio:.1f}×",
                f"(b) 达到 {self.target_accuracy:.0%} 测试准确率用时：{reached}",
            ]
        )


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _train_epoch(model: nn.Module, batches: Iterable, optimizer, device: torch.device) -> float:
    """训练一个 epoch，返回所用秒数（包括取数据的时间）。"""
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    _sync(device)
    start = time.perf_counter()
    for x, y in batches:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    _sync(device)
    return time.perf_counter() - start


def _data_pass(batches: Iterable, device: torch.device) -> float:
    """只把数据过一遍（每个小批量搬到设备上，不经过模型），返回所用秒数。"""
    _sync(device)
    start = time.perf_counter()
    for x, y in batches:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
    _sync(device)
    return time.perf_counter() - start


@torch.no_grad()
def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    correct = sum(int((model(x[i : i + 4096]).argmax(1) == y[i : i + 4096]).sum()) for i in range(0, len(y), 4096))
    return correct / len(y)


def run_mnist(
    *,
    digits: DigitData | None = None,
    device: torch.device | str | None = None,
    limit: int | None = None,
    batch_size: int = 100,
    target_accuracy: float = 0.97,
    max_epochs: int = 20,
    seed: int = 0,
) -> BenchResult:
    """在同一次运行中测量 (a) 常规管线与 (b) 张量快速通道的取数据速度和训练一个 epoch 的速度（见 {ref}`sec-mnist`）。"""
    from torchvision import transforms

    device = torch.device(device) if device is not None else best_device()
    digits = digits if digits is not None else load_digits_dataset()
    images, labels = digits.train_images, digits.train_labels
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    if len(labels) == 0:
        raise ValueError("没有训练图片可用于基准测试。")

    # (a) 源材料的做法：每张图 PIL → ToTensor → Normalize，DataLoader 组批
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    loader = torch.utils.data.DataLoader(
        PilDigits(images, labels, transform=transform), batch_size=batch_size, shuffle=True, num_workers=0
    )
    data_a = _data_pass(loader, device)
    torch.manual_seed(seed)
    model_a = mlp().to(device)
    seconds_a = _train_epoch(model_a, loader, torch.optim.SGD(model_a.parameters(), lr=0.01, momentum=0.5), device)

    # (b) 张量快速通道：一次性标准化并放到设备上（单独计时），之后同样的模型、优化器和批大小
    _sync(device)
    start = time.perf_counter()
    x_train = images_to_tensor(images, mean=MEAN, std=STD, device=device)
    y_train = labels.to(device)
    _sync(device)
    setup_b = time.perf_counter() - start
    batches = TensorBatches(x_train, y_train, batch_size=batch_size, shuffle=True, seed=seed)
    data_b = _data_pass(batches, device)
    torch.manual_seed(seed)
    model_b = mlp().to(device)
    seconds_b = _train_epoch(model_b, batches, torch.optim.SGD(model_b.parameters(), lr=0.01, momentum=0.5), device)

    # (b) 继续：换成 Adam 和更大的批，看多久达到目标准确率（只计训练时间）
    x_test = images_to_tensor(digits.test_images, mean=MEAN, std=STD, device=device)
    y_test = digits.test_labels.to(device)
    torch.manual_seed(seed)
    model = mlp().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    fast = TensorBatches(x_train, y_train, batch_size=256, shuffle=True, seed=seed)
    elapsed, best, reached_at, epochs_used = 0.0, 0.0, None, None
    for epoch in range(1, max_epochs + 1):
        elapsed += _train_epoch(model, fast, optimizer, device)
        best = max(best, _accuracy(model, x_test, y_test))
        if best >= target_accuracy:
            reached_at, epochs_used = elapsed, epoch
            break

    return BenchResult(
        dataset=digits.describe(),
        device=describe_device(device),
        images=len(labels),
        pipeline_images_per_s=len(labels) / seconds_a,
        tensor_images_per_s=len(labels) / seconds_b,
        target_accuracy=target_accuracy,
        seconds_to_target=reached_at,
        best_accuracy=best,
        epochs_to_target=epochs_used,
        pipeline_data_images_per_s=len(labels) / data_a,
        tensor_data_images_per_s=len(labels) / max(data_b, 1e-9),
        tensor_setup_seconds=setup_b,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlbook.bench", description="dlbook 的基准测试")
    parser.add_argument("task", choices=["mnist"], help="要测的任务")
    parser.add_argument("--device", default="auto", help="auto（默认：CUDA → MPS → CPU）、cpu、cuda……")
    parser.add_argument("--limit", type=int, default=None, help="只用前 N 张训练图片")
    parser.add_argument("--max-epochs", type=int, default=20, help="达到目标准确率最多训练几个 epoch")
    parser.add_argument("--threads", type=int, default=None, help="PyTorch 在 CPU 上用几个线程（默认不改）")
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = None if args.device == "auto" else args.device
    result = run_mnist(device=device, limit=args.limit, max_epochs=args.max_epochs)
    print(result.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
