"""仓库根目录的 conftest.py：``pytest --nbval`` 执行 ``_toc.yml`` 中的每一章。

在临时目录里搭一个只有两三章的小“书”（复制同一个 conftest.py），用子进程运行 pytest，检查：
输出不比较、出错的单元让测试失败、缺章让整次运行失败、只运行一章也可以、测试名字可读。
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADER = (ROOT / "book" / "intro.md").read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n"

NBVAL_HINT = (
    "conftest.py 用 nbval 的 IPyNbFile 收集 jupytext 写出的 .ipynb，并用单元标签 nbval-ignore-output 关掉输出比较；"
    "nbval 升级后这些可能变了：请对照新版 nbval/plugin.py 修改 conftest.py，并更新 requirements.txt 中 nbval 的版本上界。"
)


def _chapter(*cells: str) -> str:
    body = "\n".join(f"```{{code-cell}} ipython3\n{cell}\n```\n" for cell in cells)
    return f"{HEADER}\n# 标题\n\n{body}"


def _book(tmp_path: Path, chapters: dict[str, str], toc_extra: tuple[str, ...] = ()) -> Path:
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "book").mkdir()
    for name, text in chapters.items():
        (tmp_path / "book" / f"{name}.md").write_text(text, encoding="utf-8")
    names = [*chapters, *toc_extra]
    toc = "format: jb-book\nroot: book/" + names[0] + "\nchapters:\n" + "".join(f"  - file: book/{n}\n" for n in names[1:])
    (tmp_path / "_toc.yml").write_text(toc, encoding="utf-8")
    return tmp_path


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "-q", "-rA", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
    )


def test_every_chapter_runs_and_outputs_are_not_compared(tmp_path):
    book = _book(tmp_path, {"intro": _chapter('print("你好")', "1 + 1"), "second": _chapter("x = 3\nx * 2")})
    run = _pytest(book)
    assert run.returncode == 0, run.stdout + run.stderr + NBVAL_HINT
    assert "PASSED _build/nbval/book/intro.ipynb::Cell 0" in run.stdout, run.stdout + NBVAL_HINT
    assert "PASSED _build/nbval/book/second.ipynb::Cell 0" in run.stdout
    assert "3 passed" in run.stdout


def test_failing_cell_fails_and_single_chapter_runs_alone(tmp_path):
    book = _book(tmp_path, {"intro": _chapter("1 + 1"), "broken": _chapter("1 / 0")})
    run = _pytest(book, "book/broken.md")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "ZeroDivisionError" in run.stdout
    assert "intro.ipynb" not in run.stdout, "只指定了一章，却执行了别的章"
    assert "1 failed" in run.stdout


def test_missing_chapter_fails_the_run(tmp_path):
    book = _book(tmp_path, {"intro": _chapter("1 + 1")}, toc_extra=("ghost",))
    run = _pytest(book)
    assert run.returncode != 0
    assert "book/ghost.md" in run.stdout + run.stderr
