"""全书统一的运行环境：随机种子、中文字体与 plotly 渲染器（见 {ref}`sec-intro`）。"""

from __future__ import annotations

import random

import numpy as np
import torch

from dlbook.fonts import use_cjk_font
from dlbook.plotly_output import use_book_renderer


def seed_everything(seed: int = 0) -> None:
    """为 Python、NumPy 与 PyTorch 设置同一个随机种子（见 {ref}`sec-intro`）。"""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(seed: int = 0) -> None:
    """每章开头调用一次：设随机种子、matplotlib 中文字体和 plotly 输出方式（见 {ref}`sec-intro`）。"""
    seed_everything(seed)
    use_cjk_font()
    use_book_renderer()
