"""The tab-separated data files in ``bot/data`` (word frequencies, person names, Welsh terms): one reader for all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def pairs(path: Path) -> Iterator[tuple[str, str]]:
    """The (first, second) columns of each row of ``path``; lines starting with "#" and blank lines are skipped."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            first, second = line.rstrip("\n").split("\t")
            yield first, second
