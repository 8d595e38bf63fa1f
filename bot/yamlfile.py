"""Reading curated YAML safely: no aliases, no duplicate keys, a size cap, and line numbers for every key.

Curators edit these files by hand, so every mistake must come back as one line naming the file and line.
PyYAML's safe loader already refuses Python objects; on top of it we refuse aliases (an "alias bomb" expands
a few bytes into gigabytes) and duplicate keys (YAML silently keeps the last one), and we remember the line of
every mapping key so that validation can point at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import Problem

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict[Any, Any]):
    """A mapping that also knows the line (1-based) each of its keys was written on."""

    lines: dict[Any, int]
    line: int


class YamlProblem(Exception):
    """Raised inside the loader; carries a ready-made ``Problem`` line number and message."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _StrictLoader(_BaseLoader):  # type: ignore[misc]
    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A node met twice is an alias (*ref) to an anchored node: refuse it instead of expanding it.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise YamlProblem("YAML aliases (*name) are not allowed; write the value out", node.start_mark.line + 1)
        return super().construct_object(node, deep=True)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict()
    mapping.lines = {}
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise YamlProblem("YAML merge keys (<<) are not allowed", key_node.start_mark.line + 1)
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise YamlProblem("a mapping key must be plain text", line) from None
        if key in mapping:
            raise YamlProblem(f"duplicate key '{key}' (first written on line {mapping.lines[key]})", line)
        mapping[key] = loader.construct_object(value_node)
        mapping.lines[key] = line
    return mapping


def _construct_sequence(loader: _StrictLoader, node: yaml.SequenceNode) -> list[Any]:
    return [loader.construct_object(child) for child in node.value]


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_StrictLoader.add_constructor("tag:yaml.org,2002:omap", _construct_sequence)


def read_yaml(path: Path, shown: str, max_bytes: int) -> tuple[Any, Problem | None]:
    """Parse one file. Returns ``(data, None)`` or ``(None, problem)``; never raises on bad content."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, Problem(shown, f"file is {size:,} bytes; the limit is {max_bytes:,}")
        raw = path.read_bytes()
    except OSError as exc:
        return None, Problem(shown, f"cannot read file ({exc.strerror or exc})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(shown, "file is not UTF-8 text; save it as UTF-8", line=line)
    try:
        return yaml.load(text, Loader=_StrictLoader), None
    except YamlProblem as exc:
        return None, Problem(shown, str(exc), line=exc.line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = (exc.problem or "YAML syntax error").strip()
        return None, Problem(shown, f"YAML syntax error: {what}", line=(mark.line + 1) if mark else None)
    except yaml.YAMLError as exc:
        return None, Problem(shown, f"YAML error: {exc}")
    except RecursionError:
        return None, Problem(shown, "YAML is nested too deeply")
