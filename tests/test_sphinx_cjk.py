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


def test_softbreak_nodes_between_chinese_are_removed():
    # MyST 的解析结果：换行是单独的 Text 节点，可能夹在粗体等行内元素之间
    para = nodes.paragraph("", "", nodes.Text("梯度"), nodes.Text("\n"), nodes.strong("", "下降"), nodes.Text("\n"),
                           nodes.Text("法"), nodes.Text("\n"), nodes.literal("", "x"), nodes.Text("\n中文"))
    doc = nodes.document(None, None)
    doc += para
    _join_in_doctree(None, doc)
    assert para.astext() == "梯度下降法\nx\n中文"


def test_every_softbreak_is_judged_at_its_own_position():
    # 两个内容相同的 "\n" 节点：第一个在英文之间（保留），第二个在中文之间（删除）
    para = nodes.paragraph("", "", nodes.Text("a"), nodes.Text("\n"), nodes.Text("b，中"), nodes.Text("\n"), nodes.Text("文"))
    doc = nodes.document(None, None)
    doc += para
    _join_in_doctree(None, doc)
    assert para.astext() == "a\nb，中文"
