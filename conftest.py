"""让 ``pytest --nbval`` 把 ``_toc.yml`` 中的每一章（MyST Markdown 笔记本）当作笔记本执行。

nbval 只收集 ``.ipynb``；本书的章节只以 ``.md`` 为唯一来源。所以收集到一章时，这里用 jupytext 的公开 API
把它写成 ``_build/nbval/<同样的相对路径>.ipynb``，再交给 nbval 的公开收集器 ``IPyNbFile``（作为这一章的子节点），由 nbval 照常
逐个单元执行。测试的名字因此是 ``_build/nbval/book/networks/activations.ipynb::Cell 3``。

章节没有保存输出，所以生成的笔记本给每个代码单元加上 nbval 的标签 ``nbval-ignore-output``：只检查每个单元都能运行、
不抛异常，不比较输出。只运行一章：``pytest --nbval book/networks/activations.md``。
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
NOTEBOOK_DIR = ROOT / "_build" / "nbval"
IGNORE_OUTPUT_TAG = "nbval-ignore-output"
_CHAPTERS_KEY = pytest.StashKey[set]()


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


def chapter_to_notebook(chapter: Path, notebook: Path) -> Path:
    """用 jupytext 把一章写成 ``.ipynb``，每个代码单元带 ``nbval-ignore-output`` 标签。"""
    import jupytext

    nb = jupytext.read(chapter, fmt="md:myst")
    for cell in nb.cells:
        if cell.cell_type == "code":
            tags = cell.metadata.setdefault("tags", [])
            if IGNORE_OUTPUT_TAG not in tags:
                tags.append(IGNORE_OUTPUT_TAG)
    notebook.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(nb, notebook, fmt="ipynb")
    return notebook


def _nbval_active(config) -> bool:
    opt = config.option
    return bool(getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False))


def pytest_configure(config):
    if _nbval_active(config):
        # 用运行 pytest 的这个 Python（虚拟环境）执行笔记本，而不是 PATH 上碰巧找到的那个。
        config.option.nbval_current_env = True
    # 章节里的代码会读这个环境变量；与构建书时相同。
    os.environ.setdefault("MPLBACKEND", "Agg")


class ChapterNotebook(pytest.File):
    """一章（``.md``）：收集时写出它的 ``.ipynb``，交给 nbval 的收集器执行。"""

    def collect(self):
        from nbval.plugin import IPyNbFile

        notebook = chapter_to_notebook(self.path, NOTEBOOK_DIR / self.path.relative_to(ROOT).with_suffix(".ipynb"))
        yield IPyNbFile.from_parent(self, path=notebook)


def pytest_collect_file(file_path: Path, parent):
    config = parent.config
    if file_path.suffix != ".md" or not _nbval_active(config):
        return None
    if _CHAPTERS_KEY not in config.stash:
        config.stash[_CHAPTERS_KEY] = {p.resolve() for p in toc_chapters()}
    if file_path.resolve() not in config.stash[_CHAPTERS_KEY]:
        return None
    return ChapterNotebook.from_parent(parent, path=file_path)


def pytest_collection_modifyitems(session, config, items):
    """用 ``--nbval`` 时，若 ``_toc.yml`` 里有章节没有被收集执行，就让这次运行失败。"""
    if not _nbval_active(config):
        return
    args = [Path(a.split("::")[0]).resolve() for a in config.args]
    if any(a.is_file() for a in args):
        return  # 只运行了指定的文件，不检查完整性
    collected = {node.path.resolve() for item in items for node in item.listchain() if isinstance(node, ChapterNotebook)}
    missing = [p for p in toc_chapters() if p.resolve() not in collected]
    if missing:
        names = "、".join(str(p.relative_to(ROOT)) for p in missing)
        raise pytest.UsageError(f"_toc.yml 中的这些章节没有被执行：{names}（文件不存在或不在测试路径中）")
