import random

import matplotlib as mpl
import numpy as np
import plotly.io as pio
import pytest
import torch

import dlbook
from dlbook.environment import seed_everything


def test_seed_everything_repeats_all_generators():
    seed_everything(123)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(123)
    second = (random.random(), np.random.rand(), torch.rand(1).item())
    assert first == second
    seed_everything(124)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) != first


def test_setup_sets_fonts_and_renderer():
    dlbook.setup(seed=7)
    assert pio.renderers.default == "plotly_mimetype+dlbook_html"
    assert "dlbook" in pio.templates.default
    assert mpl.rcParams["axes.unicode_minus"] is False
    assert "CJK" in mpl.rcParams["font.sans-serif"][0]
    assert torch.initial_seed() == 7


def test_import_has_no_side_effects():
    import subprocess
    import sys

    code = (
        "import plotly.io as pio, matplotlib as mpl; before = (pio.renderers.default, list(mpl.rcParams['font.sans-serif']));"
        "import dlbook, dlbook.interactive, dlbook.train, dlbook.device;"
        "assert (pio.renderers.default, list(mpl.rcParams['font.sans-serif'])) == before, '导入 dlbook 改变了全局设置'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _run_in_kernel_like_process(flag: bool, module: str = "dlbook.probe"):
    """像 nbval 的内核那样，在新进程里调用 dlbook.setup()，再从名为 module 的模块里不写编码地打开文件。"""
    import os
    import subprocess
    import sys

    code = (
        "import dlbook, warnings; dlbook.setup();"
        "exec('open(path).close()', {'__name__': 'other_library', 'path': dlbook.__file__});"
        f"exec('open(path).close()', {{'__name__': {module!r}, 'path': dlbook.__file__}})"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNDEFAULTENCODING"}
    if flag:
        env["PYTHONWARNDEFAULTENCODING"] = "1"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, encoding="utf-8")


@pytest.mark.parametrize("module", ["dlbook.probe", "__main__"])
def test_setup_makes_missing_encoding_an_error_in_chapters_under_the_ci_setting(module):
    out = _run_in_kernel_like_process(flag=True, module=module)
    assert out.returncode != 0
    assert "EncodingWarning" in out.stderr
    assert out.stderr.count("EncodingWarning") >= 1


def test_other_libraries_only_warn_under_the_ci_setting():
    out = _run_in_kernel_like_process(flag=True, module="another_library")
    assert out.returncode == 0, out.stderr
    assert "<string>:1: EncodingWarning" in out.stderr, "其他库的这种调用照常只是警告"


def test_setup_leaves_readers_alone_without_the_setting():
    out = _run_in_kernel_like_process(flag=False)
    assert out.returncode == 0, out.stderr


def test_numpy_scalars_display_as_plain_numbers_for_glue():
    from IPython.core.interactiveshell import InteractiveShell

    from dlbook.environment import plain_numpy_scalars

    shell = InteractiveShell.instance()
    try:
        before = shell.display_formatter.format(np.float64(0.5))[0]["text/plain"]
        assert plain_numpy_scalars()
        text = [shell.display_formatter.format(v)[0]["text/plain"]
                for v in (np.float64(0.5), np.float32(0.25), np.int64(3), np.bool_(True))]
    finally:
        InteractiveShell.clear_instance()
    assert before == "np.float64(0.5)"  # NumPy 2 的默认写法，myst-nb 无法按格式排版
    assert text == ["0.5", "0.25", "3", "True"]
    assert not plain_numpy_scalars()  # 不在 IPython 中时什么也不做
