"""Browsing with filters: "theme courts strong", "strong evidence on supervision", "trials with no effect".

``parse`` reads a (lower-cased, cleaned) message as a filter request, or returns None so the message is asked as
a question. It only claims messages that are plainly about browsing: they name an evidence strength or an
effect in a set phrase ("strong evidence", "with no effect", "mixed results"), optionally with a topic after
"on", "about", "for" or "in", or they start with "theme" (which always browses). "What works for neglect?" and
"does strong supervision help?" stay questions.

``select`` applies a filter to an engine's items: the theme is matched like ``theme NAME`` (exact, else
closest); a topic that is not a theme is read by the engine, as a question would be, and its ranked items are
kept in rank order. Pure functions: no state, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot import messages
from bot.knowledge import KnowledgeItem, theme_counts
from bot.matching import Engine

STRENGTH_WORDS = {
    "strong": "strong",
    "strongest": "strong",
    "moderate": "moderate",
    "preliminary": "preliminary",
    "emerging": "preliminary",
    "insufficient": "insufficient",
    "weak": "insufficient",
}
EFFECT_PHRASES = {
    "no effect": "no-effect",
    "no-effect": "no-effect",
    "no effects": "no-effect",
    "no impact": "no-effect",
    "no difference": "no-effect",
    "a positive effect": "positive",
    "positive effect": "positive",
    "positive effects": "positive",
    "positive results": "positive",
    "positive": "positive",
    "mixed": "mixed",
    "mixed effects": "mixed",
    "mixed results": "mixed",
    "mixed findings": "mixed",
    "harmful": "harmful",
    "harmful effects": "harmful",
    "harm": "harmful",
    "unclear": "unclear",
    "unclear effects": "unclear",
    "unclear results": "unclear",
}
_KINDS = r"(?:evidence|research|studies|study|trials|trial|items|interventions|programmes|programs|approaches)"
_STRENGTH = "|".join(sorted(STRENGTH_WORDS, key=len, reverse=True))
_EFFECT = "|".join(re.escape(p) for p in sorted(EFFECT_PHRASES, key=len, reverse=True))
_TOPIC = r"(?:\s+(?:on|about|for|in|around)\s+(?P<topic>.+))?"
_LEAD = r"(?:(?:show|list|find|give)(?: me)?\s+|any\s+|all\s+|what\s+)?(?:the\s+)?"

_BY_STRENGTH = re.compile(rf"^{_LEAD}(?P<strength>{_STRENGTH})\s+{_KINDS}{_TOPIC}$")
""""strong evidence on supervision", "show me moderate studies", "preliminary research about courts"."""
_BY_EFFECT = re.compile(
    rf"^{_LEAD}(?:{_KINDS}\s+)?(?:with|showing|that (?:had|have|found|show)|finding)\s+(?P<effect>{_EFFECT})"
    rf"(?:\s+(?:found|shown))?{_TOPIC}$"
)
""""trials with no effect", "studies showing mixed results on neglect", "evidence that found harm"."""
_EFFECT_FIRST = re.compile(rf"^{_LEAD}(?P<effect>{_EFFECT})\s+{_KINDS}{_TOPIC}$")
""""positive evidence on courts", "harmful interventions", "mixed results about neglect"."""
_TRAILING = re.compile(rf"\s+(?P<strength>{_STRENGTH})(?:\s+{_KINDS})?$|\s+(?P<effect>{_EFFECT})(?:\s+{_KINDS})?$")


@dataclass(frozen=True, slots=True)
class Filter:
    """What to list: a theme or topic (either may be empty), and the strengths and effects wanted."""

    topic: str = ""
    strength: str | None = None
    effect: str | None = None

    @property
    def narrows(self) -> bool:
        return self.strength is not None or self.effect is not None


def parse(lowered: str) -> Filter | None:
    """The filter ``lowered`` asks for, or None when it is not a browsing request (ask it as a question)."""
    text = " ".join(lowered.strip(" ?!.").split())
    word, _, rest = text.partition(" ")
    if word in ("theme", "topic") and rest:
        return _theme_with_filters(rest)
    for pattern in (_BY_STRENGTH, _BY_EFFECT, _EFFECT_FIRST):
        found = pattern.match(text)
        if found:
            groups = found.groupdict()
            strength = STRENGTH_WORDS.get(groups.get("strength") or "")
            effect = EFFECT_PHRASES.get(groups.get("effect") or "")
            return Filter(topic=(groups.get("topic") or "").strip(), strength=strength, effect=effect)
    return None


def _theme_with_filters(rest: str) -> Filter:
    """ "theme courts strong", "theme neglect no effect", "theme courts strong evidence positive": peel filters off
    the end, so a theme whose own name holds such a word is still found when nothing follows it."""
    strength = effect = None
    name = rest
    while True:
        found = _TRAILING.search(name)
        if not found or found.start() == 0:
            break
        if found.group("strength") and strength is None:
            strength = STRENGTH_WORDS[found.group("strength")]
        elif found.group("effect") and effect is None:
            effect = EFFECT_PHRASES[found.group("effect")]
        else:
            break
        name = name[: found.start()]
    return Filter(topic=name.strip(), strength=strength, effect=effect)


def find_theme(names: list[str], wanted: str) -> str | None:
    """The theme called ``wanted``, or the closest one (fuzzy, as ``theme NAME`` has always matched)."""
    wanted = wanted.strip().lower()
    found = next((t for t in names if t.lower() == wanted), None)
    if found is None and names and wanted:
        best = process.extractOne(wanted, names, scorer=fuzz.WRatio, score_cutoff=70)
        found = best[0] if best else None
    return found


@dataclass(frozen=True, slots=True)
class Selection:
    """What a filter found: the theme it was read as (if any), and the items, in order."""

    theme: str | None
    items: tuple[KnowledgeItem, ...]


def select(engine: Engine, wanted: Filter, *, limit: int = 50) -> Selection:
    """The items ``wanted`` describes: a theme's items by title, a topic's items by the engine's rank."""
    theme = find_theme(list(theme_counts(engine.items)), wanted.topic) if wanted.topic else None
    if theme is not None:
        pool = sorted((i for i in engine.items if theme in i.themes), key=lambda i: i.title.lower())
    elif wanted.topic:
        answer = engine.answer(wanted.topic, limit=limit, further=limit)
        ranked = (*answer.results, *answer.suggestions, *answer.further)
        pool = list({m.item.id: m.item for m in ranked}.values())  # best rank first, each item once
    else:
        pool = sorted(engine.items, key=lambda i: i.title.lower())
    return Selection(theme, keep(pool, wanted)[:limit])


def keep(items: Iterable[KnowledgeItem], wanted: Filter) -> tuple[KnowledgeItem, ...]:
    """The ``items`` of the strength and effect ``wanted``, in their order."""
    return tuple(i for i in items if _fits(i, wanted))


def _fits(item: KnowledgeItem, wanted: Filter) -> bool:
    evidence = item.evidence
    if wanted.strength is not None and (evidence is None or evidence.strength != wanted.strength):
        return False
    return wanted.effect is None or (evidence is not None and evidence.effect == wanted.effect)


def describe(wanted: Filter, theme: str | None) -> str:
    """ "Strong evidence on courts and pre-proceedings", "Evidence finding no effect", for the lead line."""
    what = messages.filter_label(strength=wanted.strength, effect=wanted.effect)
    about = theme or wanted.topic
    return f"{what} {messages.FILTER_ON} {about}" if about else what
