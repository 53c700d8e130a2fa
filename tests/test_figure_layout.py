"""dlbook.figure_layout 的测试：断行不超宽、像素排版的各部分不重叠。"""

import plotly.graph_objects as go
import pytest

from dlbook.figure_layout import (
    AXIS_PX,
    CLOSING,
    LEGEND_ROW_PX,
    SLIDER_PX,
    TOOLBAR_PX,
    _width,
    apply_frame,
    frame,
    menu_y,
    sliders_below,
    wrap,
)
from dlbook.interactive import relayout_step, slider


@pytest.mark.parametrize("text", [
    "系数不少于训练点：曲线穿过每一个训练点，训练误差几乎为 0。 拟合曲线有一段超出了 ±3，那里没有画出。",
    "CosineAnnealingLR(T_max=100, eta_min=1e-06)：学习率从 0.1 变到最后一个 epoch 的 0.000123。",
    "没有标点的一长串汉字没有标点的一长串汉字没有标点的一长串汉字没有标点的一长串汉字",
])
def test_wrap_keeps_every_line_within_the_width_and_loses_nothing(text):
    wrapped = wrap(text, 20)
    lines = wrapped.split("<br>")
    assert len(lines) >= 2
    # 行尾可以多挂一个不放在行首的标点
    assert all(sum(_width(c) for c in line.rstrip(CLOSING)) <= 20 for line in lines)
    assert not any(line[:1] in CLOSING for line in lines[1:])
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_never_starts_a_line_with_closing_punctuation():
    wrapped = wrap("η = 1：SGD、RMSProp、Momentum 走出了画框（发散），用 × 标出。", 26)
    assert "<br>，" not in wrapped and "（发散），<br>" in wrapped


def test_wrap_prefers_chinese_punctuation():
    assert wrap("一二三四五六七八九十，一二三四五六七八九十", 15).startswith("一二三四五六七八九十，<br>")


def test_frame_stacks_toolbar_title_menu_message_plot_sliders_and_legend():
    layout = frame(plot=300, title_lines=2, menu=True, sliders=2, legend_rows=3)
    assert layout.height == layout.top + layout.plot + layout.bottom and layout.plot == 300
    fig = apply_frame(go.Figure(), layout, title="标题")
    steps = [relayout_step("a", {"xaxis.type": "linear"}), relayout_step("b", {"xaxis.type": "log"})]
    placed = sliders_below(layout, [slider(name="一", steps=steps), slider(name="二", steps=steps)])
    assert all(s["pad"] == {"t": 0, "b": 0} and s["yanchor"] == "top" for s in placed)
    px = [-s["y"] * layout.plot for s in placed]  # 每个滑块上沿在绘图区底边以下多少像素
    assert px[0] == pytest.approx(AXIS_PX)  # 第一个滑块在横轴标题下面
    assert px[1] - px[0] == pytest.approx(SLIDER_PX)
    legend_px = -fig.layout.legend.y * layout.plot
    assert legend_px == pytest.approx(px[1] + SLIDER_PX)  # 图例在最后一个滑块下面
    assert layout.bottom >= legend_px + LEGEND_ROW_PX * 3  # 三行图例也放得下
    # 滑块的各步确实写进了图的 JSON，静态 HTML 才能拖动
    fig.update_layout(sliders=placed)
    assert len(fig.to_dict()["layout"]["sliders"][1]["steps"]) == 2
    with pytest.raises(ValueError, match="只给 2 个滑块"):
        sliders_below(layout, [slider(name=str(k), steps=steps) for k in range(3)])
    assert fig.layout.width is None and fig.layout.legend.orientation == "h"
    # 菜单在标题下面、绘图区上面；标题在工具栏下面
    menu_px = (menu_y(layout) - 1) * layout.plot
    assert 0 < menu_px < layout.top - TOOLBAR_PX
    assert fig.layout.title.y <= 1 - TOOLBAR_PX / layout.height
