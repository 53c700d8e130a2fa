"""全书统一的运行环境：随机种子、中文字体与 plotly 渲染器（见 {ref}`sec-intro`）。"""

from __future__ import annotations

import random
import sys
import warnings

import numpy as np
import torch

from dlbook.fonts import use_cjk_font
from dlbook.plotly_output import use_book_renderer


def seed_everything(seed: int = 0) -> None:
    """为 Python、NumPy 与 PyTorch 设置同一个随机种子（见 {ref}`sec-intro`）。"""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def strict_text_encoding() -> None:
    """以 PYTHONWARNDEFAULTENCODING=1 运行时，让 dlbook 与章节代码中不写 encoding 的文本读写报错（见 {ref}`sec-intro`）。

    中文 Windows 的默认编码是 GBK，这样的调用在那里会读错文件。pytest 的配置只管测试进程本身；
    ``pytest --nbval`` 在单独的内核里执行各章，这里让内核中的 dlbook 代码和章节的单元（模块名 ``__main__``）
    也受同样的检查。没有设置这个变量时什么也不做。
    """
    if getattr(sys.flags, "warn_default_encoding", 0):
        warnings.filterwarnings("error", category=EncodingWarning, module=r"(dlbook(\.|$)|__main__$)")


def plain_numpy_scalars() -> bool:
    """让 IPython 把 NumPy 标量显示成普通的数（``0.5`` 而不是 ``np.float64(0.5)``）（见 {ref}`sec-intro`）。

    NumPy 2 的标量 repr 带着类型名；myst-nb 的 ``{glue:text}`name:.2f``` 要把 glue 的文本转回数字再排版，
    遇到 ``np.float64(...)`` 就失败。不在 IPython 里运行时什么也不做，返回 False。
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython 是 Jupyter 的依赖，本书总会装上
        return False
    shell = get_ipython()
    if shell is None:
        return False
    text = shell.display_formatter.formatters["text/plain"]
    # 要按具体类型登记：NumPy 的每个标量类型都有自己的 __repr__，IPython 不会再去看父类 np.floating 的登记。
    floats = (np.float16, np.float32, np.float64, np.longdouble)
    ints = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
    for kinds, convert in ((floats, float), (ints, int), ((np.bool_,), bool)):
        for kind in kinds:
            text.for_type(kind, lambda value, printer, _cycle, convert=convert: printer.text(repr(convert(value))))
    return True


def setup(seed: int = 0) -> None:
    """每章开头调用一次：设随机种子、matplotlib 中文字体和 plotly 输出方式（见 {ref}`sec-intro`）。"""
    seed_everything(seed)
    strict_text_encoding()
    plain_numpy_scalars()
    use_cjk_font()
    use_book_renderer()
