import json
import re

import plotly.graph_objects as go
import plotly.io as pio

from dlbook.plotly_output import BookHtmlRenderer, use_book_renderer


def test_html_fragment_has_no_plotlyjs_and_calls_newplot():
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    bundle = BookHtmlRenderer().to_mimebundle(fig.to_dict())
    html = bundle["text/html"]
    assert "Plotly.newPlot" in html
    assert "plotly-graph-div" in html
    assert len(html) < 20_000, "HTML 片段不应内嵌 plotly.js"
    assert not re.search(r"<script[^>]+src=", html), "不应从任何地址加载脚本"


UPSTREAM_HINT = (
    "dlbook.plotly_output.BookHtmlRenderer 继承 plotly.io.base_renderers.MimetypeRenderer 并覆盖 to_mimebundle(fig_dict)；"
    "这不是 plotly 承诺稳定的接口，plotly 升级后可能变了：请对照新版 plotly/io/_base_renderers.py 与 _renderers.py 修改，"
    "并更新 requirements.txt 中 plotly 的版本上界。"
)


def test_plotly_renderer_interface_is_what_we_subclass():
    from plotly.io.base_renderers import MimetypeRenderer

    assert issubclass(BookHtmlRenderer, MimetypeRenderer), UPSTREAM_HINT
    assert "to_mimebundle" in vars(MimetypeRenderer), UPSTREAM_HINT


def test_book_renderer_emits_mimetype_and_html():
    use_book_renderer()
    fig = go.Figure(go.Bar(y=[1, 2]), layout={"title": "中文标题"})
    # Jupyter 显示一个图时调用的就是 IPython 的显示协议 _repr_mimebundle_
    bundle = fig._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html"}, UPSTREAM_HINT
    assert "Plotly.newPlot" in bundle["text/html"] and "<script src=" not in bundle["text/html"], UPSTREAM_HINT
    assert "中文标题" in json.dumps(bundle["application/vnd.plotly.v1+json"], ensure_ascii=False)
    assert "Noto Sans CJK SC" in json.dumps(fig.update_layout(template=pio.templates.default).to_dict()["layout"]["template"], ensure_ascii=False)


def test_html_fragment_config_suits_phones():
    """图随容器缩放，工具栏只在悬停时出现（触屏与窄屏上由 book/_static/dlbook-phone.css 隐藏）。"""
    html = BookHtmlRenderer().to_mimebundle(go.Figure(go.Scatter(y=[1, 2])).to_dict())["text/html"]
    config = json.loads(re.search(r'\{[^{}]*"displaylogo"[^{}]*\}', html).group(0))
    assert config["responsive"] is True
    assert config["displayModeBar"] == "hover"
    assert config["displaylogo"] is False
