"""把章节改写成 jupytext 写回时的样子：在 JupyterLab 中打开并保存（不做修改）后文件逐字节不变。

    python scripts/normalise_chapters.py            # 改写 _toc.yml 中所有与规范形式不同的章节
    python scripts/normalise_chapters.py --check    # 只列出不同的章节，有就以状态 1 退出

规范形式由仓库根目录的 jupytext.toml 决定；tests/test_chapter_roundtrip.py 检查每一章都已是规范形式。
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from conftest import toc_chapters  # noqa: E402

# JupyterLab 用 ipykernel 的 python3 内核打开一章时，把头信息里的 kernelspec 改写成这样（键的顺序也一样）。
JUPYTERLAB_KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def canonical_text(path: Path) -> str:
    """JupyterLab 打开 ``path`` 再保存时写回的文本：jupytext 按仓库配置读入、换上 JupyterLab 的 kernelspec、写回。"""
    config_file = find_jupytext_configuration_file(str(path.parent))
    config = load_jupytext_configuration_file(config_file) if config_file else None
    notebook = jupytext.read(path, fmt="md:myst")
    notebook.metadata["kernelspec"] = dict(JUPYTERLAB_KERNELSPEC)
    return jupytext.writes(notebook, fmt="md:myst", config=config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="只检查，不改写")
    args = parser.parse_args(argv)
    differing = []
    for path in toc_chapters():
        text = canonical_text(path)
        if path.read_text(encoding="utf-8") != text:
            differing.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(text, encoding="utf-8")
    verb = "不是规范形式" if args.check else "已改写"
    for name in differing:
        print(f"{verb}：{name}")
    return 1 if (args.check and differing) else 0


if __name__ == "__main__":
    sys.exit(main())
