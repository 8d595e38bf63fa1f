"""Held-out practitioner questions: how well the engine answers questions it was not tuned on.

The questions in ``tests/data/practitioner_questions.yaml`` were written from the items' content in a
practitioner's own words (paraphrases, acronyms, typos, chatty Slack messages) plus out-of-scope messages
that nothing in the evidence base should answer confidently. Run with ``-s`` to see the full breakdown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, Library, open_library

QUESTIONS_FILE = Path(__file__).parent / "data" / "practitioner_questions.yaml"
KINDS = ("paraphrase", "acronym", "typo", "chatty", "out-of-scope")
OUT_OF_SCOPE = "out-of-scope"

MIN_TOP1 = 0.85
MIN_REJECTION = 0.90
MIN_IN_SCOPE = 100
MIN_OUT_OF_SCOPE = 30


@dataclass(frozen=True)
class Case:
    q: str
    expect: str | None
    kind: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: str | None
    score: float | None
    hit: bool


def _load_cases() -> list[Case]:
    data: dict[str, Any] = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    return [Case(str(e["q"]), e.get("expect"), str(e["kind"])) for e in data["questions"]]


CASES = _load_cases()


@pytest.fixture(scope="module")
def library() -> Library:
    return open_library(DEFAULT_KNOWLEDGE, DEFAULT_GLOSSARY)


@pytest.fixture(scope="module")
def outcomes(library: Library) -> list[Outcome]:
    results = []
    for case in CASES:
        answer = library.engine.answer(case.q, limit=3)
        top = answer.results[0] if answer.results else None
        got = top.item.id if top else None
        score = top.score if top else None
        hit = got is None if case.expect is None else got == case.expect
        results.append(Outcome(case, got, score, hit))
    return results


def _rate(rows: list[Outcome]) -> float:
    return sum(o.hit for o in rows) / len(rows) if rows else 0.0


def _report(outcomes: list[Outcome]) -> str:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.case.kind].append(o)
    in_scope = [o for o in outcomes if o.case.expect is not None]
    oos = [o for o in outcomes if o.case.expect is None]
    lines = [
        f"top-1 accuracy (in scope): {_rate(in_scope):.1%} of {len(in_scope)} (need {MIN_TOP1:.0%})",
        f"out-of-scope rejection:    {_rate(oos):.1%} of {len(oos)} (need {MIN_REJECTION:.0%})",
        "per kind:",
    ]
    for kind in KINDS:
        rows = by_kind.get(kind, [])
        hits = sum(o.hit for o in rows)
        lines.append(f"  {kind:<13} {hits:>3}/{len(rows):<3} {_rate(rows):6.1%}")
    misses = [o for o in outcomes if not o.hit]
    lines.append(f"misses ({len(misses)}):")
    for o in misses:
        score = "-" if o.score is None else f"{o.score:.1f}"
        lines.append(f"  [{o.case.kind}] {o.case.q!r}\n      expected={o.case.expect} got={o.got} score={score}")
    return "\n".join(lines)


def test_question_set_is_well_formed(library: Library) -> None:
    unknown = [c.expect for c in CASES if c.expect is not None and c.expect not in library.kb.by_id]
    assert not unknown, f"expect ids not in the knowledge base: {unknown}"
    bad_kinds = [c.kind for c in CASES if c.kind not in KINDS]
    assert not bad_kinds, f"unknown kinds: {bad_kinds}"
    mislabelled = [c.q for c in CASES if (c.expect is None) != (c.kind == OUT_OF_SCOPE)]
    assert not mislabelled, f"out-of-scope entries must have expect: null and vice versa: {mislabelled}"
    duplicates = [q for q, n in Counter(c.q for c in CASES).items() if n > 1]
    assert not duplicates, f"duplicate questions: {duplicates}"
    in_scope = sum(c.expect is not None for c in CASES)
    oos = sum(c.expect is None for c in CASES)
    assert in_scope >= MIN_IN_SCOPE, f"only {in_scope} in-scope questions"
    assert oos >= MIN_OUT_OF_SCOPE, f"only {oos} out-of-scope questions"


def test_top1_accuracy_on_in_scope_questions(outcomes: list[Outcome]) -> None:
    report = _report(outcomes)
    print("\n" + report)
    in_scope = [o for o in outcomes if o.case.expect is not None]
    assert _rate(in_scope) >= MIN_TOP1, report


def test_out_of_scope_questions_are_rejected(outcomes: list[Outcome]) -> None:
    report = _report(outcomes)
    oos = [o for o in outcomes if o.case.expect is None]
    assert _rate(oos) >= MIN_REJECTION, report
