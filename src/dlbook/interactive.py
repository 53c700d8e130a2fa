"""交互图的两张“脸”共用的零件（见 {ref}`sec-activations`）。

全书的每个交互图（explorer）都照同一个约定写：

1. 一个**纯计算函数**，返回一个小的 dataclass 结果（继承 :class:`Result`，带 ``message`` 字段）；
2. 一个 ``*_figure(*, ...) -> go.Figure``：滑块与菜单的每一步都预先算好，静态 HTML 中不需要内核；
3. 一个 ``*_panel(*, ...) -> LivePanel``：JupyterLab 里的实时面板，控件一变就重新调用纯计算函数。

figure 与 panel 共用同一个画底图的函数。滑块/菜单的每一步**按名字**找到要改的曲线
（:func:`restyle_step`、:func:`visibility_step`），从不按位置数数。

坏输入的统一规则：超出控件范围的值被截断，并在图的说明行里说出来（:class:`Notes`、:func:`set_message`）；
不可能的设置（零宽度、空选择）画一个带中文说明的空状态（:func:`draw_empty`）；读者能设的任何值都不抛异常。
每个交互图都登记在 :data:`dlbook.explorers.EXPLORERS` 里，由同一个契约测试检查。
图中各部分（标题、菜单、说明行、滑块、图例）的位置只用一套按像素的排版：:mod:`dlbook.figure_layout`。
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

#: 说明行与空状态注释的名字（按名字更新，不会重复添加）
MESSAGE = "message"
EMPTY = "empty"
MESSAGE_COLOR = "#b00"


@dataclass(frozen=True, kw_only=True)
class Result:
    """纯计算函数结果的基类：``message`` 是一句中文说明（参数被截断、发散、空状态时非空）。"""

    message: str = ""


class Notes:
    """收集一次计算中的中文说明，并按统一规则截断参数（见 {ref}`sec-activations`）。"""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        if text and text not in self.items:
            self.items.append(text)

    def clamp(self, value: float, low: float, high: float, *, label: str, default: float | None = None) -> float:
        """把 ``value`` 截断到 [low, high]；nan 换成 ``default``（缺省为区间中点）。截断时记下一句说明。"""
        value = float(value)
        if math.isnan(value):
            fallback = (low + high) / 2 if default is None else float(default)
            self.add(f"{label}不是数（nan），已改用 {fallback:g}。")
            return fallback
        if value < low or value > high:
            clipped = min(max(value, low), high)
            self.add(f"{label} {value:g} 超出了 [{low:g}, {high:g}]，已截断为 {clipped:g}。")
            return clipped
        return value

    def clamp_int(self, value: float, low: int, high: int, *, label: str, default: int | None = None) -> int:
        """整数版的 :meth:`clamp`（先截断再取整）。"""
        return int(round(self.clamp(value, low, high, label=label, default=default)))

    def __str__(self) -> str:
        return " ".join(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True)
class Step:
    """滑块或下拉菜单的一步：显示的标签，以及 plotly 的 ``method`` 与 ``args``（见 {ref}`sec-activations`）。"""

    label: str
    method: str
    args: list

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "method": self.method, "args": self.args}


def trace_indices(fig: go.Figure, names: Sequence[str]) -> list[int]:
    """按曲线的名字（``trace.name``）找到它们在 ``fig.data`` 中的位置；名字缺失或重复时抛出中文错误。"""
    positions: dict[str, int] = {}
    for i, trace in enumerate(fig.data):
        if trace.name is None:
            continue
        if trace.name in positions:
            raise ValueError(f"图里有两条曲线都叫 {trace.name!r}：按名字寻址要求名字唯一。")
        positions[trace.name] = i
    missing = [n for n in names if n not in positions]
    if missing:
        raise ValueError(f"图里没有名为 {'、'.join(map(repr, missing))} 的曲线；现有：{'、'.join(positions)}。")
    return [positions[n] for n in names]


def restyle_step(
    fig: go.Figure,
    label: str,
    updates: Mapping[str, Mapping[str, Any]],
    *,
    layout: Mapping[str, Any] | None = None,
) -> Step:
    """一步：按名字改若干条曲线的属性（``{曲线名: {"y": [...], ...}}``），可同时改布局（见 {ref}`sec-activations`）。

    各曲线要改的属性必须相同（plotly 的 restyle 按属性排列各曲线的值）。
    """
    names = list(updates)
    indices = trace_indices(fig, names)
    keys = {k for u in updates.values() for k in u}
    for name, update in updates.items():
        if set(update) != keys:
            raise ValueError(f"曲线 {name!r} 要改的属性 {sorted(update)} 与其他曲线的 {sorted(keys)} 不同。")
    data = {k: [updates[n][k] for n in names] for k in sorted(keys)}
    if layout is None:
        return Step(label=label, method="restyle", args=[data, indices])
    return Step(label=label, method="update", args=[data, dict(layout), indices])


def visibility_step(
    fig: go.Figure, label: str, visible: Collection[str], *, layout: Mapping[str, Any] | None = None
) -> Step:
    """一步：只显示名字在 ``visible`` 中的曲线（没有名字的曲线保持可见），可同时改布局。"""
    trace_indices(fig, list(visible))  # 名字写错时立即报错
    flags = [trace.name is None or trace.name in visible for trace in fig.data]
    return Step(label=label, method="update", args=[{"visible": flags}, dict(layout or {})])


def annotation_key(fig: go.Figure, name: str, attr: str) -> str:
    """按名字找到一条注释，返回布局里它某个属性的路径（例如 ``"annotations[3].text"``），供步的 ``layout`` 使用。"""
    at = _annotation_position(fig, name)
    if at is None:
        raise ValueError(f"图里没有名为 {name!r} 的注释。")
    return f"annotations[{at}].{attr}"


def rounded(values: Sequence[float | None] | Any, *, digits: int = 6) -> list[float | None]:
    """把一串数写成普通列表，保留 ``digits`` 位有效数字（None、nan、inf 写成 None，曲线在那里断开），让图的 JSON 小一些。"""
    return [None if v is None or not math.isfinite(v) else float(f"{v:.{digits}g}") for v in values]


def relayout_step(label: str, layout: Mapping[str, Any]) -> Step:
    """一步：只改布局（坐标轴范围、标题……），不改数据。"""
    return Step(label=label, method="relayout", args=[dict(layout)])


def apply_step(fig: go.Figure, step: Step) -> go.Figure:
    """在 Python 里执行一步（与浏览器里点这一步相同），让图的初始状态与控件选中的那一步一致。"""
    if step.method == "restyle":
        fig.plotly_restyle(*step.args)
    elif step.method == "relayout":
        fig.plotly_relayout(*step.args)
    else:
        fig.plotly_update(*step.args)
    return fig


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
        "name": name,
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
    *, steps: Sequence[Step], active: int = 0, x: float = 0.0, y: float = 1.18, name: str = ""
) -> dict[str, Any]:
    """生成一个 plotly 下拉菜单（``layout.updatemenus`` 的一项）（见 {ref}`sec-activations`）。"""
    if not steps:
        raise ValueError("下拉菜单至少需要一个选项（steps 为空）。")
    return {
        "name": name,
        "type": "dropdown",
        "active": active,
        "x": x,
        "xanchor": "left",
        "y": y,
        "yanchor": "top",
        "showactive": True,
        "buttons": [s.to_dict() for s in steps],
    }


def _annotation_position(fig: go.Figure, name: str) -> int | None:
    for i, a in enumerate(fig.layout.annotations):
        if a.name == name:
            return i
    return None


def _message_style(y: float = 1.0) -> dict[str, Any]:
    return dict(xref="paper", yref="paper", x=0.0, xanchor="left", y=y, yanchor="bottom", align="left",
                font={"color": MESSAGE_COLOR, "size": 12}, bgcolor="rgba(255,255,255,0.85)")


def _empty_style() -> dict[str, Any]:
    return dict(xref="paper", yref="paper", x=0.5, y=0.5, xanchor="center", yanchor="middle",
                font={"color": "#555", "size": 14}, bgcolor="rgba(255,255,255,0.9)")


def _set_annotation(fig: go.Figure, name: str, text: str, **style: Any) -> go.Figure:
    at = _annotation_position(fig, name)
    if at is not None:
        fig.layout.annotations[at].update(text=text, visible=bool(text), **style)
        return fig
    if not text and name == EMPTY:  # 没有空状态又要清掉它：什么都不用做（说明行则要留着位置给滑块的各步改写）
        return fig
    fig.add_annotation(name=name, text=text, visible=bool(text), showarrow=False, **style)
    return fig


def reserve_notes(fig: go.Figure) -> go.Figure:
    """预先放好隐藏的说明行与空状态注释。

    ``go.FigureWidget`` 在 ``batch_update()`` 之内添加注释会丢掉同一批里先添加的那条，
    所以实时面板在建图时就把两条注释放好，之后的更新只改它们的文字与可见性。
    """
    for name, style in ((MESSAGE, _message_style()), (EMPTY, _empty_style())):
        if _annotation_position(fig, name) is None:
            fig.add_annotation(name=name, text="", visible=False, showarrow=False, **style)
    return fig


def set_message(fig: go.Figure, text: str, *, y: float = 1.0) -> go.Figure:
    """把说明行（截断、发散等的一句中文）写在绘图区左上角（纵坐标 ``y``，纸面坐标）；空文字时隐藏（见 {ref}`sec-activations`）。"""
    return _set_annotation(fig, MESSAGE, text, **_message_style(y))


def draw_empty(fig: go.Figure, text: str) -> go.Figure:
    """空状态：清空每条曲线的数据，在图中央写一句中文说明为什么没有可画的东西（见 {ref}`sec-activations`）。"""
    for trace in fig.data:
        for key in ("x", "y", "z"):
            if key in trace:
                trace[key] = []
    return _set_annotation(fig, EMPTY, text, **_empty_style())


def clear_empty(fig: go.Figure) -> go.Figure:
    """去掉空状态的说明（面板从空状态回到正常设置时调用）。"""
    return _set_annotation(fig, EMPTY, "")


@dataclass(frozen=True)
class Explorer:
    """登记一个交互图：它的纯计算函数、静态图、实时面板与所属章节（见 {ref}`sec-activations`）。

    - ``compute_kwargs``：契约测试调用纯计算函数时用的参数（缺省的参数都有默认值时可以为空）；
    - ``figure_kwargs``：契约测试构建静态图时用的关键字参数（可以让测试更快）；
    - ``panel_kwargs``：同上，用于实时面板；
    - ``extremes``：若干组超出范围或不可能的 ``figure`` 关键字参数，每一组都必须画出带说明的图而不抛异常。
    """

    name: str
    chapter: str
    compute: Callable[..., Result]
    figure: Callable[..., go.Figure]
    panel: Callable[..., LivePanel]
    compute_kwargs: Mapping[str, Any] = field(default_factory=dict)
    figure_kwargs: Mapping[str, Any] = field(default_factory=dict)
    panel_kwargs: Mapping[str, Any] = field(default_factory=dict)
    extremes: tuple[Mapping[str, Any], ...] = ()


class LivePanel:
    """JupyterLab 中的实时面板：控件 + 一张随容器伸缩的 ``go.FigureWidget``（见 {ref}`sec-activations`）。

    ``header`` 排在控件上面（例如一行设备说明），``actions`` 是控件下面的一行按钮，``footer`` 排在图的下面。
    ``update(figure, values)`` 收到当前所有控件的值，就地修改 ``figure`` 的数据，返回一句中文说明
    （例如“学习率过大，已经发散”）显示在面板上。按约定它不应抛异常；万一抛出 ``ValueError``，
    也以中文提示显示（并记在 ``panel.error`` 里，契约测试据此失败），而不是打出异常栈。
    """

    def __init__(
        self,
        *,
        figure: go.Figure,
        controls: Mapping[str, widgets.ValueWidget],
        update: Callable[[go.FigureWidget, dict[str, Any]], str | None],
        header: Sequence[widgets.Widget] = (),
        actions: Sequence[widgets.Widget] = (),
        footer: Sequence[widgets.Widget] = (),
    ) -> None:
        figure = reserve_notes(go.Figure(figure))
        figure.update_layout(width=None, autosize=True)
        self.figure = go.FigureWidget(figure)
        self.controls = dict(controls)
        self.message = widgets.HTML(value="", layout=widgets.Layout(width="100%"))
        self.error: str | None = None
        self._update = update
        for control in self.controls.values():
            control.observe(self.refresh, names="value")
        box = widgets.Box(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        rows = [*header, box]
        if actions:  # 一行按钮等（例如训练面板的“开始/停止”与进度条），排在控件下面
            rows.append(widgets.HBox(list(actions), layout=widgets.Layout(flex_flow="row wrap", align_items="center")))
        self.widget = widgets.VBox([*rows, self.message, self.figure, *footer], layout=widgets.Layout(width="100%"))
        self.refresh()

    @property
    def values(self) -> dict[str, Any]:
        """当前所有控件的值。"""
        return {name: c.value for name, c in self.controls.items()}

    def refresh(self, _change=None) -> None:
        """按控件的当前值重新计算并更新图。"""
        # plotly 的 batch_update 拿新值和批量开始前的值比较：同一批里先清空再画回原来的空状态说明，
        # 第二次修改会被当作“没变”丢掉。所以上一次的空状态在批量更新之外先清掉，update 要画时再画。
        if any(a.name == EMPTY and a.visible for a in self.figure.layout.annotations):
            clear_empty(self.figure)
        try:
            with self.figure.batch_update():
                note = self._update(self.figure, self.values)
        except ValueError as err:
            self.error = str(err)
            self.message.value = f"<span style='color:{MESSAGE_COLOR}'>⚠ {err}</span>"
        else:
            self.error = None
            self.message.value = f"<span style='color:{MESSAGE_COLOR}'>{note}</span>" if note else ""

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
