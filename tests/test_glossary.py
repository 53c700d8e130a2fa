"""术语表：条目的格式，正文里 {term} 链接与条目一一对得上（见 {ref}`sec-glossary`）。"""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from conftest import toc_chapters  # noqa: E402

GLOSSARY = ROOT / "book" / "appendix" / "glossary.md"
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")
LABEL = re.compile(r"^\((sec-[a-z0-9-]+)\)=$", re.M)


def glossary_entries(text: str) -> dict[str, str]:
    """从 ```{glossary} 块里读出 {术语: 定义}；术语行不缩进，定义行缩进。"""
    entries: dict[str, str] = {}
    for block in re.findall(r"```\{glossary\}\n(.*?)```", text, re.S):
        term = None
        for line in block.splitlines():
            if not line.strip():
                continue
            if line[0].isspace():
                assert term is not None, f"定义行前面没有术语：{line!r}"
                entries[term] += line.strip()
            else:
                term = line.strip()
                assert term not in entries, f"术语重复：{term}"
                entries[term] = ""
    return entries


def role_target(content: str) -> str:
    """`显示文字 <术语>` 取尖括号里的术语，否则整段就是术语。"""
    m = re.fullmatch(r"(.*?)\s*<([^<>]+)>", content, re.S)
    return (m.group(2) if m else content).strip()


def chapter_links() -> dict[str, list[str]]:
    """每个术语被哪些章节用 {term} 链接（不含术语表本身）。"""
    links: dict[str, list[str]] = {}
    for chapter in toc_chapters():
        if chapter == GLOSSARY:
            continue
        for content in TERM_ROLE.findall(chapter.read_text(encoding="utf-8")):
            links.setdefault(role_target(content).lower(), []).append(chapter.stem)
    return links


ENTRIES = glossary_entries(GLOSSARY.read_text(encoding="utf-8"))


def test_parser_reads_a_small_glossary():
    text = "```{glossary}\n甲 (a)\n  第一条。\n\n乙 (b)\n  第二条，\n  两行。\n```\n"
    assert glossary_entries(text) == {"甲 (a)": "第一条。", "乙 (b)": "第二条，两行。"}
    assert role_target("显示 <甲 (a)>") == "甲 (a)"
    assert role_target("甲 (a)") == "甲 (a)"


def test_glossary_is_large_and_registered():
    assert len(ENTRIES) >= 100
    assert GLOSSARY in toc_chapters()


@pytest.mark.parametrize("term", sorted(ENTRIES))
def test_entry_format(term):
    definition = ENTRIES[term]
    assert re.fullmatch(r"\S.*? \([^()]*[A-Za-z][^()]*\)", term), f"术语应写成“中文 (English)”：{term}"
    assert re.search(r"[\u4e00-\u9fff]", term.split(" (")[0]) or term.split(" (")[0][0].isupper(), term
    assert len(definition) >= 8, f"{term} 缺少定义"
    refs = re.findall(r"\{ref\}`(sec-[a-z0-9-]+)`", definition)
    assert refs, f"{term} 没有指向引入它的章节"


def test_entry_refs_name_existing_labels():
    labels = set()
    for chapter in toc_chapters():
        labels.update(LABEL.findall(chapter.read_text(encoding="utf-8")))
    missing = {
        term: ref
        for term, definition in ENTRIES.items()
        for ref in re.findall(r"\{ref\}`(sec-[a-z0-9-]+)`", definition)
        if ref not in labels
    }
    assert missing == {}


def test_terms_are_unique_ignoring_case():
    lowered = [t.lower() for t in ENTRIES]
    assert len(lowered) == len(set(lowered)), "Sphinx 的术语不区分大小写，不能有只差大小写的条目"


def test_every_entry_is_linked_from_a_chapter():
    links = chapter_links()
    unlinked = sorted(t for t in ENTRIES if t.lower() not in links)
    assert unlinked == [], f"这些术语没有任何章节用 {{term}} 链接：{unlinked}"


def test_every_term_link_names_an_entry():
    known = {t.lower() for t in ENTRIES}
    dangling = {t: chs for t, chs in chapter_links().items() if t not in known}
    assert dangling == {}, f"这些 {{term}} 链接找不到术语表条目：{dangling}"


def test_each_term_is_linked_once():
    """只链接第一次出现：同一个术语在全书只链接一次。"""
    repeated = {t: chs for t, chs in chapter_links().items() if len(chs) > 1}
    assert repeated == {}


def test_link_sits_in_the_chapter_the_entry_names():
    """条目说“见某章”，链接就应当在那一章里（第一次出现的地方）。"""
    links = chapter_links()
    wrong = {}
    for term, definition in ENTRIES.items():
        ref = re.search(r"\{ref\}`sec-([a-z0-9-]+)`", definition).group(1)
        if term.lower() in links and ref not in links[term.lower()]:
            wrong[term] = (ref, links[term.lower()])
    assert wrong == {}
