#!/usr/bin/env bash
# 旧入口，保留给习惯 bash 的读者：真正的工作由跨平台的 scripts/setup.py 完成（README 的第一条命令）。
#   bash scripts/setup.sh          等同于   python3 scripts/setup.py
# 可用 PYTHON=/path/to/python3.12 指定用来创建 .venv 的解释器。
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" scripts/setup.py "$@"
