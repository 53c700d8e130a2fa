"""中文字体：让 matplotlib 与 plotly 在没有中文字体的新 Linux 机器上也能显示中文（见 {ref}`sec-intro`）。"""

from __future__ import annotations

from functools import cache
from pathlib import Path

# plotly 在浏览器里画字：列出常见系统的中文字体，最后退回 sans-serif。
PLOTLY_FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)

_BUNDLED_FONT = "NotoSansCJKsc-Regular.otf"


def cjk_font_file() -> Path:
    """返回随 mplfonts 包一起安装的 Noto Sans CJK SC 字体文件路径（见 {ref}`sec-intro`）。"""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / _BUNDLED_FONT
    if not path.is_file():
        raise FileNotFoundError(
            f"找不到中文字体文件 {path}。请重新安装 mplfonts（pip install mplfonts），"
            "或安装系统字体 fonts-noto-cjk。"
        )
    return path


@cache
def _register_font() -> str:
    from matplotlib import font_manager

    path = cjk_font_file()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_cjk_font() -> str:
    """让 matplotlib 默认使用中文字体并正确显示负号，返回字体名（见 {ref}`sec-intro`）。"""
    import matplotlib as mpl

    name = _register_font()
    sans = [name] + [f for f in mpl.rcParams["font.sans-serif"] if f != name]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = sans
    mpl.rcParams["axes.unicode_minus"] = False
    return name
