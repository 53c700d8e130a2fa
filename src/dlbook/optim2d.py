"""二维曲面上的优化器轨迹（纯计算）：七种优化器的更新规则、可调的曲面与可复现的梯度噪声（见 {ref}`sec-optimizers`）。

这是全书唯一的参考实现。书页上的实时探索器 ``book/_static/dlbook-optim.js`` 用同样的公式、同样的随机数发生器
（mulberry32 + Box–Muller）重写了一遍；构建时 :func:`reference_vectors` 写出测试向量，浏览器测试逐点核对两者。

- 更新规则与 ``torch.optim`` 相同：SGD、Momentum（``b ← μb + g``，``θ ← θ − ηb``）、Nesterov
  （``SGD(nesterov=True)``）、AdaGrad、RMSProp、Adam 与 AdamW（解耦的权重衰减 ``θ ← θ(1 − ηλ)``）；
  其余几种的 ``weight_decay`` 像 PyTorch 一样加在梯度上（``g ← g + λθ``）。
- 曲面：可调条件数 κ 与旋转角的狭长碗、鞍点、弯曲的山谷；梯度上可加标准差为 σ 的高斯噪声。
- 截断规则：数值爆掉（非有限或绝对值超过 ``limit``）或走出画框即为发散；轨迹截断在第一个画框外的点之前，
  最后补上与画框边界的交点。
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
SURFACE_NAMES = ("bowl", "saddle", "valley")
UINT32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Surface:
    """一个二维损失曲面：标题与短名、函数值与梯度、最小值、作图的画框、默认起点与学习率（见 {ref}`sec-optimizers`）。

    ``loss`` 只用加减乘与乘方，既能作用于 numpy 数组，也能作用于 torch 张量（便于用 autograd 核对 ``grad``）。
    """

    label: str
    short: str
    loss: Callable
    grad: Callable
    f_min: float
    box: tuple[float, float, float, float]
    start: tuple[float, float]
    lr: float


def bowl_surface(*, kappa: float = 10.0, angle: float = 0.0) -> Surface:
    """狭长的碗 f = (u² + κv²)/2，(u, v) 是 (x, y) 转过 ``angle`` 度后的坐标（见 {ref}`sec-optimizers`）。"""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def loss(x, y):
        u, v = c * x + s * y, -s * x + c * y
        return 0.5 * (u**2 + kappa * v**2)

    def grad(x, y):
        u, v = c * x + s * y, -s * x + c * y
        return c * u - s * kappa * v, s * u + c * kappa * v

    if kappa == 10.0 and angle == 0.0:
        label = "狭长的碗 f = (x² + 10y²)/2"
    else:
        label = f"狭长的碗 κ = {kappa:g}，转 {angle:g}°"
    return Surface(label=label, short="狭长的碗", loss=loss, grad=grad, f_min=0.0, box=(-3.0, 3.0, -2.0, 2.0),
                   start=(-2.5, 1.0), lr=0.1)


def _valley_loss(x, y):
    return 0.5 * (1 - x) ** 2 + 2.5 * (y - x**2) ** 2


def _valley_grad(x, y):
    return -(1 - x) - 10.0 * x * (y - x**2), 5.0 * (y - x**2)


SADDLE = Surface(
    label="鞍点 f = x²/2 + y⁴/4 − y²/2 + 1/4",
    short="鞍点",
    loss=lambda x, y: 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2 + 0.25,
    grad=lambda x, y: (x, y**3 - y),
    f_min=0.0,
    box=(-2.5, 2.5, -2.0, 2.0),
    start=(-2.0, 0.01),
    lr=0.05,
)
VALLEY = Surface(
    label="弯曲的山谷 f = (1−x)²/2 + 2.5(y − x²)²",
    short="弯曲的山谷",
    loss=_valley_loss,
    grad=_valley_grad,
    f_min=0.0,
    box=(-2.5, 2.5, -1.0, 3.0),
    start=(-1.5, 2.0),
    lr=0.03,
)


def make_surface(name: str, *, kappa: float = 10.0, angle: float = 0.0) -> Surface:
    """按名字取曲面；κ 与旋转角只对 ``bowl`` 起作用（见 {ref}`sec-optimizers`）。"""
    if name == "bowl":
        return bowl_surface(kappa=kappa, angle=angle)
    if name == "saddle":
        return SADDLE
    if name == "valley":
        return VALLEY
    raise ValueError(f"未知的曲面 {name!r}，可选的有：{'、'.join(SURFACE_NAMES)}。")


def mulberry32(seed: int):
    """mulberry32 随机数发生器：返回一个函数，每次调用给出 [0, 1) 中的下一个数（32 位无符号整数运算）。"""
    state = int(seed) & UINT32

    def draw() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & UINT32
        t = ((state ^ (state >> 15)) * (state | 1)) & UINT32
        t = ((t + (((t ^ (t >> 7)) * (t | 61)) & UINT32)) & UINT32) ^ t
        return ((t ^ (t >> 14)) & UINT32) / 4294967296.0

    return draw


def gaussian_pairs(*, seed: int, count: int) -> np.ndarray:
    """``count`` 对独立的标准正态数（Box–Muller），形状 (count, 2)；同一个 ``seed`` 总给出同一串数。"""
    draw = mulberry32(seed)
    out = np.empty((count, 2))
    for i in range(count):
        u1 = 1.0 - draw()  # (0, 1]，取对数不会碰到 0
        u2 = draw()
        r = math.sqrt(-2.0 * math.log(u1))
        out[i] = (r * math.cos(2.0 * math.pi * u2), r * math.sin(2.0 * math.pi * u2))
    return out


def _adam(theta, g, t, state, *, lr, beta1, beta2, eps=1e-8):
    state[0] = beta1 * state[0] + (1 - beta1) * g
    state[1] = beta2 * state[1] + (1 - beta2) * g * g
    bias1, bias2 = 1 - beta1**t, 1 - beta2**t
    return theta - (lr / bias1) * state[0] / (np.sqrt(state[1]) / math.sqrt(bias2) + eps)


def optimizer_step(name, theta, g, t, state, *, lr, momentum, beta1, beta2, alpha, weight_decay):
    """一种优化器的第 ``t`` 步（与 torch.optim 同样的公式）；``state`` 是 [一阶量, 二阶量]，就地更新（见 {ref}`sec-optimizers`）。"""
    if name == "adamw":
        return _adam(theta * (1 - lr * weight_decay), g, t, state, lr=lr, beta1=beta1, beta2=beta2)
    g = g + weight_decay * theta
    if name == "sgd":
        return theta - lr * g
    if name in ("momentum", "nesterov"):  # PyTorch 的写法：b ← μ·b + g
        state[0] = momentum * state[0] + g
        return theta - lr * (g + momentum * state[0] if name == "nesterov" else state[0])
    if name == "adagrad":
        state[1] = state[1] + g * g
        return theta - lr * g / (np.sqrt(state[1]) + 1e-10)
    if name == "rmsprop":
        state[1] = alpha * state[1] + (1 - alpha) * g * g
        return theta - lr * g / (np.sqrt(state[1]) + 1e-8)
    return _adam(theta, g, t, state, lr=lr, beta1=beta1, beta2=beta2)


def clip_to_box(points: np.ndarray, box, blew_up: bool):
    """截断到第一次走出画框之前，并补上与画框边界的交点；返回 (点列, 走出画框的步数或 None)。"""
    x0, x1, y0, y1 = box
    inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    if inside.all():
        return points, (len(points) if blew_up else None)
    k = int(np.argmin(inside))  # 第一个画框外的点
    if k == 0:
        return points[:0], 0
    a, b = points[k - 1], points[k]
    d = b - a
    s = 1.0
    for lo, hi, i in ((x0, x1, 0), (y0, y1, 1)):
        if d[i] > 0:
            s = min(s, (hi - a[i]) / d[i])
        elif d[i] < 0:
            s = min(s, (lo - a[i]) / d[i])
    return np.vstack([points[:k], a + s * d]), k


@dataclass(frozen=True)
class Path:
    """一条轨迹：点列 ``x``、``y``、真实损失 ``loss``（f − f*，不含噪声）、是否发散与走出画框的步数（见 {ref}`sec-optimizers`）。"""

    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    diverged: bool
    exit_step: int | None


def raw_steps(optimizer, grad, start, steps, *, noise, seed, limit, hyper) -> tuple[np.ndarray, bool]:
    """从 ``start`` 走 ``steps`` 步（梯度加噪声 σ·z），返回 (点列, 是否在数值上爆掉)。"""
    theta = np.array(start, dtype=np.float64)
    state = [np.zeros(2), np.zeros(2)]  # 速度 / 一阶矩；二阶量
    z = gaussian_pairs(seed=seed, count=steps) if noise else None
    points = [theta.copy()]
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = np.array(grad(theta[0], theta[1]), dtype=np.float64)
            if z is not None:
                g = g + noise * z[t - 1]
            theta = optimizer_step(optimizer, theta, g, t, state, **hyper)
            if not np.all(np.isfinite(theta)) or np.abs(theta).max() > limit:
                return np.array(points), True
            points.append(theta.copy())
    return np.array(points), False


def run_path(
    *,
    optimizer: str,
    surface: str = "bowl",
    kappa: float = 10.0,
    angle: float = 0.0,
    lr: float = 0.05,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    alpha: float = 0.99,
    weight_decay: float = 0.0,
    noise: float = 0.0,
    seed: int = 0,
    steps: int = 60,
    start: tuple[float, float] | None = None,
    limit: float = 1e8,
) -> Path:
    """一种优化器在一个曲面上的轨迹（不截断参数；JS 的 ``DlbookOptim.run`` 与它逐点一致，见 {ref}`sec-optimizers`）。"""
    if optimizer not in OPTIMIZER_NAMES:
        raise ValueError(f"未知的优化器 {optimizer!r}，这里实现了：{'、'.join(OPTIMIZER_NAMES)}。")
    spec = make_surface(surface, kappa=kappa, angle=angle)
    start = spec.start if start is None else start
    hyper = dict(lr=lr, momentum=momentum, beta1=beta1, beta2=beta2, alpha=alpha, weight_decay=weight_decay)
    raw, blew_up = raw_steps(optimizer, spec.grad, start, int(steps), noise=noise, seed=seed, limit=limit,
                             hyper=hyper)
    shown, exit_step = clip_to_box(raw, spec.box, blew_up)
    loss = spec.loss(shown[:, 0], shown[:, 1]) - spec.f_min
    return Path(x=shown[:, 0], y=shown[:, 1], loss=np.asarray(loss, dtype=np.float64),
                diverged=exit_step is not None, exit_step=exit_step)


#: 测试向量的设置：优化器 × 曲面 × 超参数，含噪声、旋转、权重衰减与发散的情形。
VECTOR_CASES: tuple[dict, ...] = (
    *({"optimizer": o, "surface": "bowl", "lr": 0.05, "steps": 40} for o in OPTIMIZER_NAMES),
    *({"optimizer": o, "surface": "bowl", "kappa": 25.0, "angle": 30.0, "lr": 0.03, "steps": 50,
       "noise": 0.5, "seed": 7} for o in OPTIMIZER_NAMES),
    *({"optimizer": o, "surface": "saddle", "lr": 0.02, "beta1": 0.8, "beta2": 0.95, "momentum": 0.5,
       "steps": 60, "noise": 0.2, "seed": 12345} for o in OPTIMIZER_NAMES),
    *({"optimizer": o, "surface": "valley", "lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "steps": 80,
       "start": [0.0, -0.8]} for o in OPTIMIZER_NAMES),
    {"optimizer": "sgd", "surface": "bowl", "lr": 0.25, "steps": 30},  # κη > 2：来回放大后走出画框
    {"optimizer": "momentum", "surface": "valley", "lr": 0.2, "steps": 30},
    {"optimizer": "adam", "surface": "bowl", "lr": 50.0, "steps": 10},  # 第一步就出画框
    {"optimizer": "adamw", "surface": "saddle", "lr": 0.1, "weight_decay": 2.0, "noise": 1.5, "seed": 4294967295,
     "steps": 100, "start": [1.0, -1.5]},
    {"optimizer": "nesterov", "surface": "bowl", "kappa": 1.0, "angle": -45.0, "lr": 0.1, "momentum": 0.99,
     "steps": 0},
)


def reference_vectors() -> list[dict]:
    """JS 实现要逐点重现的测试向量：每项是 ``{"settings": ..., "expected": {x, y, loss, diverged, exitStep}}``。"""
    out = []
    for case in VECTOR_CASES:
        kwargs = {**case, "start": tuple(case["start"]) if "start" in case else None}
        p = run_path(**kwargs)
        expected = {"x": p.x.tolist(), "y": p.y.tolist(), "loss": p.loss.tolist(), "diverged": p.diverged,
                    "exitStep": p.exit_step}
        out.append({"settings": dict(case), "expected": expected})
    return out
