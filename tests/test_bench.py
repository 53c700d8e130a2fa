"""基准测试的结构与报告文字（不检查耗时：耗时取决于机器）。"""

import math

import pytest
import torch

from dlbook import bench
from dlbook.data import ImageData


def random_digits(n_train: int = 400, n_test: int = 100) -> ImageData:
    g = torch.Generator().manual_seed(0)
    return ImageData(
        train_images=torch.randint(0, 256, (n_train, 28, 28), generator=g, dtype=torch.uint8),
        train_labels=torch.randint(0, 10, (n_train,), generator=g),
        test_images=torch.randint(0, 256, (n_test, 28, 28), generator=g, dtype=torch.uint8),
        test_labels=torch.randint(0, 10, (n_test,), generator=g),
        classes=[str(d) for d in range(10)],
        source="随机生成的测试数据",
    )


def easy_digits(n: int = 300) -> ImageData:
    """可学的人造数字：第 k 类在第 k 行附近有一条亮带。"""
    g = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 10, (n,), generator=g)
    images = torch.randint(0, 40, (n, 28, 28), generator=g, dtype=torch.uint8)
    for i, k in enumerate(labels.tolist()):
        images[i, 2 + 2 * k : 4 + 2 * k, 4:24] = 250
    return ImageData(images, labels, images[:100], labels[:100], classes=[str(d) for d in range(10)], source="人造")


TINY = bench.Recipe("极小的多层感知机", lambda: bench.mlp(sizes=(784, 16, 10)), "adam", 1e-2, 50, 0.97)


@pytest.fixture(scope="module")
def result():
    return bench.run_mnist(digits=random_digits(), device="cpu", limit=200, max_epochs=1, recipes=[TINY])


def test_result_structure(result):
    assert result.images == 200
    assert result.dataset == "随机生成的测试数据"
    assert "CPU" in result.device
    for value in [result.pipeline_data_images_per_s, result.tensor_data_images_per_s,
                  result.pipeline_epoch_seconds, result.tensor_epoch_seconds]:
        assert math.isfinite(value) and value > 0
    assert result.tensor_setup_seconds >= 0
    assert result.ratio == pytest.approx(result.pipeline_epoch_seconds / result.tensor_epoch_seconds)
    assert result.data_ratio == pytest.approx(result.tensor_data_images_per_s / result.pipeline_data_images_per_s)


def test_random_labels_do_not_reach_the_target(result):
    # 随机标签学不到 97%：报告必须说“未达到”，并给出 0…1 之间的最好准确率
    (run,) = result.runs
    assert run.seconds is None and run.epochs is None and run.epochs_run == 1
    assert 0.0 <= run.best_accuracy <= 1.0
    assert "未达到 97.0%" in result.report()


def test_report_puts_both_pipelines_side_by_side(result):
    text = result.report()
    lines = text.splitlines()
    assert lines[0] == f"数据：{result.dataset}"
    assert "每个 epoch 200 张训练图片" in text
    data_line = next(line for line in lines if line.startswith("只取数据"))
    epoch_line = next(line for line in lines if line.startswith("端到端"))
    assert data_line.count("|") == 2 and f"{result.data_ratio:.1f}×" in data_line
    assert epoch_line.count("|") == 2 and f"{result.ratio:.1f}×" in epoch_line
    assert "极小的多层感知机" in text


def test_learnable_data_reaches_the_target_and_stops_there():
    run = bench.time_to_accuracy(
        TINY, train=bench.TensorBatches(*_tensors(easy_digits()), batch_size=50),
        test=bench.TensorBatches(*_tensors(easy_digits()), batch_size=100), device=torch.device("cpu"), max_epochs=30,
    )
    assert run.seconds is not None and run.seconds > 0
    assert run.epochs == run.epochs_run < 30  # 一达到就停
    assert run.best_accuracy >= 0.97
    assert "达到 97.0%" in run.line()


def _tensors(digits):
    return bench.images_to_tensor(digits.train_images), digits.train_labels


def test_empty_subset_is_rejected():
    with pytest.raises(ValueError, match="没有训练图片"):
        bench.run_mnist(digits=random_digits(), device="cpu", limit=0, max_epochs=1)


def test_main_prints_the_report(monkeypatch, capsys):
    monkeypatch.setattr(bench, "load_digits_dataset", lambda: random_digits())
    monkeypatch.setattr(bench, "MLP_RECIPE", TINY)
    monkeypatch.setattr(bench, "MLP_AUGMENTED_RECIPE", bench.Recipe("第二套", TINY.model, "sgd", 0.1, 50, 0.97, shift=1))
    assert bench.main(["mnist", "--device", "cpu", "--limit", "100", "--max-epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "只取数据" in out and "端到端" in out and "随机生成的测试数据" in out
    assert "极小的多层感知机" in out and "第二套" in out
    assert "SmallCNN" not in out  # 没有 --cnn


def test_random_shift_moves_each_image_by_at_most_the_given_pixels():
    g = torch.Generator().manual_seed(0)
    images = torch.full((32, 1, 28, 28), -1.0)
    images[:, :, 10:18, 9:19] = torch.rand(32, 1, 8, 10, generator=g)  # 图案离边缘足够远，平移不会出界
    labels = torch.arange(32)
    batches = bench.TensorBatches(images, labels, batch_size=16)
    (x1, y1), (x2, y2) = list(bench.RandomShift(batches, pixels=2, background=-1.0))
    shifted = torch.cat([x1, x2])
    assert torch.equal(torch.cat([y1, y2]), labels) and shifted.shape == images.shape
    moves = set()
    for original, moved in zip(images, shifted):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if torch.equal(torch.roll(original, (dy, dx), dims=(1, 2)), moved)]
        assert len(found) == 1
        moves.add(found[0])
    assert len(moves) > 5  # 每张图各自随机，不是整批同一个方向
    assert torch.equal(next(iter(bench.RandomShift(batches, pixels=0)))[0], images[:16])
    with pytest.raises(ValueError, match="不能为负"):
        bench.RandomShift(batches, pixels=-1)
