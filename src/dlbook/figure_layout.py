"""全书 plotly 图共用的排版：从上到下按像素排好工具栏、标题、菜单、说明行、绘图区、滑块与图例（见 {ref}`sec-activations`）。

plotly 的位置用“纸面坐标”（绘图区的高度为 1）表示。图的总高度固定（宽度随容器伸缩），
所以绘图区的像素高度可以算出来，各部分就能按像素上下排开，在 390 px 的手机与 970 px 的桌面上都互不遮挡：

- 顶部：plotly 工具栏占一行，标题（可以两行）在它下面，再下面是可选的一行菜单按钮，最后是说明行；
- 底部：横轴标题之下是滑块（:func:`sliders_below`），图例横排放在最下面，窄屏上它向下换行，不会压到任何东西。

用法：``layout = frame(plot=..., menu=..., sliders=...)`` 算出各部分的像素，:func:`apply_frame` 写进图，
再用 :func:`sliders_below` 排滑块、:func:`menu_y` 放菜单、:func:`wrap` 折行标题与说明行。
全书的交互图都用这一套排版；``tests/explorers/test_phone_layout.py`` 在 390 px 宽的浏览器里检查它们互不重叠。
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from dlbook.interactive import MESSAGE

TOOLBAR_PX = 40  # plotly 工具栏的高度：标题放在它下面
TITLE_LINE_PX = 22
MENU_PX = 36
MESSAGE_LINE_PX = 18  # 12 px 的说明文字一行（浏览器里量得：单行注释框约 20 px，之后每行约 16 px）
AXIS_PX = 52  # 横轴刻度与横轴标题
SLIDER_PX = 96  # 一个滑块（说明文字、滑轨、刻度与刻度标签约 88 px，再留 8 px 空隙；浏览器里量得）
LEGEND_ROW_PX = 24
#: 子图的小标题（plotly 的 subplot_titles，紧贴绘图区上沿，约 22 px 高）在说明行的位置上要占的行数
SUBPLOT_TITLE_LINES = 2
#: 手机上一行大约能放下的汉字数（标题 15 px 字从图的左边起、说明 12 px 字从绘图区左边起，图宽约 358 px；
#: 西文字符按半个汉字估计，实际略宽，所以说明行留了余量）
TITLE_CHARS = 22
MESSAGE_CHARS = 24


#: 不放在行首的标点：它们跟在上一行末尾（即使稍稍超出一点）
CLOSING = "，。、；：！？）」』】》,.;:!?)]}%"


def _width(char: str) -> float:
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.55


def _break_at(line: str) -> int:
    """断行的位置：优先断在最后 8 个字符里的中文标点后面，其次是最后 20 个字符里的空格，都没有就在行尾。"""
    for marks, window in (("，。；：、）", 8), (" ", 20)):
        cut = max(line.rfind(m) for m in marks)
        if cut >= len(line) - window:
            return cut + 1
    return len(line)


def wrap(text: str, width: float = MESSAGE_CHARS) -> str:
    """按显示宽度（汉字算 1，西文字符约算半个）在 ``width`` 处插入 ``<br>``，尽量断在标点后面。"""
    lines: list[str] = []
    for paragraph in text.split("<br>"):
        line, size = "", 0.0
        for char in paragraph:
            if size + _width(char) > width and line and char not in CLOSING:
                cut = _break_at(line)
                lines.append(line[:cut].rstrip())
                line = line[cut:].lstrip()
                size = sum(_width(c) for c in line)
            line += char
            size += _width(char)
        lines.append(line)
    return "<br>".join(lines)


@dataclass(frozen=True)
class Frame:
    """一张图的像素排版：总高度、上下边距与绘图区高度（见 {ref}`sec-regularization`）。"""

    height: int
    top: int
    bottom: int
    title_lines: int
    menu: bool
    sliders: int

    @property
    def plot(self) -> int:
        return self.height - self.top - self.bottom

    def above(self, pixels: float) -> float:
        """绘图区顶边以上 ``pixels`` 像素处的纸面纵坐标。"""
        return 1.0 + pixels / self.plot

    def below(self, pixels: float) -> float:
        """绘图区底边以下 ``pixels`` 像素处的纸面纵坐标。"""
        return -pixels / self.plot


def frame(*, plot: int, title_lines: int = 2, menu: bool = False, message_lines: int = 2, sliders: int = 0,
          legend_rows: int = 3) -> Frame:
    """按各部分需要的像素算出总高度与上下边距；``plot`` 是绘图区的像素高度。"""
    top = TOOLBAR_PX + TITLE_LINE_PX * title_lines + (MENU_PX if menu else 0) + MESSAGE_LINE_PX * message_lines + 6
    bottom = AXIS_PX + SLIDER_PX * sliders + LEGEND_ROW_PX * legend_rows + 10
    return Frame(height=top + plot + bottom, top=top, bottom=bottom, title_lines=title_lines, menu=menu,
                 sliders=sliders)


def apply_frame(fig: go.Figure, layout: Frame, *, title: str, legend: bool = True) -> go.Figure:
    """把排版写进图：高度、边距、靠左的标题（在工具栏下面）与最下面的横排图例，不设固定宽度。"""
    fig.update_layout(
        height=layout.height,
        autosize=True,
        margin={"t": layout.top, "b": layout.bottom, "l": 58, "r": 20},
        title={"text": wrap(title, TITLE_CHARS), "x": 0.0, "xanchor": "left", "xref": "container",
               "pad": {"l": 10},
               "y": 1.0 - TOOLBAR_PX / layout.height, "yanchor": "top", "yref": "container",
               "font": {"size": 15}},
        showlegend=legend,
        legend={"orientation": "h", "traceorder": "normal", "x": 0.0, "xanchor": "left", "yanchor": "top",
                "y": layout.below(AXIS_PX + SLIDER_PX * layout.sliders), "font": {"size": 12}},
    )
    return fig


def sliders_below(layout: Frame, sliders: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """把滑块（:func:`dlbook.interactive.slider` 的结果）一个接一个排在横轴标题下面，每个占 ``SLIDER_PX`` 像素。"""
    if len(sliders) > layout.sliders:
        raise ValueError(f"排版只给 {layout.sliders} 个滑块留了位置，却要放 {len(sliders)} 个：frame(sliders=...) 写少了。")
    return [{**s, "pad": {"t": 0, "b": 0}, "yanchor": "top", "y": layout.below(AXIS_PX + SLIDER_PX * i)}
            for i, s in enumerate(sliders)]


def menu_y(layout: Frame) -> float:
    """菜单按钮行（标题之下、说明行之上）的纸面纵坐标（按钮的上沿）。"""
    return layout.above(layout.top - TOOLBAR_PX - TITLE_LINE_PX * layout.title_lines - 2)


def message_path(fig: go.Figure) -> str | None:
    """说明行注释在 ``layout.annotations`` 中的路径（按名字找），供滑块的某一步改写说明。"""
    for i, annotation in enumerate(fig.layout.annotations):
        if annotation.name == MESSAGE:
            return f"annotations[{i}]"
    return None
