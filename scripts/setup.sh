#!/usr/bin/env bash
# 一条命令：在全新的机器上准备好环境并构建 HTML 书。
#   bash scripts/setup.sh
# 做的事情：
#   1. 在仓库下创建虚拟环境 .venv（已存在则复用）并安装 requirements.txt（含本书的 dlbook 包）；
#   2. 让 JupyterLab 双击 .md 章节时把它作为笔记本打开（把 .jupyter/labconfig/ 中的设置装进 .venv）；
#   3. 以 root 身份在 Debian/Ubuntu 上运行时，用 apt 安装浏览器测试需要的 Chromium 与中文字体
#      （设置 DLBOOK_SKIP_APT=1 可跳过；非 root 时只给出提示）；
#   4. 严格构建 HTML 书（执行每一章，任何警告都算失败），结果在 _build/html/index.html。
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "需要 Python 3.10 或更新的版本（当前：$("$PYTHON" --version 2>&1)）。可用 PYTHON=/path/to/python3.11 指定。" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> 安装依赖（torch 较大，第一次需要几分钟）"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt

# jupytext 文档中的做法：在 labconfig/default_setting_overrides.json 里把 markdown/myst 的默认打开方式设为
# “Jupytext Notebook”。放进虚拟环境自己的配置目录（.venv/etc/jupyter），只对本书的 .venv 生效。
echo "==> 配置 JupyterLab：双击 .md 章节即作为笔记本打开"
mkdir -p .venv/etc/jupyter/labconfig
cp .jupyter/labconfig/default_setting_overrides.json .venv/etc/jupyter/labconfig/default_setting_overrides.json

if [ "${DLBOOK_SKIP_APT:-0}" != "1" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
      echo "==> 用 apt 安装 Chromium 与中文字体（浏览器测试用）"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
    fi
  elif [ ! -x /usr/bin/chromium ]; then
    echo "提示：没有找到 /usr/bin/chromium，浏览器测试会被跳过。Debian/Ubuntu 上可运行：sudo apt-get install chromium fonts-noto-cjk"
  fi
fi

echo "==> 构建 HTML 书（执行每一章；数据目录：${DLBOOK_DATA:-./data}）"
.venv/bin/jupyter-book build . -W -n --keep-going
echo "==> 完成：用浏览器打开 $(pwd)/_build/html/index.html"
