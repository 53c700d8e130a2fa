"""dlbook.sphinx_offline：单元测试，外加一次真实的（很小的）Sphinx 构建。

过滤 Thebe 脚本与控件状态读的是 Sphinx 放进页面上下文的 ``script_files``，不是公开 API；
真实构建的测试在 Sphinx 改变它时失败，并说明该看哪里。
"""

import re
import textwrap
from types import SimpleNamespace

import pytest

from dlbook import sphinx_offline

UPSTREAM_HINT = (
    "dlbook.sphinx_offline 依赖 Sphinx 页面上下文里 script_files 的内部结构（每项有 filename 与 attributes）；"
    "Sphinx 升级后这一结构可能变了：请对照新版 Sphinx 的 sphinx/builders/html/_assets.py 修改过滤函数，"
    "并更新 requirements.txt 中 sphinx 的版本上界。"
)


def test_plotly_js_comes_from_installed_package():
    assert sphinx_offline.plotly_js_file().stat().st_size > 1_000_000


class _FakeApp:
    def __init__(self, outdir):
        self.outdir = str(outdir)
        self.builder = SimpleNamespace(format="html")
        self.js = []

    def add_js_file(self, name, **kw):
        self.js.append(name)


def test_plotly_js_added_only_to_pages_with_figures(tmp_path):
    app = _FakeApp(tmp_path)
    sphinx_offline._add_plotly_where_needed(app, "a", "page.html", {"body": "<p>无图</p>"}, None)
    assert app.js == []
    sphinx_offline._add_plotly_where_needed(app, "b", "page.html", {"body": '<div class="plotly-graph-div">'}, None)
    assert app.js == ["plotly.min.js"]


def test_plotly_js_copied_into_build(tmp_path):
    sphinx_offline._copy_assets(_FakeApp(tmp_path), None)
    assert (tmp_path / "_static" / "plotly.min.js").is_file()


def test_nothing_copied_after_failed_build(tmp_path):
    sphinx_offline._copy_assets(_FakeApp(tmp_path), RuntimeError("构建失败"))
    assert not (tmp_path / "_static").exists()


CONF = """
extensions = ["sphinx.ext.mathjax", "sphinx-mathjax-offline", "dlbook.sphinx_offline"]
html_theme = "basic"

def setup(app):
    # 模拟 Jupyter Book 插入的 Thebe 脚本与 myst-nb 插入的 ipywidgets 控件状态
    app.add_js_file("sphinx-thebe.js")
    app.add_js_file(None, body='const THEBE_JS_URL = "https://example.invalid/thebe.js"')
    app.add_js_file(None, type="application/vnd.jupyter.widget-state+json", body='{"state": {}}')
    app.add_js_file("keep-me.js")
"""

INDEX = """
首页
====

.. toctree::

   plot

公式 :math:`a^2 + b^2 = c^2`。
"""

PLOT = """
有图的一页
==========

.. raw:: html

   <div class="plotly-graph-div"></div>
"""


def build_small_site(tmp_path_factory, *, conf: str, pages: dict[str, str]):
    """用给定的 conf.py 与若干 .rst 页（名字 → 内容）真实地构建一个小网站，返回 HTML 目录（几个扩展的测试共用）。"""
    from sphinx.cmd.build import build_main

    src = tmp_path_factory.mktemp("src")
    (src / "conf.py").write_text(textwrap.dedent(conf), encoding="utf-8")
    for name, text in pages.items():
        (src / f"{name}.rst").write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("html")
    assert build_main(["-q", "-b", "html", str(src), str(out)]) == 0, "小网站构建失败"
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """用本扩展和 sphinx-mathjax-offline 真实地构建一个两页的小网站。"""
    return build_small_site(tmp_path_factory, conf=CONF, pages={"index": INDEX, "plot": PLOT})


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>.*?</script>", html, flags=re.S)


def test_thebe_and_widget_state_filtered_from_real_sphinx_pages(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    scripts = "\n".join(_scripts(html))
    assert "keep-me.js" in scripts, "测试用的普通脚本不见了：过滤删得太多。" + UPSTREAM_HINT
    assert "thebe" not in scripts.lower(), "Thebe 脚本没有被过滤掉。" + UPSTREAM_HINT
    assert "widget-state" not in scripts, "ipywidgets 控件状态没有被过滤掉。" + UPSTREAM_HINT


def test_mathjax_served_from_the_book(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script[^>]+src="_static/mathjax/tex-chtml\.js', html), "页面没有从 _static/mathjax 加载 MathJax"
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file(), "sphinx-mathjax-offline 没有把 MathJax 复制进书里"


def test_plotly_js_only_on_pages_with_figures(site):
    assert "plotly.min.js" in (site / "plot.html").read_text(encoding="utf-8")
    assert "plotly.min.js" not in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "_static" / "plotly.min.js").is_file()


@pytest.mark.parametrize("page", ["index.html", "plot.html"])
def test_pages_load_nothing_from_outside(site, page):
    html = (site / page).read_text(encoding="utf-8")
    outside = re.findall(r'<(?:script|link)\b[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', html)
    assert outside == [], f"{page} 从书以外加载：{outside}"
