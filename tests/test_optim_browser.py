"""优化器实时探索器（book/_static/dlbook-optim.js）在真实浏览器（无头 Chromium）里的测试。

两组：

- **独立页面**（不需要构建书）：临时目录里放 plotly.min.js、dlbook-optim.js 与一个只有探索器的页面，
  用 Python 参考实现 :mod:`dlbook.optim2d` 在测试里算出向量，在 Chromium 里逐点核对 ``DlbookOptim.run``；
  再检查点击与拖动起点、地址里的设置能原样恢复、发散的说明、手机宽度。
- **构建好的书页**（``_build/html/book/training/optimizers.html``，可用 ``DLBOOK_SITE`` 指向别处）：
  用构建时写出的 ``_static/optim-vectors.json`` 核对，并在书页里重复交互检查。

没有 Chromium 或构建好的网站时跳过；``DLBOOK_REQUIRE_BROWSER=1`` 时改为失败（与 tests/test_book_browser.py 相同）。
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest

from dlbook.optim2d import OPTIMIZER_NAMES, VECTOR_CASES, reference_vectors, run_path
from tests.browser_checks import skip_or_fail as _skip_or_fail
from tests.test_book_browser import DESKTOP, PHONE, ROOT, SITE, PageVisit, browser, server  # noqa: F401

SCRIPT = ROOT / "book" / "_static" / "dlbook-optim.js"
BOOK_PAGE = "book/training/optimizers.html"
RTOL = 1e-6
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="plotly.min.js"></script><script src="dlbook-optim.js"></script></head>
<body style="margin:8px"><p>优化器探索器的测试页</p><div class="dlbook-optim-explorer" data-dlbook-optim></div></body></html>
"""
READY = """() => { const el = document.querySelector('[data-dlbook-optim]');
  return el && el._dlbookOptim && el._dlbookOptim.plot._fullLayout && el._dlbookOptim.plot.data; }"""
RUN_ALL = """(cases) => cases.map(c => DlbookOptim.run(c))"""
STATE = """() => { const ui = document.querySelector('[data-dlbook-optim]')._dlbookOptim;
  return {state: ui.state, message: ui.message.textContent, hash: location.hash,
          traces: ui.plot.data.map(t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])})),
          annotations: (ui.plot.layout.annotations || []).length}; }"""


def _random_cases(count: int = 24) -> list[dict]:
    """测试里随机抽的设置（固定种子）：补充构建时的向量，覆盖更多超参数组合。"""
    rng = np.random.default_rng(2026)
    cases = []
    for i in range(count):
        surface = ("bowl", "saddle", "valley")[i % 3]
        cases.append({
            "optimizer": OPTIMIZER_NAMES[i % len(OPTIMIZER_NAMES)], "surface": surface,
            "kappa": float(10 ** rng.uniform(0, 2)), "angle": float(rng.uniform(-90, 90)),
            "lr": float(10 ** rng.uniform(-3, -0.5)), "momentum": float(rng.uniform(0, 0.99)),
            "beta1": float(rng.uniform(0, 0.99)), "beta2": float(rng.uniform(0.5, 0.999)),
            "alpha": float(rng.uniform(0.5, 0.999)), "weight_decay": float(rng.uniform(0, 0.5)),
            "noise": float(rng.choice([0.0, rng.uniform(0, 2)])), "seed": int(rng.integers(0, 2**32)),
            "steps": int(rng.integers(0, 150)), "start": [float(rng.uniform(-2, 2)), float(rng.uniform(-0.9, 1.9))],
        })
    return cases


def _expected(case: dict) -> dict:
    p = run_path(**{**case, "start": tuple(case["start"]) if "start" in case else None})
    return {"x": p.x.tolist(), "y": p.y.tolist(), "loss": p.loss.tolist(), "diverged": p.diverged,
            "exitStep": p.exit_step}


def assert_same_path(got: dict, want: dict, label: str) -> None:
    """JS 的结果与参考实现一致：发散与否、走出画框的步数、点数相同；每个点（与损失）的相对误差不超过 1e-6。"""
    assert (got["diverged"], got["exitStep"], len(got["x"])) == (want["diverged"], want["exitStep"], len(want["x"])), label
    for i, (gx, gy, gl, wx, wy, wl) in enumerate(zip(got["x"], got["y"], got["loss"], want["x"], want["y"], want["loss"])):
        scale = max(math.hypot(wx, wy), 1e-9)
        assert math.hypot(gx - wx, gy - wy) <= RTOL * scale, f"{label} 第 {i} 个点：JS ({gx}, {gy})，Python ({wx}, {wy})"
        assert abs(gl - wl) <= RTOL * max(abs(wl), 1e-12), f"{label} 第 {i} 个点的损失：JS {gl}，Python {wl}"


