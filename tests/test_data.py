import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
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
)

SHARED = Path(os.environ.get("DLBOOK_DATA", "/nonexistent"))


def _remote(payload: bytes, name="toy/file.bin") -> RemoteFile:
    return RemoteFile(name=name, url="https://example.invalid/file.bin", sha256=hashlib.sha256(payload).hexdigest(), size=len(payload))


def test_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path
    monkeypatch.delenv("DLBOOK_DATA")
    assert data.data_dir().name == "data"


def test_fetch_finds_and_verifies_existing_file(tmp_path):
    remote = _remote(b"hello")
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy/file.bin").write_bytes(b"hello")
    assert fetch(remote, root=tmp_path, download=False) == tmp_path / "toy/file.bin"


def test_missing_file_error_names_file_places_and_remedy(tmp_path):
    with pytest.raises(DatasetMissingError) as info:
        fetch(_remote(b"x"), root=tmp_path, download=False)
    msg = str(info.value)
    assert "toy/file.bin" in msg and str(tmp_path / "toy/file.bin") in msg
    assert "DLBOOK_DATA" in msg and "https://example.invalid/file.bin" in msg


def test_failed_download_is_a_missing_error(tmp_path):
    def offline(url):
        raise OSError("网络不可达")

    with pytest.raises(DatasetMissingError, match="下载也失败了"):
        fetch(_remote(b"x"), root=tmp_path, opener=offline)


def test_download_is_verified_and_stored(tmp_path):
    payload = b"0123456789"
    path = fetch(_remote(payload), root=tmp_path, opener=lambda url: payload)
    assert path.read_bytes() == payload


def test_download_with_wrong_bytes_is_rejected_and_not_kept(tmp_path):
    remote = _remote(b"good bytes")
    with pytest.raises(DatasetCorruptError, match="未通过校验"):
        fetch(remote, root=tmp_path, opener=lambda url: b"evil bytes")
    assert list((tmp_path / "toy").iterdir()) == []


def test_truncated_and_altered_files_are_rejected(tmp_path):
    remote = _remote(b"abcdefgh")
    target = tmp_path / remote.name
    target.parent.mkdir(parents=True)
    target.write_bytes(b"abcd")
    with pytest.raises(DatasetCorruptError, match="大小不对"):
        fetch(remote, root=tmp_path, download=False)
    target.write_bytes(b"abcdefgX")
    with pytest.raises(DatasetCorruptError, match="sha256"):
        fetch(remote, root=tmp_path, download=False)


def test_download_through_file_url(tmp_path):
    source = tmp_path / "src.csv"
    source.write_bytes(b"1,2\n")
    remote = RemoteFile(name="csv/x.csv", url=source.as_uri(), sha256=hashlib.sha256(b"1,2\n").hexdigest(), size=4)
    assert fetch(remote, root=tmp_path / "data").read_bytes() == b"1,2\n"


def _fake_diabetes(tmp_path, rows=759):
    table = np.round(np.random.default_rng(0).uniform(-1, 1, size=(rows, 9)), 4)
    table[:, -1] = (table[:, -1] > 0).astype(float)
    text = "\n".join(",".join(f"{v:.4f}" for v in row) for row in table).encode()
    payload = gzip.compress(text, mtime=0)
    path = tmp_path / data.DIABETES.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return RemoteFile(name=data.DIABETES.name, url=data.DIABETES.url, sha256=hashlib.sha256(payload).hexdigest(), size=len(payload))


