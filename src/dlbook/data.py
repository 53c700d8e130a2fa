"""数据集：可配置的数据目录、带校验和的查找与下载、MNIST 的离线退路和张量快速通道（见 {ref}`sec-mnist`）。

数据目录由环境变量 ``DLBOOK_DATA`` 指定，默认是仓库下的 ``data/``。能上网时缺失的文件会被下载并校验；
找不到或文件损坏时抛出中文说明的 :class:`DatasetMissingError` / :class:`DatasetCorruptError`。
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DATA_ENV = "DLBOOK_DATA"
_REPO_ROOT = Path(__file__).resolve().parents[2]


class DatasetMissingError(FileNotFoundError):
    """找不到数据集文件（错误信息说明找过哪些位置、如何获取）（见 {ref}`sec-mnist`）。"""


class DatasetCorruptError(ValueError):
    """数据集文件损坏：校验和不符、被截断或无法解压（见 {ref}`sec-mnist`）。"""


def data_dir() -> Path:
    """数据目录：环境变量 ``DLBOOK_DATA``，否则是仓库下的 ``data/``（见 {ref}`sec-intro`）。"""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    if (_REPO_ROOT / "_toc.yml").is_file():
        return _REPO_ROOT / "data"
    return Path.cwd() / "data"


@dataclass(frozen=True)
class RemoteFile:
    """一个数据文件：在数据目录中的相对路径、公开下载地址和校验和（见 {ref}`sec-mnist`）。"""

    name: str
    url: str
    sha256: str
    size: int

    def where(self, root: Path | None = None) -> Path:
        return (root if root is not None else data_dir()) / self.name


PHONE_PRICE = RemoteFile(
    name="phone-price/train.csv",
    url="https://raw.githubusercontent.com/fatemedbghi/mobile-price-classification/master/train.csv",
    sha256="f9e8cd3154b8684a1be0ff401b1fba7750710af6bd076a399c6ce7ceb979c624",
    size=122403,
)
DIABETES = RemoteFile(
    name="diabetes/diabetes.csv.gz",
    url="https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/diabetes.csv.gz",
    sha256="398214d0f6b7f4a722f598d8e424f28bc078abbd16ebdeea0f8e264492325aa4",
    size=13539,
)
MNIST_TEST_IMAGES = RemoteFile(
    name="MNIST/raw/t10k-images-idx3-ubyte.gz",
    url="https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz",
    sha256="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    size=1648877,
)
MNIST_TEST_LABELS = RemoteFile(
    name="MNIST/raw/t10k-labels-idx1-ubyte.gz",
    url="https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
    sha256="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    size=4542,
)


def sha256_of(path: Path) -> str:
    """计算文件的 sha256 十六进制摘要（见 {ref}`sec-mnist`）。"""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, remote: RemoteFile) -> Path:
    """检查文件大小与 sha256，不符时抛出 :class:`DatasetCorruptError`（见 {ref}`sec-mnist`）。"""
    size = path.stat().st_size
    if size != remote.size:
        raise DatasetCorruptError(
            f"数据文件 {path} 大小不对：应为 {remote.size} 字节，实际 {size} 字节（文件可能被截断或不是原始文件）。"
            f"请删除它后重新获取：{remote.url}"
        )
    actual = sha256_of(path)
    if actual != remote.sha256:
        raise DatasetCorruptError(
            f"数据文件 {path} 的 sha256 校验失败：应为 {remote.sha256}，实际 {actual}。"
            f"文件已损坏或被改动，请删除它后重新获取：{remote.url}"
        )
    return path


def _urlopen_bytes(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310（只用于固定的公开地址或测试中的 file://）
        return response.read()


def fetch(
    remote: RemoteFile,
    *,
    root: Path | None = None,
    download: bool = True,
    opener: Callable[[str], bytes] = _urlopen_bytes,
) -> Path:
    """在数据目录中找到并校验一个数据文件，缺失时（若允许）下载并校验（见 {ref}`sec-mnist`）。"""
    root = root if root is not None else data_dir()
    target = remote.where(root)
    if target.is_file():
        return verify(target, remote)
    how = (
        f"获取方法：在能上网的机器上运行本书会自动下载；或手动下载 {remote.url} 放到 {target}，"
        f"或设置环境变量 {DATA_ENV} 指向已有这些文件的数据目录。"
    )
    if not download:
        raise DatasetMissingError(f"找不到数据文件 {remote.name}。找过的位置：{target}。{how}")
    try:
        payload = opener(remote.url)
    except OSError as err:  # URLError、超时、连接被拒……
        raise DatasetMissingError(
            f"找不到数据文件 {remote.name}，下载也失败了（{err}）。找过的位置：{target}；下载地址：{remote.url}。{how}"
        ) from err
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as tmp:
        tmp.write(payload)
    partial = Path(tmp.name)
    try:
        verify(partial, remote)
    except DatasetCorruptError as err:
        partial.unlink(missing_ok=True)
        raise DatasetCorruptError(f"从 {remote.url} 下载的文件未通过校验：{err}") from err
    partial.replace(target)
    return target


def load_phone_price(*, root: Path | None = None, download: bool = True):
    """读取手机价格分类数据（2000 行、20 个特征 + price_range）为 pandas DataFrame（见 {ref}`sec-mnist`）。"""
    import pandas as pd

    path = fetch(PHONE_PRICE, root=root, download=download)
    frame = pd.read_csv(path)
    if frame.shape != (2000, 21) or "price_range" not in frame.columns:
        raise DatasetCorruptError(f"{path} 的内容不是预期的 2000 行 × 21 列（含 price_range），实际形状 {frame.shape}。")
    return frame


def load_diabetes(*, root: Path | None = None, download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """读取糖尿病数据（759 × 8 个特征，标签 0/1，形状 [759, 1]）为 float32 张量（见 {ref}`sec-mnist`）。"""
    path = fetch(DIABETES, root=root, download=download)
    try:
        with gzip.open(path, "rt", encoding="ascii") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    except (OSError, EOFError, ValueError) as err:
        raise DatasetCorruptError(f"无法解压或解析 {path}：{err}") from err
    if table.shape != (759, 9):
        raise DatasetCorruptError(f"{path} 的形状应为 759 × 9，实际 {table.shape}。")
    return torch.from_numpy(table[:, :-1]), torch.from_numpy(table[:, -1:])


# ---------------------------------------------------------------- MNIST


@dataclass
class DigitData:
    """一套手写数字数据：uint8 图像 [N, 28, 28] 与标签，以及来源说明（见 {ref}`sec-mnist`）。"""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    classes: list[str]
    source: str

    def describe(self) -> str:
        """一句中文：数据来自哪里、训练集与测试集各多少张。"""
        return f"{self.source}：训练集 {len(self.train_labels):,} 张，测试集 {len(self.test_labels):,} 张"


def _read_idx_gz(path: Path, reader: Callable[[str], torch.Tensor]) -> torch.Tensor:
    """解压一个 .gz 的 IDX 文件，交给 torchvision 自己的读取函数解析。"""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        raise DatasetCorruptError(f"无法解压 {path}：{err}") from err
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / path.name.removesuffix(".gz")
        plain.write_bytes(raw)
        try:
            return reader(str(plain))
        except (AssertionError, RuntimeError, ValueError) as err:
            raise DatasetCorruptError(f"{path} 不是有效的 IDX 文件：{err}") from err


def _remove_empty_dirs(path: Path) -> None:
    """自下而上删除 path 中的空目录（不删除任何文件）。"""
    if not path.is_dir():
        return
    for sub in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
    if not any(path.iterdir()):
        path.rmdir()


def _mnist_test_files_only(root: Path, *, seed: int, test_size: int) -> DigitData:
    from torchvision.datasets.mnist import read_image_file, read_label_file

    images = _read_idx_gz(verify(MNIST_TEST_IMAGES.where(root), MNIST_TEST_IMAGES), read_image_file)
    labels = _read_idx_gz(verify(MNIST_TEST_LABELS.where(root), MNIST_TEST_LABELS), read_label_file)
    if len(images) != len(labels):
        raise DatasetCorruptError(f"MNIST 图像有 {len(images)} 张，标签却有 {len(labels)} 个。")
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    test_idx, train_idx = order[:test_size], order[test_size:]
    return DigitData(
        train_images=images[train_idx],
        train_labels=labels[train_idx],
        test_images=images[test_idx],
        test_labels=labels[test_idx],
        classes=[str(d) for d in range(10)],
        source=f"MNIST 官方测试集的 {len(labels):,} 张真实图片（离线退路：没有 6 万张的训练集，按种子 {seed} 随机划分）",
    )


def load_digits_dataset(
    *,
    name: str = "mnist",
    root: Path | None = None,
    download: bool = True,
    seed: int = 0,
    fallback_test_size: int = 2000,
) -> DigitData:
    """读取 MNIST 或 Fashion-MNIST；MNIST 缺训练集时退回到只用官方测试集的 1 万张图片（见 {ref}`sec-mnist`）。"""
    from torchvision import datasets

    classes_by_name = {"mnist": datasets.MNIST, "fashion": datasets.FashionMNIST}
    if name not in classes_by_name:
        raise ValueError(f"未知的数据集 {name!r}：可选 'mnist' 或 'fashion'。")
    root = root if root is not None else data_dir()
    cls = classes_by_name[name]
    errors: list[str] = []
    folder = root / cls.__name__
    existed = folder.exists()
    for allow in ([False, True] if download else [False]):
        try:
            train = cls(str(root), train=True, download=allow)
            test = cls(str(root), train=False, download=allow)
        except (RuntimeError, OSError) as err:
            errors.append(" ".join(str(err).split())[:300] or type(err).__name__)
            if not existed:
                _remove_empty_dirs(folder)  # 下载失败时 torchvision 会留下空目录
            continue
        return DigitData(
            train_images=train.data,
            train_labels=train.targets,
            test_images=test.data,
            test_labels=test.targets,
            classes=list(train.classes),
            source=f"完整的 {cls.__name__}（{root}）",
        )
    if name == "mnist" and MNIST_TEST_IMAGES.where(root).is_file() and MNIST_TEST_LABELS.where(root).is_file():
        return _mnist_test_files_only(root, seed=seed, test_size=fallback_test_size)
    folder = folder / "raw"
    raise DatasetMissingError(
        f"找不到 {cls.__name__} 数据集。找过的位置：{folder}（torchvision 的标准布局）"
        + (f"，以及离线退路 {MNIST_TEST_IMAGES.where(root)}" if name == "mnist" else "")
        + f"。{'下载也失败了：' + '；'.join(errors[1:]) + '。' if download and len(errors) > 1 else ''}"
        f"获取方法：在能上网的机器上运行即可由 torchvision 自动下载并校验 md5；"
        f"或把官方的 .gz 文件放进 {folder}，或设置环境变量 {DATA_ENV} 指向已有数据的目录。"
    )


# ---------------------------------------------------------------- 张量快速通道

#: MNIST 六万张训练图片缩放到 [0, 1] 后的像素均值与标准差（``Normalize`` 的两个数），全包只在这里写一次
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def image_statistics(images: torch.Tensor) -> tuple[float, float]:
    """把 uint8 图像缩放到 [0, 1] 后的像素均值与标准差，即 ``Normalize`` 用的两个数（见 {ref}`sec-mnist`）。"""
    x = images.to(torch.float64) / 255.0
    return float(x.mean()), float(x.std())


def images_to_tensor(
    images: torch.Tensor,
    *,
    mean: float = MNIST_MEAN,
    std: float = MNIST_STD,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """一次性把 uint8 图像 [N, H, W] 变成标准化的 float32 张量 [N, 1, H, W]，放到设备上（见 {ref}`sec-mnist`）。"""
    if std <= 0:
        raise ValueError(f"标准差 std 必须为正数，收到 {std}。")
    x = images.to(device=device, dtype=torch.float32).div_(255.0)
    return x.sub_(mean).div_(std).unsqueeze(1)


class TensorBatches:
    """整块放在设备上的数据集按下标取小批量；没有 PIL，也没有逐个样本的转换（见 {ref}`sec-mnist`）。"""

    def __init__(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        *,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
    ) -> None:
        if len(inputs) != len(targets):
            raise ValueError(f"输入有 {len(inputs)} 个样本，目标却有 {len(targets)} 个。")
        if batch_size < 1:
            raise ValueError(f"batch_size 至少为 1，收到 {batch_size}。")
        self.inputs, self.targets = inputs, targets
        self.batch_size, self.shuffle = batch_size, shuffle
        self._generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return (len(self.targets) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.targets)
        if self.shuffle:
            order = torch.randperm(n, generator=self._generator).to(self.inputs.device)
        else:
            order = torch.arange(n, device=self.inputs.device)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.inputs[idx], self.targets[idx]


class PilDigits(torch.utils.data.Dataset):
    """与 torchvision 的 MNIST 相同的取样方式：每次取一张，转成 PIL 图像再做 transform（见 {ref}`sec-mnist`）。

    用于演示和基准测试“常规管线”（``ToTensor`` + ``DataLoader``）的速度。
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, *, transform=None) -> None:
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        from PIL import Image

        image = Image.fromarray(self.images[index].numpy())  # uint8 二维数组 → 灰度图
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])


__all__ = [
    "DATA_ENV",
    "DIABETES",
    "DatasetCorruptError",
    "DatasetMissingError",
    "DigitData",
    "MNIST_MEAN",
    "MNIST_STD",
    "MNIST_TEST_IMAGES",
    "MNIST_TEST_LABELS",
    "PHONE_PRICE",
    "PilDigits",
    "RemoteFile",
    "TensorBatches",
    "data_dir",
    "fetch",
    "image_statistics",
    "images_to_tensor",
    "load_diabetes",
    "load_digits_dataset",
    "load_phone_price",
    "sha256_of",
    "verify",
]

