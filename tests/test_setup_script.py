"""scripts/setup.py（README 的第一条命令）中与机器无关的决定：各系统上 .venv 里的路径、版本检查、apt 与 Chromium 提示。

脚本不是包的一部分，按文件路径导入；Windows 与 macOS 的情形通过参数 platform 传入，在 Linux 上也能测试。
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "setup.py"


@pytest.fixture(scope="module")
def setup_script():
    spec = importlib.util.spec_from_file_location("dlbook_setup_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_has_no_side_effects(setup_script):
    assert callable(setup_script.main)
    assert setup_script.ROOT == ROOT


@pytest.mark.parametrize(
    ("platform", "python", "jupyter_book"),
    [
        ("linux", ".venv/bin/python", ".venv/bin/jupyter-book"),
        ("darwin", ".venv/bin/python", ".venv/bin/jupyter-book"),
        ("win32", ".venv/Scripts/python.exe", ".venv/Scripts/jupyter-book.exe"),
    ],
)
def test_venv_paths_per_platform(setup_script, platform, python, jupyter_book):
    venv = PurePosixPath(".venv")
    assert PurePosixPath(setup_script.venv_python(venv, platform)) == PurePosixPath(python)
    assert PurePosixPath(setup_script.venv_executable(venv, "jupyter-book", platform)) == PurePosixPath(jupyter_book)
    expected_dir = "Scripts" if platform == "win32" else "bin"
    assert setup_script.venv_scripts_dir(venv, platform).name == expected_dir


def test_venv_python_matches_the_real_venv_module(setup_script, tmp_path):
    """在本机上，路径规则与标准库 venv 实际放解释器的位置一致。"""
    import venv

    venv.EnvBuilder(with_pip=False).create(tmp_path / "env")
    assert setup_script.venv_python(tmp_path / "env", sys.platform).is_file()


@pytest.mark.parametrize("version", [(3, 10, 0), (3, 11, 7), (3, 13, 1), (4, 0, 0)])
def test_new_enough_python_passes(setup_script, version):
    assert setup_script.version_problem(version) is None


@pytest.mark.parametrize("version", [(3, 9, 18), (3, 6, 0), (2, 7, 18)])
def test_old_python_is_refused_in_chinese(setup_script, version):
    message = setup_script.version_problem(version)
    assert message is not None
    assert "3.10" in message, "要说明需要的最低版本"
    assert ".".join(map(str, version)) in message, "要说明当前的版本"
    assert "Python" in message and "请" in message


def test_script_refuses_old_python_before_doing_anything(tmp_path):
    """版本检查是 main() 的第一步：假装是 3.9 时，脚本以退出码 1 结束、说明原因，且不创建 .venv。"""
    code = (
        "import runpy, sys; sys.version_info = (3, 9, 18, 'final', 0); sys.argv = [{script!r}];"
        "runpy.run_path({script!r}, run_name='__main__')"
    ).format(script=str(SCRIPT))
    before = (ROOT / ".venv").exists()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", cwd=tmp_path,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    assert out.returncode == 1
    assert "3.10" in out.stderr and "3.9.18" in out.stderr
    assert (ROOT / ".venv").exists() == before


def test_script_parses_with_old_grammar():
    """太旧的 Python 要能读懂这个文件，才能打印中文提示而不是语法错误：不用 3.8 以后的语法。"""
    ast.parse(SCRIPT.read_text(encoding="utf-8"), feature_version=(3, 7))


def test_apt_installs_only_as_root_on_linux_with_apt(setup_script):
    decide = setup_script.apt_decision
    base = dict(platform="linux", has_apt=True, skip_apt=False, have_chromium=False, have_cjk_font=False)
    action, text = decide(is_root=True, **base)
    assert action == "install" and "chromium" in text and "fonts-noto-cjk" in text
    action, text = decide(is_root=False, **base)
    assert action == "hint" and "sudo apt-get install chromium fonts-noto-cjk" in text


def test_apt_is_skipped_when_asked_or_not_needed(setup_script):
    decide = setup_script.apt_decision
    base = dict(platform="linux", is_root=True, has_apt=True)
    action, text = decide(skip_apt=True, have_chromium=False, have_cjk_font=False, **base)
    assert action == "skip" and "DLBOOK_SKIP_APT" in text
    action, _ = decide(skip_apt=False, have_chromium=True, have_cjk_font=True, **base)
    assert action == "skip"


@pytest.mark.parametrize(
    ("platform", "has_apt", "word"),
    [("linux", False, "Linux"), ("darwin", False, "macOS"), ("win32", False, "Windows")],
)
def test_without_apt_one_line_hint_per_os(setup_script, platform, has_apt, word):
    action, text = setup_script.apt_decision(
        platform=platform, is_root=True, has_apt=has_apt, skip_apt=False, have_chromium=False, have_cjk_font=False
    )
    assert action == "hint"
    assert "\n" not in text, "每个系统一行提示"
    assert word in text
    assert "跳过" in text, "要说明没有 Chromium 时跳过什么"
    assert "test_book_browser" in text


def test_windows_and_macos_never_use_apt(setup_script):
    for platform in ("win32", "darwin"):
        action, _ = setup_script.apt_decision(
            platform=platform, is_root=True, has_apt=True, skip_apt=False, have_chromium=False, have_cjk_font=False
        )
        assert action == "hint"


@pytest.mark.parametrize(("platform", "opener"), [("linux", "xdg-open"), ("darwin", "open"), ("win32", "start")])
def test_open_instructions_name_the_file_and_the_command(setup_script, platform, opener):
    index = Path("/repo/_build/html/index.html")
    text = setup_script.open_instructions(index, platform)
    assert str(index) in text
    assert opener + ' ' in text


def test_build_is_strict(setup_script):
    assert setup_script.BUILD_COMMAND == ("build", ".", "-W", "-n", "--keep-going")


def test_setup_sh_is_a_thin_wrapper():
    text = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "scripts/setup.py" in text
    assert "apt-get" not in text and "pip install" not in text, "逻辑只在 setup.py 中，不在两处维护"


def test_ci_uses_the_readme_entry_point():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "scripts/setup.py" in ci
    assert "scripts/setup.py" in readme
    assert "PYTHONWARNDEFAULTENCODING=1" in ci
