"""The lock files (requirements/*.txt, written by scripts/lock) pin, with hashes, what pyproject.toml asks for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """Each pinned package of a lock file: its version and how many hashes it carries."""
    found: dict[str, tuple[str, int]] = {}
    name = ""
    for line in (ROOT / "requirements" / f"{lock}.txt").read_text(encoding="utf-8").splitlines():
        if match := ENTRY.match(line):
            name = canonicalize_name(match[1])
            found[name] = (match[2], 0)
        elif line.strip().startswith("--hash=sha256:"):
            found[name] = (found[name][0], found[name][1] + 1)
    return found


def check(lock: str, wanted: list[str]) -> None:
    pinned = pins(lock)
    assert [name for name, (_, hashes) in pinned.items() if hashes == 0] == []
    for text in wanted:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pinned, f"{name} is not in requirements/{lock}.txt: run scripts/lock"
        assert req.specifier.contains(pinned[name][0]), f"{name} {pinned[name][0]} is outside {req.specifier}"


def test_the_chat_lock_pins_the_core_with_hashes() -> None:
    check("chat", [*PROJECT["dependencies"], "pip", "setuptools>=77"])


def test_the_test_lock_pins_the_core_and_every_extra_with_hashes() -> None:
    extras = [dep for deps in PROJECT["optional-dependencies"].values() for dep in deps]
    check("test", [*PROJECT["dependencies"], *extras, "pip", "setuptools>=77"])


def test_the_two_locks_agree_so_one_venv_serves_both_commands() -> None:
    chat, test = pins("chat"), pins("test")
    assert {name: version for name, (version, _) in chat.items()} == {name: test[name][0] for name in chat}
