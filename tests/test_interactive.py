import ipywidgets as widgets
import plotly.graph_objects as go
import pytest

from dlbook.interactive import LivePanel, Step, dropdown, slider


def _steps(n=3):
    return [Step(label=str(k), method="restyle", args=[{"y": [[k, 2 * k]]}, [0]]) for k in range(n)]


def test_slider_builds_steps_and_label():
    s = slider(name="学习率", steps=_steps(), active=1)
    assert s["active"] == 1
    assert s["currentvalue"]["prefix"] == "学习率："
    assert [st["args"][0]["y"] for st in s["steps"]] == [[[0, 0]], [[1, 2]], [[2, 4]]]


@pytest.mark.parametrize("active", [-1, 3])
def test_slider_rejects_bad_active(active):
    with pytest.raises(ValueError, match="超出"):
        slider(name="x", steps=_steps(), active=active)


def test_empty_controls_are_rejected_in_chinese():
    with pytest.raises(ValueError, match="至少"):
        slider(name="x", steps=[])
    with pytest.raises(ValueError, match="至少"):
        dropdown(steps=[])


def test_dropdown_buttons():
    d = dropdown(steps=_steps(2), active=1)
    assert d["active"] == 1 and len(d["buttons"]) == 2


def _panel():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 0]))
    k = widgets.FloatSlider(value=1.0, min=-2, max=2, description="k")

    def update(figure, values):
        if values["k"] < -1:
            raise ValueError("k 太小了")
        figure.data[0].y = [0, values["k"]]
        return "k 为负" if values["k"] < 0 else None

    return LivePanel(figure=fig, controls={"k": k}, update=update)


def test_live_panel_updates_figure_on_control_change():
    panel = _panel()
    assert list(panel.figure.data[0].y) == [0, 1.0]
    panel.controls["k"].value = 0.5
    assert list(panel.figure.data[0].y) == [0, 0.5]
    assert panel.message.value == ""


def test_live_panel_shows_notes_and_errors_instead_of_raising():
    panel = _panel()
    panel.controls["k"].value = -0.5
    assert "k 为负" in panel.message.value
    panel.controls["k"].value = -1.5
    assert "k 太小了" in panel.message.value
    assert list(panel.figure.data[0].y) == [0, -0.5]  # 出错时保留上一次的图


def test_live_panel_displays_as_widget():
    bundle = _panel()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_rounded_keeps_six_digits_and_breaks_lines_at_missing_values():
    from dlbook.interactive import rounded

    assert rounded([1.23456789, None, float("nan"), float("inf"), 0.0]) == [1.23457, None, None, None, 0.0]
    assert rounded([1.23456789], digits=3) == [1.23]


def test_annotation_key_and_apply_step_address_by_name():
    import plotly.graph_objects as go

    from dlbook.interactive import annotation_key, apply_step, restyle_step, set_message

    fig = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], name="a"), go.Scatter(x=[0, 1], y=[1, 0], name="b")])
    fig.add_annotation(text="旧", name="note", showarrow=False)
    set_message(fig, "")
    key = annotation_key(fig, "note", "text")
    assert key == "annotations[0].text"
    apply_step(fig, restyle_step(fig, "一步", {"b": {"y": [5, 6]}}, layout={key: "新"}))
    assert list(fig.data[1].y) == [5, 6] and list(fig.data[0].y) == [0, 1]
    assert fig.layout.annotations[0].text == "新"
    with pytest.raises(ValueError, match="没有名为"):
        annotation_key(fig, "nope", "text")


def test_panel_can_set_message_and_empty_state_in_one_update():
    """在同一次批量更新里先写说明行、再画空状态（或反过来），两条注释都要在，而且只各有一条。"""
    from dlbook.interactive import EMPTY, MESSAGE, clear_empty, draw_empty, set_message

    def update(fig, values):
        clear_empty(fig)
        set_message(fig, f"说明 {values['n']}")
        if values["n"] == 0:
            draw_empty(fig, "没有可画的点")
        return None

    base = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], name="line"))
    panel = LivePanel(figure=base, controls={"n": widgets.IntSlider(value=0, min=0, max=2)}, update=update)
    notes = {a.name: (a.text, a.visible) for a in panel.figure.layout.annotations}
    assert len(panel.figure.layout.annotations) == 2, panel.figure.layout.annotations
    assert notes == {MESSAGE: ("说明 0", True), EMPTY: ("没有可画的点", True)}
    panel.controls["n"].value = 2
    notes = {a.name: (a.text, a.visible) for a in panel.figure.layout.annotations}
    assert notes == {MESSAGE: ("说明 2", True), EMPTY: ("", False)}


def test_clearing_a_missing_note_adds_nothing():
    from dlbook.interactive import clear_empty, set_message

    from dlbook.interactive import MESSAGE

    fig = go.Figure()
    clear_empty(fig)
    assert len(fig.layout.annotations) == 0
    # 空的说明行仍然放一条隐藏的注释：静态图的滑块各步按名字改写它
    set_message(fig, "")
    assert [(a.name, a.visible) for a in fig.layout.annotations] == [(MESSAGE, False)]


def test_panel_redraws_the_same_empty_state_after_clearing_it_in_the_update():
    """update 里先 clear_empty 再 draw_empty 同一句说明（空状态保持不变）时，说明不能消失。"""
    from dlbook.interactive import EMPTY, clear_empty, draw_empty

    def update(fig, values):
        clear_empty(fig)
        if values["n"] < 2:
            draw_empty(fig, "没有可画的点")
        return None

    base = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], name="line"))
    panel = LivePanel(figure=base, controls={"n": widgets.IntSlider(value=0, min=0, max=2)}, update=update)
    for n, shown in ((1, True), (2, False), (0, True), (1, True)):
        panel.controls["n"].value = n
        empty = [a for a in panel.figure.layout.annotations if a.name == EMPTY][0]
        assert (empty.visible, empty.text) == ((True, "没有可画的点") if shown else (False, "")), n
