"""Docs stay honest: every setting the code reads is in the README, and the README's commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_declared_setting_is_in_the_readme() -> None:
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert missing == []


def test_every_environment_variable_the_code_reads_is_in_the_readme() -> None:
    read: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("adapters/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        read.update(
            re.findall(r"""(?:environ(?:\.get)?\(|environ\[|getenv\(|env=)\s*["']([A-Za-z][A-Za-z0-9_]+)["']""", text)
        )
    read.update(s.env for s in SETTINGS)
    assert sorted(v for v in read if f"`{v}`" not in README) == []


def test_the_two_first_screen_commands_exist_and_ci_calls_the_test_one() -> None:
    first_screen = README.split("---", 1)[0]
    assert "./scripts/chat" in first_screen and "./scripts/test" in first_screen
    assert (ROOT / "scripts" / "chat").stat().st_mode & 0o111
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
