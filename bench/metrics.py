"""The figures the benchmark reports, computed from plain id lists so engine and BM25 are scored alike.

Measuring processes only return, per question, the ranked ids and the ids they would answer with;
everything here is pure Python (no numpy) so it can be imported into a measuring subprocess without
inflating its peak memory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.datasets import Query

RANK_DEPTH = 5


@dataclass(frozen=True)
class Quality:
    """Retrieval and answer figures over one dataset; fractions in 0..1 (None when not measurable)."""

    hit1: float | None
    mrr5: float | None
    answer_acc: float | None
    wrong: float | None
    false_rej: float | None
    oos_rej: float | None


@dataclass(frozen=True)
class Timing:
    """Per-question latency (ms), start-up (s) and peak resident memory (MB) of one measuring process."""

    p50_ms: float
    p95_ms: float
    startup_s: float
    peak_mb: float
    p95_cpu_ms: float  # CPU time of the same calls: a much lower figure means the machine was busy


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``pct`` % of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timing(payload: dict[str, Any]) -> Timing:
    """Median and p95 of a worker's per-question latencies, with its start-up and peak memory."""
    wall, cpu = payload["latency_ms"], payload.get("cpu_ms", [])
    return Timing(
        percentile(wall, 50), percentile(wall, 95), payload["startup_s"], payload["peak_mb"], percentile(cpu, 95)
    )


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ranking(ranked: Sequence[Sequence[str]], queries: Sequence[Query]) -> tuple[float | None, float | None]:
    """hit@1 and MRR@5 over in-scope queries (``ranked[i]`` is the best-first id list for ``queries[i]``)."""
    hits: list[float] = []
    reciprocal: list[float] = []
    for ids, query in zip(ranked, queries, strict=True):
        relevant = set(query.relevant)
        hits.append(1.0 if ids and ids[0] in relevant else 0.0)
        first = next((pos for pos, rid in enumerate(ids[:RANK_DEPTH], 1) if rid in relevant), None)
        reciprocal.append(1.0 / first if first else 0.0)
    return _mean(hits), _mean(reciprocal)


def answering(
    top_in: Sequence[str | None], queries: Sequence[Query], top_oos: Sequence[str | None]
) -> tuple[float | None, float | None, float | None, float | None]:
    """Answer accuracy, wrong answers, false rejections (in-scope) and out-of-scope rejection.

    ``top_in[i]`` / ``top_oos[i]`` is the id of the first confident result, or None when the system
    rejected the question (empty results). The three in-scope fractions add up to 1.
    """
    right = [1.0 if top is not None and top in q.relevant else 0.0 for top, q in zip(top_in, queries, strict=True)]
    rejected = [1.0 if top is None else 0.0 for top in top_in]
    wrong = [1.0 - r - j for r, j in zip(right, rejected, strict=True)]
    oos_rejected = [1.0 if top is None else 0.0 for top in top_oos]
    return _mean(right), _mean(wrong), _mean(rejected), _mean(oos_rejected)


def quality(
    ranked: Sequence[Sequence[str]],
    top_in: Sequence[str | None],
    top_oos: Sequence[str | None],
    queries: Sequence[Query],
) -> Quality:
    """All quality figures for one system on one dataset."""
    hit1, mrr5 = ranking(ranked, queries)
    return Quality(hit1, mrr5, *answering(top_in, queries, top_oos))


# --- rows and targets ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One system on one shared dataset; ``error`` set (and figures None) when its subprocess failed."""

    dataset: str
    system: str
    items: int
    n_in: int
    n_oos: int
    quality: Quality | None = None
    timing: Timing | None = None
    threshold: float | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ScaleRow:
    """The engine on one synthetic knowledge base size."""

    items: int
    queries: int
    load_s: float | None = None
    cold_s: float | None = None  # start-up embedding every item (empty vector cache)
    timing: Timing | None = None
    top1: float | None = None  # fraction of scale queries answered with their source item first
    answered: float | None = None  # fraction answered at all (non-empty results)
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """One PASS/FAIL/SKIP line."""

    status: str
    label: str
    detail: str


def dataset_row(
    name: str,
    system: str,
    items: int,
    in_scope: Sequence[Query],
    oos: Sequence[Query],
    payload: dict[str, Any],
) -> Row:
    """Score a worker payload whose questions were ``in_scope`` followed by ``oos``."""
    row = Row(name, system, items, len(in_scope), len(oos), error=payload.get("error"))
    if row.error:
        return row
    n = len(in_scope)
    top = payload["top"]
    row.quality = quality(payload["ranked"][:n], top[:n], top[n:], in_scope)
    row.timing = timing(payload)
    row.threshold = payload.get("threshold")
    if payload.get("items", items) != items:
        row.notes.append(f"the loader returned {payload['items']} of {items} items")
    return row


def scale_row(size: int, queries: Sequence[Query], payload: dict[str, Any]) -> ScaleRow:
    """Score a scale worker payload (answers only; no rank lists at scale)."""
    row = ScaleRow(size, len(queries), error=payload.get("error"))
    if row.error:
        return row
    row.load_s = payload["load_s"]
    if payload.get("items", size) != size:
        row.notes.append(f"the loader returned {payload['items']} of {size} items")
    row.timing = timing(payload)
    top = payload["top"]
    row.top1 = _mean([1.0 if t is not None and t in q.relevant else 0.0 for t, q in zip(top, queries, strict=True)])
    row.answered = _mean([0.0 if t is None else 1.0 for t in top])
    return row


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _target(label: str, ok: bool | None, detail: str) -> Target:
    if ok is None:
        return Target("FAIL", label, "not measured (run failed or no questions)")
    return Target("PASS" if ok else "FAIL", label, detail)


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def _at_most(value: float | None, limit: float) -> bool | None:
    return value <= limit if value is not None and _known(value) else None


