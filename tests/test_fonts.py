import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlbook.fonts import PLOTLY_FONT_FAMILY, cjk_font_file, use_cjk_font  # noqa: E402


def test_bundled_font_exists():
    assert cjk_font_file().is_file()
    assert cjk_font_file().stat().st_size > 1_000_000


def test_chinese_text_renders_without_missing_glyphs(tmp_path):
    name = use_cjk_font()
    assert "CJK" in name
    fig, ax = plt.subplots()
    ax.set_title("激活函数与梯度 −1")
    ax.plot([0, 1], [-1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" 是一个 UserWarning
        fig.savefig(tmp_path / "zh.png")
    plt.close(fig)
    assert (tmp_path / "zh.png").stat().st_size > 0


def test_plotly_font_stack_covers_chinese():
    assert "Noto Sans CJK SC" in PLOTLY_FONT_FAMILY
    assert PLOTLY_FONT_FAMILY.rstrip().endswith("sans-serif")