def test_assert_same_path_can_fail():
    want = _expected({"optimizer": "sgd", "surface": "bowl", "steps": 5})
    assert_same_path(want, want, "自己")
    off = {**want, "x": [want["x"][0]] + [v * (1 + 1e-5) for v in want["x"][1:]]}
    with pytest.raises(AssertionError, match="第 1 个点"):
        assert_same_path(off, want, "差了 1e-5")
    with pytest.raises(AssertionError):
        assert_same_path({**want, "diverged": True, "exitStep": 3}, want, "发散与否不同")


class Visit(PageVisit):
    """打开一页（书页或 file:// 的独立测试页），记录页面错误与控制台错误，等探索器画好。"""

    LOCAL = ("file:", "data:", "blob:")

    def __init__(self, browser, url: str, screen: dict = DESKTOP):
        super().__init__(browser, url, screen, ready=READY)

    def state(self) -> dict:
        return self.page.evaluate(STATE)

    def settle(self) -> dict:
        self.page.wait_for_timeout(400)  # 重画之外，地址在停下 200 ms 后才更新
        return self.state()


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    """不需要构建书的测试页（file://）。"""
    from dlbook.sphinx_offline import plotly_js_file

    folder = tmp_path_factory.mktemp("optim")
    shutil.copy(plotly_js_file(), folder / "plotly.min.js")
    shutil.copy(SCRIPT, folder / "dlbook-optim.js")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    return (folder / "index.html").as_uri()


@pytest.fixture
def open_page(browser):
    opened = []

    def _open(url: str, screen: dict = DESKTOP) -> Visit:
        v = Visit(browser, url, screen)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.page.close()


# ------------------------------------------------------------ 各种检查（独立页面与书页共用）


def check_vectors(v: Visit, vectors: list[dict]) -> None:
    got = v.page.evaluate(RUN_ALL, [x["settings"] for x in vectors])
    for g, x in zip(got, vectors):
        assert_same_path(g, x["expected"], json.dumps(x["settings"], ensure_ascii=False))


def _plot_point(v: Visit, x: float, y: float) -> tuple[float, float]:
    """等高线图上数据坐标 (x, y) 在屏幕上的位置。"""
    return tuple(v.page.evaluate(
        """([x, y]) => { const gd = document.querySelector('[data-dlbook-optim]')._dlbookOptim.plot;
             const r = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
             return [r.left + xa._offset + xa.l2p(x), r.top + ya._offset + ya.l2p(y)]; }""", [x, y]))


def _path(state: dict, name: str) -> list:
    trace = next(t for t in state["traces"] if t["name"] == name)
    return list(zip(trace["x"], trace["y"]))


def check_click_and_drag(v: Visit) -> None:
    v.page.locator("[data-dlbook-optim]").scroll_into_view_if_needed()
    before = v.state()
    v.page.mouse.click(*_plot_point(v, 1.0, -1.0))
    after = v.settle()
    assert after["state"]["x"] == pytest.approx(1.0, abs=0.05) and after["state"]["y"] == pytest.approx(-1.0, abs=0.05)
    assert _path(after, "SGD") != _path(before, "SGD"), "点击等高线图后 SGD 的轨迹没有变"
    assert _path(after, "SGD")[0] == pytest.approx((after["state"]["x"], after["state"]["y"]))
    assert _path(after, "起点")[0] == pytest.approx((after["state"]["x"], after["state"]["y"]))
    v.page.mouse.move(*_plot_point(v, 1.0, -1.0))
    v.page.mouse.down()
    for t in np.linspace(0, 1, 6):
        v.page.mouse.move(*_plot_point(v, 1.0 - 2.5 * t, -1.0 + 2.5 * t))
        v.page.wait_for_timeout(40)
    v.page.mouse.up()
    dragged = v.settle()
    assert dragged["state"]["x"] == pytest.approx(-1.5, abs=0.05) and dragged["state"]["y"] == pytest.approx(1.5, abs=0.05)
    assert _path(dragged, "SGD")[0] == pytest.approx((dragged["state"]["x"], dragged["state"]["y"]))
    assert v.errors == [], v.errors