def _dataset_targets(name: str, eng: Row | None, model: Row | None) -> list[Target]:
    eq, mq = (eng.quality if eng else None), (model.quality if model else None)
    et = eng.timing if eng else None
    hit, base = (eq.hit1 if eq else None), (mq.hit1 if mq else None)
    acc, base_acc = (eq.answer_acc if eq else None), (mq.answer_acc if mq else None)
    oos, frej = (eq.oos_rej if eq else None), (eq.false_rej if eq else None)
    p95, up = (et.p95_ms if et else None), (et.startup_s if et else None)
    items = eng.items if eng else 0
    beats = hit >= base if hit is not None and base is not None else None
    close = acc >= 0.95 * base_acc if acc is not None and base_acc is not None else None
    rejects = oos >= 0.95 and frej <= 0.10 if oos is not None and frej is not None else None
    return [
        _target(f"{name}: hit@1 >= the sentence model alone", beats, f"engine {_fmt(hit)} vs model {_fmt(base)}"),
        _target(
            f"{name}: answer accuracy >= 0.95 x the model's",
            close,
            f"engine {_fmt(acc)} vs model {_fmt(base_acc)}",
        ),
        _target(
            f"{name}: OOS rejection >= 0.95 with false rejection <= 0.10",
            rejects,
            f"OOS rejection {_fmt(oos)}, false rejection {_fmt(frej)}",
        ),
        _target(f"{name}: p95 latency <= 10 ms at {items} items", _at_most(p95, 10.0), f"p95 {_fmt(p95)} ms"),
        _target(f"{name}: warm start-up <= 1.5 s at {items} items", _at_most(up, 1.5), f"{_fmt(up)} s"),
    ]


SCALE_TARGETS = (
    (100_000, "p95 latency <= 40 ms at 100k items", "p95_ms", 40.0, "ms"),
    (1_000, "peak memory <= 200 MB at 1k items", "peak_mb", 200.0, "MB"),
    (100_000, "peak memory <= 900 MB at 100k items", "peak_mb", 900.0, "MB"),
    (100_000, "warm start-up <= 20 s at 100k items", "startup_s", 20.0, "s"),
)


PRACTITIONER_TARGETS = {
    "practitioner_questions": 0.92,
    "practitioner_questions_fit": 0.85,
    "practitioner_questions_hard": 0.85,
    "practitioner_questions_colloquial": 0.85,
    "practitioner_questions_fresh": 0.85,
    "practitioner_questions_chat": 0.85,
}


def _practitioner_targets(rows: Sequence[Row]) -> list[Target]:
    out = []
    for r in rows:
        if r.system != "engine":
            continue
        q = r.quality
        need = PRACTITIONER_TARGETS.get(r.dataset, 0.92)
        acc, wrong, oos = (q.answer_acc, q.wrong, q.oos_rej) if q else (None, None, None)
        out.append(_target(f"{r.dataset}: top-1 answered >= {need:.2f}", _at_least(acc, need), f"{_fmt(acc)}"))
        out.append(_target(f"{r.dataset}: wrong confident answers <= 0.05", _at_most(wrong, 0.05), f"{_fmt(wrong)}"))
        out.append(_target(f"{r.dataset}: out-of-scope rejection >= 0.95", _at_least(oos, 0.95), f"{_fmt(oos)}"))
    return out


def _at_least(value: float | None, limit: float) -> bool | None:
    return value >= limit if value is not None and _known(value) else None


def targets(
    rows: Sequence[Row], scale: Sequence[ScaleRow], scale_run: bool, practitioner: Sequence[Row] = ()
) -> list[Target]:
    """The project's targets: five lines per shared dataset, three per practitioner set, and the scale run's."""
    by_key = {(r.dataset, r.system): r for r in rows}
    out: list[Target] = []
    for name in dict.fromkeys(r.dataset for r in rows):
        out.extend(_dataset_targets(name, by_key.get((name, "engine")), by_key.get((name, "minilm"))))
    out.extend(_practitioner_targets(practitioner))
    sizes = {s.items: s for s in scale}
    for size, label, metric, limit, unit in SCALE_TARGETS:
        srow = sizes.get(size)
        if srow is None:
            out.append(Target("SKIP", label, "scale run skipped" if not scale_run else f"size {size} not run"))
            continue
        value: float | None = getattr(srow.timing, metric) if srow.timing else None
        out.append(_target(label, _at_most(value, limit), f"{_fmt(value, 1 if unit == 'MB' else 3)} {unit}"))
    small = sizes.get(1_000)
    if small is None:
        out.append(Target("SKIP", "1k items embedded cold in <= 20 s", "size 1000 not run"))
    else:
        out.append(
            _target("1k items embedded cold in <= 20 s", _at_most(small.cold_s, 20.0), f"{_fmt(small.cold_s, 1)} s")
        )
    return out
