"""The insights page's content, platform-neutral: three views (gaps, usage, coverage), each a few charts and the
tables that carry their data.

Every figure comes from the functions behind the curator commands (``insights.gaps``, ``insights.stats``,
``reports.coverage``, ``reports.stale_items``), so the page and ``python -m bot gaps/stats/coverage/stale``
agree exactly (a test compares them); the few cross-tabulations the commands do not print (questions per week
*by surface*, items per theme *by strength*) are counted from the same rows and add up to the commands' totals.

Nothing here holds a user hash, a channel or conversation id, or unredacted text: gap examples and reasons are
read from the store, where they were redacted before being written. Rendering (SVG charts, HTML, CSV) is the
web adapter's job (``adapters/insights``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.glossary import Glossary
from bot.insights import NONE_OF_THESE, NOT_HELPFUL, UNANSWERED, UNSURE_KIND, Gap, gaps, stats
from bot.knowledge import EFFECTS, STRENGTHS, KnowledgeBase
from bot.matching import Engine
from bot.reports import coverage, stale_items
from bot.store import Store

Cell = str | int | float | None

TREND_DAYS = 7
NEW = "new this week"
GROWING = "growing"
STEADY = ""
PERIODS = (("7d", "Last 7 days"), ("30d", "Last 30 days"), ("8w", "Last 8 weeks"), ("90d", "Last 90 days"), ("", "All"))
"""The date ranges offered on the page (``--since`` values); any ``--since`` value is accepted in the URL."""
NOT_STATED = "not stated"
NO_THEME = "(no theme)"
TOP_GAPS_CHARTED = 10
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class DataTable:
    """A table of figures: shown under its chart for screen readers and anyone who prefers numbers, and
    downloadable as ``<key>.csv``."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    note: str = ""

    def csv_text(self, *, spreadsheet_safe: bool = False) -> str:
        """The table as CSV. ``spreadsheet_safe`` puts a ``'`` before text that a spreadsheet would run as a
        formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage return): questions are typed by anyone."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_csv_cell(cell, spreadsheet_safe) for cell in row])
        return out.getvalue()


def _csv_cell(cell: Cell, spreadsheet_safe: bool) -> Cell:
    if cell is None:
        return ""
    if spreadsheet_safe and isinstance(cell, str) and cell[:1] in FORMULA_STARTS:
        return "'" + cell
    return cell


@dataclass(frozen=True)
class Chart:
    """A chart of one table: ``categories`` along one axis, one bar (or line) series per ``series`` entry."""

    key: str
    title: str
    kind: str
    """``barh`` (horizontal bars, stacked if several series), ``bar`` (vertical, stacked) or ``line`` (rates)."""
    categories: list[str]
    series: list[tuple[str, list[float]]]
    table: str
    """The key of the table holding the same figures."""
    summary: str
    """One sentence saying what the chart shows, for its accessible description."""
    axis: str = ""
    percent: bool = False

    @property
    def empty(self) -> bool:
        return not self.categories or not any(v for _, values in self.series for v in values)


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


@dataclass(frozen=True)
class View:
    key: str
    title: str
    intro: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[DataTable] = field(default_factory=list)

    def table(self, key: str) -> DataTable:
        return next(t for t in self.tables if t.key == key)


# --- date range -------------------------------------------------------------------------------------------


def parse_since(value: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The ``--since`` reading: a date (2026-11-01) or a period back from now (30d, 8w); empty: everything.
    ``ValueError`` for anything else."""
    value = value.strip().lower()
    if not value or value == "all":
        return None
    period = re.fullmatch(r"(\d{1,4})\s*([dw])", value)
    if period:
        days = int(period.group(1)) * (7 if period.group(2) == "w" else 1)
        return (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    day = dt.date.fromisoformat(value)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# --- gaps --------------------------------------------------------------------------------------------------


def trend(gap: Gap, now: dt.datetime, days: int = TREND_DAYS) -> str:
    """``new this week`` (first asked in the last ``days``), ``growing`` (asked more in the last ``days`` than
    in the ``days`` before), or empty."""
    recent_start = now - dt.timedelta(days=days)
    if gap.first_seen >= recent_start:
        return NEW
    recent = sum(1 for at in gap.seen if at >= recent_start)
    before = sum(1 for at in gap.seen if recent_start - dt.timedelta(days=days) <= at < recent_start)
    return GROWING if recent > before else STEADY


def gap_csv_rows(found: Sequence[Gap]) -> tuple[tuple[str, ...], list[tuple[Cell, ...]]]:
    """The columns and rows of ``python -m bot gaps --csv``."""
    columns = ("count", "kinds", "examples", "reasons", "first_seen", "last_seen", "nearest_item", "nearest_score")
    rows: list[tuple[Cell, ...]] = [
        (
            gap.count,
            "; ".join(f"{kind}={n}" for kind, n in gap.kinds.most_common()),
            " | ".join(gap.examples),
            " | ".join(gap.reasons),
            gap.first_seen.isoformat(timespec="seconds"),
            gap.last_seen.isoformat(timespec="seconds"),
            gap.nearest_item or "",
            gap.nearest_score,
        )
        for gap in found
    ]
    return columns, rows


def gaps_view(store: Store, engine: Engine, since: dt.datetime | None, now: dt.datetime | None = None) -> View:
    now = now or dt.datetime.now(dt.UTC)
    found = gaps(store, engine, since=since)
    trends = [trend(g, now) for g in found]
    columns, csv_rows = gap_csv_rows(found)
    rows = [(*row, g.nearest_title or "", t) for row, g, t in zip(csv_rows, found, trends, strict=True)]
    table = DataTable(
        "gaps",
        "Gaps, biggest first",
        (*columns, "nearest_title", "trend"),
        rows,
        "Each row is one group of near-duplicate questions. Examples and reasons were redacted before they "
        "were stored.",
    )
    kinds = (UNANSWERED, UNSURE_KIND, NONE_OF_THESE, NOT_HELPFUL)
    charted = found[:TOP_GAPS_CHARTED]
    by_kind = DataTable(
        "gaps-by-kind",
        f"The {len(charted)} biggest gaps by why they are gaps",
        ("gap", *kinds, "total"),
        [(_short(g.examples[0]), *(g.kinds.get(k, 0) for k in kinds), g.count) for g in charted],
    )
    chart = Chart(
        "gaps-chart",
        "Biggest gaps",
        "barh",
        [str(r[0]) for r in by_kind.rows],
        [(k, [float(g.kinds.get(k, 0)) for g in charted]) for k in kinds],
        by_kind.key,
        f"The {len(charted)} most asked gaps; bar length is how often each was asked, split by why it is a gap.",
        axis="times asked",
    )
    new = sum(1 for t in trends if t == NEW)
    growing = sum(1 for t in trends if t == GROWING)
    figures = [
        Figure("gaps", str(len(found))),
        Figure("questions in them", str(sum(g.count for g in found))),
        Figure(NEW, str(new)),
        Figure(GROWING, str(growing)),
    ]
    return View(
        "gaps",
        "Gaps",
        "Questions the evidence could not answer confidently, questions where the asker said none of the "
        "suggestions fitted, and answers marked not helpful, grouped when they ask the same thing.",
        figures,
        [chart],
        [by_kind, table],
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- usage -------------------------------------------------------------------------------------------------


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def usage_view(store: Store, since: dt.datetime | None, kb: KnowledgeBase | None = None) -> View:
    usage = stats(store, since=since)
    by_week: dict[dt.date, Counter[str]] = {week: Counter() for week in usage.weeks}
    for q in store.questions_since(since):
        week = q.asked_at.date() - dt.timedelta(days=q.asked_at.weekday())
        by_week.setdefault(week, Counter())[q.surface] += 1
    surfaces = sorted({s for counts in by_week.values() for s in counts})
    weeks_by_surface = DataTable(
        "questions-per-week",
        "Questions per week (weeks start on Monday), by surface",
        ("week", *surfaces, "total"),
        [
            (week.isoformat(), *(counts.get(s, 0) for s in surfaces), sum(counts.values()))
            for week, counts in sorted(by_week.items())
        ],
    )
    rates = DataTable(
        "rates-per-week",
        "Answer rate and helpful rate per week",
        (
            "week",
            "questions",
            "confident",
            "unsure",
            "unanswered",
            "answer rate %",
            "helpful",
            "not helpful",
            "helpful rate %",
        ),
        [
            (
                week.isoformat(),
                s.questions,
                s.confident,
                s.unsure,
                s.unanswered,
                _rate(s.answer_rate),
                s.helpful,
                s.not_helpful,
                _rate(s.helpful_rate),
            )
            for week, s in usage.weeks.items()
        ],
        "Answer rate: questions answered confidently. Helpful rate: helpful out of all helpful and not helpful clicks.",
    )
    per_surface = DataTable(
        "per-surface",
        "Per surface",
        (
            "surface",
            "questions",
            "confident",
            "unsure",
            "unanswered",
            "answer rate %",
            "helpful",
            "not helpful",
            "helpful rate %",
        ),
        [
            (
                name,
                s.questions,
                s.confident,
                s.unsure,
                s.unanswered,
                _rate(s.answer_rate),
                s.helpful,
                s.not_helpful,
                _rate(s.helpful_rate),
            )
            for name, s in usage.surfaces.items()
        ],
    )
    titles = {item.id: item.title for item in kb.items} if kb is not None else {}
    top = DataTable(
        "most-answered",
        "Most answered items",
        ("item", "title", "answers"),
        [(item_id, titles.get(item_id, ""), n) for item_id, n in usage.top_items],
    )
    shared = DataTable(
        "most-shared",
        "Most shared items",
        ("item", "title", "shares"),
        [(item_id, titles.get(item_id, ""), n) for item_id, n in usage.shared_items],
    )
    week_labels = [str(r[0]) for r in weeks_by_surface.rows]
    charts = [
        Chart(
            "questions-chart",
            "Questions per week",
            "bar",
            week_labels,
            [(s, [float(r[1 + i]) for r in weeks_by_surface.rows]) for i, s in enumerate(surfaces)],  # type: ignore[arg-type]
            weeks_by_surface.key,
            "Questions asked each week, stacked by where they were asked.",
            axis="questions",
        ),
        Chart(
            "rates-chart",
            "Answer rate and helpful rate",
            "line",
            [str(r[0]) for r in rates.rows],
            [
                ("answer rate %", [_nan(r[5]) for r in rates.rows]),
                ("helpful rate %", [_nan(r[8]) for r in rates.rows]),
            ],
            rates.key,
            "Per week, the share of questions answered confidently and the share of rated answers found helpful.",
            axis="per cent",
            percent=True,
        ),
        Chart(
            "answered-chart",
            "Most answered items",
            "barh",
            [_short(titles.get(str(r[0]), "") or str(r[0])) for r in top.rows],
            [("answers", [float(r[2]) for r in top.rows])],  # type: ignore[arg-type]
            top.key,
            "The items most often given as the confident answer.",
            axis="answers",
        ),
        Chart(
            "shared-chart",
            "Most shared items",
            "barh",
            [_short(titles.get(str(r[0]), "") or str(r[0])) for r in shared.rows],
            [("shares", [float(r[2]) for r in shared.rows])],  # type: ignore[arg-type]
            shared.key,
            "The items most often shared into a channel.",
            axis="shares",
        ),
    ]
    total = usage.total
    figures = [
        Figure("questions", str(total.questions)),
        Figure("answered confidently", _percent(total.answer_rate)),
        Figure("found helpful", f"{_percent(total.helpful_rate)} of {total.helpful + total.not_helpful} rated"),
        Figure("shares", str(total.shares)),
    ]
    return View(
        "usage",
        "Usage",
        "How often the bot is asked, on which surface, how often it answers confidently, and whether people "
        "found the answers helpful.",
        figures,
        charts,
        [weeks_by_surface, rates, per_surface, top, shared],
    )


def _nan(value: Cell) -> float:
    return float("nan") if value is None else float(value)


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


# --- coverage ----------------------------------------------------------------------------------------------


def coverage_view(kb: KnowledgeBase, glossary: Glossary, today: dt.date | None = None) -> View:
    today = today or dt.date.today()
    report = coverage(kb, glossary, today)
    themes = [name for name, _ in report.themes]
    strength = {t: Counter[str]() for t in themes}
    effect = {t: Counter[str]() for t in themes}
    for item in kb.items:
        s = (item.evidence.strength if item.evidence else None) or NOT_STATED
        e = (item.evidence.effect if item.evidence else None) or NOT_STATED
        for theme in item.themes or (NO_THEME,):
            strength[theme][s] += 1
            effect[theme][e] += 1
    strengths, effects = (*STRENGTHS, NOT_STATED), (*EFFECTS, NOT_STATED)
    by_strength = DataTable(
        "themes-by-strength",
        "Items per theme by evidence strength",
        ("theme", *strengths, "total"),
        [(t, *(strength[t][s] for s in strengths), n) for t, n in report.themes],
        "An item with several themes counts once in each.",
    )
    by_effect = DataTable(
        "themes-by-effect",
        "Items per theme by effect found",
        ("theme", *effects, "total"),
        [(t, *(effect[t][e] for e in effects), n) for t, n in report.themes],
        "An item with several themes counts once in each.",
    )
    due = stale_items(kb, today)
    review = DataTable(
        "due-for-review",
        "Items due for review (never reviewed, or over 12 months ago), oldest first",
        ("item", "title", "reviewed", "file"),
        [(item.id, item.title, item.reviewed.isoformat() if item.reviewed else "never", item.path) for item in due],
    )
    charts = [
        Chart(
            "strength-chart",
            "Evidence strength by theme",
            "barh",
            themes,
            [(s, [float(strength[t][s]) for t in themes]) for s in strengths],
            by_strength.key,
            "Items in each theme, split by how strong the evidence is: long dark bars are well-evidenced themes, "
            "short or pale ones are thin.",
            axis="items",
        ),
        Chart(
            "effect-chart",
            "Effect found by theme",
            "barh",
            themes,
            [(e, [float(effect[t][e]) for t in themes]) for e in effects],
            by_effect.key,
            "Items in each theme, split by what the research found.",
            axis="items",
        ),
    ]
    figures = [
        Figure("items", str(report.items)),
        Figure("themes", str(len(themes))),
        Figure("reviewed over 12 months ago", str(report.stale)),
        Figure("never reviewed", str(report.unreviewed)),
        Figure("glossary terms", str(report.glossary_terms)),
    ]
    return View(
        "coverage",
        "Coverage",
        "Where the evidence is good and where it is thin: items per theme by how strong the evidence is and what "
        "it found, and which items are due for review.",
        figures,
        charts,
        [by_strength, by_effect, review],
    )


__all__ = [
    "PERIODS",
    "Chart",
    "DataTable",
    "Figure",
    "View",
    "coverage_view",
    "gap_csv_rows",
    "gaps_view",
    "parse_since",
    "trend",
    "usage_view",
]
