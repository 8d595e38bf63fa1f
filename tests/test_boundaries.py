"""The dependency rule: bot/ imports no chat platform and no adapter; adapters do not import each other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_CORE = (
    "slack_bolt",
    "slack_sdk",
    "botbuilder",
    "botframework",
    "aiohttp",
    "adapters",
    "requests",
    "httpx",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_platform_sdk_or_adapter() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN_IN_CORE)
        for path in (ROOT / "bot").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_adapters_do_not_import_each_other() -> None:
    packages = [p.name for p in (ROOT / "adapters").iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    for package in packages:
        for path in (ROOT / "adapters" / package).rglob("*.py"):
            others = {
                m
                for m in imported_modules(path)
                if m.startswith("adapters.") and m.split(".")[1] != package and m.split(".")[1] in packages
            }
            assert not others, f"{path} imports {others}"


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import slack_bolt\nfrom adapters.slack import app\n")
    assert {"slack_bolt", "adapters.slack"} <= imported_modules(sample)


def test_matching_alone_does_not_load_the_database_layer() -> None:
    # The benchmark and `ask` import bot for the engine; SQLAlchemy would add ~20 MB they never use.
    loaded = "print('sqlalchemy' in sys.modules)"
    probe = f"import sys, bot; bot.Engine; {loaded}; bot.Runtime; {loaded}"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]
