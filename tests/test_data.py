import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import requests
import torch

from dlbook import data
from dlbook.data import (
    DatasetCorruptError,
    DatasetMissingError,
    RemoteFile,
    TensorBatches,
    fetch,
    images_to_tensor,
    load_digits_dataset,
    load_fashion_mnist,
)

SHARED = Path(os.environ.get("DLBOOK_DATA", "/nonexistent"))


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """没有网络：torchvision 与 pooch 的下载都立即失败（和真的离线一样，先留下空目录），也不重试。"""
    from torchvision import datasets

    def torchvision_download(self):
        Path(self.raw_folder).mkdir(parents=True, exist_ok=True)
        raise RuntimeError(f"Error downloading {self.resources[0][0]}:\nTried https://example.invalid/, got:\nURLError")

    def pooch_download(url, output_file, pooch):
        raise requests.exceptions.ConnectionError(f"测试中没有网络：{url}")

    for cls in (datasets.MNIST, datasets.FashionMNIST):
        monkeypatch.setattr(cls, "download", torchvision_download)
    monkeypatch.setattr(data, "_choose_downloader", lambda url: pooch_download)
    monkeypatch.setattr(data, "DOWNLOAD_RETRIES", 0)


# ---------------------------------------------------------------- 小文件工厂


def _remote(payload: bytes, name="toy/file.bin", url="https://example.invalid/file.bin") -> RemoteFile:
    return RemoteFile(name=name, url=url, sha256=hashlib.sha256(payload).hexdigest(), size=len(payload))


def _install(monkeypatch, root: Path, attr: str, payload: bytes) -> Path:
    """把 payload 写到 data.<attr> 在 root 中的位置，并让 data.<attr> 的校验和与之相符。"""
    old = getattr(data, attr)
    path = root / old.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    monkeypatch.setattr(data, attr, RemoteFile(old.name, old.url, hashlib.sha256(payload).hexdigest(), len(payload)))
    return path


def _images(labels, *, start=0) -> np.ndarray:
    """每张图的像素 [0, 0] 记着标签，[0, 1]、[0, 2] 记着一个全局编号，用来核对配对与重叠。"""
    n = len(labels)
    x = np.zeros((n, 28, 28), dtype=np.uint8)
    ids = np.arange(start, start + n)
    x[:, 0, 0], x[:, 0, 1], x[:, 0, 2] = labels, ids // 256, ids % 256
    x[:, 5:20, 5:20] = (np.arange(n) % 200 + 50)[:, None, None]
    return x


def _idx_images(images: np.ndarray) -> bytes:
    n, h, w = images.shape
    return b"".join(v.to_bytes(4, "big") for v in (2051, n, h, w)) + images.tobytes()


def _idx_labels(labels) -> bytes:
    return (2049).to_bytes(4, "big") + len(labels).to_bytes(4, "big") + bytes(int(v) for v in labels)


def _ids(images: torch.Tensor) -> list[int]:
    return (images[:, 0, 1].long() * 256 + images[:, 0, 2].long()).tolist()


def _offline_pair(monkeypatch, root, images_attr, labels_attr, labels, *, start=0):
    labels = np.asarray(labels, dtype=np.uint8)
    _install(monkeypatch, root, images_attr, gzip.compress(_idx_images(_images(labels, start=start)), mtime=0))
    _install(monkeypatch, root, labels_attr, gzip.compress(_idx_labels(labels), mtime=0))


def _grouped(per_class: int) -> np.ndarray:
    return np.repeat(np.arange(10), per_class)


def _official_layout(root: Path, name: str, *, n_train: int, n_test: int) -> None:
    """torchvision 的布局：root/<name>/raw/ 下 4 个解压后的 IDX 文件。"""
    raw = root / name / "raw"
    raw.mkdir(parents=True)
    for prefix, n, start in (("train", n_train, 0), ("t10k", n_test, 1000)):
        labels = np.arange(n) % 10
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(_idx_images(_images(labels, start=start)))
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(_idx_labels(labels))


# ---------------------------------------------------------------- 数据目录与单个文件


