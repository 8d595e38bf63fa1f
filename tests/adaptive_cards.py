"""Reading Adaptive Cards in tests: every TextRun text, every action, every submit's data, in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a card, depth first, the card itself included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from nodes(value)


def texts(node: Any) -> list[str]:
    """Every TextRun text in a card, in order."""
    return [n["text"] for n in nodes(node) if n.get("type") == "TextRun"]


def actions(node: Any) -> list[dict[str, Any]]:
    return [n for n in nodes(node) if str(n.get("type", "")).startswith("Action.")]


def data_of(node: Any) -> list[dict[str, Any]]:
    """The data of every Action.Submit."""
    return [n["data"] for n in nodes(node) if n.get("type") == "Action.Submit"]
