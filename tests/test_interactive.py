import ipywidgets as widgets
import plotly.graph_objects as go
import pytest

from dlbook.interactive import LivePanel, Step, dropdown, slider, stack_sliders


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


def test_stack_sliders_places_them_below_each_other():
    fig = go.Figure(go.Scatter(y=[0, 0]))
    stack_sliders(fig, [slider(name="a", steps=_steps()), slider(name="b", steps=_steps())])
    ys = [s.y for s in fig.layout.sliders]
    assert ys[0] > ys[1]
    assert fig.layout.margin.b >= 200
    # 图的 JSON 中确实带有这些步，静态 HTML 才能拖动
    assert len(fig.to_dict()["layout"]["sliders"][1]["steps"]) == 3


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
