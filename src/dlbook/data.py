"""数据集：可配置的数据目录、用 pooch 带校验和下载、MNIST 与 Fashion-MNIST 的读取和离线退路、张量快速通道（见 {ref}`sec-mnist`）。

数据目录由环境变量 ``DLBOOK_DATA`` 指定，默认是仓库下的 ``data/``。能上网时缺失的文件由 pooch（CSV 数据）或
torchvision（MNIST、Fashion-MNIST）下载并校验；找不到或文件损坏时抛出中文说明的
:class:`DatasetMissingError` / :class:`DatasetCorruptError`，绝不悄悄返回错误的数据。
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DATA_ENV = "DLBOOK_DATA"
_REPO_ROOT = Path(__file__).resolve().parents[2]

#: MNIST 官方 6 万张训练图片缩放到 [0, 1] 后的像素均值与标准差（``transforms.Normalize`` 常用的两个数）。
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

#: 下载失败（网络错误或校验不符）后 pooch 再试的次数。
DOWNLOAD_RETRIES = 2

#: Fashion-MNIST 的十个类别：（中文，英文），顺序即标签 0–9。
FASHION_CLASSES: tuple[tuple[str, str], ...] = (
    ("T恤", "T-shirt/top"),
    ("裤子", "Trouser"),
    ("套衫", "Pullover"),
    ("连衣裙", "Dress"),
    ("外套", "Coat"),
    ("凉鞋", "Sandal"),
    ("衬衫", "Shirt"),
    ("运动鞋", "Sneaker"),
    ("包", "Bag"),
    ("短靴", "Ankle boot"),
)
MNIST_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))


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


# ---------------------------------------------------------------- 单个文件：查找、校验、下载


@dataclass(frozen=True)
class RemoteFile:
    """一个数据文件：在数据目录中的相对路径、公开下载地址（没有则为 None）和校验和（见 {ref}`sec-mnist`）。"""

    name: str
    url: str | None
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
# 下面四个文件只存在于本项目的离线数据目录（来源见各自的 PROVENANCE.md），没有单独的公开下载地址。
MNIST_SUBSET_IMAGES = RemoteFile(
    name="MNIST/subset/train-10k-images-idx3-ubyte.gz",
    url=None,
    sha256="6147811c070e77823b67d8be7963f6ab00af77f5660c687bbdc8a3a1bc7b7459",
    size=1596012,
)
MNIST_SUBSET_LABELS = RemoteFile(
    name="MNIST/subset/train-10k-labels-idx1-ubyte.gz",
    url=None,
    sha256="4098cd2f8985372bfe9d2755e944398058f46893cb54c15631c6343ae14199a9",
    size=73,
)
FASHION_ALL_IMAGES = RemoteFile(
    name="FashionMNIST/all/images-idx3-ubyte.gz",
    url=None,
    sha256="15918a7c71c982b9b4ba5dcbce5010169c2af85097b72c866fc240e73d1611c9",
    size=30224012,
)
FASHION_ALL_LABELS = RemoteFile(
    name="FashionMNIST/all/labels-idx1-ubyte.gz",
    url=None,
    sha256="8138e0a93ea2a195b77f3945db2f99b2e9578d30facf8cc80803bd3792dd54ed",
    size=126,
)


def sha256_of(path: Path) -> str:
    """计算文件的 sha256 十六进制摘要（见 {ref}`sec-mnist`）。"""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _how_to_get(remote: RemoteFile, target: Path) -> str:
    """一句中文：怎样得到这个文件。"""
    if remote.url is None:
        return (
            f"获取方法：这个文件属于本项目的离线数据（来源与校验和见同一文件夹的 PROVENANCE.md），没有单独的下载地址；"
            f"请把离线数据目录中的它复制到 {target}，或设置环境变量 {DATA_ENV} 指向离线数据目录。"
            f"能上网时用不到它：torchvision 会下载完整的官方数据集。"
        )
    return (
        f"获取方法：在能上网的机器上运行本书会自动下载并校验 sha256；或手动下载 {remote.url} 放到 {target}，"
        f"或设置环境变量 {DATA_ENV} 指向已有这些文件的数据目录。"
    )


def verify(path: Path, remote: RemoteFile) -> Path:
    """检查文件大小与 sha256，不符时抛出 :class:`DatasetCorruptError`（见 {ref}`sec-mnist`）。"""
    size = path.stat().st_size
    again = f"请删除它后重新获取。{_how_to_get(remote, path)}"
    if size != remote.size:
        raise DatasetCorruptError(
            f"数据文件 {path} 大小不对：应为 {remote.size} 字节，实际 {size} 字节（文件可能被截断或不是原始文件）。{again}"
        )
    actual = sha256_of(path)
    if actual != remote.sha256:
        raise DatasetCorruptError(
            f"数据文件 {path} 的 sha256 校验失败：应为 {remote.sha256}，实际 {actual}。文件已损坏或被改动，{again}"
        )
    return path


def _choose_downloader(url: str):
    """pooch 按地址的协议选择下载器，带进度条（测试里会被替换成立即失败的下载器）。"""
    import pooch

    return pooch.choose_downloader(url, progressbar=True)


def _new_dirs(path: Path, root: Path) -> list[Path]:
    """path 及其上级中（到 root 为止，含 root）还不存在的目录，由深到浅。"""
    missing = []
    while not path.exists():
        missing.append(path)
        if path == root or root not in path.parents:
            break
        path = path.parent
    return missing


def _remove_if_empty(dirs: Sequence[Path]) -> None:
    """由深到浅删除 dirs 中仍为空的目录（下载失败时不留下空目录；不删除任何文件）。"""
    for d in dirs:
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()


def _download(remote: RemoteFile, root: Path, downloader: Callable | None) -> Path:
    """用 pooch 下载一个文件到数据目录：先写临时文件，sha256 相符才改名，失败时重试。"""
    import pooch

    target = remote.where(root)
    created = _new_dirs(target.parent, root)
    fetcher = pooch.create(
        path=root,
        base_url="",
        registry={remote.name: f"sha256:{remote.sha256}"},
        urls={remote.name: remote.url},
        retry_if_failed=DOWNLOAD_RETRIES,
    )
    where = f"找过的位置：{target}；下载地址：{remote.url}。"
    try:
        path = Path(fetcher.fetch(remote.name, downloader=downloader or _choose_downloader(remote.url)))
    except ValueError as err:  # pooch：下载的内容与 sha256 不符（重试后仍然如此），或不支持的地址
        _remove_if_empty(created)
        raise DatasetCorruptError(
            f"从 {remote.url} 下载的文件未通过 sha256 校验，已丢弃（{err}）。{_how_to_get(remote, target)}"
        ) from err
    except OSError as err:  # requests 的连接错误、超时，以及写文件失败
        _remove_if_empty(created)
        raise DatasetMissingError(
            f"找不到数据文件 {remote.name}，下载也失败了（{err}）。{where}{_how_to_get(remote, target)}"
        ) from err
    return verify(path, remote)


def fetch(
    remote: RemoteFile,
    *,
    root: Path | None = None,
    download: bool = True,
    downloader: Callable | None = None,
) -> Path:
    """在数据目录中找到并校验一个数据文件，缺失时（若允许）用 pooch 下载并校验（见 {ref}`sec-mnist`）。"""
    root = Path(root) if root is not None else data_dir()
    target = remote.where(root)
    if target.is_file():
        return verify(target, remote)
    if not download or remote.url is None:
        raise DatasetMissingError(
            f"找不到数据文件 {remote.name}。找过的位置：{target}。{_how_to_get(remote, target)}"
        )
    return _download(remote, root, downloader)


def load_phone_price(*, root: Path | None = None, download: bool = True):
    """读取手机价格分类数据（2000 行、20 个特征 + price_range）为 pandas DataFrame（见 {ref}`sec-mnist`）。"""
    import pandas as pd

    path = fetch(PHONE_PRICE, root=root, download=download)
    frame = pd.read_csv(path)
    if frame.shape != (2000, 21) or "price_range" not in frame.columns:
        raise DatasetCorruptError(f"{path} 的内容不是预期的 2000 行 × 21 列（含 price_range），实际形状 {frame.shape}。")
    return frame


def load_diabetes(*, root: Path | None = None, download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """读取糖尿病数据（759 × 8 个特征，标签 0/1，形状 [759, 1]）为 float32 张量（见 {ref}`sec-logistic-regression`）。"""
    path = fetch(DIABETES, root=root, download=download)
    try:
        with gzip.open(path, "rt", encoding="ascii") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    except (OSError, EOFError, ValueError) as err:
        raise DatasetCorruptError(f"无法解压或解析 {path}：{err}") from err
    if table.shape != (759, 9):
        raise DatasetCorruptError(f"{path} 的形状应为 759 × 9，实际 {table.shape}。")
    return torch.from_numpy(table[:, :-1]), torch.from_numpy(table[:, -1:])


# ---------------------------------------------------------------- 图像数据集：MNIST 与 Fashion-MNIST


@dataclass
class ImageData:
    """一套图像分类数据：uint8 图像 [N, 28, 28]、标签、类别名，和一句说明来源与大小的中文（见 {ref}`sec-mnist`）。"""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    classes: Sequence[str]
    source: str

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            n_images, n_labels = len(getattr(self, f"{part}_images")), len(getattr(self, f"{part}_labels"))
            if n_images != n_labels:
                raise ValueError(f"{part} 部分有 {n_images} 张图像，却有 {n_labels} 个标签。")

    def describe(self) -> str:
        """与 ``source`` 相同：数据来自哪里、训练集与测试集各多少张。"""
        return self.source


def _read_idx_gz(path: Path, *, labels: bool) -> torch.Tensor:
    """解压一个 .gz 的 IDX 文件，交给 torchvision 自己的读取函数解析。"""
    from torchvision.datasets.mnist import read_image_file, read_label_file

    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        raise DatasetCorruptError(f"无法解压 {path}（文件被截断或不是 gzip）：{err}") from err
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / path.name.removesuffix(".gz")
        plain.write_bytes(raw)
        try:
            return (read_label_file if labels else read_image_file)(str(plain))
        except (AssertionError, RuntimeError, TypeError, ValueError) as err:
            raise DatasetCorruptError(f"{path} 不是有效的 IDX 文件（可能被截断）：{err}") from err


def _read_pair(
    images: RemoteFile, labels: RemoteFile, root: Path, *, download: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """找到、校验并读取一对 gzip IDX 文件（图像与标签），检查形状、数量和标签范围。"""
    x = _read_idx_gz(fetch(images, root=root, download=download), labels=False)
    y = _read_idx_gz(fetch(labels, root=root, download=download), labels=True)
    if tuple(x.shape[1:]) != (28, 28):
        raise DatasetCorruptError(f"{images.where(root)} 中的图像应为 28 × 28，实际 {tuple(x.shape[1:])}。")
    if len(x) != len(y):
        raise DatasetCorruptError(f"{images.where(root)} 有 {len(x)} 张图像，{labels.where(root)} 却有 {len(y)} 个标签。")
    if len(y) == 0 or int(y.min()) < 0 or int(y.max()) > 9:
        raise DatasetCorruptError(f"{labels.where(root)} 中没有标签，或标签超出 0–9。")
    return x, y


def _load_official(cls, root: Path, *, download: bool, errors: list[str]):
    """torchvision 布局下的完整官方数据集（训练、测试的图像与标签）；没有且下载不了时返回 None，失败原因记进 errors。"""
    raw = root / cls.__name__ / "raw"
    present = all((raw / name.removesuffix(".gz")).is_file() for name, _md5 in cls.resources)
    if not present and not download:
        return None
    created = _new_dirs(raw, root)
    try:
        train = cls(str(root), train=True, download=not present)  # torchvision 下载时校验 md5
        test = cls(str(root), train=False, download=False)
    except (AssertionError, OSError, RuntimeError, TypeError, ValueError) as err:
        if present:
            raise DatasetCorruptError(
                f"{raw} 中的官方 {cls.__name__} 文件无法读取（可能被截断或损坏）：{err}。请删除它们，在能上网时重新下载。"
            ) from err
        _remove_if_empty(created)  # 下载失败时 torchvision 会留下空目录
        errors.append(" ".join(str(err).split())[:300] or type(err).__name__)
        return None
    return train.data, train.targets, test.data, test.targets


def _missing_message(name: str, root: Path, offline: Sequence[RemoteFile], errors: Sequence[str]) -> str:
    """找不到某个图像数据集时的中文说明：找过哪些位置、下载为什么失败、如何获取。"""
    raw = root / name / "raw"
    places = [f"{raw}（torchvision 的标准布局，完整的官方数据）", *(str(f.where(root)) for f in offline)]
    failed = f"下载也失败了：{'；'.join(errors)}。" if errors else ""
    return (
        f"找不到 {name} 数据集。找过的位置：{'、'.join(places)}。{failed}"
        f"获取方法：在能上网的机器上运行（download=True，默认）即可由 torchvision 自动下载并校验 md5；"
        f"或把官方的 4 个 .gz 文件放进 {raw} 后以 download=True 运行（torchvision 会校验并解压）；"
        f"或设置环境变量 {DATA_ENV} 指向已有数据的目录（例如本项目的离线数据目录，"
        f"内有 {'、'.join(f.name for f in offline)}）。"
    )


def _shuffled(n: int, *, seed: int) -> torch.Tensor:
    """0..n-1 的一个由种子决定的随机排列。"""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


def _mnist_subset_and_test(root: Path, *, seed: int, download: bool) -> ImageData:
    """离线退路一：官方训练集的前 1 万张（按类别排好，先打乱）训练，官方测试集测试。"""
    images, labels = _read_pair(MNIST_SUBSET_IMAGES, MNIST_SUBSET_LABELS, root, download=download)
    test_images, test_labels = _read_pair(MNIST_TEST_IMAGES, MNIST_TEST_LABELS, root, download=download)
    order = _shuffled(len(labels), seed=seed)
    return ImageData(
        train_images=images[order],
        train_labels=labels[order],
        test_images=test_images,
        test_labels=test_labels,
        classes=MNIST_CLASSES,
        source=(
            f"MNIST 官方训练集的前 {len(labels):,} 张作训练集（离线子集，按种子 {seed} 打乱；完整的训练集有 60,000 张），"
            f"官方测试集的 {len(test_labels):,} 张作测试集"
        ),
    )


def _mnist_test_only(root: Path, *, seed: int, test_size: int, download: bool) -> ImageData:
    """离线退路二：只有官方测试集时，按种子把它随机分成训练和测试两部分。"""
    images, labels = _read_pair(MNIST_TEST_IMAGES, MNIST_TEST_LABELS, root, download=download)
    if not 0 < test_size < len(labels):
        raise ValueError(f"fallback_test_size 应在 1 到 {len(labels) - 1} 之间，收到 {test_size}。")
    order = _shuffled(len(labels), seed=seed)
    test_idx, train_idx = order[:test_size], order[test_size:]
    return ImageData(
        train_images=images[train_idx],
        train_labels=labels[train_idx],
        test_images=images[test_idx],
        test_labels=labels[test_idx],
        classes=MNIST_CLASSES,
        source=(
            f"离线退路：只有 MNIST 官方测试集的 {len(labels):,} 张，按种子 {seed} 随机分成训练集 {len(train_idx):,} 张、"
            f"测试集 {len(test_idx):,} 张（没有训练集文件；准确率不能与官方测试集上的结果直接比较）"
        ),
    )


def load_digits_dataset(
    *,
    root: Path | None = None,
    download: bool = True,
    seed: int = 0,
    fallback_test_size: int = 2000,
) -> ImageData:
    """读取 MNIST：完整官方数据，否则官方训练集前 1 万张 + 官方测试集，否则只用官方测试集（见 {ref}`sec-mnist`）。"""
    from torchvision import datasets

    root = Path(root) if root is not None else data_dir()
    errors: list[str] = []
    official = _load_official(datasets.MNIST, root, download=download, errors=errors)
    if official is not None:
        n_train, n_test = len(official[1]), len(official[3])
        source = f"完整的官方 MNIST（torchvision 读取，{root / 'MNIST'}）：训练集 {n_train:,} 张，测试集 {n_test:,} 张"
        return ImageData(*official, classes=MNIST_CLASSES, source=source)
    if any(f.where(root).is_file() for f in (MNIST_SUBSET_IMAGES, MNIST_SUBSET_LABELS)):
        return _mnist_subset_and_test(root, seed=seed, download=download)
    if any(f.where(root).is_file() for f in (MNIST_TEST_IMAGES, MNIST_TEST_LABELS)):
        return _mnist_test_only(root, seed=seed, test_size=fallback_test_size, download=download)
    offline = (MNIST_SUBSET_IMAGES, MNIST_SUBSET_LABELS, MNIST_TEST_IMAGES, MNIST_TEST_LABELS)
    raise DatasetMissingError(_missing_message("MNIST", root, offline, errors))


def _stratified_split(labels: torch.Tensor, *, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """分层随机划分：每个类别各取 test_fraction 作测试；两部分的顺序再各自打乱（返回下标）。"""
    generator = torch.Generator().manual_seed(seed)
    train_parts, test_parts = [], []
    for c in labels.unique(sorted=True):
        idx = (labels == c).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=generator)]
        k = round(len(idx) * test_fraction)
        test_parts.append(idx[:k])
        train_parts.append(idx[k:])
    train_idx, test_idx = torch.cat(train_parts), torch.cat(test_parts)
    train_idx = train_idx[torch.randperm(len(train_idx), generator=generator)]
    test_idx = test_idx[torch.randperm(len(test_idx), generator=generator)]
    return train_idx, test_idx


def _fashion_offline_split(root: Path, *, seed: int) -> ImageData:
    """离线退路：没有官方划分的 7 万张，按种子分层划分为 6 万 / 1 万（每类 6,000 / 1,000）。"""
    images, labels = _read_pair(FASHION_ALL_IMAGES, FASHION_ALL_LABELS, root, download=False)
    train_idx, test_idx = _stratified_split(labels, test_fraction=1 / 7, seed=seed)
    per_train = set(torch.bincount(labels[train_idx]).tolist())
    per_test = set(torch.bincount(labels[test_idx]).tolist())
    each = (
        f"每类 {per_train.pop():,} 张训练、{per_test.pop():,} 张测试"
        if len(per_train) == len(per_test) == 1
        else "每类七分之一作测试"
    )
    return ImageData(
        train_images=images[train_idx],
        train_labels=labels[train_idx],
        test_images=images[test_idx],
        test_labels=labels[test_idx],
        classes=tuple(zh for zh, _en in FASHION_CLASSES),
        source=(
            f"离线的 Fashion-MNIST 全部 {len(labels):,} 张（没有官方的训练/测试划分），按种子 {seed} 分层随机划分为"
            f"训练集 {len(train_idx):,} 张、测试集 {len(test_idx):,} 张（{each}）；"
            f"测试准确率与官方测试集上的结果可比，但不完全相同"
        ),
    )


def load_fashion_mnist(*, root: Path | None = None, download: bool = True, seed: int = 0) -> ImageData:
    """读取 Fashion-MNIST：官方训练 / 测试集；离线时把 7 万张按种子分层划分为 6 万 / 1 万（见 {ref}`sec-mnist`）。"""
    from torchvision import datasets

    root = Path(root) if root is not None else data_dir()
    errors: list[str] = []
    official = _load_official(datasets.FashionMNIST, root, download=download, errors=errors)
    if official is not None:
        n_train, n_test = len(official[1]), len(official[3])
        return ImageData(
            *official,
            classes=tuple(zh for zh, _en in FASHION_CLASSES),
            source=f"官方 Fashion-MNIST（torchvision 读取，{root / 'FashionMNIST'}）：训练集 {n_train:,} 张，测试集 {n_test:,} 张",
        )
    offline = (FASHION_ALL_IMAGES, FASHION_ALL_LABELS)
    if any(f.where(root).is_file() for f in offline):
        return _fashion_offline_split(root, seed=seed)
    raise DatasetMissingError(_missing_message("FashionMNIST", root, offline, errors))


# ---------------------------------------------------------------- 张量快速通道


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
    "DOWNLOAD_RETRIES",
    "DatasetCorruptError",
    "DatasetMissingError",
    "FASHION_ALL_IMAGES",
    "FASHION_ALL_LABELS",
    "FASHION_CLASSES",
    "ImageData",
    "MNIST_CLASSES",
    "MNIST_MEAN",
    "MNIST_STD",
    "MNIST_SUBSET_IMAGES",
    "MNIST_SUBSET_LABELS",
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
    "load_fashion_mnist",
    "load_phone_price",
    "sha256_of",
    "verify",
]
