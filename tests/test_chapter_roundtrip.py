"""在 JupyterLab 中打开一章、不做修改、保存，文件必须逐字节不变。

JupyterLab 通过 jupytext 读写章节：这里按仓库的 ``jupytext.toml`` 把每一章读成笔记本、换上 JupyterLab 写回的
kernelspec、再写成文本，与磁盘上的文件逐字节比较。不一致时运行 ``python scripts/normalise_chapters.py``。
"""

import difflib
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from conftest import toc_chapters  # noqa: E402

_spec = importlib.util.spec_from_file_location("normalise_chapters", ROOT / "scripts" / "normalise_chapters.py")
normalise_chapters = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(normalise_chapters)


@pytest.mark.parametrize("chapter", toc_chapters(), ids=lambda p: str(p.relative_to(ROOT)))
def test_open_and_save_leaves_chapter_unchanged(chapter):
    text = chapter.read_text(encoding="utf-8")
    saved = normalise_chapters.canonical_text(chapter)
    if saved != text:
        diff = "".join(
            list(difflib.unified_diff(text.splitlines(True), saved.splitlines(True), "磁盘上", "保存后", n=1))[:40]
        )
        pytest.fail(f"在 JupyterLab 中保存会改写这一章；运行 python scripts/normalise_chapters.py。差异：\n{diff}")


def test_repository_config_is_used(tmp_path):
    """jupytext.toml 必须被找到：头信息不写 jupytext 版本号，单元只留 tags。"""
    chapter = tmp_path / "book" / "x.md"
    chapter.parent.mkdir()
    chapter.write_text((ROOT / "book" / "intro.md").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "jupytext.toml").write_text((ROOT / "jupytext.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert "jupytext_version" not in normalise_chapters.canonical_text(chapter)
    (tmp_path / "jupytext.toml").unlink()
    assert "jupytext_version" in normalise_chapters.canonical_text(chapter), "没有配置时 jupytext 应写入版本号"


def test_jupyterlab_metadata_is_not_written(tmp_path):
    """JupyterLab 给单元加的元数据（折叠、可编辑……）不会写进章节。"""
    import jupytext
    from jupytext.config import load_jupytext_configuration_file

    config = load_jupytext_configuration_file(str(ROOT / "jupytext.toml"))
    nb = jupytext.read(ROOT / "book" / "intro.md", fmt="md:myst")
    for cell in nb.cells:
        cell.metadata.update({"collapsed": False, "editable": True, "jp-MarkdownHeadingCollapsed": True})
    nb.metadata["language_info"] = {"name": "python", "version": "3.11"}
    nb.metadata["widgets"] = {"state": {}}
    text = jupytext.writes(nb, fmt="md:myst", config=config)
    for key in ("collapsed", "editable", "jp-MarkdownHeadingCollapsed", "language_info", "widgets"):
        assert key not in text
    assert ":tags: [remove-cell]" in text
