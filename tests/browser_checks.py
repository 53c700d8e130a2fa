"""浏览器测试共用的零件：启动无头 Chromium、手机视口，以及检查每张 plotly 图在手机上是否放得下、各部分是否重叠。

``tests/test_book_browser.py``（检查构建好的整本书）与 ``tests/explorers/test_phone_layout.py``（不构建书，
直接检查每个交互图与图函数）都用这里的 :data:`PHONE_FIGURES` 与 :func:`phone_problems`，两处的标准因此一致。
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DLBOOK_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("DLBOOK_REQUIRE_BROWSER") == "1"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# 常见手机的屏幕（CSS 像素），Chromium 的移动端模拟：触屏、移动端视口（meta viewport 生效）、2 倍像素密度。
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def skip_or_fail(reason: str):
    """缺少浏览器或网站时跳过；设置了 ``DLBOOK_REQUIRE_BROWSER=1``（CI 这样做）时改为失败。"""
    if REQUIRED:
        pytest.fail(f"浏览器测试不能跳过（DLBOOK_REQUIRE_BROWSER=1）：{reason}")
    pytest.skip(reason)


def launch_chromium() -> Iterator:
    """启动无头 Chromium（供模块级 fixture 用 ``yield from``）；没有 Chromium 或 playwright 时跳过或失败。"""
    if not Path(CHROMIUM).is_file() and not shutil.which(CHROMIUM):
        skip_or_fail(f"没有找到 Chromium（{CHROMIUM}）：apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("没有安装 playwright：pip install playwright")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


# 手机视口中每张图的检查：画出来了、不超出屏幕、标题不被截断，图例、菜单、滑块、标题、工具栏与注释的外框两两不重叠。
PHONE_FIGURES = """() => {
  const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const visible = b => b.r - b.l > 0.5 && b.b - b.t > 0.5;
  const out = [];
  document.querySelectorAll('.plotly-graph-div').forEach((gd, i) => {
    const parts = [];
    const add = (kind, selector) => gd.querySelectorAll(selector).forEach((e, j) => {
      const b = box(e);
      if (visible(b)) parts.push({name: kind + (j ? j : ''), ...b});
    });
    add('标题', '.gtitle');
    add('图例', 'g.legend');
    add('菜单', 'g.updatemenu-container');
    add('滑块', 'g.slider-container');
    add('工具栏', '.modebar-container .modebar');
    // 注释（子图标题、图上方的提示行……）：只和上面几类比，注释之间不比（例如坐标轴旁的标注可以挨得很近）。
    gd.querySelectorAll('g.annotation-text-g').forEach(e => {
      const b = box(e);
      if (visible(b)) parts.push({name: '注释「' + e.textContent.slice(0, 10) + '」', ...b});
    });
    const title = gd.querySelector('.gtitle');
    out.push({
      index: i,
      drawn: Boolean(gd._fullLayout && gd.querySelector('.main-svg')),
      figure: box(gd),
      title: title ? title.textContent : '',
      parts: parts,
    });
  });
  // 移动端模拟中，内容比屏幕宽时浏览器会缩小整页（innerWidth 随之变大），所以用布局视口的宽度 clientWidth。
  return {width: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth, figures: out};
}"""

def overlaps(parts: list[dict], tolerance: float = 1.0) -> list[str]:
    """两两比较外框，返回重叠的对，例如 “图例 与 菜单”。"""
    found = []
    for k, a in enumerate(parts):
        for b in parts[k + 1 :]:
            if a["name"].startswith("注释") and b["name"].startswith("注释"):
                continue
            width = min(a["r"], b["r"]) - max(a["l"], b["l"])
            height = min(a["b"], b["b"]) - max(a["t"], b["t"])
            if width > tolerance and height > tolerance:
                found.append(f"{a['name']} 与 {b['name']}")
    return found


def phone_problems(report: dict) -> list[str]:
    """把 PHONE_FIGURES 的结果变成一条条中文问题描述；没有问题时返回空列表。"""
    problems = []
    width = report["width"]
    if report["scroll"] > width + 1:
        problems.append(f"页面可以横向滚动（内容宽 {report['scroll']} px，屏幕宽 {width} px）")
    for fig in report["figures"]:
        label = f"第 {fig['index']} 张图（{fig['title'][:20] or '无标题'}）"
        if not fig["drawn"]:
            problems.append(f"{label}没有画出来")
            continue
        box = fig["figure"]
        if box["r"] - box["l"] < 1 or box["l"] < -1 or box["r"] > width + 1:
            problems.append(f"{label}超出屏幕或宽度为零：{box['l']:.0f}–{box['r']:.0f} px")
        for part in fig["parts"]:
            if part["l"] < box["l"] - 1 or part["r"] > box["r"] + 1:
                problems.append(f"{label}的{part['name']}超出图的左右边界（被截断）")
        problems += [f"{label}：{pair} 重叠" for pair in overlaps(fig["parts"])]
    return problems
