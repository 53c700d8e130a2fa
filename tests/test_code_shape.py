"""包的代码形状：函数短小（议题：不超过约 60 行），便于读者与维护者读懂。"""

import ast
from pathlib import Path

import dlbook

PACKAGE = Path(dlbook.__file__).parent
LIMIT = 60


def _long_functions() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > LIMIT:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}（{length} 行）")
    return found


def test_no_function_is_longer_than_the_limit():
    assert _long_functions() == [], f"这些函数超过 {LIMIT} 行，请沿着自然的分界拆开：{_long_functions()}"
