"""卷积交互图的测试：互相关与 F.conv2d 一致、输出尺寸公式与 PyTorch 一致、窗口位置、图与面板、极端参数。"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.explorers.convolution import (
    PRESET_KERNELS,
    convolution_figure,
    convolution_panel,
    convolve,
    cross_correlate,
    output_size,
    preset_kernel,
    sample_digits,
)
from dlbook.interactive import EMPTY, MESSAGE


def torch_conv(image: np.ndarray, kernel: np.ndarray, *, stride: int, padding: int) -> np.ndarray:
    x = torch.tensor(image, dtype=torch.float64)[None, None]
    w = torch.tensor(kernel, dtype=torch.float64)[None, None]
    return F.conv2d(x, w, stride=stride, padding=padding)[0, 0].numpy()


@pytest.mark.parametrize("kernel", list(PRESET_KERNELS))
@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), (3, 2), (1, 3)])
def test_convolve_matches_conv2d(kernel, stride, padding):
    r = convolve(digit=1, kernel=kernel, stride=stride, padding=padding)
    _, image = sample_digits()[1]
    expected = torch_conv(image, preset_kernel(name=kernel), stride=stride, padding=padding)
    assert r.feature_map.shape == expected.shape
    np.testing.assert_allclose(r.feature_map, expected, atol=1e-12)
    assert r.padded.shape == (28 + 2 * padding,) * 2
    assert r.message == ""


def test_output_size_formula_matches_pytorch_on_a_grid():
    for n, k, s, p, d in itertools.product((5, 8, 11), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2)):
        if n + 2 * p < d * (k - 1) + 1:
            assert output_size(n=n, k=k, stride=s, padding=p, dilation=d) == 0
            continue
        out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d)
        assert out.shape[-1] == output_size(n=n, k=k, stride=s, padding=p, dilation=d), (n, k, s, p, d)


def test_cross_correlation_is_not_flipped():
    image = np.arange(16.0).reshape(4, 4)
    kernel = np.zeros((3, 3))
    kernel[0, 0] = 1.0  # 只取窗口左上角：互相关不翻转卷积核
    np.testing.assert_array_equal(cross_correlate(image=image, kernel=kernel), image[:2, :2])


def test_preset_kernels_have_the_promised_properties():
    for size in (3, 5):
        assert preset_kernel(name="blur", size=size).sum() == pytest.approx(1.0)
        assert preset_kernel(name="sharpen", size=size).sum() == pytest.approx(1.0)
        edge_x = preset_kernel(name="edge-x", size=size)
        assert edge_x.sum() == pytest.approx(0.0)
        np.testing.assert_allclose(preset_kernel(name="edge-y", size=size), edge_x.T)
    np.testing.assert_allclose(preset_kernel(name="edge-x") * 4, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    # 竖直边缘核对左右翻转的图像给出相反数
    image = sample_digits()[0][1]
    a = cross_correlate(image=image, kernel=preset_kernel(name="edge-x"))
    b = cross_correlate(image=image[:, ::-1], kernel=preset_kernel(name="edge-x"))
    np.testing.assert_allclose(a, -b[:, ::-1], atol=1e-12)


def test_window_covers_the_pixels_of_the_marked_output_cell():
    r = convolve(digit=2, kernel="sharpen", stride=3, padding=2)
    i, j = r.window
    patch = r.padded[i:i + 3, j:j + 3]
    assert r.feature_map[r.cell] == pytest.approx(float((patch * r.kernel).sum()))
    assert r.cell == (r.feature_map.shape[0] // 2,) * 2


def test_learned_kernels_are_accepted_and_checked():
    w = np.random.default_rng(0).normal(size=(5, 5))
    r = convolve(kernel="k0", kernels={"k0": w}, kernel_size=5)
    np.testing.assert_allclose(r.feature_map, torch_conv(sample_digits()[0][1], w, stride=1, padding=0))
    with pytest.raises(ValueError, match="形状"):
        convolve(kernel="k0", kernels={"k0": w}, kernel_size=3)
    with pytest.raises(ValueError, match="未知的卷积核"):
        convolve(kernel="nope")


def test_extremes_are_clamped_or_empty():
    r = convolve(stride=0, padding=-1, digit=99)
    assert (r.stride, r.padding, r.digit) == (1, 0, len(sample_digits()) - 1)
    assert "截断" in r.message
    tiny = convolve(size=2, padding=0)
    assert tiny.empty and tiny.feature_map.shape == (0, 0) and "放不下" in tiny.message
    assert not convolve(size=2, padding=1).empty


def test_sample_digits_are_mnist_like():
    digits = sample_digits()
    assert [label for label, _ in digits] == [7, 2, 0]
    for _, image in digits:
        assert image.shape == (28, 28) and image.min() == 0.0 and 0.9 < image.max() <= 1.0


def test_figure_steps_and_learned_kernels_in_menu():
    fig = convolution_figure(digits=(0,), kernel_names=("blur",), strides=(1, 2), paddings=(0,), size=12,
                             kernel_size=5, kernels={"learned": np.ones((5, 5)) / 25})
    buttons = fig.layout.updatemenus[1].buttons
    assert [b.label for b in buttons] == ["模糊（二项式平均）", "learned"]
    # 模糊核与全 1/25 的平均核给出不同的特征图
    assert buttons[0].args[0]["z"] != buttons[1].args[0]["z"]
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["s=1, p=0", "s=2, p=0"]
    assert "= 8" in steps[0].args[1]["title.text"] and "= 4" in steps[1].args[1]["title.text"]


def test_figure_drops_impossible_combinations_with_a_message():
    fig = convolution_figure(digits=(0,), kernel_names=("blur",), strides=(1,), paddings=(0, 1), size=2)
    assert len(fig.layout.sliders[0].steps) == 1
    text = " ".join(a.text or "" for a in fig.layout.annotations if a.name == MESSAGE)
    assert "去掉" in text
    empty = convolution_figure(size=2, paddings=(0,))
    assert any(a.name == EMPTY and a.text for a in empty.layout.annotations)


def test_panel_updates_feature_map_and_shows_empty_state():
    panel = convolution_panel()
    before = np.array(panel.figure.data[2].z)
    panel.controls["stride"].value = 2
    after = np.array(panel.figure.data[2].z)
    assert after.shape == (13, 13) and before.shape == (26, 26)
    panel.controls["size"].value = 2
    assert "放不下" in panel.message.value and panel.error is None
    panel.controls["padding"].value = 1
    assert panel.error is None and np.array(panel.figure.data[2].z).size > 0


def test_digit_menu_redraws_and_swaps_the_kernel_menu_for_that_digit():
    """选数字：画出这个数字配第一个卷积核的结果，并把卷积核菜单换成这个数字的各项（两个菜单合起来覆盖所有组合）。"""
    fig = convolution_figure(digits=(0, 1), kernel_names=("blur", "sharpen"), strides=(1,), paddings=(0,), size=12)
    digit_menu, kernel_menu = fig.layout.updatemenus
    assert [b.label for b in digit_menu.buttons] == ["数字 7", "数字 2"]
    second = digit_menu.buttons[1]
    assert second.method == "update"
    swapped = second.args[1]["updatemenus[1].buttons"]
    assert [b["label"] for b in swapped] == [b.label for b in kernel_menu.buttons]
    # 新的卷积核菜单针对数字 2：与数字 7 的各项数据不同；选数字时画的就是它的第一项
    assert swapped[0]["args"][0]["z"] != kernel_menu.buttons[0].args[0]["z"]
    assert second.args[0]["z"] == swapped[0]["args"][0]["z"]
    assert second.args[1]["updatemenus[1].active"] == 0
