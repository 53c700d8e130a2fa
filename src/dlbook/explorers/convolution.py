"""卷积的交互图：选一个数字和一个卷积核，调步幅与补零，看窗口、特征图和输出尺寸公式（见 {ref}`sec-cnn`）。

- :func:`convolve` 是纯计算函数：补零、互相关、窗口位置与输出尺寸公式，返回 :class:`ConvolutionResult`；
- :func:`convolution_figure` 是静态图：菜单选“数字 · 卷积核”，滑块选“步幅 · 补零”，各步预先算好；
- :func:`convolution_panel` 是 JupyterLab 里的实时面板，每个量都可以单独调。
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlbook.interactive import (
    Explorer,
    LivePanel,
    Notes,
    Result,
    Step,
    clear_empty,
    draw_empty,
    dropdown,
    restyle_step,
    set_message,
    slider,
    stack_sliders,
    visibility_step,
)

# 官方 MNIST 测试集的第 0、1、3 张（数字 7、2、0），uint8 的 28×28 像素经 zlib 压缩、base64 编码。
# 放在源码里，交互图就不必在导入或画图时读取数据文件。
_DIGIT_BLOBS: tuple[tuple[int, str], ...] = (
    (7, "eNpjYBguIGTn/Ok2Ktjl7v0Dgo/HoGCVCbKcc5FH0eLH/x4CVfx6+u9fD4ZmQSc+Z2dna9E3/7Jw2R3896IQDimxl/+DcWlr/PdOB4eU"
        "9c9/dri0tf7bzYpDivPsDytc2ur+bcMl5f37gyUOKeG7/5bhkGI+/e+2Mg45tX//fHFIyT/4V8yI02v/THBI2X7CLVf5799tDZxy54WI"
        "T0UAWodIFw=="),
    (2, "eNpjYKAlKKld/f//tFhsUiv/gsEtOexSV/s2/P1bhSFl8uvvJQUeBrZzf3sw5Hx/X5IEUlU//jpimikvBCIv/sUmBwal3/8e48Iu5fP9"
        "73N7HNoa/v6dgENqw7e/83mwS0m++vtSGYe2Y3//9uKQ8vvxdy8OE4VP4NbW9vfvWhzaGH78/SvJgFtOWwQIWBlYRURUp02bNpkLWQ4M"
        "VvQvg7Kq4XLr/iLAz+/fV5aWWiIMLauurgZpmV1drckw+AAAdaZwsw=="),
    (0, "eNpjYBg4wD3t7yl5HHKqv3//zcYuJXoUp1zevt9AuZW5dljk/v4Gyf3+fccYQ2rb/79A8OoekECXsr8L0jfZ167h9+9MVCmF50Dj7nRy"
        "MTDIP/v9uZAV3fl7RMDMXKAqZTS5k3IQpvwJdDmECxRO/f+7BFmu5/dvGBPDzJswOVF7oKueyWGVmwD0yV1bBmxy2+4C5bag+u/W37+e"
        "nk/+/gUHDlqwFIKDEkJMRpMDhgZE7tleZS708LTrg8hhjz+Pdb/XunvIDWCaBAA3rZCX"),
)

#: 预设卷积核的名字 → 中文说明
PRESET_KERNELS: dict[str, str] = {
    "edge-x": "竖直边缘（左右差分）",
    "edge-y": "水平边缘（上下差分）",
    "blur": "模糊（二项式平均）",
    "sharpen": "锐化",
}

MAX_STRIDE = 8
MAX_PADDING = 8
_OUT_SCALE = "RdBu_r"
_WINDOW_COLOR = "rgba(255,140,0,0.55)"


@lru_cache(maxsize=1)
def sample_digits() -> tuple[tuple[int, np.ndarray], ...]:
    """内置的几张手写数字：(标签, [28, 28] 的 float 像素，取值 0～1)（见 {ref}`sec-cnn`）。"""
    out = []
    for label, blob in _DIGIT_BLOBS:
        pixels = np.frombuffer(zlib.decompress(base64.b64decode(blob)), dtype=np.uint8)
        out.append((label, (pixels.reshape(28, 28) / 255.0).astype(np.float64)))
    return tuple(out)


def _binomial(n: int) -> np.ndarray:
    row = np.array([1.0])
    for _ in range(n - 1):
        row = np.convolve(row, [1.0, 1.0])
    return row


def preset_kernel(*, name: str, size: int = 3) -> np.ndarray:
    """按名字造一个 size×size 的卷积核（size 为 3 或 5）：Sobel 式边缘、二项式模糊、锐化（见 {ref}`sec-cnn`）。"""
    if name not in PRESET_KERNELS:
        raise ValueError(f"未知的卷积核 {name!r}；预设的有：{'、'.join(PRESET_KERNELS)}。")
    if size not in (3, 5):
        raise ValueError(f"预设卷积核的边长只能是 3 或 5，收到 {size}。")
    smooth = _binomial(size)
    diff = np.convolve(_binomial(size - 2), [1.0, 0.0, -1.0])[::-1]  # 3 → [-1, 0, 1]，5 → [-1, -2, 0, 2, 1]
    blur = np.outer(smooth, smooth) / smooth.sum() ** 2
    if name == "edge-x":
        return np.outer(smooth, diff) / smooth.sum()
    if name == "edge-y":
        return np.outer(diff, smooth) / smooth.sum()
    if name == "blur":
        return blur
    delta = np.zeros((size, size))
    delta[size // 2, size // 2] = 1.0
    return 2 * delta - blur


def output_size(*, n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """卷积输出的边长 ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1；放不下一个窗口时返回 0（见 {ref}`sec-cnn`）。"""
    span = dilation * (k - 1) + 1
    if n + 2 * padding < span:
        return 0
    return (n + 2 * padding - span) // stride + 1


def cross_correlate(*, image: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    """二维互相关（深度学习里叫“卷积”）：窗口逐个位置与卷积核逐元素相乘再求和（见 {ref}`sec-cnn`）。"""
    k = kernel.shape[0]
    m = output_size(n=image.shape[0], k=k, stride=stride)
    windows = np.lib.stride_tricks.sliding_window_view(image, (k, k))[::stride, ::stride][:m, :m]
    return np.einsum("ijab,ab->ij", windows, kernel)


@dataclass(frozen=True, kw_only=True)
class ConvolutionResult(Result):
    """一次卷积：输入、补零后的输入、卷积核、特征图、窗口位置与公式（见 {ref}`sec-cnn`）。"""

    digit: int
    label: int
    kernel_name: str
    kernel: np.ndarray
    stride: int
    padding: int
    size: int
    padded: np.ndarray
    feature_map: np.ndarray
    cell: tuple[int, int]
    window: tuple[int, int]
    formula: str
    empty: bool


def _kernel_table(kernels: Mapping[str, np.ndarray] | None, size: int) -> dict[str, np.ndarray]:
    """预设卷积核加上调用者给的卷积核（例如训练好的第一层）；全部必须是同样大小的方阵。"""
    table = {name: preset_kernel(name=name, size=size) for name in PRESET_KERNELS}
    for name, k in (kernels or {}).items():
        k = np.asarray(k, dtype=np.float64)
        if k.shape != (size, size):
            raise ValueError(f"卷积核 {name!r} 的形状是 {k.shape}，应为 ({size}, {size})。")
        table[name] = k
    return table


def _formula(n: int, k: int, s: int, p: int, m: int) -> str:
    return f"输出边长 ⌊(n + 2p − k)/s⌋ + 1 = ⌊({n} + 2×{p} − {k})/{s}⌋ + 1 = {m}"


def _wrapped(text: str) -> str:
    """标题在手机宽度上放不下一行：在公式的等号处换行。"""
    return text.replace(" + 1 = ⌊", " + 1<br>= ⌊")


def convolve(
    *,
    digit: int = 0,
    kernel: str = "edge-x",
    stride: int = 1,
    padding: int = 0,
    size: int = 28,
    kernel_size: int = 3,
    kernels: Mapping[str, np.ndarray] | None = None,
) -> ConvolutionResult:
    """把内置的第 ``digit`` 张数字（居中裁成 size×size）补零 ``padding`` 圈，再以步幅 ``stride`` 做互相关（见 {ref}`sec-cnn`）。

    ``kernels`` 可以追加自己的卷积核（名字 → kernel_size×kernel_size 的数组）。超出范围的数被截断并写进 ``message``；
    卷积核比补零后的输入还大时 ``empty`` 为真，特征图是 0×0。
    """
    notes = Notes()
    table = _kernel_table(kernels, kernel_size)
    if kernel not in table:
        raise ValueError(f"未知的卷积核 {kernel!r}；可选的有：{'、'.join(table)}。")
    digits = sample_digits()
    digit = notes.clamp_int(digit, 0, len(digits) - 1, label="数字的序号", default=0)
    stride = notes.clamp_int(stride, 1, MAX_STRIDE, label="步幅", default=1)
    padding = notes.clamp_int(padding, 0, MAX_PADDING, label="补零", default=0)
    size = notes.clamp_int(size, 1, 28, label="边长 n", default=28)
    label, image = digits[digit]
    start = (28 - size) // 2
    image = image[start:start + size, start:start + size]
    padded = np.pad(image, padding)
    w = table[kernel]
    m = output_size(n=size, k=kernel_size, stride=stride, padding=padding)
    if m == 0:
        notes.add(f"卷积核 {kernel_size}×{kernel_size} 比补零后的输入 {size + 2 * padding}×{size + 2 * padding} 还大："
                  f"一个窗口也放不下，没有输出。多补几圈零或换更大的输入。")
        fmap, cell, window = np.zeros((0, 0)), (0, 0), (0, 0)
        formula = f"n + 2p = {size + 2 * padding} < k = {kernel_size}：没有输出"
    else:
        fmap = cross_correlate(image=padded, kernel=w, stride=stride)
        cell = (m // 2, m // 2)
        window = (cell[0] * stride, cell[1] * stride)
        formula = _formula(size, kernel_size, stride, padding, m)
    return ConvolutionResult(
        digit=digit, label=label, kernel_name=kernel, kernel=w, stride=stride, padding=padding, size=size,
        padded=padded, feature_map=fmap, cell=cell, window=window, formula=formula, empty=m == 0,
        message=str(notes),
    )


# ---------------------------------------------------------------- 画图


def _round(a: np.ndarray) -> list:
    return np.round(np.asarray(a, dtype=float), 2).tolist()


def _window_mask(r: ConvolutionResult, k: int) -> np.ndarray:
    """补零后输入上的窗口（1 表示窗口里，nan 表示窗口外，画成透明）。"""
    mask = np.full(r.padded.shape, np.nan)
    i, j = r.window
    mask[i:i + k, j:j + k] = 1.0
    return mask


def _cell_mask(r: ConvolutionResult) -> np.ndarray:
    mask = np.full(r.feature_map.shape, np.nan)
    if mask.size:
        mask[r.cell] = 1.0
    return mask


def _nan_to_none(a: np.ndarray) -> list:
    return [[None if np.isnan(v) else float(v) for v in row] for row in a]


def _coords(n: int, p: int) -> list[int]:
    return list(range(-p, n + p))


def _name(part: str, suffix: str) -> str:
    return f"{part} {suffix}".strip()


def _base_figure(suffixes: Sequence[str]) -> go.Figure:
    """底图：左边是补零后的输入与窗口，右边是特征图与对应的格子；每组曲线按后缀命名（figure 与 panel 共用）。"""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("输入（含补零）与窗口", "特征图"), horizontal_spacing=0.1)
    flat = [[0.0, _WINDOW_COLOR], [1.0, _WINDOW_COLOR]]
    for s in suffixes:
        fig.add_trace(go.Heatmap(z=[], name=_name("输入", s), colorscale="gray", zmin=0, zmax=1, showscale=False,
                                 hovertemplate="行 %{y}，列 %{x}：%{z:.2f}<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Heatmap(z=[], name=_name("窗口", s), colorscale=flat, showscale=False, hoverinfo="skip"),
                      row=1, col=1)
        fig.add_trace(go.Heatmap(z=[], name=_name("特征图", s), colorscale=_OUT_SCALE, zmid=0, showscale=False,
                                 hovertemplate="行 %{y}，列 %{x}：%{z:.3f}<extra></extra>"), row=1, col=2)
        fig.add_trace(go.Heatmap(z=[], name=_name("格子", s), colorscale=flat, showscale=False, hoverinfo="skip"),
                      row=1, col=2)
    for axis in ("yaxis", "yaxis2"):
        fig.layout[axis].update(autorange="reversed", scaleanchor=axis.replace("yaxis", "x"), constrain="domain")
    fig.update_layout(height=640, margin={"t": 170, "l": 30, "r": 20},
                      title={"y": 0.965, "yanchor": "top", "x": 0.02, "font": {"size": 13}}, plot_bgcolor="white")
    return fig


def _trace_data(r: ConvolutionResult, k: int) -> dict[str, dict]:
    """一次卷积结果在四条曲线上的数据（名字不含后缀）。"""
    n, p = r.size, r.padding
    m = r.feature_map.shape[0]
    return {
        "输入": {"z": _round(r.padded), "x": _coords(n, p), "y": _coords(n, p)},
        "窗口": {"z": _nan_to_none(_window_mask(r, k)), "x": _coords(n, p), "y": _coords(n, p)},
        "特征图": {"z": _round(r.feature_map), "x": list(range(m)), "y": list(range(m))},
        "格子": {"z": _nan_to_none(_cell_mask(r)), "x": list(range(m)), "y": list(range(m))},
    }


def _title(r: ConvolutionResult, kernel_label: str) -> str:
    return f"数字 {r.label} · {kernel_label}<br>{_wrapped(r.formula)}"


def _menu_step(fig: go.Figure, results: Sequence[ConvolutionResult], suffixes: Sequence[str], kernel_label: str,
               kernel_size: int) -> Step:
    """菜单的一项：换掉每个（步幅, 补零）组合的输入与特征图；图还空着时先把这一项画上去（它就是图最初的样子）。"""
    traced = [(_trace_data(r, kernel_size), suf) for r, suf in zip(results, suffixes)]
    if not fig.data[0].z:  # 窗口与格子只取决于步幅与补零，只画这一次
        for data, suf in traced:
            for part, values in data.items():
                fig.update_traces(selector={"name": _name(part, suf)}, **values)
    # 菜单只换数值 z：x、y 坐标也只取决于步幅与补零
    updates = {_name(part, suf): {"z": data[part]["z"]} for data, suf in traced for part in ("输入", "特征图")}
    return restyle_step(fig, kernel_label, updates)


def _digit_step(digit: int, kernel_steps: Sequence[Step]) -> Step:
    """“数字”菜单的一项：画出这个数字配第一个卷积核的结果，并把“卷积核”菜单换成这个数字的各项。

    两个菜单各自预先算好；选了数字之后，卷积核菜单的每一项都针对这个数字（plotly 的 update 同时改数据与菜单）。
    """
    first = kernel_steps[0]
    data, indices = first.args
    layout = {"updatemenus[1].buttons": [s.to_dict() for s in kernel_steps], "updatemenus[1].active": 0}
    return Step(label=f"数字 {digit}", method="update", args=[data, layout, indices])


def _menus(digit_steps: Sequence[Step], kernel_steps: Sequence[Step]) -> list[dict]:
    """数字菜单靠左，卷积核菜单靠右对齐：两个菜单在手机宽度上也不会叠在一起。"""
    return [dropdown(steps=digit_steps, x=0.0, y=1.39, name="数字"),
            {**dropdown(steps=kernel_steps, x=1.0, y=1.39, name="卷积核"), "xanchor": "right"}]


def convolution_figure(
    *,
    digits: Sequence[int] = (0, 1, 2),
    kernel_names: Sequence[str] = tuple(PRESET_KERNELS),
    strides: Sequence[int] = (1, 2, 3),
    paddings: Sequence[int] = (0, 1, 2),
    size: int = 28,
    kernel_size: int = 3,
    kernels: Mapping[str, np.ndarray] | None = None,
) -> go.Figure:
    """卷积的静态交互图：两个菜单选数字与卷积核，滑块选“步幅 · 补零”，每一步预先算好（见 {ref}`sec-cnn`）。

    ``kernels`` 追加的卷积核（例如训练好的第一层）也进菜单。放不下窗口的（步幅, 补零）组合不进滑块，
    一个组合都放不下时画空状态。
    """
    notes = Notes()
    names = list(dict.fromkeys([*kernel_names, *(kernels or {})]))
    table = _kernel_table(kernels, kernel_size)
    labels = {name: PRESET_KERNELS.get(name, name) for name in names}
    digits = sorted({notes.clamp_int(d, 0, len(sample_digits()) - 1, label="数字的序号") for d in digits})
    strides = sorted({notes.clamp_int(s, 1, MAX_STRIDE, label="步幅") for s in strides})
    paddings = sorted({notes.clamp_int(p, 0, MAX_PADDING, label="补零") for p in paddings})
    size = notes.clamp_int(size, 1, 28, label="边长 n")
    unknown = [name for name in names if name not in table]
    if unknown:
        raise ValueError(f"未知的卷积核 {'、'.join(unknown)}；可选的有：{'、'.join(table)}。")
    combos = [(s, p) for p in paddings for s in strides if output_size(n=size, k=kernel_size, stride=s, padding=p)]
    dropped = len(strides) * len(paddings) - len(combos)
    suffixes = [f"s={s} p={p}" for s, p in combos]
    fig = _base_figure(suffixes or ["s=1 p=0"])
    if not combos:
        notes.add(f"边长 {size} 的输入在所给的补零下都放不下 {kernel_size}×{kernel_size} 的卷积核。")
        draw_empty(fig, f"卷积核 {kernel_size}×{kernel_size} 比补零后的输入还大：没有输出。<br>请加大补零或输入边长。")
        return set_message(fig, "<br>".join(notes.items), y=1.1)
    if dropped:
        notes.add(f"有 {dropped} 个（步幅, 补零）组合放不下卷积核，已从滑块中去掉。")

    def run(d: int, name: str, s: int, p: int) -> ConvolutionResult:
        return convolve(digit=d, kernel=name, stride=s, padding=p, size=size, kernel_size=kernel_size,
                        kernels=kernels)

    kernel_steps = {d: [_menu_step(fig, [run(d, name, s, p) for s, p in combos], suffixes, labels[name], kernel_size)
                        for name in names] for d in digits}
    digit_steps = [_digit_step(sample_digits()[d][0], kernel_steps[d]) for d in digits]
    # 菜单只换数据；标题里的公式只取决于步幅与补零，跟着滑块变
    slider_steps = [
        visibility_step(fig, f"s={s}, p={p}", [_name(part, suf) for part in ("输入", "窗口", "特征图", "格子")],
                        layout={"title.text": _wrapped(_formula(size, kernel_size, s, p, output_size(
                            n=size, k=kernel_size, stride=s, padding=p)))})
        for (s, p), suf in zip(combos, suffixes)
    ]
    active = 0
    fig.update_traces(visible=False)
    fig.update_traces(visible=True, selector=lambda t: t.name.endswith(suffixes[active]))
    fig.update_layout(title_text=slider_steps[active].args[1]["title.text"],
                      updatemenus=_menus(digit_steps, kernel_steps[digits[0]]))
    stack_sliders(fig, [slider(name="步幅 s · 补零 p", steps=slider_steps, active=active)])
    return set_message(fig, "<br>".join(notes.items), y=1.1)


def convolution_panel(
    *,
    digit: int = 0,
    kernel: str = "edge-x",
    stride: int = 1,
    padding: int = 0,
    size: int = 28,
    kernel_size: int = 3,
    kernels: Mapping[str, np.ndarray] | None = None,
) -> LivePanel:
    """JupyterLab 中的实时面板：数字、卷积核、步幅、补零与输入边长都可以调（见 {ref}`sec-cnn`）。"""
    table = _kernel_table(kernels, kernel_size)
    options = [(f"数字 {lab}", i) for i, (lab, _) in enumerate(sample_digits())]
    controls = {
        "digit": widgets.Dropdown(options=options, value=digit, description="数字"),
        "kernel": widgets.Dropdown(options=[(PRESET_KERNELS.get(n, n), n) for n in table], value=kernel,
                                   description="卷积核"),
        "stride": widgets.IntSlider(value=stride, min=1, max=MAX_STRIDE, description="步幅 s"),
        "padding": widgets.IntSlider(value=padding, min=0, max=MAX_PADDING, description="补零 p"),
        "size": widgets.IntSlider(value=size, min=1, max=28, description="边长 n"),
    }
    fig = _base_figure([""])

    def update(figure: go.FigureWidget, values: dict) -> str:
        r = convolve(**values, kernel_size=kernel_size, kernels=kernels)
        if r.empty:
            draw_empty(figure, r.message)
            figure.layout.title.text = r.formula
            return r.message
        clear_empty(figure)
        for part, data in _trace_data(r, kernel_size).items():
            figure.update_traces(selector={"name": part}, **data)
        figure.layout.title.text = _title(r, PRESET_KERNELS.get(r.kernel_name, r.kernel_name))
        return r.message

    return LivePanel(figure=fig, controls=controls, update=update)


EXPLORER = Explorer(
    name="convolution",
    chapter="sec-cnn",
    compute=convolve,
    figure=convolution_figure,
    panel=convolution_panel,
    compute_kwargs={"digit": 1, "kernel": "blur", "stride": 2, "padding": 1},
    figure_kwargs={"digits": (0, 1), "kernel_names": ("edge-x", "blur"), "strides": (1, 2), "paddings": (0, 1),
                   "size": 16},
    panel_kwargs={},
    extremes=({"size": 2, "paddings": (0,)}, {"strides": (0, 99)}, {"paddings": (-3, 40)}),
)
