"""The errors the core raises. Library code raises; only entry points (CLI, adapters) turn them into exit
codes or apologies.

    BotError
    ├── KnowledgeError   one or more problems in the knowledge directory (each names file, line, field)
    ├── GlossaryError    the glossary file is malformed
    └── ConfigError      a setting has a value we cannot use
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a data file, worded for the curator who will fix it."""

    path: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"{self.field}: " if self.field else ""
        return f"{where}: {what}{self.message}"


class BotError(Exception):
    """Base class of every error the core raises on purpose."""


class DataFileError(BotError):
    """Problems found in a data file or directory; ``problems`` lists them all, ``str()`` gives one line each."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class KnowledgeError(DataFileError):
    """The knowledge directory has errors; nothing from it should be served."""


class GlossaryError(DataFileError):
    """The glossary file is malformed."""


class ConfigError(BotError):
    """A setting has a value the bot cannot use."""


def display_path(path: Path, base: Path | None = None) -> str:
    """A path as a curator would like to read it: relative to ``base`` (or the working directory) when inside it."""
    for root in (base, Path.cwd()):
        if root is None:
            continue
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            continue
    return str(path)


class ModelError(BotError):
    """The bundled sentence model is missing, corrupt or cannot be loaded (one line says which file)."""
