"""Warnings for curators: things that are valid but will hurt practitioners.

``validate`` prints these after the errors. They never stop the bot: a stale review date or a thin item is
still better served than hidden. Shadowing is checked with the real engine, so a warning means a
practitioner asking that exact question would really get the other item.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge import KnowledgeBase, KnowledgeItem
from bot.matching import Engine

REVIEW_MONTHS = 12
NEAR_DUPLICATE = 92.0
"""token_sort_ratio (0-100) of two items' questions or titles, as the engine reads them, above which they
are reported as shadowing each other."""


@dataclass(frozen=True, slots=True)
class LintWarning:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: warning: {self.message}"


def review_due(item: KnowledgeItem, today: dt.date) -> bool:
    """True when the item was never reviewed or was last reviewed more than 12 months ago."""
    if item.reviewed is None:
        return True
    months = (today.year - item.reviewed.year) * 12 + today.month - item.reviewed.month
    return months > REVIEW_MONTHS or (months == REVIEW_MONTHS and today.day > item.reviewed.day)


def lint(kb: KnowledgeBase, engine: Engine, today: dt.date | None = None) -> list[LintWarning]:
    today = today or dt.date.today()
    warnings: list[LintWarning] = []
    for item in kb.items:
        if item.reviewed is None:
            warnings.append(LintWarning(item.path, "no 'reviewed' date: add the date a curator last checked it"))
        elif review_due(item, today):
            warnings.append(
                LintWarning(
                    item.path,
                    f"reviewed {item.reviewed.isoformat()}, more than {REVIEW_MONTHS} "
                    "months ago: check it is still current",
                )
            )
        if not item.questions:
            warnings.append(LintWarning(item.path, "no example 'questions': add 4-8 ways a practitioner would ask"))
        if not item.tags:
            warnings.append(LintWarning(item.path, "no 'tags': add keywords and the acronyms practitioners use"))
    warnings += _near_duplicates(kb, engine)
    warnings += _shadowed_questions(kb, engine)
    return warnings


def _near_duplicates(kb: KnowledgeBase, engine: Engine) -> list[LintWarning]:
    texts: list[str] = []
    owners: list[KnowledgeItem] = []
    originals: list[str] = []
    for item in kb.items:
        for text in (item.title, *item.questions):
            canonical = engine.read(text).analysis.phrase
            if canonical:
                texts.append(canonical)
                owners.append(item)
                originals.append(text)
    if len(texts) < 2:
        return []
    scores = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE, workers=1)
    seen: set[tuple[str, str]] = set()
    out = []
    for a, b in zip(*scores.nonzero(), strict=True):
        left, right = owners[int(a)], owners[int(b)]
        if left.id >= right.id or (left.id, right.id) in seen:
            continue
        seen.add((left.id, right.id))
        out.append(
            LintWarning(
                left.path,
                f"“{originals[int(a)]}” nearly coincides with “{originals[int(b)]}” in "
                f"{right.path}: the two items would shadow each other",
            )
        )
    return out


def _shadowed_questions(kb: KnowledgeBase, engine: Engine) -> list[LintWarning]:
    out = []
    for item in kb.items:
        for question in item.questions:
            ranked = engine.rank(question, 1)
            if ranked and ranked[0].item.id != item.id:
                out.append(LintWarning(item.path, f"example question “{question}” finds '{ranked[0].item.id}' first"))
    return out
