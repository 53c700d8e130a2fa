from types import SimpleNamespace

from dlbook import sphinx_offline


def test_assets_come_from_installed_packages():
    assert sphinx_offline.plotly_js_file().stat().st_size > 1_000_000
    assert (sphinx_offline.mathjax_dir() / "tex-chtml.js").is_file()


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


def test_assets_copied_into_build(tmp_path):
    app = _FakeApp(tmp_path)
    sphinx_offline._copy_assets(app, None)
    assert (tmp_path / "_static" / "plotly.min.js").is_file()
    assert (tmp_path / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_local_mathjax_path():
    config = SimpleNamespace(mathjax_path="https://cdn.example/mathjax.js")
    sphinx_offline._use_local_mathjax(None, config)
    assert config.mathjax_path == "mathjax/tex-chtml.js"


def test_thebe_scripts_removed():
    class JS(str):
        def __new__(cls, filename, body=""):
            obj = super().__new__(cls, filename)
            obj.filename, obj.attributes = filename, {"body": body}
            return obj

    context = {"script_files": [JS("doctools.js"), JS("", 'const THEBE_JS_URL = "x"'), JS("sphinx-thebe.js")]}
    sphinx_offline._drop_thebe(None, "p", "page.html", context, None)
    assert [str(js) for js in context["script_files"]] == ["doctools.js"]


def test_widget_state_removed():
    class JS(str):
        def __new__(cls, filename, **attributes):
            obj = super().__new__(cls, filename)
            obj.filename, obj.attributes = filename, attributes
            return obj

    state = JS("", type="application/vnd.jupyter.widget-state+json", body='{"state": {}}')
    context = {"script_files": [JS("doctools.js"), state, JS("x.js", type="module")]}
    sphinx_offline._drop_widget_state(None, "p", "page.html", context, None)
    assert [str(js) for js in context["script_files"]] == ["doctools.js", "x.js"]
