"""每个登记过的交互图都要满足的同一个契约（见 ``dlbook.interactive`` 的说明）。

新的交互图只要登记进 ``dlbook.explorers.EXPLORERS``，就自动被这里的每个测试覆盖。
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import pytest

import dlbook.explorers
from dlbook.explorers import EXPLORERS, all_explorers, get_explorer
from dlbook.interactive import EMPTY, MESSAGE, Explorer, LivePanel, Result

BOOK = Path(__file__).resolve().parents[2] / "book"
NAMES = list(EXPLORERS)


def _set_path(target: dict, path: str, value) -> None:
    """按 plotly 的点号路径（``"xaxis.range"``、``"line.color"``）写入嵌套字典。"""
    keys = path.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def _restyle(data: list[dict], changes: dict, indices) -> None:
    indices = list(range(len(data))) if indices is None else ([indices] if isinstance(indices, int) else indices)
    for attr, values in changes.items():
        for k, i in enumerate(indices):
            value = values[k % len(values)] if isinstance(values, list) else values
            _set_path(data[i], attr, value)


def apply_step(fig: dict, step: dict) -> dict:
    """在 Python 里模拟 plotly.js 执行滑块/菜单的一步，返回执行后的图（字典）。"""
    fig = copy.deepcopy(fig)
    method, args = step["method"], step["args"]
    if method == "restyle":
        _restyle(fig["data"], args[0], args[1] if len(args) > 1 else None)
    elif method == "update":
        _restyle(fig["data"], args[0], args[2] if len(args) > 2 else None)
        for path, value in (args[1] if len(args) > 1 else {}).items():
            _set_path(fig["layout"], path, value)
    elif method == "relayout":
        for path, value in args[0].items():
            _set_path(fig["layout"], path, value)
    else:  # pragma: no cover - 约定里没有别的方法
        raise AssertionError(f"未知的 method {method!r}")
    return fig


def _drawn(fig: dict) -> str:
    """图“画出来的样子”：数据与布局，不含控件自身（滑块/菜单的 active 位置）。"""
    layout = {k: v for k, v in fig["layout"].items() if k not in ("sliders", "updatemenus", "template")}
    return json.dumps({"data": fig["data"], "layout": layout}, sort_keys=True, default=str)


def _controls(fig: dict):
    for i, s in enumerate(fig["layout"].get("sliders", [])):
        yield f"滑块 {s.get('name') or i}", s["steps"]
    for i, m in enumerate(fig["layout"].get("updatemenus", [])):
        yield f"菜单 {m.get('name') or i}", m["buttons"]


def _messages(fig: go.Figure) -> str:
    return " ".join(a.text or "" for a in fig.layout.annotations if a.name in (MESSAGE, EMPTY) and a.visible is not False)


@pytest.fixture(scope="module", params=NAMES)
def explorer(request) -> Explorer:
    return get_explorer(request.param)


@pytest.fixture(scope="module")
def figure(explorer) -> go.Figure:
    return explorer.figure(**explorer.figure_kwargs)


def test_registry_is_not_empty_and_names_are_consistent():
    assert NAMES, "EXPLORERS 是空的"
    assert set(all_explorers()) == set(NAMES)


def test_every_figure_function_in_the_package_is_registered():
    registered = {e.figure for e in all_explorers().values()}
    for info in pkgutil.iter_modules(dlbook.explorers.__path__):
        module = importlib.import_module(f"dlbook.explorers.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.endswith("_figure") and not name.startswith("_") and fn.__module__ == module.__name__:
                assert fn in registered, f"{module.__name__}.{name} 没有登记进 dlbook.explorers.EXPLORERS"


def test_chapter_label_exists_in_the_book(explorer):
    labels = "".join(p.read_text(encoding="utf-8") for p in BOOK.rglob("*.md"))
    assert f"({explorer.chapter})=" in labels, f"{explorer.name} 的章节标签 {explorer.chapter} 不在书中"


def test_compute_returns_a_typed_result(explorer):
    result = explorer.compute(**explorer.compute_kwargs)
    assert isinstance(result, Result), f"{explorer.name} 的纯计算函数应返回 dlbook.interactive.Result 的子类"
    assert isinstance(result.message, str)


def test_figure_builds_with_named_traces(figure):
    assert isinstance(figure, go.Figure)
    names = [t.name for t in figure.data if t.name is not None]
    assert len(names) == len(set(names)), f"曲线名重复：{names}"


def test_every_slider_step_and_menu_entry_changes_the_drawing(explorer, figure):
    fig = figure.to_plotly_json()
    controls = list(_controls(fig))
    assert controls, f"{explorer.name} 的静态图没有任何滑块或菜单"
    for label, steps in controls:
        assert len(steps) >= 2, f"{label} 只有一步"
        drawn = [_drawn(apply_step(fig, step)) for step in steps]
        same = [(steps[i]["label"], steps[i + 1]["label"]) for i in range(len(steps) - 1) if drawn[i] == drawn[i + 1]]
        assert not same, f"{explorer.name} 的{label}中相邻两步画出的图完全一样：{same}"


def test_extreme_figure_settings_give_a_message_not_an_exception(explorer):
    assert explorer.extremes, f"{explorer.name} 没有登记任何极端设置（extremes）"
    for kwargs in explorer.extremes:
        fig = explorer.figure(**{**explorer.figure_kwargs, **kwargs})
        assert _messages(fig).strip(), f"{explorer.name} 在极端设置 {kwargs} 下没有给出说明"


def _other_values(control: widgets.ValueWidget) -> list:
    """一个控件可以设的“别的值”：滑块的两端，菜单的每个选项，勾选框的另一态。"""
    if isinstance(control, widgets.Checkbox):
        return [not control.value]
    if hasattr(control, "options") and not isinstance(control, widgets.SelectionRangeSlider):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [v for v in values if v != control.value]
    if isinstance(control, (widgets.FloatRangeSlider, widgets.IntRangeSlider)):
        lo, hi = control.min, control.max
        return [(lo, hi), (lo, lo), (hi, hi)]
    if hasattr(control, "min") and hasattr(control, "max"):
        if isinstance(control, widgets.FloatLogSlider):
            return [control.base ** control.min, control.base ** control.max]
        return [control.min, control.max]
    return []


def _panel_state(panel: LivePanel) -> str:
    fig = panel.figure.to_plotly_json()
    return _drawn(fig) + panel.message.value


def test_panel_builds_and_every_control_updates_it(explorer):
    panel = explorer.panel(**explorer.panel_kwargs)
    assert isinstance(panel, LivePanel)
    assert panel.error is None, panel.error
    assert "application/vnd.jupyter.widget-view+json" in panel._repr_mimebundle_()
    for name, control in panel.controls.items():
        original = control.value
        changed = False
        for value in _other_values(control):
            before = _panel_state(panel)
            control.value = value
            assert panel.error is None, f"{explorer.name} 面板的控件 {name} = {value!r} 时出错：{panel.error}"
            changed = changed or _panel_state(panel) != before
        assert changed, f"{explorer.name} 面板的控件 {name} 改变后，图和说明都没有变化"
        control.value = original
        assert panel.error is None


def test_results_hold_no_nan_where_plotted_empty(explorer):
    """空状态下的图里不应残留旧数据。"""
    for kwargs in explorer.extremes:
        fig = explorer.figure(**{**explorer.figure_kwargs, **kwargs})
        empty = [a for a in fig.layout.annotations if a.name == EMPTY and a.visible is not False and a.text]
        if empty:
            for trace in fig.data:
                for key in ("x", "y"):
                    values = getattr(trace, key, None)
                    assert values is None or len(np.atleast_1d(values)) == 0, f"空状态下 {trace.name} 仍有 {key} 数据"


def test_every_step_is_valid_for_plotly(explorer, figure):
    """每一步改布局的路径都是 plotly 认识的（例如按名字找说明行失败时会写出 ``None.text``），在 Python 里执行不出错。"""
    for label, steps in _controls(figure.to_plotly_json()):
        for step in steps:
            layout = {"relayout": lambda a: a[0], "update": lambda a: a[1]}.get(step["method"], lambda a: {})(step["args"])
            try:
                go.Figure(figure).plotly_relayout(dict(layout))
            except ValueError as err:
                raise AssertionError(f"{explorer.name} 的{label}“{step['label']}”改了不存在的布局属性：{err}") from None
