"""Sphinx 扩展：书页只用书自己带的脚本，不访问外网（见 {ref}`sec-intro`）。

MathJax 由已安装的 ``sphinx-mathjax-offline`` 扩展负责（复制进 ``_static/mathjax/`` 并设置 ``mathjax_path``），
在 ``_config.yml`` 中与本扩展一起启用。本扩展只做没有现成的包做的事：

- plotly.js：来自 ``plotly`` 包，复制到 ``_static/plotly.min.js``，只在含 plotly 图（或优化器实时探索器）的页面上加载一次；
- Thebe（在页面里连接远程内核的按钮）在本书中关闭，Jupyter Book 仍会插入它的脚本（其中一段还重复插入，
  导致浏览器报错），这里把它们从页面中去掉；ipywidgets 的控件状态也从页面中去掉。

这两处过滤读的是 Sphinx 放进页面上下文的 ``script_files``（每项有 ``filename`` 与 ``attributes``），
不是 Sphinx 的公开 API：``tests/test_sphinx_offline.py`` 用真实的 Sphinx 构建检查它，
``requirements.txt`` 给 Sphinx 设了版本上界。
"""

from __future__ import annotations

import shutil
from pathlib import Path

PLOTLY_JS = "plotly.min.js"
PLOTLY_MARKER = "plotly-graph-div"
#: 优化器实时探索器的容器（见 :mod:`dlbook.sphinx_optim`）：它用 plotly.js 在浏览器里作图，页面同样需要 plotly.js。
LIVE_MARKER = "data-dlbook-optim"


def plotly_js_file() -> Path:
    """已安装的 plotly 包自带的 plotly.min.js 的路径（见 {ref}`sec-intro`）。"""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    if not path.is_file():
        raise FileNotFoundError(f"plotly 包里没有 {path}，请重新安装 plotly。")
    return path


def _add_plotly_where_needed(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    if PLOTLY_MARKER in body or LIVE_MARKER in body:
        # 在 html-page-context 中调用 add_js_file 只对这一页生效；放在 <head>，先于正文里的绘图脚本加载。
        app.add_js_file(PLOTLY_JS, priority=100)


def _is_thebe_script(js) -> bool:
    filename = getattr(js, "filename", None) or str(js)
    body = getattr(js, "attributes", {}).get("body", "")
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    context["script_files"] = [js for js in context.get("script_files", []) if not _is_thebe_script(js)]


WIDGET_STATE_TYPE = "application/vnd.jupyter.widget-state+json"


def _drop_widget_state(app, pagename, templatename, context, doctree) -> None:
    # 书页不显示 ipywidgets（交互靠 plotly 滑块），执行时记录的控件状态没有用处；
    # plotly 的 FigureWidget 还把整个 plotly.js（约 5 MB）存在状态里，所以把它从页面中去掉。
    context["script_files"] = [
        js for js in context.get("script_files", []) if getattr(js, "attributes", {}).get("type") != WIDGET_STATE_TYPE
    ]


def _copy_assets(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copy2(plotly_js_file(), static / PLOTLY_JS)


def setup(app):
    app.connect("html-page-context", _add_plotly_where_needed)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("html-page-context", _drop_widget_state, priority=900)
    app.connect("build-finished", _copy_assets)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
