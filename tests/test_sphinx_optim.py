"""dlbook.sphinx_optim：放了优化器探索器的页面加载 dlbook-optim.js（排在 plotly.min.js 之后），构建时写出测试向量。"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from dlbook import sphinx_optim
from dlbook.optim2d import VECTOR_CASES
from tests.test_sphinx_offline import build_small_site


class _FakeApp:
    def __init__(self, outdir):
        self.outdir = str(outdir)
        self.builder = SimpleNamespace(format="html")
        self.js = []

    def add_js_file(self, name, **kw):
        self.js.append((name, kw.get("priority")))


def test_script_added_only_where_the_explorer_is(tmp_path):
    app = _FakeApp(tmp_path)
    sphinx_optim._add_script_where_needed(app, "a", "page.html", {"body": '<div class="plotly-graph-div">'}, None)
    assert app.js == []
    sphinx_optim._add_script_where_needed(app, "b", "page.html", {"body": "<div data-dlbook-optim></div>"}, None)
    assert app.js == [("dlbook-optim.js", 600)]


def test_vectors_written_only_after_a_good_html_build(tmp_path):
    sphinx_optim._write_vectors(_FakeApp(tmp_path), RuntimeError("构建失败"))
    assert not (tmp_path / "_static").exists()
    sphinx_optim._write_vectors(_FakeApp(tmp_path), None)
    vectors = json.loads((tmp_path / "_static" / "optim-vectors.json").read_text(encoding="utf-8"))
    assert [v["settings"] for v in vectors] == [dict(c) for c in VECTOR_CASES]


CONF = """
extensions = ["dlbook.sphinx_offline", "dlbook.sphinx_optim"]
html_theme = "basic"
"""
INDEX = """
首页
====

.. toctree::

   live

没有探索器。
"""
LIVE = """
探索器
======

.. raw:: html

   <div class="dlbook-optim-explorer" data-dlbook-optim></div>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_small_site(tmp_path_factory, conf=CONF, pages={"index": INDEX, "live": LIVE})


def test_real_build_loads_plotly_then_the_explorer_and_writes_vectors(site):
    live = (site / "live.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', live)
    names = [s.split("/")[-1].split("?")[0] for s in scripts]
    assert "plotly.min.js" in names and "dlbook-optim.js" in names, names
    assert names.index("plotly.min.js") < names.index("dlbook-optim.js"), "dlbook-optim.js 要在 plotly.min.js 之后加载"
    assert names.count("plotly.min.js") == 1
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "dlbook-optim.js" not in index and "plotly.min.js" not in index
    assert (site / "_static" / "optim-vectors.json").is_file()
