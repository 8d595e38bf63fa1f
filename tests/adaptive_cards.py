"""Reading Adaptive Cards in tests: every TextRun text, every action, every submit's data, in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from bot.knowledge import Evidence, KnowledgeItem, Link


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


def hostile_item(payload: str) -> KnowledgeItem:
    """Curated text is untrusted for markup too (a curator can paste anything); the URL is the validated kind."""
    return KnowledgeItem(
        id="hostile",
        title=f"Title {payload}",
        summary=f"Summary {payload}",
        links=(Link(title=f"Link {payload}", url="https://example.org/safe"),),
        findings=(f"Finding {payload}",),
        evidence=Evidence(strength="strong", effect="positive", outcome=payload, source=payload, published="2024"),
        themes=(payload,),
        reviewed=dt.date(2026, 1, 1),
    )
