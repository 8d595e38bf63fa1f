"""What curators learn from the store: where the evidence runs out (gaps) and how the bot is used (stats).

Gaps are the questions the bot could not answer confidently, the ones where the asker clicked "none of
these", and answers marked not helpful. Near-duplicate wordings are grouped so "FGC evidence?" and
"evidence on family group conferences" count as one gap: each question is read the engine's way (stems,
glossary concepts, spelling fixes) and compared with rapidfuzz's ``token_sort_ratio``, which, unlike
``token_set_ratio``, does not call a short question a perfect match for any longer one containing it.
Everything here reads text that was redacted before it was stored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from rapidfuzz import fuzz, process

from bot.answer import CONFIDENT, NONE, UNSURE
from bot.matching import Engine
from bot.store import Store

GROUP_SIMILARITY = 75.0
"""Two gap questions whose engine readings are at least this similar (0-100) are one gap."""
MAX_EXAMPLES = 3

UNANSWERED = "unanswered"
UNSURE_KIND = "unsure"
NONE_OF_THESE = "none of these"
NOT_HELPFUL = "not helpful"


@dataclass
class Gap:
    """One group of near-duplicate questions the evidence did not answer well."""

    count: int
    kinds: Counter[str]
    examples: list[str]
    first_seen: datetime
    last_seen: datetime
    surfaces: Counter[str] = field(default_factory=Counter)
    nearest_item: str | None = None
    nearest_title: str | None = None
    nearest_score: float | None = None
    reasons: list[str] = field(default_factory=list)
    seen: list[datetime] = field(default_factory=list, repr=False)
    """When each member was asked or rated, oldest first (for trends; not in the JSON)."""

    def to_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "kinds": dict(self.kinds),
            "examples": self.examples,
            "reasons": self.reasons,
            "first_seen": self.first_seen.isoformat(timespec="seconds"),
            "last_seen": self.last_seen.isoformat(timespec="seconds"),
            "surfaces": dict(self.surfaces),
            "nearest_item": self.nearest_item,
            "nearest_title": self.nearest_title,
            "nearest_score": self.nearest_score,
        }


@dataclass(frozen=True)
class _Entry:
    text: str
    kind: str
    at: datetime
    surface: str
    item: str | None = None
    reason: str = ""


def gaps(store: Store, engine: Engine, since: datetime | None = None) -> list[Gap]:
    """Gap groups, biggest first; each with its redacted example phrasings and the nearest item today."""
    entries = _gap_entries(store, since)
    groups: list[tuple[str, list[_Entry]]] = []
    representatives: list[str] = []
    for entry in entries:
        reading = _reading(engine, entry.text)
        found = process.extractOne(
            reading, representatives, scorer=fuzz.token_sort_ratio, score_cutoff=GROUP_SIMILARITY
        )
        if found is not None:
            groups[found[2]][1].append(entry)
        else:
            representatives.append(reading)
            groups.append((entry.text, [entry]))
    result = [_gap(engine, members) for _, members in groups]
    return sorted(result, key=lambda g: (-g.count, -g.last_seen.timestamp()))


def _gap_entries(store: Store, since: datetime | None) -> list[_Entry]:
    entries: list[_Entry] = []
    for q in store.questions_since(since):
        if q.none_of_these:
            kind = NONE_OF_THESE
        elif q.outcome == NONE:
            kind = UNANSWERED
        elif q.outcome == UNSURE:
            kind = UNSURE_KIND
        else:
            continue
        entries.append(_Entry(q.text, kind, q.asked_at, q.surface))
    for f in store.feedback_since(since):
        if not f.helpful:
            text = f.question_text or f.reason or f"(feedback on {f.item_id})"
            entries.append(_Entry(text, NOT_HELPFUL, f.at, f.surface, f.item_id, f.reason))
    return sorted(entries, key=lambda e: e.at)


def _reading(engine: Engine, text: str) -> str:
    """The question as the engine reads it, without redaction placeholders such as "[name]"."""
    terms = engine.read(text).analysis.terms  # read() drops personal details and their placeholders
    return " ".join(sorted(set(terms))) or text.lower()


def _gap(engine: Engine, members: list[_Entry]) -> Gap:
    phrasings = Counter(m.text for m in members)
    examples = [text for text, _ in phrasings.most_common(MAX_EXAMPLES)]
    gap = Gap(
        count=len(members),
        kinds=Counter(m.kind for m in members),
        examples=examples,
        first_seen=min(m.at for m in members),
        last_seen=max(m.at for m in members),
        surfaces=Counter(m.surface for m in members),
        reasons=list(dict.fromkeys(m.reason for m in members if m.reason))[:MAX_EXAMPLES],
        seen=sorted(m.at for m in members),
    )
    ranked = engine.rank(examples[0], limit=1)
    if ranked:
        gap.nearest_item, gap.nearest_title = ranked[0].item.id, ranked[0].item.title
        gap.nearest_score = ranked[0].score
    else:
        rated = next((m.item for m in members if m.item), None)
        gap.nearest_item = rated
    return gap


# --- usage -------------------------------------------------------------------------------------------


@dataclass
class SurfaceStats:
    questions: int = 0
    confident: int = 0
    unsure: int = 0
    unanswered: int = 0
    helpful: int = 0
    not_helpful: int = 0
    shares: int = 0

    @property
    def answer_rate(self) -> float | None:
        return self.confident / self.questions if self.questions else None

    @property
    def helpful_rate(self) -> float | None:
        rated = self.helpful + self.not_helpful
        return self.helpful / rated if rated else None

    def to_json(self) -> dict[str, object]:
        return {
            "questions": self.questions,
            "confident": self.confident,
            "unsure": self.unsure,
            "unanswered": self.unanswered,
            "answer_rate": _rounded(self.answer_rate),
            "helpful": self.helpful,
            "not_helpful": self.not_helpful,
            "helpful_rate": _rounded(self.helpful_rate),
            "shares": self.shares,
        }


@dataclass
class Stats:
    total: SurfaceStats
    weeks: dict[date, SurfaceStats]
    surfaces: dict[str, SurfaceStats]
    top_items: list[tuple[str, int]]
    """Items by how often they were the confident answer."""
    shared_items: list[tuple[str, int]]

    def to_json(self) -> dict[str, object]:
        return {
            "total": self.total.to_json(),
            "weeks": {week.isoformat(): s.to_json() for week, s in self.weeks.items()},
            "surfaces": {name: s.to_json() for name, s in self.surfaces.items()},
            "top_items": [{"id": i, "answers": n} for i, n in self.top_items],
            "shared_items": [{"id": i, "shares": n} for i, n in self.shared_items],
        }


def stats(store: Store, since: datetime | None = None, top: int = 10) -> Stats:
    total = SurfaceStats()
    weeks: dict[date, SurfaceStats] = {}
    surfaces: dict[str, SurfaceStats] = {}
    answered: Counter[str] = Counter()

    def buckets(at: datetime, surface: str) -> tuple[SurfaceStats, ...]:
        week = at.date() - timedelta(days=at.weekday())
        return total, weeks.setdefault(week, SurfaceStats()), surfaces.setdefault(surface, SurfaceStats())

    for q in store.questions_since(since):
        for bucket in buckets(q.asked_at, q.surface):
            bucket.questions += 1
            if q.outcome == CONFIDENT:
                bucket.confident += 1
            elif q.outcome == UNSURE:
                bucket.unsure += 1
            else:
                bucket.unanswered += 1
        if q.outcome == CONFIDENT and q.top_item:
            answered[q.top_item] += 1
    for f in store.feedback_since(since):
        for bucket in buckets(f.at, f.surface):
            if f.helpful:
                bucket.helpful += 1
            else:
                bucket.not_helpful += 1
    share_counts = store.share_counts(since)
    total.shares = sum(share_counts.values())
    return Stats(
        total=total,
        weeks=dict(sorted(weeks.items())),
        surfaces=dict(sorted(surfaces.items())),
        top_items=answered.most_common(top),
        shared_items=Counter(share_counts).most_common(top),
    )


def _rounded(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 3)
