"""二维优化器参考实现的测试：曲面的梯度与 autograd 一致、随机数发生器可复现、噪声、截断与测试向量。"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from dlbook.optim2d import (
    OPTIMIZER_NAMES,
    VECTOR_CASES,
    gaussian_pairs,
    make_surface,
    mulberry32,
    reference_vectors,
    run_path,
)


@pytest.mark.parametrize("kappa, angle", [(10.0, 0.0), (25.0, 30.0), (1.0, -45.0), (100.0, 90.0)])
def test_bowl_gradient_matches_autograd(kappa, angle):
    spec = make_surface("bowl", kappa=kappa, angle=angle)
    for x, y in np.random.default_rng(1).uniform(-2, 2, size=(5, 2)):
        t = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
        spec.loss(t[0], t[1]).backward()
        np.testing.assert_allclose(spec.grad(x, y), t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_rotated_bowl_has_the_asked_condition_number():
    spec = make_surface("bowl", kappa=25.0, angle=30.0)
    hessian = np.array([np.subtract(spec.grad(*e), spec.grad(0.0, 0.0)) for e in np.eye(2)])
    eig = np.linalg.eigvalsh(hessian)
    assert eig.max() / eig.min() == pytest.approx(25.0)
    steep = np.linalg.eigh(hessian)[1][:, -1]  # 最陡的方向转过了 30°（y 轴转到 120°）
    assert abs(abs(steep @ [np.cos(np.radians(120)), np.sin(np.radians(120))]) - 1) < 1e-12


def test_mulberry32_matches_the_reference_sequence():
    """与 mulberry32 的常见 JS 写法在同一种子下的前几个数一致（这几个数由那段 JS 在 node 中算出）。"""
    draw = mulberry32(0)
    assert [draw() for _ in range(3)] == [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]
    draw = mulberry32(4294967295)
    assert [draw(), draw()] == [0.8964226141106337, 0.189478256739676]


def test_gaussian_pairs_are_reproducible_and_standard():
    z = gaussian_pairs(seed=3, count=20000)
    np.testing.assert_array_equal(z, gaussian_pairs(seed=3, count=20000))
    assert not np.array_equal(z[:5], gaussian_pairs(seed=4, count=5))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.03
    np.testing.assert_array_equal(gaussian_pairs(seed=3, count=5), z[:5])  # 前缀不随长度改变


def test_noise_changes_the_path_and_the_seed_reproduces_it():
    clean = run_path(optimizer="sgd", surface="bowl", lr=0.05, steps=20)
    noisy = run_path(optimizer="sgd", surface="bowl", lr=0.05, steps=20, noise=0.5, seed=1)
    again = run_path(optimizer="sgd", surface="bowl", lr=0.05, steps=20, noise=0.5, seed=1)
    other = run_path(optimizer="sgd", surface="bowl", lr=0.05, steps=20, noise=0.5, seed=2)
    np.testing.assert_array_equal(noisy.x, again.x)
    assert not np.allclose(noisy.x, clean.x) and not np.allclose(noisy.x, other.x)
    z = gaussian_pairs(seed=1, count=1)[0]  # 第一步：θ₁ = θ₀ − η(∇f(θ₀) + σz₁)
    g = np.array(make_surface("bowl").grad(-2.5, 1.0))
    np.testing.assert_allclose([noisy.x[1], noisy.y[1]], np.array([-2.5, 1.0]) - 0.05 * (g + 0.5 * z), rtol=1e-14)
    np.testing.assert_allclose(noisy.loss, make_surface("bowl").loss(noisy.x, noisy.y))  # 损失不含噪声


def test_nesterov_differs_from_momentum_and_adamw_from_adam_only_with_decay():
    kw = dict(surface="bowl", lr=0.02, steps=30)
    assert not np.allclose(run_path(optimizer="nesterov", **kw).x, run_path(optimizer="momentum", **kw).x)
    np.testing.assert_array_equal(run_path(optimizer="adamw", **kw).x, run_path(optimizer="adam", **kw).x)
    assert not np.allclose(run_path(optimizer="adamw", weight_decay=0.5, **kw).x,
                           run_path(optimizer="adam", weight_decay=0.5, **kw).x)


def test_adamw_first_step_is_decay_then_adam():
    p = run_path(optimizer="adamw", surface="saddle", lr=0.1, weight_decay=0.5, steps=1, start=(1.0, 0.5))
    g = np.array(make_surface("saddle").grad(1.0, 0.5))
    expected = np.array([1.0, 0.5]) * (1 - 0.1 * 0.5) - 0.1 * g / (np.abs(g) + 1e-8)  # 第一步 m̂/√v̂ = g/|g|
    np.testing.assert_allclose([p.x[1], p.y[1]], expected, rtol=1e-12)


def test_divergence_is_cut_at_the_frame():
    p = run_path(optimizer="sgd", surface="bowl", lr=0.25, steps=30)  # y 方向每步乘以 1 − 10η = −1.5
    assert p.diverged and p.exit_step == 2 and len(p.x) == 3
    assert p.y[-1] == pytest.approx(-2.0) or p.y[-1] == pytest.approx(2.0)
    assert np.all(np.abs(p.y[:-1]) < 2.0)
    blown = run_path(optimizer="sgd", surface="valley", lr=1e6, steps=5)
    assert blown.diverged and np.all(np.isfinite(blown.x))


def test_unknown_names_raise():
    with pytest.raises(ValueError, match="未知的优化器"):
        run_path(optimizer="lbfgs")
    with pytest.raises(ValueError, match="未知的曲面"):
        make_surface("donut")


def test_reference_vectors_cover_every_optimizer_surface_and_edge_case():
    vectors = reference_vectors()
    assert len(vectors) == len(VECTOR_CASES)
    assert {v["settings"]["optimizer"] for v in vectors} == set(OPTIMIZER_NAMES)
    assert {v["settings"]["surface"] for v in vectors} == {"bowl", "saddle", "valley"}
    assert any(v["expected"]["diverged"] for v in vectors)
    assert any(v["settings"].get("noise") and v["expected"]["diverged"] for v in vectors)
    assert any(v["settings"].get("angle") for v in vectors)
    assert any(v["settings"].get("weight_decay") for v in vectors)
    for v in vectors:
        e = v["expected"]
        assert len(e["x"]) == len(e["y"]) == len(e["loss"])
        assert len(e["x"]) == (e["exitStep"] + 1 if e["diverged"] else v["settings"]["steps"] + 1)
    json.dumps(vectors, allow_nan=False)  # 能原样写成 JSON
