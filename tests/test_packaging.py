"""pyproject.toml 声明了 src/dlbook 真正导入的依赖，版本只写在一个地方。"""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import dlbook

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _imported_top_level_modules() -> set[str]:
    found = set()
    for path in (ROOT / "src" / "dlbook").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"dlbook"}


def _declared(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower().replace("_", "-") for req in requirements}


def test_every_imported_package_is_declared():
    project = PYPROJECT["project"]
    declared = _declared(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared |= _declared(extra)
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module in sorted(_imported_top_level_modules()):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & declared:
            missing[module] = sorted(names)
    assert missing == {}, f"src/dlbook 导入了这些包，但 pyproject.toml 没有声明：{missing}"


def test_version_has_one_source():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project.get("dynamic", []), "版本只写在 dlbook.__version__"
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dlbook.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", dlbook.__version__)
