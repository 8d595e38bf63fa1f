"""The platform-neutral answer: what the engine found for one question, and why.

Every surface (console, ``ask --json``, Slack, Teams) renders the same ``Answer``, so a score of 72.5 means
the same thing everywhere. See ``bot.matching`` for how the score is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.knowledge import KnowledgeItem

CONFIDENT = "confident"
UNSURE = "unsure"
NONE = "none"


@dataclass(frozen=True, slots=True)
class Match:
    """One item with its 0-100 score and the reasons it matched, in plain words."""

    item: KnowledgeItem
    score: float
    why: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.item.id, "title": self.item.title, "score": self.score}


@dataclass(frozen=True, slots=True)
class Answer:
    """Results clear the confidence bar; suggestions (only when there are no results) are near misses."""

    question: str
    results: tuple[Match, ...] = ()
    suggestions: tuple[Match, ...] = ()
    elapsed_ms: float = 0.0
    truncated: bool = False
    """The question was longer than the engine reads; only its start was used."""
    understood: tuple[str, ...] = field(default=())
    """How the question was read: glossary expansions and spelling corrections, e.g. "fgc → family group conference"."""
    further: tuple[Match, ...] = ()
    """Ranked items after those shown, when asked for (kept by the conversation for "more"; not in JSON)."""
    has_topic: bool = True
    """False when nothing in the question was a topic word (only greetings, filler or stop words)."""
    theme: tuple[str, int] | None = None
    """(name, items) of the theme a broad question is about ("what works for neglect?"), else None."""
    not_covered: tuple[str, ...] = ()
    """Programmes the question names that the closest item does not mention ("Caring Dads"), when nothing was
    given as a confident answer (``bot.matching.programme_names``)."""

    @property
    def outcome(self) -> str:
        if self.results:
            return CONFIDENT
        return UNSURE if self.suggestions else NONE

    @property
    def best(self) -> Match | None:
        return self.results[0] if self.results else None

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` object (public contract): extra keys may be added, these keep their meaning."""
        return {
            "question": self.question,
            "results": [m.to_json() for m in self.results],
            "suggestions": [m.to_json() for m in self.suggestions],
            "elapsed_ms": round(self.elapsed_ms, 3),
            "outcome": self.outcome,
            "truncated": self.truncated,
            "understood": list(self.understood),
            "why": {m.item.id: list(m.why) for m in (*self.results, *self.suggestions)},
            "theme": {"name": self.theme[0], "items": self.theme[1]} if self.theme else None,
            "not_covered": list(self.not_covered),
        }
