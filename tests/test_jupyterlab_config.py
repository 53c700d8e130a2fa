"""仓库带的 JupyterLab 设置：双击 .md 章节时作为笔记本打开，章节里的 MyST 由 jupyterlab-myst 渲染。"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OVERRIDES = ROOT / ".jupyter" / "labconfig" / "default_setting_overrides.json"


def test_default_viewer_matches_what_jupytext_config_writes(tmp_path):
    from jupytext_config.labconfig import LabConfig

    expected = LabConfig(settings_file=tmp_path / "x.json").set_default_viewers(["markdown", "myst"]).config
    assert json.loads(OVERRIDES.read_text(encoding="utf-8")) == expected


def test_setup_installs_the_overrides_into_the_venv():
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "cp .jupyter/labconfig/default_setting_overrides.json .venv/etc/jupyter/labconfig/" in setup


def test_jupyterlab_myst_is_required():
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "jupyterlab-myst" in requirements
