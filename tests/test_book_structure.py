"""每一章的结构：登记在目录中、是 MyST 笔记本、有学习目标/隐藏的 setup/小结/练习与答案。"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from conftest import toc_chapters  # noqa: E402

CHAPTERS = toc_chapters()


def test_toc_lists_existing_files():
    missing = [str(p) for p in CHAPTERS if not p.is_file()]
    assert missing == [], f"_toc.yml 中的这些章节文件不存在：{missing}"
    assert len(CHAPTERS) == len(set(CHAPTERS)), "_toc.yml 中有重复的章节"


def test_every_book_markdown_file_is_in_toc():
    # JupyterLab 保存时在 .ipynb_checkpoints/ 里留下副本（已被 git 忽略），不算章节
    files = {p.resolve() for p in (ROOT / "book").rglob("*.md") if ".ipynb_checkpoints" not in p.parts}
    orphans = sorted(str(p.relative_to(ROOT)) for p in files - {c.resolve() for c in CHAPTERS})
    assert orphans == [], f"这些章节没有登记在 _toc.yml 中：{orphans}"


def test_no_committed_notebooks():
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    if out.returncode != 0:
        pytest.skip("不在 git 仓库中")
    assert out.stdout.strip() == "", "章节只以 .md 为唯一来源，不提交 .ipynb"


def test_appendix_is_last_part():
    """附录登记在目录最后，不编号。"""
    import yaml

    parts = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["parts"]
    assert parts[-1]["caption"] == "附录"
    assert not parts[-1].get("numbered", False)
    assert [c["file"] for c in parts[-1]["chapters"]] == ["book/appendix/common-errors", "book/appendix/glossary"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_structure(chapter):
    text = chapter.read_text(encoding="utf-8")
    assert text.startswith("---\njupytext:"), "缺少 jupytext 头信息"
    assert "format_name: myst" in text
    assert re.search(r"^\(sec-[a-z0-9-]+\)=\n# ", text, re.M), "标题前缺少 (sec-…)= 标签"
    assert re.search(r":tags: \[remove-cell\]\n\nimport dlbook\ndlbook\.setup\(\)", text), "缺少隐藏的 dlbook.setup() 单元"
    if chapter.parent.name == "appendix":
        return  # 附录（常见错误、术语表）是查阅用的页面，没有学习目标与练习
    assert "学习目标" in text
    assert "## 小结" in text
    assert "## 练习" in text
    # 两种写法都可以：{exercise}/{solution}，或答案里有要执行的代码时用的 {exercise-start}/{solution-start}
    exercises = re.findall(r"\{exercise(?:-start)?\}\n:label: (\S+)", text)
    solutions = re.findall(r"\{solution(?:-start)?\} (\S+)\n:class: dropdown", text)
    assert exercises, "练习一节没有 exercise"
    assert sorted(exercises) == sorted(solutions), "每道练习都要有默认折叠的答案"