def test_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path
    monkeypatch.delenv("DLBOOK_DATA")
    assert data.data_dir().name == "data"


def test_fetch_finds_and_verifies_existing_file(tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy/file.bin").write_bytes(b"hello")
    assert fetch(_remote(b"hello"), root=tmp_path, download=False) == tmp_path / "toy/file.bin"


def test_missing_file_error_names_file_places_and_remedy(tmp_path):
    with pytest.raises(DatasetMissingError) as info:
        fetch(_remote(b"x"), root=tmp_path, download=False)
    msg = str(info.value)
    assert "toy/file.bin" in msg and str(tmp_path / "toy/file.bin") in msg
    assert "DLBOOK_DATA" in msg and "https://example.invalid/file.bin" in msg


def test_offline_only_file_is_not_downloaded_and_says_where_it_comes_from(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_choose_downloader", lambda url: pytest.fail("不应尝试下载"))
    with pytest.raises(DatasetMissingError) as info:
        fetch(_remote(b"x", url=None), root=tmp_path, download=True)
    assert "PROVENANCE.md" in str(info.value) and str(tmp_path / "toy/file.bin") in str(info.value)


def test_failed_download_is_a_missing_error_and_leaves_no_empty_dirs(tmp_path):
    with pytest.raises(DatasetMissingError, match="下载也失败了") as info:
        fetch(_remote(b"x"), root=tmp_path / "data")
    assert "测试中没有网络" in str(info.value)
    assert not (tmp_path / "data").exists()


def test_download_goes_through_pooch_and_is_verified_and_stored(tmp_path):
    payload, calls = b"0123456789", []

    def downloader(url, output_file, pooch):
        calls.append((url, pooch))
        Path(output_file).write_bytes(payload)

    path = fetch(_remote(payload), root=tmp_path, downloader=downloader)
    assert path == tmp_path / "toy/file.bin" and path.read_bytes() == payload
    assert calls[0][0] == "https://example.invalid/file.bin" and calls[0][1] is not None  # pooch 调用了下载器
    assert sorted(p.name for p in (tmp_path / "toy").iterdir()) == ["file.bin"]  # 没有残留的临时文件


def test_download_is_retried_after_a_network_error(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DOWNLOAD_RETRIES", 1)
    attempts = []

    def flaky(url, output_file, pooch):
        attempts.append(url)
        if len(attempts) == 1:
            raise requests.exceptions.ConnectionError("第一次断线")
        Path(output_file).write_bytes(b"abc")

    assert fetch(_remote(b"abc"), root=tmp_path, downloader=flaky).read_bytes() == b"abc"
    assert len(attempts) == 2


def test_download_with_wrong_bytes_is_rejected_and_not_kept(tmp_path):
    def evil(url, output_file, pooch):
        Path(output_file).write_bytes(b"evil bytes")

    with pytest.raises(DatasetCorruptError, match="未通过 sha256 校验"):
        fetch(_remote(b"good bytes"), root=tmp_path, downloader=evil)
    assert not (tmp_path / "toy").exists()


def test_truncated_and_altered_files_are_rejected(tmp_path):
    remote = _remote(b"abcdefgh")
    target = tmp_path / remote.name
    target.parent.mkdir(parents=True)
    target.write_bytes(b"abcd")
    with pytest.raises(DatasetCorruptError, match="大小不对"):
        fetch(remote, root=tmp_path, download=False)
    target.write_bytes(b"abcdefgX")
    with pytest.raises(DatasetCorruptError, match="sha256"):
        fetch(remote, root=tmp_path, download=True)  # 损坏的文件不会被悄悄覆盖
    assert target.read_bytes() == b"abcdefgX"


# ---------------------------------------------------------------- 糖尿病数据


def _fake_diabetes(tmp_path, monkeypatch, rows=759):
    table = np.round(np.random.default_rng(0).uniform(-1, 1, size=(rows, 9)), 4)
    table[:, -1] = (table[:, -1] > 0).astype(float)
    text = "\n".join(",".join(f"{v:.4f}" for v in row) for row in table).encode()
    _install(monkeypatch, tmp_path, "DIABETES", gzip.compress(text, mtime=0))


def test_load_diabetes_parses_features_and_labels(tmp_path, monkeypatch):
    _fake_diabetes(tmp_path, monkeypatch)
    x, y = data.load_diabetes(root=tmp_path, download=False)
    assert x.shape == (759, 8) and y.shape == (759, 1) and x.dtype == torch.float32
    assert set(y.unique().tolist()) <= {0.0, 1.0}


def test_load_diabetes_rejects_wrong_shape(tmp_path, monkeypatch):
    _fake_diabetes(tmp_path, monkeypatch, rows=10)
    with pytest.raises(DatasetCorruptError, match="759"):
        data.load_diabetes(root=tmp_path, download=False)


def test_bad_gzip_is_rejected(tmp_path, monkeypatch):
    _install(monkeypatch, tmp_path, "DIABETES", b"this is not gzip")
    with pytest.raises(DatasetCorruptError, match="无法解压"):
        data.load_diabetes(root=tmp_path, download=False)


# ---------------------------------------------------------------- MNIST：三种来源


def test_mnist_full_official_set_is_preferred(tmp_path, monkeypatch):
    _official_layout(tmp_path, "MNIST", n_train=30, n_test=12)
    _offline_pair(monkeypatch, tmp_path, "MNIST_SUBSET_IMAGES", "MNIST_SUBSET_LABELS", _grouped(5))
    digits = load_digits_dataset(root=tmp_path, download=False)
    assert "完整的官方 MNIST" in digits.source and "30" in digits.source and "12" in digits.source
    assert digits.train_images.shape == (30, 28, 28) and digits.train_images.dtype == torch.uint8
    assert digits.train_labels.tolist() == [i % 10 for i in range(30)]  # 官方顺序，原样
    assert _ids(digits.test_images) == list(range(1000, 1012))
    assert list(digits.classes) == [str(d) for d in range(10)] and digits.describe() == digits.source


def test_mnist_truncated_official_file_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    _official_layout(tmp_path, "MNIST", n_train=30, n_test=12)
    path = tmp_path / "MNIST/raw/train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    _offline_pair(monkeypatch, tmp_path, "MNIST_SUBSET_IMAGES", "MNIST_SUBSET_LABELS", _grouped(5))
    with pytest.raises(DatasetCorruptError, match="MNIST"):
        load_digits_dataset(root=tmp_path, download=False)


def _subset_and_test(tmp_path, monkeypatch, *, per_class=5, n_test=20):
    _offline_pair(monkeypatch, tmp_path, "MNIST_SUBSET_IMAGES", "MNIST_SUBSET_LABELS", _grouped(per_class))
    _offline_pair(monkeypatch, tmp_path, "MNIST_TEST_IMAGES", "MNIST_TEST_LABELS", np.arange(n_test) % 10, start=500)


def test_mnist_subset_trains_and_official_test_set_tests(tmp_path, monkeypatch):
    _subset_and_test(tmp_path, monkeypatch)
    digits = load_digits_dataset(root=tmp_path, download=True)  # 下载失败后退到离线子集
    assert "前 50 张" in digits.source and "官方测试集的 20 张" in digits.source
    assert sorted(_ids(digits.train_images)) == list(range(50))  # 恰好是子集，一张不多一张不少
    assert digits.train_labels.tolist() != sorted(digits.train_labels.tolist())  # 按类别排好的顺序被打乱了
    assert torch.equal(digits.train_images[:, 0, 0].long(), digits.train_labels)  # 图像与标签仍然配对
    assert _ids(digits.test_images) == list(range(500, 520)) and digits.test_labels.tolist() == [i % 10 for i in range(20)]
    assert not set(_ids(digits.train_images)) & set(_ids(digits.test_images))
    assert not (tmp_path / "MNIST/raw/train-images-idx3-ubyte").exists()


def test_mnist_subset_shuffle_is_seeded(tmp_path, monkeypatch):
    _subset_and_test(tmp_path, monkeypatch)
    a = load_digits_dataset(root=tmp_path, download=False, seed=0)
    b = load_digits_dataset(root=tmp_path, download=False, seed=0)
    c = load_digits_dataset(root=tmp_path, download=False, seed=1)
    assert torch.equal(a.train_labels, b.train_labels) and torch.equal(a.train_images, b.train_images)
    assert _ids(a.train_images) != _ids(c.train_images)


def test_mnist_subset_without_test_set_names_the_missing_files(tmp_path, monkeypatch):
    _offline_pair(monkeypatch, tmp_path, "MNIST_SUBSET_IMAGES", "MNIST_SUBSET_LABELS", _grouped(5))
    with pytest.raises(DatasetMissingError) as info:
        load_digits_dataset(root=tmp_path, download=True)
    assert str(tmp_path / "MNIST/raw/t10k-images-idx3-ubyte.gz") in str(info.value)
    assert "下载也失败了" in str(info.value)  # 官方测试集有公开地址，pooch 试过下载


def test_mnist_subset_with_wrong_checksum_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    _subset_and_test(tmp_path, monkeypatch)
    path = tmp_path / data.MNIST_SUBSET_LABELS.name
    payload = bytearray(path.read_bytes())
    payload[-5] ^= 0xFF
    path.write_bytes(bytes(payload))
    with pytest.raises(DatasetCorruptError, match="sha256") as info:
        load_digits_dataset(root=tmp_path, download=False)
    assert str(path) in str(info.value)


def test_mnist_test_only_fallback_splits_test_files_and_says_so(tmp_path, monkeypatch):
    _offline_pair(monkeypatch, tmp_path, "MNIST_TEST_IMAGES", "MNIST_TEST_LABELS", np.arange(50) % 10)
    digits = load_digits_dataset(root=tmp_path, download=False, fallback_test_size=10)
    assert len(digits.train_labels) == 40 and len(digits.test_labels) == 10
    assert "离线退路" in digits.source and "40" in digits.source and "官方测试集" in digits.source
    assert not set(_ids(digits.train_images)) & set(_ids(digits.test_images))
    again = load_digits_dataset(root=tmp_path, download=False, fallback_test_size=10)
    assert torch.equal(again.test_labels, digits.test_labels)  # 划分可重复
    with pytest.raises(ValueError, match="fallback_test_size"):
        load_digits_dataset(root=tmp_path, download=False, fallback_test_size=50)


def test_truncated_gzip_is_rejected(tmp_path, monkeypatch):
    labels = np.arange(50) % 10
    whole = gzip.compress(_idx_images(_images(labels)), mtime=0)
    _install(monkeypatch, tmp_path, "MNIST_TEST_IMAGES", whole[: len(whole) // 2])  # 校验和与截断后的文件相符
    _install(monkeypatch, tmp_path, "MNIST_TEST_LABELS", gzip.compress(_idx_labels(labels), mtime=0))
    with pytest.raises(DatasetCorruptError, match="无法解压"):
        load_digits_dataset(root=tmp_path, download=False)


def test_truncated_idx_inside_valid_gzip_is_rejected(tmp_path, monkeypatch):
    labels = np.arange(50) % 10
    _install(monkeypatch, tmp_path, "MNIST_TEST_IMAGES", gzip.compress(_idx_images(_images(labels))[:-100]))
    _install(monkeypatch, tmp_path, "MNIST_TEST_LABELS", gzip.compress(_idx_labels(labels)))
    with pytest.raises(DatasetCorruptError, match="IDX"):
        load_digits_dataset(root=tmp_path, download=False)


def test_images_and_labels_of_different_length_are_rejected(tmp_path, monkeypatch):
    _offline_pair(monkeypatch, tmp_path, "MNIST_TEST_IMAGES", "MNIST_TEST_LABELS", np.arange(50) % 10)
    _install(monkeypatch, tmp_path, "MNIST_TEST_LABELS", gzip.compress(_idx_labels(np.arange(49) % 10)))
    with pytest.raises(DatasetCorruptError, match="49"):
        load_digits_dataset(root=tmp_path, download=False)


def test_missing_mnist_names_every_place_and_cleans_up(tmp_path):
    with pytest.raises(DatasetMissingError) as info:
        load_digits_dataset(root=tmp_path, download=True)
    msg = str(info.value)
    for place in ("MNIST/raw", "MNIST/subset/train-10k-images-idx3-ubyte.gz", "MNIST/raw/t10k-images-idx3-ubyte.gz"):
        assert str(tmp_path / place) in msg
    assert "下载也失败了" in msg and "Tried https://example.invalid/" in msg and "DLBOOK_DATA" in msg
    assert not (tmp_path / "MNIST").exists()  # torchvision 下载失败留下的空目录被删掉了


# ---------------------------------------------------------------- Fashion-MNIST


def _fashion_all(tmp_path, monkeypatch, per_class=7):
    _offline_pair(monkeypatch, tmp_path, "FASHION_ALL_IMAGES", "FASHION_ALL_LABELS", _grouped(per_class))


@pytest.mark.parametrize("per_class", [7, 14])
def test_fashion_offline_split_is_stratified_six_to_one(tmp_path, monkeypatch, per_class):
    _fashion_all(tmp_path, monkeypatch, per_class)
    fashion = load_fashion_mnist(root=tmp_path, download=True)
    n_test = per_class // 7
    assert torch.bincount(fashion.test_labels, minlength=10).tolist() == [n_test] * 10
    assert torch.bincount(fashion.train_labels, minlength=10).tolist() == [per_class - n_test] * 10
    train_ids, test_ids = _ids(fashion.train_images), _ids(fashion.test_images)
    assert not set(train_ids) & set(test_ids) and sorted(train_ids + test_ids) == list(range(10 * per_class))
    assert torch.equal(fashion.train_images[:, 0, 0].long(), fashion.train_labels)
    assert fashion.train_labels.tolist() != sorted(fashion.train_labels.tolist())
    assert f"{10 * per_class}" in fashion.source and f"每类 {per_class - n_test} 张训练、{n_test} 张测试" in fashion.source
    assert fashion.classes[0] == "T恤" and len(fashion.classes) == 10
    assert not (tmp_path / "FashionMNIST/raw").exists()  # 下载失败后没有留下空目录


def test_fashion_offline_split_is_seeded(tmp_path, monkeypatch):
    _fashion_all(tmp_path, monkeypatch, 14)
    a, b = (load_fashion_mnist(root=tmp_path, download=False, seed=0) for _ in range(2))
    c = load_fashion_mnist(root=tmp_path, download=False, seed=3)
    assert _ids(a.test_images) == _ids(b.test_images) and _ids(a.train_images) == _ids(b.train_images)
    assert sorted(_ids(a.test_images)) != sorted(_ids(c.test_images))
    assert "种子 3" in c.source


def test_fashion_official_set_is_preferred(tmp_path, monkeypatch):
    _official_layout(tmp_path, "FashionMNIST", n_train=40, n_test=10)
    _fashion_all(tmp_path, monkeypatch)
    fashion = load_fashion_mnist(root=tmp_path, download=False)
    assert "官方 Fashion-MNIST" in fashion.source and len(fashion.train_labels) == 40 and len(fashion.test_labels) == 10
    assert _ids(fashion.test_images) == list(range(1000, 1010))


def test_fashion_with_wrong_checksum_is_rejected(tmp_path, monkeypatch):
    _fashion_all(tmp_path, monkeypatch)
    path = tmp_path / data.FASHION_ALL_IMAGES.name
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DatasetCorruptError, match="大小不对"):
        load_fashion_mnist(root=tmp_path, download=False)


def test_missing_fashion_names_every_place(tmp_path):
    with pytest.raises(DatasetMissingError, match="FashionMNIST") as info:
        load_fashion_mnist(root=tmp_path, download=False)
    msg = str(info.value)
    assert str(tmp_path / "FashionMNIST/raw") in msg and str(tmp_path / "FashionMNIST/all/images-idx3-ubyte.gz") in msg
    assert "下载也失败了" not in msg  # download=False 时没有试过下载


def test_fashion_class_names_match_torchvision():
    from torchvision import datasets

    assert [en for _zh, en in data.FASHION_CLASSES] == datasets.FashionMNIST.classes
    assert len({zh for zh, _en in data.FASHION_CLASSES}) == 10


def test_image_data_checks_lengths():
    x = torch.zeros(3, 28, 28, dtype=torch.uint8)
    with pytest.raises(ValueError, match="标签"):
        data.ImageData(x, torch.zeros(2, dtype=torch.long), x, torch.zeros(3, dtype=torch.long), classes=("a",), source="")


# ---------------------------------------------------------------- 离线数据目录中的真实文件


@pytest.mark.skipif(not (SHARED / "MNIST/subset").is_dir(), reason="没有离线的 MNIST 子集")
def test_real_mnist_subset_and_test_set():
    digits = load_digits_dataset(root=SHARED, download=False)
    assert "前 10,000 张" in digits.source and len(digits.test_labels) == 10_000
    counts = torch.bincount(digits.train_labels).tolist()
    assert counts == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]  # PROVENANCE.md 中的类别数
    assert data.image_statistics(digits.train_images)[0] == pytest.approx(0.1311, abs=1e-4)


@pytest.mark.skipif(not (SHARED / "FashionMNIST/all").is_dir(), reason="没有离线的 Fashion-MNIST")
def test_real_fashion_offline_split():
    fashion = load_fashion_mnist(root=SHARED, download=False)
    assert torch.bincount(fashion.train_labels).tolist() == [6000] * 10
    assert torch.bincount(fashion.test_labels).tolist() == [1000] * 10


@pytest.mark.skipif(not (SHARED / "phone-price/train.csv").is_file(), reason="没有离线的手机价格数据")
def test_real_phone_price_and_diabetes():
    frame = data.load_phone_price(root=SHARED, download=False)
    assert frame["price_range"].value_counts().tolist() == [500, 500, 500, 500]
    x, y = data.load_diabetes(root=SHARED, download=False)
    assert int(y.sum()) == 496


# ---------------------------------------------------------------- 张量快速通道


def test_mnist_constants_are_the_default_normalisation():
    images = torch.tensor([[[0, 255]]], dtype=torch.uint8)
    x = images_to_tensor(images)
    expected = [(0 - data.MNIST_MEAN) / data.MNIST_STD, (1 - data.MNIST_MEAN) / data.MNIST_STD]
    assert x.flatten().tolist() == pytest.approx(expected)
    assert (data.MNIST_MEAN, data.MNIST_STD) == (0.1307, 0.3081)


def test_images_to_tensor_normalises_once():
    images = torch.tensor([[[0, 255]]], dtype=torch.uint8)
    x = images_to_tensor(images, mean=0.5, std=0.5)
    assert x.shape == (1, 1, 1, 2)
    assert x.flatten().tolist() == [-1.0, 1.0]
    with pytest.raises(ValueError, match="std"):
        images_to_tensor(images, std=0)


def test_image_statistics():
    mean, std = data.image_statistics(torch.tensor([[0, 255]], dtype=torch.uint8))
    assert mean == pytest.approx(0.5) and std == pytest.approx(0.7071, abs=1e-4)


def test_tensor_batches_cover_every_sample_once():
    x, y = torch.arange(10).float().unsqueeze(1), torch.arange(10)
    batches = TensorBatches(x, y, batch_size=4, shuffle=True, seed=1)
    assert len(batches) == 3
    seen = torch.cat([b for _, b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    assert seen.tolist() != list(range(10))  # 确实打乱了
    first = [b.tolist() for _, b in TensorBatches(x, y, batch_size=4, shuffle=True, seed=1)]
    assert first == [b.tolist() for _, b in TensorBatches(x, y, batch_size=4, shuffle=True, seed=1)]
    with pytest.raises(ValueError):
        TensorBatches(x, y, batch_size=0)


def test_pil_digits_matches_tensor_path():
    from torchvision import transforms

    images = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    normalize = transforms.Normalize((data.MNIST_MEAN,), (data.MNIST_STD,))
    ds = data.PilDigits(images, torch.tensor([1, 2, 3]), transform=transforms.Compose([transforms.ToTensor(), normalize]))
    x, label = ds[1]
    assert label == 2
    assert torch.allclose(x, images_to_tensor(images)[1], atol=1e-6)
