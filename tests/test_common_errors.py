"""附录“常见错误”：每一条都有复现、原因、改法和指向正文的链接（见 {ref}`sec-common-errors`）。"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "appendix" / "common-errors.md"


def entries(text: str) -> dict[str, str]:
    """按三级标题切出每一条：{标题: 正文}。"""
    parts = re.split(r"^### (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1].split("\n## ")[0].strip() for i in range(1, len(parts), 2)}


ENTRIES = entries(PAGE.read_text(encoding="utf-8"))


def test_splitter():
    assert entries("## 甲\n### 一\nx\n## 乙\n### 二\ny\n") == {"一": "x", "二": "y"}


def test_page_has_enough_entries_in_every_group():
    text = PAGE.read_text(encoding="utf-8")
    groups = re.findall(r"^## (.+)$", text, re.M)
    for name in ["形状错误", "dtype 错误", "梯度是 None 或 0", "损失不下降", "损失变成 NaN 或 inf", "内存不够",
                 "每次运行结果不同", "忘了 `eval()` 模式", "数据与评估的错误", "加载与保存"]:
        assert name in groups, name
    assert len(ENTRIES) >= 20


@pytest.mark.parametrize("title", sorted(ENTRIES))
def test_entry_is_complete(title):
    body = ENTRIES[title]
    assert "**症状**" in body and "**原因**" in body and "**改法**" in body, title
    assert body.count("```{code-cell} ipython3") >= 1, f"{title} 没有可执行的复现"
    assert re.search(r"\{ref\}`sec-[a-z0-9-]+`", body), f"{title} 没有指向正文的链接"


def test_error_messages_are_printed_not_typed():
    """报错文字由代码打印出来，不写死在代码单元里。"""
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    for cell in cells:
        assert not re.search(r"print\([\"'](RuntimeError|TypeError|ValueError)", cell), cell


def test_refs_resolve():
    labels = set()
    for md in (ROOT / "book").rglob("*.md"):
        labels.update(re.findall(r"^\((sec-[a-z0-9-]+)\)=$", md.read_text(encoding="utf-8"), re.M))
    refs = re.findall(r"\{ref\}`(sec-[a-z0-9-]+)`", PAGE.read_text(encoding="utf-8"))
    assert refs and [r for r in refs if r not in labels] == []
