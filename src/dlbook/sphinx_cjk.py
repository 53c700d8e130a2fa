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


def _skipped(node: nodes.Node) -> bool:
    while node is not None:
        if isinstance(node, _SKIP):
            return True
        node = node.parent
    return False


def _join_in_doctree(app, doctree) -> None:
    # MyST 把源文件中的换行（softbreak）解析成单独的 Text("\n") 节点，所以要连同前后兄弟节点的首尾字符一起判断。
    # 按位置处理：Text 是 str 的子类，children.index() 会按内容找到第一个相等的 "\n"，不能用。
    for parent in list(doctree.findall(nodes.Element)):
        if _skipped(parent):
            continue
        i = 0
        while i < len(parent.children):
            child = parent.children[i]
            if not isinstance(child, nodes.Text) or "\n" not in child:
                i += 1
                continue
            before = parent.children[i - 1].astext()[-1:] if i > 0 else ""
            after = parent.children[i + 1].astext()[:1] if i + 1 < len(parent.children) else ""
            joined = join_cjk_lines(before + str(child) + after)
            middle = joined[len(before) : len(joined) - len(after)]  # 前后各一个字符不会被删，原样去掉即可
            if not middle:
                del parent[i]
                continue
            if middle != str(child):
                parent[i] = nodes.Text(middle)
            i += 1


def setup(app):
    app.connect("doctree-read", _join_in_doctree)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
