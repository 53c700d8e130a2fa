"""Sphinx 扩展：去掉中文段落里源文件换行造成的多余空格（见 {ref}`sec-intro`）。

HTML 把段落中的换行显示成一个空格。英文里这正好是词间空格，中文里却会在两个汉字之间多出一个空隙。
这里在解析后的文档树中，把两侧都是中日韩文字或全角标点的换行删掉；代码与公式不受影响。
"""

from __future__ import annotations

import re

from docutils import nodes

_CJK = r"\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef"
_BREAK_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")
_SKIP = (nodes.literal_block, nodes.literal, nodes.math, nodes.math_block, nodes.raw, nodes.comment)


def join_cjk_lines(text: str) -> str:
    """删除两侧都是中文字符（或全角标点）的换行（见 {ref}`sec-intro`）。"""
    return _BREAK_BETWEEN_CJK.sub("", text)


def _inside_skipped(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, _SKIP):
            return True
        parent = parent.parent
    return False


def _join_in_doctree(app, doctree) -> None:
    for text in list(doctree.findall(nodes.Text)):
        if "\n" not in text or _inside_skipped(text):
            continue
        joined = join_cjk_lines(str(text))
        if joined != str(text):
            text.parent.replace(text, nodes.Text(joined))


def setup(app):
    app.connect("doctree-read", _join_in_doctree)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
