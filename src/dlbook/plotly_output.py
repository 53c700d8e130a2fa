"""让 plotly 图同时适合 JupyterLab 与离线的 HTML 书（见 {ref}`sec-intro`）。

JupyterLab 用 plotly 自己的 MIME 类型渲染；HTML 书（Jupyter Book 1 / myst-nb）不认识这个 MIME 类型，
会显示空白，因此再附上一段 ``text/html``：它只含图的数据和一句 ``Plotly.newPlot``，调用的 plotly.js
由构建时的 Sphinx 扩展 :mod:`dlbook.sphinx_offline` 从本地复制到书里，页面不从外网加载任何东西。
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.base_renderers import MimetypeRenderer

from dlbook.fonts import PLOTLY_FONT_FAMILY

RENDERER_NAME = "dlbook_html"
TEMPLATE_NAME = "dlbook"
# 工具栏只在鼠标悬停时出现（触屏与窄屏上由书的样式表 book/_static/dlbook-phone.css 隐藏）；图随容器宽度缩放。
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": "hover"}


class BookHtmlRenderer(MimetypeRenderer):
    """输出不含 plotly.js 的 HTML 片段，由书页上的本地 plotly.js 画出（见 {ref}`sec-intro`）。"""

    def to_mimebundle(self, fig_dict):
        html = pio.to_html(
            fig_dict,
            include_plotlyjs=False,
            full_html=False,
            config=PLOTLY_CONFIG,
            validate=False,
        )
        return {"text/html": html}


def book_template() -> go.layout.Template:
    """本书的 plotly 模板：白底，字体栈覆盖中文（见 {ref}`sec-intro`）。"""
    return go.layout.Template(
        layout=dict(
            font=dict(family=PLOTLY_FONT_FAMILY, size=13),
            margin=dict(l=60, r=30, t=60, b=50),
        )
    )


def use_book_renderer() -> None:
    """注册并启用本书的渲染器与模板（见 {ref}`sec-intro`）。"""
    pio.renderers[RENDERER_NAME] = BookHtmlRenderer()
    pio.renderers.default = f"plotly_mimetype+{RENDERER_NAME}"
    pio.templates[TEMPLATE_NAME] = book_template()
    pio.templates.default = f"plotly_white+{TEMPLATE_NAME}"
