"""用真实的浏览器（无头 Chromium）检查构建好的 HTML 书。

网站由 ``jupyter-book build .`` 生成在 ``_build/html``（可用环境变量 ``DLBOOK_SITE`` 指向别处），
测试在 127.0.0.1 上临时起一个静态服务器。检查：每页没有控制台错误、没有访问 127.0.0.1 以外的地址、
公式已排版、每个 plotly 图都画出来了、拖动滑块会改变画出的曲线、中文搜索能找到章节；再用 390 × 844 的手机视口
（移动端模拟）看每一页：页面不横向滚动、每张图都画出来且不超出屏幕、标题不被截断、图例/菜单/滑块/标题互不遮挡。
设置 ``DLBOOK_PHONE_SHOTS=目录`` 时，把每页在手机上的截图存到那里，便于人工查看。

没有构建好的网站或没有 Chromium 时跳过；设置 ``DLBOOK_REQUIRE_BROWSER=1``（CI 这样做）时改为失败。
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.browser_checks import (
    DESKTOP,
    PHONE,
    PHONE_FIGURES,
    launch_chromium,
    overlaps,
    phone_problems,
    skip_or_fail,
)

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("DLBOOK_SITE", ROOT / "_build" / "html"))


def _chapter_pages() -> list[str]:
    import sys

    sys.path.insert(0, str(ROOT))
    from conftest import toc_chapters

    return [str(p.relative_to(ROOT).with_suffix(".html")) for p in toc_chapters()]


PAGES = _chapter_pages()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").is_file():
        skip_or_fail(f"没有找到构建好的网站 {SITE}：先运行 jupyter-book build .")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


class PageVisit:
    """打开一页，记录控制台错误与所有对外请求。

    ``ready`` 是页面准备好的判断（一段 JS 函数）；不给时等网络空闲。``LOCAL`` 是不算“书以外”的地址前缀。
    """

    LOCAL: tuple[str, ...] = ("data:", "blob:")

    def __init__(self, browser, url: str, screen: dict = DESKTOP, *, ready: str | None = None):
        self.page = browser.new_page(**screen)
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(url, wait_until="load")
        if ready is None:
            self.page.wait_for_load_state("networkidle")
        else:
            self.page.wait_for_function(ready, timeout=30_000)

    def _route(self, route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(self.LOCAL) or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def close(self):
        self.page.close()


@pytest.fixture
def visit(browser, server):
    opened = []

    def _open(path: str, screen: dict = DESKTOP) -> PageVisit:
        v = PageVisit(browser, f"{server}/{path}", screen)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


WAIT_MATH = """() => {
  const n = document.querySelectorAll('.math').length;
  if (n === 0) return true;
  return document.querySelectorAll('mjx-container').length >= n;
}"""
WAIT_PLOTS = """() => Array.from(document.querySelectorAll('.plotly-graph-div'))
  .every(d => d.querySelector('.main-svg') && d._fullLayout)"""


#: 已知仍然失败的（测试, 页面）组合，在 2026-12-02 的整书构建上测得，原因记在议题 8 与 13 的说明里。
#: 这些组合标成 xfail（不严格）：测试照常运行、照常报告，修好之后应从这里删掉。其他页面上同样的失败仍会让测试失败。
KNOWN_FAILURES: dict[tuple[str, str], str] = {
}


@pytest.fixture(autouse=True)
def _known_failure(request):
    """把 KNOWN_FAILURES 中的组合标成不严格的 xfail，其余照常。"""
    path = request.node.callspec.params.get("path") if hasattr(request.node, "callspec") else None
    reason = KNOWN_FAILURES.get((request.node.originalname, path))
    if reason:
        request.node.add_marker(pytest.mark.xfail(reason=reason, strict=False))


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_and_renders(visit, path):
    v = visit(path)
    page = v.page
    page.wait_for_function(WAIT_MATH, timeout=30_000)
    page.wait_for_function(WAIT_PLOTS, timeout=30_000)
    assert v.outside == [], f"{path} 访问了书以外的地址：{v.outside}"
    assert v.errors == [], f"{path} 有控制台错误：{v.errors}"
    math = page.locator(".math").count()
    errors = page.locator("mjx-merror").count()
    assert errors == 0, f"{path} 有 {errors} 个公式排版出错"
    if math:
        assert page.locator("mjx-container").count() >= math
    plots = page.locator(".plotly-graph-div").count()
    drawn = page.locator(".plotly-graph-div .main-svg").count()
    assert drawn >= plots
    # plotly.js 每页最多加载一次
    assert page.locator("script[src*='plotly']").count() <= 1


# 图的“画面”：各子图（曲线、柱、坐标轴刻度）、图片层与形状层；不含滑块本身。
PLOT_STATE = """(gd) => Array.from(gd.querySelectorAll(
    'g.cartesianlayer, g.polarlayer, g.imagelayer, g.layer-above, g.layer-below'))
  .map(e => e.innerHTML).join('|')"""


def _sliders(page):
    """页面上每个带滑块的 plotly 图：(图的序号, 滑块序号, 滑块轨道的屏幕位置)。"""
    return page.evaluate(
        """() => {
      const out = [];
      document.querySelectorAll('.plotly-graph-div').forEach((gd, i) => {
        gd.querySelectorAll('g.slider-group').forEach((g, j) => {
          const rail = g.querySelector('rect.slider-rail-touch-rect') || g.querySelector('rect.slider-rail-rect');
          if (!rail) return;
          const r = rail.getBoundingClientRect();
          out.push({fig: i, slider: j, x0: r.left, x1: r.right, y: r.top + r.height / 2});
        });
      });
      return out;
    }"""
    )


SLIDER_JSON = re.compile(r'"sliders":\s*\[\s*\{')
MENU_JSON = re.compile(r'"updatemenus":\s*\[\s*\{')


def _pages_with(pattern: re.Pattern) -> list[str]:
    """构建好的网站里 HTML 匹配 pattern（含滑块或菜单）的页面，在收集测试时确定。"""
    pages = [p for p in PAGES if (SITE / p).is_file() and pattern.search((SITE / p).read_text(encoding="utf-8"))]
    return pages or ["<网站尚未构建>"]


@pytest.mark.parametrize("path", _pages_with(SLIDER_JSON))
def test_every_slider_changes_the_plot(visit, path):
    if not (SITE / path).is_file():
        skip_or_fail(f"没有找到 {SITE / path}：先运行 jupyter-book build .")
    v = visit(path)
    page = v.page
    page.wait_for_function(WAIT_PLOTS, timeout=30_000)
    found = _sliders(page)
    assert found, f"{path} 的 HTML 里有滑块定义，但页面上没有画出滑块"
    figures = page.locator(".plotly-graph-div")
    for s in found:
        gd = figures.nth(s["fig"])
        # 高的图（例如初始化一章的多子图）比视口还高：把滑块本身滚到视口中间，否则点击落在视口外。
        gd.evaluate(f"gd => gd.querySelectorAll('g.slider-group')[{s['slider']}].scrollIntoView({{block: 'center'}})")
        page.wait_for_timeout(100)
        s = next(x for x in _sliders(page) if x["fig"] == s["fig"] and x["slider"] == s["slider"])
        before = gd.evaluate(PLOT_STATE)
        # 分别点滑块轨道的两端：至少有一端与当前所在的步不同。
        changed = False
        for x in (s["x1"] - 3, s["x0"] + 3):
            page.mouse.click(x, s["y"])
            page.wait_for_timeout(400)
            if gd.evaluate(PLOT_STATE) != before:
                changed = True
                break
        assert changed, f"{path}：拖动第 {s['fig']} 张图的第 {s['slider']} 个滑块后，画出的内容没有变化"
    assert v.errors == [], f"{path} 拖动滑块时出现控制台错误：{v.errors}"


@pytest.mark.parametrize("path", _pages_with(MENU_JSON))
def test_every_dropdown_changes_the_plot(visit, path):
    """每个下拉菜单：打开它、选另一个选项，画面随之改变。"""
    if not (SITE / path).is_file():
        skip_or_fail(f"没有找到 {SITE / path}：先运行 jupyter-book build .")
    v = visit(path)
    page = v.page
    page.wait_for_function(WAIT_PLOTS, timeout=30_000)
    figures = page.locator(".plotly-graph-div")
    # plotly 把一张图的所有菜单画在同一个 g.updatemenu-container 里，每个菜单一个 g.updatemenu-header-group；
    # 按钮式菜单没有 header，它的按钮直接在容器里。打开的下拉菜单的选项统一画成 g.updatemenu-dropdown-button。
    menus = page.evaluate(
        """() => Array.from(document.querySelectorAll('.plotly-graph-div')).flatMap((gd, i) =>
            (gd.layout.updatemenus || []).map((m, j) => ({fig: i, menu: j, type: m.type || 'dropdown',
                                                         buttons: (m.buttons || []).length})))"""
    )
    assert menus, f"{path} 的 HTML 里有下拉菜单定义，但页面上没有画出下拉菜单"

    def click_center(gd, selector, index):
        """点击图里第 index 个匹配 selector 的元素的中心（用鼠标，像读者一样）。"""
        box = gd.evaluate(
            f"""gd => {{ const e = gd.querySelectorAll('{selector}')[{index}];
                 if (!e) return null;
                 e.scrollIntoView({{block: 'nearest'}});  // 长的下拉列表伸出视口时，读者会先滚动页面
                 const r = e.getBoundingClientRect();
                 return [r.left + r.width / 2, r.top + r.height / 2]; }}"""
        )
        assert box is not None, f"{path}：没有找到 {selector}[{index}]"
        page.mouse.click(*box)
        page.wait_for_timeout(400)

    def header_index(gd, menu):
        """第 menu 个菜单是页面上这张图的第几个下拉菜单（按钮式菜单没有 header）。"""
        return gd.evaluate(f"gd => gd.layout.updatemenus.slice(0, {menu}).filter(m => (m.type || 'dropdown') === 'dropdown').length")

    for m in menus:
        gd = figures.nth(m["fig"])
        # 菜单在图的顶部，高的图滚到“可见”时顶部可能在视口外：把菜单本身滚到视口中间。
        gd.evaluate("gd => gd.querySelector('g.updatemenu-container').scrollIntoView({block: 'center'})")
        page.wait_for_timeout(100)
        before = gd.evaluate(PLOT_STATE)
        if m["type"] == "buttons":  # 按钮式菜单：依次点各个按钮，至少有一个改变画面
            offset = gd.evaluate(f"gd => gd.layout.updatemenus.slice(0, {m['menu']}).filter(x => x.type === 'buttons')"
                                 ".reduce((n, x) => n + x.buttons.length, 0)")
            for k in range(m["buttons"]):
                click_center(gd, "g.updatemenu-button", offset + k)
                if gd.evaluate(PLOT_STATE) != before:
                    break
        else:  # 下拉式菜单：打开，选最后一项；若它正是当前项，再选第一项
            options = "g.updatemenu-dropdown-button"
            header = header_index(gd, m["menu"])
            click_center(gd, "g.updatemenu-header-group", header)
            n = gd.evaluate(f"gd => gd.querySelectorAll('{options}').length")
            assert n >= 2, f"{path}：第 {m['fig']} 张图的第 {m['menu']} 个下拉菜单只有 {n} 个选项"
            click_center(gd, options, n - 1)
            if gd.evaluate(PLOT_STATE) == before:
                click_center(gd, "g.updatemenu-header-group", header)
                click_center(gd, options, 0)
        assert gd.evaluate(PLOT_STATE) != before, f"{path}：操作第 {m['fig']} 张图的第 {m['menu']} 个菜单后，画面没有变化"
    assert v.errors == [], f"{path} 操作下拉菜单时出现控制台错误：{v.errors}"


def test_activation_slider_moves_the_curve(visit):
    """激活函数一章：拖动滑块后曲线（SVG 路径）确实改变。"""
    path = "book/networks/activations.html"
    if not (SITE / path).is_file():
        skip_or_fail(f"网站中没有 {path}")
    v = visit(path)
    page = v.page
    page.wait_for_function(WAIT_PLOTS, timeout=30_000)
    sliders = _sliders(page)
    assert sliders, "激活函数一章的交互图没有滑块"
    curves = """(gd) => Array.from(gd.querySelectorAll('g.cartesianlayer path.js-line'))
      .map(p => p.getAttribute('d')).join('|')"""
    gd = page.locator(".plotly-graph-div").nth(sliders[0]["fig"])
    gd.scroll_into_view_if_needed()
    s = _sliders(page)[0]
    moved = False
    before = gd.evaluate(curves)
    assert before, "激活函数图上没有找到曲线（path.js-line）"
    for slider in [x for x in _sliders(page) if x["fig"] == s["fig"]]:
        for x in (slider["x1"] - 3, slider["x0"] + 3):
            page.mouse.click(x, slider["y"])
            page.wait_for_timeout(400)
            if gd.evaluate(curves) != before:
                moved = True
                break
        if moved:
            break
    assert moved, "拖动激活函数图上的滑块后，曲线没有变化"


def test_chinese_search_finds_chapter(visit):
    v = visit("search.html?q=" + quote("激活函数"))
    page = v.page
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results li, ul.search li').length > 0", timeout=30_000
    )
    links = page.eval_on_selector_all("ul.search li a", "els => els.map(e => e.getAttribute('href'))")
    assert any(re.search(r"activations\.html", h or "") for h in links), f"搜索“激活函数”没有找到激活函数一章：{links}"
    assert v.outside == []


def test_no_page_references_outside_assets():
    """静态检查：任何一页的 script/link/img/iframe 都不指向书以外的地址。"""
    if not (SITE / "index.html").is_file():
        skip_or_fail(f"没有找到构建好的网站 {SITE}")
    pattern = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    bad = [str(p.relative_to(SITE)) for p in SITE.rglob("*.html") if pattern.search(p.read_text(encoding="utf-8"))]
    assert bad == [], f"这些页面引用了外部资源：{bad}"


def test_no_line_breaks_between_chinese_characters():
    """静态检查：正文里两个汉字之间没有换行（浏览器会把它显示成多余的空格），见 dlbook.sphinx_cjk。"""
    if not (SITE / "index.html").is_file():
        skip_or_fail(f"没有找到构建好的网站 {SITE}")
    pattern = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]\n[\u4e00-\u9fff]")
    bad = {}
    for page in PAGES:
        html = (SITE / page).read_text(encoding="utf-8")
        body = re.sub(r"<(pre|script|style|textarea)\b[\s\S]*?</\1>", "", html)
        hits = pattern.findall(body)
        if hits:
            bad[page] = len(hits)
    assert bad == {}, f"这些页面的中文之间还有换行：{bad}"


# 比屏幕还宽、使页面能横向滚动的元素（不算放在可横向滚动的容器里的，例如代码块，也不算固定定位的）。
WIDE_ELEMENTS = """() => {
  const w = document.documentElement.clientWidth;
  const scrolls = e => { for (let p = e; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.position === 'fixed') return true;  // 固定定位的（例如收起的侧栏）不会让页面滚动
      if (p !== e && ['auto', 'scroll', 'hidden'].includes(s.overflowX)) return true; }
    return false; };
  return Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > w + 1 && !scrolls(e))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + String(e.className.baseVal ?? e.className).split(' ').join('.'));
}"""


def test_phone_problems_finds_overlaps_and_cut_titles():
    """检查函数本身：构造的外框中，重叠、截断与横向滚动都被报告，互不相交的外框不被误报。"""
    fig = {"index": 0, "title": "t", "drawn": True, "figure": {"l": 0, "t": 0, "r": 390, "b": 400}}
    apart = [{"name": "标题", "l": 10, "t": 5, "r": 380, "b": 25}, {"name": "图例", "l": 10, "t": 30, "r": 200, "b": 50}]
    assert phone_problems({"width": 390, "scroll": 390, "figures": [dict(fig, parts=apart)]}) == []
    notes = [{"name": "注释「a」", "l": 0, "t": 0, "r": 50, "b": 20}, {"name": "注释「b」", "l": 10, "t": 5, "r": 60, "b": 25}]
    assert overlaps(notes) == [], "注释之间不比较"
    assert overlaps(notes + [{"name": "菜单", "l": 40, "t": 10, "r": 90, "b": 30}]) == ["注释「a」 与 菜单", "注释「b」 与 菜单"]
    touching = [{"name": "菜单", "l": 0, "t": 0, "r": 100, "b": 20}, {"name": "图例", "l": 100, "t": 0, "r": 200, "b": 20}]
    assert overlaps(touching) == []
    crossing = apart + [{"name": "菜单", "l": 150, "t": 40, "r": 250, "b": 70}]
    problems = phone_problems({"width": 390, "scroll": 500, "figures": [dict(fig, parts=crossing)]})
    assert any("横向滚动" in p for p in problems)
    assert any("图例 与 菜单" in p for p in problems)
    cut = [{"name": "标题", "l": -40, "t": 5, "r": 430, "b": 25}]
    assert any("截断" in p for p in phone_problems({"width": 390, "scroll": 390, "figures": [dict(fig, parts=cut)]}))
    assert phone_problems({"width": 390, "scroll": 390, "figures": [dict(fig, drawn=False, parts=[])]})


def _save_phone_shots(page, stem: Path) -> None:
    """页面顶部一屏与每张图各存一张截图（stem-top.png、stem-fig0.png……），供人工查看。"""
    stem.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{stem}-top.png")
    figures = page.locator(".plotly-graph-div")
    for i in range(figures.count()):
        figures.nth(i).screenshot(path=f"{stem}-fig{i}.png")


@pytest.mark.parametrize("path", PAGES)
def test_page_reads_on_a_phone(visit, path):
    """390 × 844 的手机视口：不横向滚动，每张图画出来、放得下，标题完整，图例、菜单、滑块、标题互不遮挡。"""
    if not (SITE / path).is_file():
        skip_or_fail(f"没有找到 {SITE / path}：先运行 jupyter-book build .")
    v = visit(path, PHONE)
    page = v.page
    page.wait_for_function(WAIT_PLOTS, timeout=30_000)
    page.wait_for_timeout(800)  # 让页面脚本 dlbook-phone.js 完成对标题与宽度的调整
    report = page.evaluate(PHONE_FIGURES)
    shots = os.environ.get("DLBOOK_PHONE_SHOTS")
    if shots:
        _save_phone_shots(page, Path(shots) / Path(path).with_suffix("").as_posix().replace("/", "_"))
    problems = phone_problems(report)
    if report["scroll"] > report["width"] + 1:
        problems.append(f"过宽的元素：{page.evaluate(WIDE_ELEMENTS)}")
    assert problems == [], f"{path} 在手机上：" + "；".join(problems)
    assert v.errors == [], f"{path} 在手机上有控制台错误：{v.errors}"


PHONE_SCRIPT = ROOT / "book" / "_static" / "dlbook-phone.js"
LONG_TITLE = "梯度从输出往输入传，经过 Sigmoid 时一路缩小，到第一层时只剩下不到百万分之一"
PROBE_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="plotly.min.js"></script><script src="dlbook-phone.js"></script></head>
<body style="margin:0"><div id="fig" class="plotly-graph-div"></div>
<script>Plotly.newPlot('fig', [{y: [1, 3, 2]}], {title: {text: %s}, width: 800, height: 400},
  {responsive: true});</script></body></html>"""

