"""每个交互图与图函数在 390 px 宽的手机上都读得清：不用构建整本书，直接在无头 Chromium 里检查。

每张图写进一个临时 HTML 页（带本地的 plotly.min.js 与书的 ``dlbook-phone.js``、``dlbook-phone.css``），用手机视口打开，
对初始状态、每个菜单选项、每个滑块的两端各检查一次，标准与整书的浏览器测试相同（``tests/browser_checks.py``）：
图画出来且不超出屏幕，标题、图例、菜单、滑块与注释互不重叠，也不被截断。

没有 Chromium 或 playwright 时跳过；设置 ``DLBOOK_REQUIRE_BROWSER=1`` 时改为失败。
设置 ``DLBOOK_PHONE_SHOTS=目录`` 时，把每张图的截图存到那里（``explorer-名字.png``）。
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from dlbook.explorers import EXPLORERS, get_explorer
from dlbook.plotly_output import PLOTLY_CONFIG, use_book_renderer
from tests.browser_checks import PHONE, PHONE_FIGURES, launch_chromium, phone_problems

STATIC = Path(__file__).resolve().parents[2] / "book" / "_static"
# 书页在手机上留给图的宽度：正文两边各有约 16 px 的内边距
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="dlbook-phone.css">
<script src="plotly.min.js"></script><script src="dlbook-phone.js"></script></head>
<body style="margin:0"><div class="cell_output" style="padding:0 16px">%s</div></body></html>"""

# 图里每个菜单选项与每个滑块两端：像读者点它一样执行那一步（Plotly.restyle、relayout 或 update）。
CONTROL_STEPS = """() => { const gd = document.querySelector('.plotly-graph-div'); const out = [];
  (gd.layout.updatemenus || []).forEach((m, i) => (m.buttons || []).forEach((b, k) =>
      out.push({label: `菜单 ${i} 的「${b.label}」`, kind: 'updatemenus', i: i, k: k})));
  (gd.layout.sliders || []).forEach((s, i) => { const n = (s.steps || []).length;
      [0, n - 1].forEach(k => out.push({label: `滑块「${s.name || i}」的第 ${k} 步`, kind: 'sliders', i: i, k: k})); });
  return out; }"""
RUN_STEP = """async (c) => { const gd = document.querySelector('.plotly-graph-div');
  const item = gd.layout[c.kind][c.i]; const step = (c.kind === 'sliders' ? item.steps : item.buttons)[c.k];
  await Plotly[step.method](gd, ...step.args); }"""


def _training_curves() -> go.Figure:
    from dlbook.training_panel import TrainingRecord, training_curves_figure

    record = TrainingRecord(epoch=[0.0, 0.5, 1.0, 1.5, 2.0], loss=[2.3, 0.6, 0.4, 0.3, 0.25],
                            accuracy=[0.1, 0.85, 0.89, 0.9, 0.92], status="完成：2 个 epoch，用时 3.5 秒，测试准确率 91.90%")
    return training_curves_figure(record, title=f"构建本书时的一次运行：{record.status}")


def _explorer_figure(name: str) -> Callable[[], go.Figure]:
    def build() -> go.Figure:
        explorer = get_explorer(name)
        return explorer.figure(**explorer.figure_kwargs)

    return build


def _initialization_all_schemes() -> go.Figure:
    """章节里的初始化图画全部五种方案（图例最长）；这里用小网络，排版相同。"""
    from dlbook.explorers.initialization import initialization_figure

    return initialization_figure(activation="tanh", depth=4, width=16, widths=(8, 16), batch=32, active="normal-1")


_OPTIMIZER_LABELS = ("SGD", "Momentum", "AdaGrad", "RMSProp", "Adam")  # 优化方法一章比较的五种


def _lr_sweep() -> go.Figure:
    from dlbook.comparison_figures import lr_sweep_figure

    results = {name: {lr: 0.02 + 0.01 * k + abs(math.log10(lr) + 2) / 10 for lr in (1e-3, 1e-2, 1e-1, 1.0)}
               for k, name in enumerate(_OPTIMIZER_LABELS)}
    return lr_sweep_figure(results=results)


def _run_curves() -> go.Figure:
    from dlbook.comparison_figures import run_curves_figure
    from dlbook.train import History

    histories = {name: History(train_loss=[1.0] * 3, val_accuracy=[0.8 + 0.01 * k, 0.9, 0.95],
                               step_loss=[2.0 / (t + 1 + k) for t in range(30)])
                 for k, name in enumerate(_OPTIMIZER_LABELS)}
    return run_curves_figure(histories=histories)


#: 要检查的图：每个登记过的交互图（用它的 figure_kwargs），再加上章节直接调用的其他图函数与参数
FIGURES: dict[str, Callable[[], go.Figure]] = {
    **{f"explorer-{name}": _explorer_figure(name) for name in EXPLORERS},
    "initialization_all_schemes": _initialization_all_schemes,
    "training_curves": _training_curves,
    "lr_sweep": _lr_sweep,
    "run_curves": _run_curves,
}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """临时网站目录：放好 plotly.min.js 与书的两个手机脚本/样式；图用本书的模板画（与书中相同的字体）。"""
    from dlbook.sphinx_offline import plotly_js_file

    root = tmp_path_factory.mktemp("phone")
    shutil.copy(plotly_js_file(), root / "plotly.min.js")
    for name in ("dlbook-phone.js", "dlbook-phone.css"):
        shutil.copy(STATIC / name, root / name)
    renderer, template = pio.renderers.default, pio.templates.default
    use_book_renderer()
    yield root
    pio.renderers.default, pio.templates.default = renderer, template


def _check(page) -> list[str]:
    """与整书测试相同的检查，再加一条：每个部分都在图的上下边界之内（例如图例换成几行后没有伸出图的底边）。"""
    page.wait_for_timeout(400)  # 让 dlbook-phone.js 折行标题、调整宽度
    report = page.evaluate(PHONE_FIGURES)
    problems = phone_problems(report)
    for fig in report["figures"]:
        box = fig["figure"]
        problems += [f"第 {fig['index']} 张图的{part['name']}伸出了图的上下边界（看不全）" for part in fig["parts"]
                     if part["t"] < box["t"] - 1 or part["b"] > box["b"] + 1]
    return problems


@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_reads_on_a_phone(browser, site, name):
    """初始状态、每个菜单选项与每个滑块的两端：手机上没有重叠、截断或横向滚动。"""
    html = pio.to_html(FIGURES[name](), include_plotlyjs=False, full_html=False, config=PLOTLY_CONFIG)
    (site / f"{name}.html").write_text(PAGE % html, encoding="utf-8")
    page = browser.new_page(**PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((site / f"{name}.html").as_uri())
        page.wait_for_function("() => { const gd = document.querySelector('.plotly-graph-div');"
                               " return gd && gd._fullLayout && gd._dlbookFit; }", timeout=15_000)
        problems = [f"初始状态：{p}" for p in _check(page)]
        shots = os.environ.get("DLBOOK_PHONE_SHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.locator(".plotly-graph-div").screenshot(path=str(Path(shots) / f"{name}.png"))
        for control in page.evaluate(CONTROL_STEPS):
            page.evaluate(RUN_STEP, control)
            problems += [f"{control['label']}：{p}" for p in _check(page)]
    finally:
        page.close()
    assert problems == [], f"{name} 在手机上：\n" + "\n".join(dict.fromkeys(problems))
    assert errors == [], f"{name} 有脚本错误：{errors}"
