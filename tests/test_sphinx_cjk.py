from docutils import nodes

from dlbook.sphinx_cjk import _join_in_doctree, join_cjk_lines


def test_breaks_between_chinese_are_removed_but_english_spaces_kept():
    assert join_cjk_lines("深度\n学习") == "深度学习"
    assert join_cjk_lines("张量，\n  然后") == "张量，然后"
    assert join_cjk_lines("deep\nlearning") == "deep\nlearning"
    assert join_cjk_lines("使用\nPyTorch") == "使用\nPyTorch"


def test_doctree_paragraphs_joined_and_code_untouched():
    para = nodes.paragraph("", "", nodes.Text("梯度\n下降"))
    code = nodes.literal_block("", "注释\n第二行")
    doc = nodes.document(None, None)
    doc += [para, code]
    _join_in_doctree(None, doc)
    assert para.astext() == "梯度下降"
    assert code.astext() == "注释\n第二行"
