"""交互图的两张“脸”共用的零件：静态滑块/下拉菜单与实时面板（见 {ref}`sec-activations`）。

- :func:`slider` 与 :func:`dropdown` 生成 plotly 的滑块和下拉菜单，每一步的数据都预先算好，
  在静态 HTML 中不需要内核也能拖动；
- :class:`LivePanel` 是 JupyterLab 里的 ipywidgets 面板：控件一变就重新计算并更新图。
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go


@dataclass(frozen=True)
class Step:
    """滑块或下拉菜单的一步：显示的标签，以及 plotly 的 ``method`` 与 ``args``（见 {ref}`sec-activations`）。"""

    label: str
    method: str
    args: list

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "method": self.method, "args": self.args}


def slider(
    *,
    name: str,
    steps: Sequence[Step],
    active: int = 0,
    y: float = 0.0,
    x: float = 0.0,
    length: float = 1.0,
) -> dict[str, Any]:
    """生成一个预先计算好各步的 plotly 滑块（``layout.sliders`` 的一项）（见 {ref}`sec-activations`）。"""
    if not steps:
        raise ValueError("滑块至少需要一步（steps 为空）。")
    if not 0 <= active < len(steps):
        raise ValueError(f"active={active} 超出了滑块的步数范围 0…{len(steps) - 1}。")
    return {
        "active": active,
        "currentvalue": {"prefix": f"{name}：", "font": {"size": 13}},
        "pad": {"t": 30, "b": 10},
        "x": x,
        "len": length,
        "y": y,
        "yanchor": "top",
        "steps": [s.to_dict() for s in steps],
    }


def dropdown(
    *, steps: Sequence[Step], active: int = 0, x: float = 0.0, y: float = 1.18
) -> dict[str, Any]:
    """生成一个 plotly 下拉菜单（``layout.updatemenus`` 的一项）（见 {ref}`sec-activations`）。"""
    if not steps:
        raise ValueError("下拉菜单至少需要一个选项（steps 为空）。")
    return {
        "type": "dropdown",
        "active": active,
        "x": x,
        "xanchor": "left",
        "y": y,
        "yanchor": "top",
        "showactive": True,
        "buttons": [s.to_dict() for s in steps],
    }


def stack_sliders(fig: go.Figure, sliders: Sequence[dict[str, Any]], *, spacing: float = 0.16) -> go.Figure:
    """把多个滑块依次排在图的下方，并留出足够的下边距（见 {ref}`sec-activations`）。"""
    placed = []
    for i, s in enumerate(sliders):
        placed.append({**s, "y": -0.12 - i * spacing})
    fig.update_layout(sliders=placed, margin={"b": 90 + 70 * len(placed)})
    return fig


class LivePanel:
    """JupyterLab 中的实时面板：控件 + 一张 ``go.FigureWidget``（见 {ref}`sec-activations`）。

    ``update(figure, values)`` 收到当前所有控件的值，就地修改 ``figure`` 的数据，可以返回一句中文说明
    （例如“学习率过大，已经发散”）显示在面板上；它抛出的 ``ValueError`` 也以中文提示显示，而不是打出异常栈。
    """

    def __init__(
        self,
        *,
        figure: go.Figure,
        controls: Mapping[str, widgets.ValueWidget],
        update: Callable[[go.FigureWidget, dict[str, Any]], str | None],
        extra: Sequence[widgets.Widget] = (),
    ) -> None:
        self.figure = go.FigureWidget(figure)
        self.controls = dict(controls)
        self.message = widgets.HTML(value="")
        self._update = update
        for control in self.controls.values():
            control.observe(self.refresh, names="value")
        box = widgets.Box(
            list(self.controls.values()) + list(extra),
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        self.widget = widgets.VBox([box, self.message, self.figure])
        self.refresh()

    @property
    def values(self) -> dict[str, Any]:
        """当前所有控件的值。"""
        return {name: c.value for name, c in self.controls.items()}

    def refresh(self, _change=None) -> None:
        """按控件的当前值重新计算并更新图。"""
        try:
            with self.figure.batch_update():
                note = self._update(self.figure, self.values)
        except ValueError as err:
            self.message.value = f"<span style='color:#b00'>⚠ {err}</span>"
        else:
            self.message.value = f"<span style='color:#555'>{note}</span>" if note else ""

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
