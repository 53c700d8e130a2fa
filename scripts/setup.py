#!/usr/bin/env python3
"""README 的第一条命令：在 Windows、macOS 与 Linux 上同样地准备环境并严格构建 HTML 书。

    python scripts/setup.py        （Windows PowerShell / cmd）
    python3 scripts/setup.py       （macOS / Linux）

只用 Python 标准库。做的事情：
  1. 检查 Python 版本（≥ 3.10）；
  2. 用运行本脚本的这个 Python 在仓库下创建虚拟环境 .venv（已存在则复用），用它的 pip 安装 requirements.txt
     （含本书的 dlbook 包）；
  3. 让 JupyterLab 双击 .md 章节时把它作为笔记本打开：把 .jupyter/labconfig/ 中的设置装进 .venv；
  4. 在 Debian/Ubuntu 上以 root 身份运行时，用 apt 安装浏览器测试需要的 Chromium 与中文字体
     （设置 DLBOOK_SKIP_APT=1 跳过）；其他系统上用一行话说明如何获得 Chromium、没有它时跳过什么；
  5. 严格构建 HTML 书（执行每一章，任何警告都算失败），告诉你结果在哪里、怎样打开。

本文件不使用 3.8 以后才有的语法，这样在太旧的 Python 上也能先给出中文提示，而不是语法错误。
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

MIN_PYTHON = (3, 10)
ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
APT_PACKAGES = ("chromium", "fonts-noto-cjk")
CJK_FONT_NAME = "Noto Sans CJK"
BUILD_COMMAND = ("build", ".", "-W", "-n", "--keep-going")
LAB_SETTINGS = Path(".jupyter") / "labconfig" / "default_setting_overrides.json"


def version_problem(version_info):
    """Python 版本够新时返回 None，否则返回一句中文说明（含当前版本与怎么办）。"""
    found = ".".join(str(part) for part in tuple(version_info)[:3])
    if tuple(version_info)[:2] >= MIN_PYTHON:
        return None
    need = ".".join(str(part) for part in MIN_PYTHON)
    return (
        "本书需要 Python {need} 或更新的版本，当前运行的是 Python {found}。"
        "请从 python.org 或系统的包管理器安装新版 Python，再用它运行本脚本，"
        "例如 `py -3.12 scripts/setup.py`（Windows）或 `python3.12 scripts/setup.py`（macOS/Linux）。"
    ).format(need=need, found=found)


def is_windows(platform):
    """sys.platform 的取值是否表示 Windows（'win32'，也包括 'cygwin' 之外的 Windows 原生 Python）。"""
    return platform.startswith("win")


def venv_scripts_dir(venv_dir, platform):
    """虚拟环境中放可执行文件的目录：Windows 上是 Scripts，其他系统上是 bin。"""
    return Path(venv_dir) / ("Scripts" if is_windows(platform) else "bin")


def venv_executable(venv_dir, name, platform):
    """虚拟环境中某个命令（python、jupyter-book……）的路径；Windows 上带 .exe 后缀。"""
    suffix = ".exe" if is_windows(platform) else ""
    return venv_scripts_dir(venv_dir, platform) / (name + suffix)


def venv_python(venv_dir, platform):
    """虚拟环境中 Python 解释器的路径。"""
    return venv_executable(venv_dir, "python", platform)


def chromium_hint(platform):
    """没有 Chromium 时给读者的一行提示：怎样获得它、没有它时跳过什么。"""
    skipped = "没有它时，浏览器测试（tests/test_book_browser.py）会跳过，其余测试照常运行。"
    if is_windows(platform):
        how = "Windows：安装 Chromium 或 Chrome 后，把 DLBOOK_CHROMIUM 设为 chrome.exe 的完整路径"
    elif platform == "darwin":
        how = "macOS：安装 Chromium 或 Chrome 后，把 DLBOOK_CHROMIUM 设为 .app 包里的可执行文件（…/Contents/MacOS/…）"
    else:
        how = "Linux：用发行版的包管理器安装 chromium（Debian/Ubuntu：sudo apt-get install chromium fonts-noto-cjk）"
    return "提示：浏览器测试需要 Chromium。" + how + "。" + skipped


def apt_decision(*, platform, is_root, has_apt, skip_apt, have_chromium, have_cjk_font):
    """决定是否用 apt 安装 Chromium 与中文字体：返回 ('install', 说明)、('skip', 说明) 或 ('hint', 提示)。"""
    if have_chromium and have_cjk_font:
        return ("skip", "Chromium 与中文字体已经就绪。")
    if skip_apt:
        return ("skip", "DLBOOK_SKIP_APT=1：不用 apt 安装 Chromium 与中文字体。")
    if platform.startswith("linux") and has_apt and is_root:
        return ("install", "用 apt 安装 Chromium 与中文字体（浏览器测试用）：" + " ".join(APT_PACKAGES))
    if platform.startswith("linux") and has_apt:
        return ("hint", "提示：不是 root，不自动用 apt 安装。可以运行 sudo apt-get install " + " ".join(APT_PACKAGES) + "。")
    if have_chromium:
        return ("skip", "找到了 Chromium；没有找到中文字体 Noto Sans CJK 时，浏览器截图里的中文可能显示为方框。")
    return ("hint", chromium_hint(platform))


def open_instructions(index_html, platform):
    """构建完成后怎样打开书：文件的位置与本系统上打开它的命令。"""
    if is_windows(platform):
        command = 'start "" "{}"'.format(index_html)
    elif platform == "darwin":
        command = 'open "{}"'.format(index_html)
    else:
        command = 'xdg-open "{}"'.format(index_html)
    return "HTML 书在 {}\n用浏览器打开它（或运行：{}）。".format(index_html, command)


def _step(text):
    print("==> " + text, flush=True)


def _run(args, **kwargs):
    """运行一个命令；失败时用中文说明是哪一步，并以同样的退出码结束。"""
    completed = subprocess.run([str(a) for a in args], cwd=str(ROOT), **kwargs)
    if completed.returncode != 0:
        print("命令失败（退出码 {}）：{}".format(completed.returncode, " ".join(str(a) for a in args)), file=sys.stderr)
        sys.exit(completed.returncode)


def create_venv(platform):
    """用运行本脚本的 Python 创建 .venv（已存在则复用），返回其中 Python 的路径。"""
    python = venv_python(VENV, platform)
    if python.is_file():
        _step("复用已有的虚拟环境 {}".format(VENV))
    else:
        _step("用 {} 创建虚拟环境 {}".format(sys.executable, VENV))
        _run([sys.executable, "-m", "venv", VENV])
    return python


def install_requirements(python):
    """用虚拟环境自己的 pip 安装 requirements.txt（含可编辑安装的 dlbook）。"""
    _step("安装依赖（PyTorch 较大，第一次需要几分钟；下载慢时见 README 中的镜像提示）")
    _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([python, "-m", "pip", "install", "--quiet", "-r", "requirements.txt"])


def install_lab_settings(venv_dir):
    """把仓库的 JupyterLab 设置（.md 默认用 Jupytext Notebook 打开）复制进虚拟环境的 etc/jupyter，返回目标路径。

    这是 jupytext 文档中的设置（jupytext-config set-default-viewer 写的就是这个文件），
    放在 .venv 自己的配置目录里，只对本书的虚拟环境生效。
    """
    target = Path(venv_dir) / "etc" / "jupyter" / LAB_SETTINGS.relative_to(".jupyter")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / LAB_SETTINGS, target)
    return target


def _has_cjk_font():
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return False
    out = subprocess.run([fc_list], capture_output=True, text=True, encoding="utf-8", errors="replace")
    return CJK_FONT_NAME.lower() in out.stdout.lower()


def browser_prerequisites(platform):
    """按 apt_decision 的结论安装 Chromium 与中文字体，或给出一行提示。"""
    chromium = os.environ.get("DLBOOK_CHROMIUM", "/usr/bin/chromium")
    action, text = apt_decision(
        platform=platform,
        is_root=hasattr(os, "geteuid") and os.geteuid() == 0,
        has_apt=shutil.which("apt-get") is not None,
        skip_apt=os.environ.get("DLBOOK_SKIP_APT") == "1",
        have_chromium=Path(chromium).is_file() or shutil.which(chromium) is not None,
        have_cjk_font=_has_cjk_font(),
    )
    if action != "install":
        print(text, flush=True)
        return
    _step(text)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run(["apt-get", "update", "-qq"], env=env)
    _run(["apt-get", "install", "-y", "-qq", *APT_PACKAGES], env=env, stdout=subprocess.DEVNULL)


def build_book(platform):
    """严格构建 HTML 书（任何警告都算失败），返回 index.html 的路径。"""
    data = os.environ.get("DLBOOK_DATA") or str(ROOT / "data")
    _step("构建 HTML 书（执行每一章；数据目录：{}）".format(data))
    _run([venv_executable(VENV, "jupyter-book", platform), *BUILD_COMMAND])
    return ROOT / "_build" / "html" / "index.html"


def main():
    for stream in (sys.stdout, sys.stderr):  # 控制台编码不能显示中文时，用 ? 代替而不是崩溃
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    problem = version_problem(sys.version_info)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    platform = sys.platform
    python = create_venv(platform)
    install_requirements(python)
    _step("配置 JupyterLab：双击 .md 章节即作为笔记本打开（{}）".format(install_lab_settings(VENV)))
    browser_prerequisites(platform)
    index = build_book(platform)
    _step("完成")
    print(open_instructions(index, platform))
    return 0


if __name__ == "__main__":
    sys.exit(main())
