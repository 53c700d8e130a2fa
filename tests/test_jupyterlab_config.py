"""仓库带的 JupyterLab 设置：双击 .md 章节时作为笔记本打开，章节里的 MyST 由 jupyterlab-myst 渲染。"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OVERRIDES = ROOT / ".jupyter" / "labconfig" / "default_setting_overrides.json"


def test_default_viewer_matches_what_jupytext_config_writes(tmp_path):
    from jupytext_config.labconfig import LabConfig

    expected = LabConfig(settings_file=tmp_path / "x.json").set_default_viewers(["markdown", "myst"]).config
    assert json.loads(OVERRIDES.read_text(encoding="utf-8")) == expected


def test_setup_installs_the_overrides_into_the_venv(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("dlbook_setup", ROOT / "scripts" / "setup.py")
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)
    target = setup.install_lab_settings(tmp_path / ".venv")
    # JupyterLab 在 sys.prefix/etc/jupyter/labconfig/ 里找 default_setting_overrides.json
    assert target == tmp_path / ".venv" / "etc" / "jupyter" / "labconfig" / "default_setting_overrides.json"
    assert target.read_bytes() == OVERRIDES.read_bytes()


def test_jupyterlab_myst_is_required():
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "jupyterlab-myst" in requirements
