"""编码检查本身能起作用：PYTHONWARNDEFAULTENCODING=1 时，dlbook 或测试里不写 encoding 的 open() 让测试失败。

中文 Windows 的默认编码是 GBK，不写 encoding 读 UTF-8 文件会乱码或报错。pyproject.toml 的 filterwarnings 把
来自 dlbook、测试与 conftest 的 EncodingWarning 变成错误；这里在子进程里用同一份配置运行一个小测试文件来证明。
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = '''
from pathlib import Path

HERE = Path(__file__)


def test_test_module_without_encoding():
    HERE.read_text()


def test_test_module_with_encoding():
    HERE.read_text(encoding="utf-8")


def test_dlbook_module_without_encoding():
    exec("open(path).close()", {"__name__": "dlbook.probe", "path": str(HERE)})


def test_other_library_without_encoding_only_warns():
    exec("open(path).close()", {"__name__": "some_other_library", "path": str(HERE)})
'''


def _run_probe(tmp_path: Path, *, warn: bool) -> str:
    # 和仓库一样放进 tests 包里（有 __init__.py），模块名是 tests.test_encoding_probe
    package = tmp_path / "tests"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    probe = package / "test_encoding_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNDEFAULTENCODING"}
    if warn:
        env["PYTHONWARNDEFAULTENCODING"] = "1"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
         "-p", "no:randomly", "-q", "-rA", str(probe)],
        capture_output=True, text=True, encoding="utf-8", errors="replace", cwd=tmp_path, env=env,
    )
    return out.stdout + out.stderr


@pytest.mark.skipif(sys.version_info < (3, 10), reason="EncodingWarning 从 Python 3.10 起才有")
def test_missing_encoding_fails_under_the_ci_setting(tmp_path):
    report = _run_probe(tmp_path, warn=True)
    assert "FAILED tests/test_encoding_probe.py::test_test_module_without_encoding" in report, report
    assert "FAILED tests/test_encoding_probe.py::test_dlbook_module_without_encoding" in report, report
    assert "PASSED tests/test_encoding_probe.py::test_test_module_with_encoding" in report, report
    assert "PASSED tests/test_encoding_probe.py::test_other_library_without_encoding_only_warns" in report, report
    assert "EncodingWarning" in report


def test_without_the_setting_nothing_fails(tmp_path):
    """不设置 PYTHONWARNDEFAULTENCODING 时 Python 不发出这种警告：检查只在 CI 的测试命令里生效。"""
    report = _run_probe(tmp_path, warn=False)
    assert "4 passed" in report, report
