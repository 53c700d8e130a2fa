"""Sphinx 扩展：优化器轨迹的实时探索器——在放了它的页面上加载 ``dlbook-optim.js``，构建时写出测试向量（见 {ref}`sec-optimizers`）。

章节用 ``{raw} html`` 块放一个 ``<div data-dlbook-optim>``；本扩展在正文含这个标记的页面上加入
``_static/dlbook-optim.js``（排在 plotly.min.js 之后，后者由 :mod:`dlbook.sphinx_offline` 加入），
并在构建结束时用 Python 参考实现 :mod:`dlbook.optim2d` 写出 ``_static/optim-vectors.json``，
浏览器测试用它逐点核对 JS 的计算。
"""

from __future__ import annotations

import json
from pathlib import Path

MARKER = "data-dlbook-optim"
SCRIPT = "dlbook-optim.js"
VECTORS = "optim-vectors.json"


def _add_script_where_needed(app, pagename, templatename, context, doctree) -> None:
    if MARKER in context.get("body", ""):
        app.add_js_file(SCRIPT, priority=600)  # 数字越大越靠后：plotly.min.js 的优先级是 100


def write_vectors(*, static: Path) -> Path:
    """把参考实现的测试向量写到 ``static/optim-vectors.json``，返回文件路径（见 {ref}`sec-optimizers`）。"""
    from dlbook.optim2d import reference_vectors

    static.mkdir(parents=True, exist_ok=True)
    path = static / VECTORS
    path.write_text(json.dumps(reference_vectors(), allow_nan=False), encoding="utf-8")
    return path


def _write_vectors(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    write_vectors(static=Path(app.outdir) / "_static")


def setup(app):
    app.connect("html-page-context", _add_script_where_needed, priority=600)
    app.connect("build-finished", _write_vectors)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