def test_load_diabetes_parses_features_and_labels(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DIABETES", _fake_diabetes(tmp_path))
    x, y = data.load_diabetes(root=tmp_path, download=False)
    assert x.shape == (759, 8) and y.shape == (759, 1) and x.dtype == torch.float32
    assert set(y.unique().tolist()) <= {0.0, 1.0}


def test_load_diabetes_rejects_wrong_shape(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DIABETES", _fake_diabetes(tmp_path, rows=10))
    with pytest.raises(DatasetCorruptError, match="759"):
        data.load_diabetes(root=tmp_path, download=False)


def test_bad_gzip_is_rejected(tmp_path, monkeypatch):
    payload = b"this is not gzip"
    path = tmp_path / data.DIABETES.name
    path.parent.mkdir(parents=True)
    path.write_bytes(payload)
    monkeypatch.setattr(data, "DIABETES", RemoteFile(data.DIABETES.name, "u", hashlib.sha256(payload).hexdigest(), len(payload)))
    with pytest.raises(DatasetCorruptError, match="无法解压"):
        data.load_diabetes(root=tmp_path, download=False)


def _idx_images(n):
    header = (2051).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") + (28).to_bytes(4, "big")
    return header + bytes(np.arange(n * 784, dtype=np.uint8) % 251)


def _idx_labels(n):
    return (2049).to_bytes(4, "big") + n.to_bytes(4, "big") + bytes([i % 10 for i in range(n)])


def _fake_mnist(tmp_path, monkeypatch, images: bytes, labels: bytes):
    for attr, payload in (("MNIST_TEST_IMAGES", images), ("MNIST_TEST_LABELS", labels)):
        old = getattr(data, attr)
        path = tmp_path / old.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload)
        monkeypatch.setattr(data, attr, RemoteFile(old.name, old.url, hashlib.sha256(payload).hexdigest(), len(payload)))


def test_mnist_fallback_uses_test_files_and_says_so(tmp_path, monkeypatch):
    _fake_mnist(tmp_path, monkeypatch, gzip.compress(_idx_images(50)), gzip.compress(_idx_labels(50)))
    digits = load_digits_dataset(root=tmp_path, download=False, fallback_test_size=10)
    assert len(digits.train_labels) == 40 and len(digits.test_labels) == 10
    assert digits.train_images.shape == (40, 28, 28) and digits.train_images.dtype == torch.uint8
    assert "离线退路" in digits.describe() and "40" in digits.describe()
    again = load_digits_dataset(root=tmp_path, download=False, fallback_test_size=10)
    assert torch.equal(again.test_labels, digits.test_labels)  # 划分可重复


def test_mnist_fallback_rejects_truncated_idx(tmp_path, monkeypatch):
    _fake_mnist(tmp_path, monkeypatch, gzip.compress(_idx_images(50)[:-100]), gzip.compress(_idx_labels(50)))
    with pytest.raises(DatasetCorruptError):
        load_digits_dataset(root=tmp_path, download=False)


def test_missing_mnist_and_fashion_errors(tmp_path):
    with pytest.raises(DatasetMissingError, match="MNIST") as info:
        load_digits_dataset(root=tmp_path, download=False)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(DatasetMissingError, match="FashionMNIST"):
        load_digits_dataset(name="fashion", root=tmp_path, download=False)
    with pytest.raises(ValueError, match="未知的数据集"):
        load_digits_dataset(name="cifar", root=tmp_path, download=False)


@pytest.mark.skipif(not (SHARED / "MNIST/raw/t10k-images-idx3-ubyte.gz").is_file(), reason="没有离线的 MNIST 测试集文件")
def test_real_mnist_test_files():
    digits = load_digits_dataset(root=SHARED, download=False)
    assert len(digits.train_labels) + len(digits.test_labels) == 10_000
    assert digits.train_labels.bincount().min() > 600


@pytest.mark.skipif(not (SHARED / "phone-price/train.csv").is_file(), reason="没有离线的手机价格数据")
def test_real_phone_price_and_diabetes():
    frame = data.load_phone_price(root=SHARED, download=False)
    assert frame["price_range"].value_counts().tolist() == [500, 500, 500, 500]
    x, y = data.load_diabetes(root=SHARED, download=False)
    assert int(y.sum()) == 496


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
    ds = data.PilDigits(images, torch.tensor([1, 2, 3]), transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    x, label = ds[1]
    assert label == 2
    assert torch.allclose(x, images_to_tensor(images)[1], atol=1e-6)


def test_failed_torchvision_download_reports_reason_and_leaves_no_empty_dirs(tmp_path, monkeypatch):
    from torchvision import datasets

    def offline_download(self):
        (tmp_path / "FashionMNIST" / "raw").mkdir(parents=True, exist_ok=True)
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried https://example.invalid/, got:\nURLError")

    monkeypatch.setattr(datasets.FashionMNIST, "download", offline_download)
    with pytest.raises(DatasetMissingError) as info:
        load_digits_dataset(name="fashion", root=tmp_path, download=True)
    msg = str(info.value)
    assert "下载也失败了" in msg and "Tried https://example.invalid/" in msg
    assert not (tmp_path / "FashionMNIST").exists()
