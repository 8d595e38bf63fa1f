"""The weekly digest: what was added to or re-reviewed in the evidence base, and the biggest gaps.

``python -m bot digest [--since 7d]`` prints it; the web process posts it weekly to the channels configured
(``adapters/digest.py`` renders it as Block Kit and as an Adaptive Card). Items count as added from when the
bot first saw them (``Store.note_items``: the evidence base as first recorded is the baseline); re-reviewed
from their ``reviewed`` date. Gap examples are the stored, redacted wordings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.insights import Gap, gaps, stats
from bot.knowledge import KnowledgeBase, KnowledgeItem
from bot.matching import Engine
from bot.store import Store

TOP_GAPS = 5
DIGEST_DAYS = 7


@dataclass(frozen=True)
class Digest:
    since: dt.datetime
    until: dt.datetime
    added: list[KnowledgeItem]
    reviewed: list[KnowledgeItem]
    gaps: list[Gap]
    questions: int
    answer_rate: float | None

    @property
    def title(self) -> str:
        return f"Evidence digest: {self.since:%d %b} to {self.until:%d %b %Y}"

    def to_json(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(timespec="seconds"),
            "until": self.until.isoformat(timespec="seconds"),
            "added": [{"id": i.id, "title": i.title} for i in self.added],
            "reviewed": [{"id": i.id, "title": i.title, "reviewed": str(i.reviewed)} for i in self.reviewed],
            "gaps": [{"count": g.count, "example": g.examples[0], "nearest_item": g.nearest_item} for g in self.gaps],
            "questions": self.questions,
            "answer_rate": None if self.answer_rate is None else round(self.answer_rate, 3),
        }


def build_digest(
    kb: KnowledgeBase, store: Store, engine: Engine, since: dt.datetime | None = None, now: dt.datetime | None = None
) -> Digest:
    now = now or dt.datetime.now(dt.UTC)
    since = since or now - dt.timedelta(days=DIGEST_DAYS)
    first_seen = store.note_items([item.id for item in kb.items])
    added = [item for item in kb.items if (seen := first_seen.get(item.id)) is not None and seen >= since]
    added_ids = {item.id for item in added}
    reviewed = [
        item
        for item in kb.items
        if item.id not in added_ids and item.reviewed is not None and item.reviewed >= since.date()
    ]
    usage = stats(store, since=since)
    return Digest(
        since=since,
        until=now,
        added=sorted(added, key=lambda i: i.title.lower()),
        reviewed=sorted(reviewed, key=lambda i: (i.reviewed or dt.date.min, i.title.lower()), reverse=True),
        gaps=gaps(store, engine, since=since)[:TOP_GAPS],
        questions=usage.total.questions,
        answer_rate=usage.total.answer_rate,
    )


def digest_text(digest: Digest) -> str:
    """The digest as plain text (the CLI, and the notification text of the posted messages)."""
    lines = [digest.title, ""]
    lines.append(f"New evidence ({len(digest.added)}):")
    lines += [f"  - {i.title} [{i.id}]" for i in digest.added] or ["  (none)"]
    lines.append(f"Re-reviewed ({len(digest.reviewed)}):")
    lines += [f"  - {i.title} [{i.id}], reviewed {i.reviewed}" for i in digest.reviewed] or ["  (none)"]
    rate = "-" if digest.answer_rate is None else f"{digest.answer_rate:.0%}"
    lines.append(f"Questions asked: {digest.questions}, answered confidently: {rate}")
    lines.append(f"Top gaps ({len(digest.gaps)}):")
    lines += [f"  - asked {g.count}x: “{g.examples[0]}”" for g in digest.gaps] or ["  (none)"]
    return "\n".join(lines)