def _set_slider(v: Visit, key: str, value: float) -> None:
    v.page.evaluate(
        """([key, value]) => { const el = document.querySelector(`[data-dlbook-optim] input[data-key="${key}"]`);
             el.value = value; el.dispatchEvent(new Event('input', {bubbles: true})); }""", [key, value])


def check_url_round_trip(v: Visit, open_page, base: str) -> None:
    v.page.select_option("[data-dlbook-optim] select[data-key=s]", "valley")
    v.page.check("[data-dlbook-optim] input[data-optimizer=adamw]")
    v.page.uncheck("[data-dlbook-optim] input[data-optimizer=sgd]")
    _set_slider(v, "lr", math.log10(0.02))
    _set_slider(v, "b1", 0.7)
    _set_slider(v, "sig", 0.5)
    _set_slider(v, "seed", 42)
    _set_slider(v, "k", 17)
    v.page.mouse.click(*_plot_point(v, 0.5, 2.0))
    first = v.settle()
    assert first["hash"].startswith("#optim?"), first["hash"]
    for key in ("s=valley", "sig=0.5", "seed=42", "k=17", "adamw"):
        assert key in first["hash"], f"地址里没有记下 {key}：{first['hash']}"
    v.page.get_by_role("button", name="复制链接").click()
    copied = v.settle()
    assert "链接已复制" in copied["message"] or "请从地址栏复制" in copied["message"], copied["message"]
    assert copied["hash"] == first["hash"] and v.errors == [], v.errors
    again = open_page(base + first["hash"])
    second = again.state()
    assert second["state"] == first["state"], "打开复制的链接后，设置没有原样恢复"
    assert second["traces"] == first["traces"], "打开复制的链接后，画出的轨迹不同"
    assert again.page.is_checked("[data-dlbook-optim] input[data-optimizer=adamw]")
    assert again.page.input_value("[data-dlbook-optim] select[data-key=s]") == "valley"
    assert again.errors == [], again.errors


def check_divergence_and_empty_state(v: Visit) -> None:
    _set_slider(v, "lr", 1.0)  # η = 10
    s = v.settle()
    assert "发散" in s["message"] and "×" in s["message"], s["message"]
    crosses = [t for t in s["traces"] if t["name"].endswith(" ×") and t["x"]]
    assert crosses, "发散的轨迹没有画 ×"
    box = s["state"]
    for name in box["o"]:
        label = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adam": "Adam"}.get(name)
        if label:
            assert len(_path(s, label)) >= 1
    for box_el in v.page.locator("[data-dlbook-optim] input[type=checkbox]").all():
        box_el.uncheck()
    empty = v.settle()
    assert "没有选择任何优化器" in empty["message"]
    assert [t["name"] for t in empty["traces"]] == ["等高线", "起点"]
    assert v.errors == [], v.errors


# ------------------------------------------------------------ 独立页面（不需要构建书）


def test_standalone_js_matches_the_python_reference(open_page, standalone):
    v = open_page(standalone)
    check_vectors(v, reference_vectors())
    check_vectors(v, [{"settings": c, "expected": _expected(c)} for c in _random_cases()])
    assert v.errors == [] and v.outside == []


def test_standalone_click_and_drag_move_the_start(open_page, standalone):
    check_click_and_drag(open_page(standalone))


def test_standalone_url_state_round_trips(open_page, standalone):
    check_url_round_trip(open_page(standalone), open_page, standalone)


def test_standalone_divergence_is_drawn_and_said(open_page, standalone):
    check_divergence_and_empty_state(open_page(standalone))


def test_standalone_scrubber_moves_the_marker_and_arrows(open_page, standalone):
    v = open_page(standalone)
    _set_slider(v, "k", 0)
    at0 = v.settle()
    _set_slider(v, "k", 10)
    at10 = v.settle()
    assert _path(at0, "Momentum 第 k 步") != _path(at10, "Momentum 第 k 步")
    assert _path(at10, "Momentum 第 k 步")[0] == pytest.approx(_path(at10, "Momentum")[10])
    assert at10["annotations"] == 2 * len(at10["state"]["o"]), "每条轨迹应有两支箭头（−η∇f 与实际的一步）"
    assert "第 10 步" in at10["message"]
    assert v.errors == []


