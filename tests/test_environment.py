import random

import matplotlib as mpl
import numpy as np
import plotly.io as pio
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
