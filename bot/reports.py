"""Curator reports built from a loaded knowledge base: coverage at a glance, and items due for review."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from bot.glossary import Glossary
from bot.knowledge import EFFECTS, STRENGTHS, KnowledgeBase, KnowledgeItem
from bot.lint import review_due


@dataclass(frozen=True)
class Coverage:
    items: int
    themes: list[tuple[str, int]]
    strengths: list[tuple[str, int]]
    effects: list[tuple[str, int]]
    stale: int
    unreviewed: int
    glossary_terms: int
    without_questions: int


def coverage(kb: KnowledgeBase, glossary: Glossary, today: dt.date | None = None) -> Coverage:
    today = today or dt.date.today()
    themes = Counter(t for item in kb.items for t in item.themes)
    unthemed = sum(1 for item in kb.items if not item.themes)
    strengths = Counter((item.evidence.strength if item.evidence else None) or "not stated" for item in kb.items)
    effects = Counter((item.evidence.effect if item.evidence else None) or "not stated" for item in kb.items)
    theme_rows = sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))
    if unthemed:
        theme_rows.append(("(no theme)", unthemed))
    return Coverage(
        items=len(kb.items),
        themes=theme_rows,
        strengths=[(s, strengths.get(s, 0)) for s in (*STRENGTHS, "not stated")],
        effects=[(e, effects.get(e, 0)) for e in (*EFFECTS, "not stated")],
        stale=sum(1 for item in kb.items if item.reviewed is not None and review_due(item, today)),
        unreviewed=sum(1 for item in kb.items if item.reviewed is None),
        glossary_terms=len(glossary),
        without_questions=sum(1 for item in kb.items if not item.questions),
    )


def stale_items(kb: KnowledgeBase, today: dt.date | None = None) -> list[KnowledgeItem]:
    """Items never reviewed or reviewed more than 12 months ago, oldest first."""
    today = today or dt.date.today()
    due = [item for item in kb.items if review_due(item, today)]
    return sorted(due, key=lambda i: (i.reviewed or dt.date.min, i.id))