TITLE_STATE = """() => { const gd = document.getElementById('fig'); const t = gd.querySelector('.gtitle').getBoundingClientRect();
  return {text: gd.layout.title.text, lines: gd.querySelectorAll('.gtitle tspan.line').length || 1,
          left: t.left, right: t.right, width: gd._fullLayout.width, top: gd._fullLayout.margin.t}; }"""


def test_phone_script_wraps_long_titles_and_fits_wide_figures(browser, tmp_path):
    """页面脚本 dlbook-phone.js：手机上把写死 800 px 宽的图改为随屏幕缩放、长标题折行并加高上边距；
    菜单改了标题后重新折行；屏幕变宽后恢复原来的标题。"""
    import json

    from dlbook.sphinx_offline import plotly_js_file

    shutil.copy(plotly_js_file(), tmp_path / "plotly.min.js")
    shutil.copy(PHONE_SCRIPT, tmp_path / "dlbook-phone.js")
    (tmp_path / "index.html").write_text(PROBE_PAGE % json.dumps(LONG_TITLE), encoding="utf-8")
    page = browser.new_page(**PHONE)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((tmp_path / "index.html").as_uri())
    page.wait_for_function("() => document.getElementById('fig')._dlbookFit", timeout=10_000)
    page.wait_for_timeout(500)
    phone = page.evaluate(TITLE_STATE)
    assert phone["width"] <= 390, "写死的宽度没有改为随屏幕缩放"
    assert "<br>" in phone["text"] and phone["lines"] >= 2, f"长标题没有折行：{phone}"
    assert phone["left"] >= 0 and phone["right"] <= 390, f"折行后的标题仍超出屏幕：{phone}"
    assert phone["text"].replace("<br>", "").replace(" ", "") == LONG_TITLE.replace(" ", ""), "折行改变了标题的文字"
    assert phone["top"] > 80, "标题多了几行，上边距要相应加高"

    page.evaluate("() => Plotly.relayout('fig', {'title.text': '短标题'})")
    page.wait_for_timeout(500)
    short = page.evaluate(TITLE_STATE)
    assert short["text"] == "短标题" and short["top"] < phone["top"], f"换成短标题后应恢复上边距：{short}"

    page.evaluate(f"() => Plotly.relayout('fig', {{'title.text': {json.dumps(LONG_TITLE)}}})")
    page.wait_for_timeout(500)
    assert "<br>" in page.evaluate(TITLE_STATE)["text"], "菜单换回长标题后应再次折行"

    page.set_viewport_size({"width": 1400, "height": 900})
    page.wait_for_timeout(800)
    wide = page.evaluate(TITLE_STATE)
    assert wide["text"] == LONG_TITLE, f"屏幕足够宽时应恢复原来的标题：{wide}"
    page.close()
    assert errors == []
