"""让 ``pytest --nbval`` 把 ``_toc.yml`` 中的每一章（MyST Markdown 笔记本）当作笔记本执行。

nbval 自己只收集 ``.ipynb``；本书的章节只以 ``.md`` 为唯一来源，所以这里在内存中用 jupytext
把 ``.md`` 读成笔记本，再交给 nbval 逐个单元执行。章节没有保存输出，因此只检查“每个单元都能运行、
不抛异常”，不比较输出（与 ``--nbval-lax`` 相同）。
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def toc_chapters() -> list[Path]:
    """``_toc.yml`` 中登记的所有章节文件（绝对路径，按目录顺序）。"""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", []) or []:
                walk(part.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [ROOT / f"{name}.md" for name in found]


def pytest_configure(config):
    opt = config.option
    if getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False):
        # 用运行 pytest 的这个 Python（虚拟环境）执行笔记本，而不是 PATH 上碰巧找到的那个。
        opt.nbval_current_env = True
    # 章节里的代码会读这个环境变量；与构建书时相同。
    os.environ.setdefault("MPLBACKEND", "Agg")


class _JupytextReader:
    """替 nbval 读笔记本：遇到 ``.md`` 时用 jupytext 解析。"""

    def __init__(self, nbformat_module):
        self._nbformat = nbformat_module

    def __getattr__(self, name):
        return getattr(self._nbformat, name)

    def read(self, path, as_version=4):
        import jupytext

        return jupytext.read(path, as_version=as_version)


def _make_markdown_notebook_class():
    import nbval.plugin

    class MarkdownNotebook(nbval.plugin.IPyNbFile):
        """nbval 的笔记本收集器，读的是 MyST Markdown 章节。"""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.compare_outputs = False  # .md 章节不存输出，只检查能否运行

        def collect(self):
            with contextlib.ExitStack() as stack:
                original = nbval.plugin.nbformat
                nbval.plugin.nbformat = _JupytextReader(original)
                stack.callback(setattr, nbval.plugin, "nbformat", original)
                yield from super().collect()

    return MarkdownNotebook


_CHAPTERS: set[Path] | None = None


def pytest_collect_file(file_path: Path, parent):
    global _CHAPTERS
    opt = parent.config.option
    if file_path.suffix != ".md" or not (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)):
        return None
    if _CHAPTERS is None:
        _CHAPTERS = set(toc_chapters())
    if file_path.resolve() not in _CHAPTERS:
        return None
    return _make_markdown_notebook_class().from_parent(parent, path=file_path)


def pytest_collection_modifyitems(session, config, items):
    """用 ``--nbval`` 时，若 ``_toc.yml`` 里有章节没有被收集执行，就让这次运行失败。"""
    opt = config.option
    if not (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)):
        return
    args = [Path(a.split("::")[0]).resolve() for a in config.args]
    if any(a.is_file() for a in args):
        return  # 只运行了指定的文件，不检查完整性
    collected = {Path(str(item.fspath)).resolve() for item in items}
    missing = [p for p in toc_chapters() if p not in collected]
    if missing:
        names = "、".join(str(p.relative_to(ROOT)) for p in missing)
        raise pytest.UsageError(f"_toc.yml 中的这些章节没有被执行：{names}（文件不存在或不在测试路径中）")