def test_standalone_bad_link_is_clamped_and_said(open_page, standalone):
    v = open_page(standalone + "#optim?s=constructor&lr=abc&n=99999&o=adam,lbfgs&k=-5")
    s = v.state()
    assert s["state"]["s"] == "bowl" and s["state"]["n"] == 500 and s["state"]["o"] == ["adam"]
    assert s["state"]["k"] == 0
    assert "不存在" in s["message"] and "不是数" in s["message"] and "截断" in s["message"], s["message"]
    assert v.errors == []


def test_standalone_reads_at_phone_width(open_page, standalone):
    v = open_page(standalone, PHONE)
    v.page.wait_for_timeout(500)
    report = v.page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth, width: window.innerWidth,
                   wide: Array.from(document.querySelectorAll('[data-dlbook-optim] *'))
                     .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.outerHTML.slice(0, 80)),
                   plot: document.querySelector('[data-dlbook-optim]')._dlbookOptim.plot.getBoundingClientRect().width})""")
    assert report["scroll"] <= report["width"], f"页面横向滚动：{report}"
    assert report["wide"] == [], f"超出屏幕的控件：{report['wide']}"
    assert 300 <= report["plot"] <= 390
    check_click_and_drag_tap(v)


def check_click_and_drag_tap(v: Visit) -> None:
    """触屏：轻点等高线图设起点。"""
    v.page.locator("[data-dlbook-optim] .dlbook-optim-plot").scroll_into_view_if_needed()
    v.page.touchscreen.tap(*_plot_point(v, 0.5, 0.5))
    s = v.settle()
    assert s["state"]["x"] == pytest.approx(0.5, abs=0.06) and s["state"]["y"] == pytest.approx(0.5, abs=0.06)
    assert v.errors == [], v.errors


def test_vector_cases_are_the_build_time_ones():
    """构建时写出的向量与这里核对的是同一组设置（书页测试读 _static/optim-vectors.json）。"""
    assert [v["settings"] for v in reference_vectors()] == [dict(c) for c in VECTOR_CASES]


# ------------------------------------------------------------ 构建好的书页


@pytest.fixture
def book_page(server):
    if not (SITE / BOOK_PAGE).is_file():
        _skip_or_fail(f"没有找到 {SITE / BOOK_PAGE}：先运行 jupyter-book build .")
    if "data-dlbook-optim" not in (SITE / BOOK_PAGE).read_text(encoding="utf-8"):
        pytest.fail(f"{BOOK_PAGE} 里没有优化器实时探索器（<div data-dlbook-optim>）")
    return f"{server}/{BOOK_PAGE}"


def test_book_page_js_matches_the_build_time_vectors(open_page, book_page):
    v = open_page(book_page)
    vectors = v.page.evaluate("() => fetch('../../_static/optim-vectors.json').then(r => r.json())")
    assert len(vectors) == len(VECTOR_CASES)
    check_vectors(v, vectors)
    assert v.errors == [] and v.outside == []


def test_book_page_click_drag_and_link(open_page, book_page):
    v = open_page(book_page)
    check_click_and_drag(v)
    check_url_round_trip(v, open_page, book_page)


def test_book_page_divergence_is_drawn_and_said(open_page, book_page):
    check_divergence_and_empty_state(open_page(book_page))


def test_standalone_opening_view_is_the_one_the_chapter_checks(open_page, standalone):
    """探索器打开时的设置与章节里用 optimizer_paths 核对的那组相同：说明行给出同一个最优者与同一个损失。"""
    from dlbook.explorers.optimizers import optimizer_paths

    opening = optimizer_paths(surface="bowl", optimizers=["sgd", "momentum", "nesterov", "adam"], lr=0.05, steps=60)
    best = min(opening.paths.values(), key=lambda p: p.final_loss)
    s = open_page(standalone).state()
    assert s["state"]["o"] == ["sgd", "momentum", "nesterov", "adam"]
    assert f"损失最低的是 {best.label}（f − f* = {best.final_loss:.2e}）" in s["message"], s["message"]
    nesterov = opening.paths["nesterov"]
    np.testing.assert_allclose(np.array(_path(s, "Nesterov")), np.c_[nesterov.x, nesterov.y], rtol=1e-9, atol=1e-12)
