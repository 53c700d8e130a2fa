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


def test_book_renderer_emits_mimetype_and_html():
    use_book_renderer()
    fig = go.Figure(go.Bar(y=[1, 2]), layout={"title": "中文标题"})
    bundle = pio.renderers._build_mime_bundle(fig.to_dict())
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html"}
    assert "中文标题" in json.dumps(bundle["application/vnd.plotly.v1+json"], ensure_ascii=False)
    assert "Noto Sans CJK SC" in json.dumps(fig.update_layout(template=pio.templates.default).to_dict()["layout"]["template"], ensure_ascii=False)


def test_html_fragment_config_suits_phones():
    """图随容器缩放，工具栏只在悬停时出现（触屏与窄屏上由 book/_static/dlbook-phone.css 隐藏）。"""
    html = BookHtmlRenderer().to_mimebundle(go.Figure(go.Scatter(y=[1, 2])).to_dict())["text/html"]
    config = json.loads(re.search(r'\{[^{}]*"displaylogo"[^{}]*\}', html).group(0))
    assert config["responsive"] is True
    assert config["displayModeBar"] == "hover"
    assert config["displaylogo"] is False
