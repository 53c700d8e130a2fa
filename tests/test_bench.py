"""基准测试的结构与报告文字（不检查耗时：耗时取决于机器）。"""

import math

import pytest
import torch

from dlbook import bench
from dlbook.data import DigitData


def random_digits(n_train: int = 400, n_test: int = 100) -> DigitData:
    g = torch.Generator().manual_seed(0)
    return DigitData(
        train_images=torch.randint(0, 256, (n_train, 28, 28), generator=g, dtype=torch.uint8),
        train_labels=torch.randint(0, 10, (n_train,), generator=g),
        test_images=torch.randint(0, 256, (n_test, 28, 28), generator=g, dtype=torch.uint8),
        test_labels=torch.randint(0, 10, (n_test,), generator=g),
        classes=[str(d) for d in range(10)],
        source="随机生成的测试数据",
    )


@pytest.fixture(scope="module")
def result():
    return bench.run_mnist(digits=random_digits(), device="cpu", limit=300, max_epochs=1)


def test_result_structure(result):
    assert result.images == 300
    assert result.dataset.startswith("随机生成的测试数据")
    assert "CPU" in result.device
    for value in [
        result.pipeline_images_per_s,
        result.tensor_images_per_s,
        result.pipeline_data_images_per_s,
        result.tensor_data_images_per_s,
    ]:
        assert math.isfinite(value) and value > 0
    assert result.tensor_setup_seconds >= 0
    assert result.ratio == pytest.approx(result.tensor_images_per_s / result.pipeline_images_per_s)
    assert result.data_ratio == pytest.approx(result.tensor_data_images_per_s / result.pipeline_data_images_per_s)


def test_random_labels_do_not_reach_the_target(result):
    # 随机标签学不到 97%：报告必须说“未达到”，并给出 0…1 之间的最好准确率
    assert result.seconds_to_target is None and result.epochs_to_target is None
    assert 0.0 <= result.best_accuracy <= 1.0
    assert "未达到" in result.report()


def test_report_text(result):
    text = result.report()
    lines = text.splitlines()
    assert lines[0] == f"数据：{result.dataset}"
    assert "每个 epoch 300 张图片" in text
    assert "只取数据" in text and "端到端" in text
    assert text.count("速度比 (b)/(a)") == 2
    assert f"{result.data_ratio:.1f}×" in text and f"{result.ratio:.1f}×" in text
    assert "97% 测试准确率" in text


def test_reached_target_is_reported():
    r = bench.BenchResult(
        dataset="d", device="CPU", images=10, pipeline_images_per_s=100.0, tensor_images_per_s=500.0,
        target_accuracy=0.97, seconds_to_target=1.5, best_accuracy=0.98, epochs_to_target=2,
        pipeline_data_images_per_s=200.0, tensor_data_images_per_s=20000.0, tensor_setup_seconds=0.01,
    )
    assert r.ratio == 5.0 and r.data_ratio == 100.0
    assert "1.50 秒（2 个 epoch）" in r.report()
    assert "100.0×" in r.report() and "5.0×" in r.report()


def test_empty_subset_is_rejected():
    with pytest.raises(ValueError, match="没有训练图片"):
        bench.run_mnist(digits=random_digits(), device="cpu", limit=0, max_epochs=1)


def test_main_prints_the_report(monkeypatch, capsys):
    monkeypatch.setattr(bench, "load_digits_dataset", lambda: random_digits())
    assert bench.main(["mnist", "--device", "cpu", "--limit", "200", "--max-epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "速度比 (b)/(a)" in out and "随机生成的测试数据" in out
