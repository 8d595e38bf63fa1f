"""Shared benchmark datasets: reading the JSONL files and writing them out as knowledge YAML.

The engine is measured through its real loader, so every item is written as one YAML file in the
project's knowledge schema (see "Knowledge item" in ../shared/DESIGN.md) and read back by
``bot.load_knowledge``. The writer is a small hand-rolled emitter (double-quoted scalars only) because
PyYAML's pure-Python emitter is too slow for the 100k-item scale run.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Fields of the knowledge schema this harness ever writes, in the order they are written.
_STRING_FIELDS = ("id", "title", "summary")
_LIST_FIELDS = ("questions", "tags", "themes")
ITEMS_PER_FOLDER = 1000

# Characters that must be escaped inside a YAML double-quoted scalar: quote, backslash, and anything
# outside YAML's printable set (plus line/paragraph separators and the BOM, which YAML treats specially).
_UNSAFE = re.compile('[\\\\"]|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u0085\u2028\u2029\ufeff]')
_NAMED = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


@dataclass(frozen=True)
class Query:
    """One benchmark question; ``relevant`` is empty for out-of-scope questions."""

    q: str
    relevant: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    """One shared dataset folder: items plus in-scope and out-of-scope questions."""

    name: str
    items: list[dict[str, Any]]
    queries: list[Query]
    oos: list[Query]


def default_root() -> Path:
    """``../shared/benchmarks`` next to the repository (resolved from this file, not the working dir)."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every non-blank line of a JSONL file, parsed."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _queries(path: Path) -> list[Query]:
    if not path.exists():
        return []
    return [Query(str(row["q"]), tuple(row.get("relevant") or ())) for row in read_jsonl(path)]


def find_datasets(root: Path, only: str | None = None) -> list[Path]:
    """Dataset folders under ``root`` (those holding ``items.jsonl``), sorted; ``only`` picks one by name."""
    folders = sorted(p.parent for p in root.glob("*/items.jsonl"))
    if only is not None:
        folders = [p for p in folders if p.name == only]
        if not folders:
            raise SystemExit(f"bench: no dataset named {only!r} under {root}")
    if not folders:
        raise SystemExit(f"bench: no datasets (*/items.jsonl) under {root}")
    return folders


def load_dataset(folder: Path) -> Dataset:
    """Read ``items.jsonl``, ``queries.jsonl`` and ``oos.jsonl`` of one dataset folder."""
    return Dataset(
        name=folder.name,
        items=read_jsonl(folder / "items.jsonl"),
        queries=_queries(folder / "queries.jsonl"),
        oos=_queries(folder / "oos.jsonl"),
    )


def load_tune_oos(root: Path) -> list[str]:
    """Questions for choosing BM25's rejection threshold: ``stackfaq/tune_oos.jsonl``, else any other."""
    candidates = [root / "stackfaq" / "tune_oos.jsonl", *sorted(root.glob("*/tune_oos.jsonl"))]
    for path in candidates:
        if path.exists():
            return [q.q for q in _queries(path)]
    return []


def subsample(queries: Sequence[Query], limit: int, seed: int = 20240601) -> list[Query]:
    """At most ``limit`` queries, a seeded sample kept in file order (files are grouped by item)."""
    if len(queries) <= limit:
        return list(queries)
    keep = sorted(random.Random(seed).sample(range(len(queries)), limit))
    return [queries[i] for i in keep]


def _quote(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        ch = match.group(0)
        if ch in _NAMED:
            return _NAMED[ch]
        code = ord(ch)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    return '"' + _UNSAFE.sub(escape, text) + '"'


def item_yaml(item: Mapping[str, Any]) -> str:
    """One knowledge item as YAML text (only schema fields; anything else is a bug in the caller)."""
    extra = set(item) - {*_STRING_FIELDS, *_LIST_FIELDS, "links"}
    if extra:
        raise ValueError(f"item {item.get('id')!r}: fields outside the benchmark's schema subset: {extra}")
    lines = [f"{key}: {_quote(str(item[key]))}" for key in _STRING_FIELDS]
    lines.append("links:")
    for link in item["links"]:
        lines.append(f"  - title: {_quote(str(link['title']))}")
        lines.append(f"    url: {_quote(str(link['url']))}")
    for key in _LIST_FIELDS:
        if item.get(key):
            lines.append(f"{key}:")
            lines.extend(f"  - {_quote(str(value))}" for value in item[key])
    return "\n".join(lines) + "\n"


def write_knowledge(items: Iterable[Mapping[str, Any]], directory: Path) -> int:
    """Write one ``<id>.yaml`` per item, 1000 per sub-folder (the loader reads recursively)."""
    count = 0
    for count, item in enumerate(items, start=1):
        folder = directory / f"part-{(count - 1) // ITEMS_PER_FOLDER:04d}"
        if (count - 1) % ITEMS_PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{item['id']}.yaml").write_text(item_yaml(item), encoding="utf-8")
    return count
