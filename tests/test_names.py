"""Names without cue words (issue 13 item 7): recall on a crafted set, the evidence base's words kept, speed.

tests/data/names_questions.yaml holds 223 questions and feedback reasons naming 358 people in many positions;
at least 95 % of those names must be redacted. The evidence base's own vocabulary (programme, author, place
and report names, glossary forms) must come through untouched, and redaction must stay well under a
millisecond per question. The store and logs are checked end to end in tests/test_privacy.py.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.redact import NAMES_FILE, evidence_vocabulary, person_names, redact
from bot.text import clean_unicode

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parent.parent
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "names_questions.yaml").read_text(encoding="utf-8"))["cases"]
CLEAN = [line for line in (DATA / "clean_questions.txt").read_text(encoding="utf-8").splitlines() if line]
VARIANTS = {"no_cue", "given_only", "lower", "possessive", "family", "identifier", "cue", "position"} | {
    "word_name",
    "feedback",
    "form",
}


def left_in(secret: str, text: str) -> bool:
    """A name survives if it is still there as a whole word ("Jack" in "Jackson" does not count)."""
    return re.search(rf"(?<![\w'’-]){re.escape(secret)}(?![\w-])", text) is not None


def name_leaks(case: dict[str, Any], out: str) -> list[str]:
    return [secret for secret in case["secrets"] if left_in(secret, out)]


def test_dataset_has_200_questions_with_names_in_every_position() -> None:
    assert len(CASES) >= 200
    assert {case["variant"] for case in CASES} == VARIANTS
    assert sum(len(case["secrets"]) for case in CASES) >= 300
    wrong = [(c["text"], s) for c in CASES for s in c["secrets"] if not left_in(s, clean_unicode(c["text"]))]
    assert wrong == []  # a secret that is not in its text would pass vacuously


def test_at_least_95_percent_of_names_without_cue_words_are_redacted() -> None:
    """The defect of issue 13 item 7: before the fix about two names in five got through."""
    total = sum(len(case["secrets"]) for case in CASES)
    misses = [(case["text"], redact(case["text"]), name_leaks(case, redact(case["text"]))) for case in CASES]
    misses = [miss for miss in misses if miss[2]]
    leaked = sum(len(left) for _, _, left in misses)
    rate = 1 - leaked / total
    print(f"\nnames redacted: {total - leaked}/{total} ({rate:.1%}); questions fully clean: {len(CASES) - len(misses)}")
    for text, out, left in misses:
        print(f"  MISS {left}: {text!r}\n      -> {out!r}")
    assert rate >= 0.95


@pytest.mark.parametrize(
    "text",
    [
        "What did the Munro review say about compliance?",
        "Is the MacAlister review's recommendation on family help based on evidence?",
        "Has Mockingbird been evaluated?",
        "What outcomes have been reported for Lifelong Links?",
        "Does Staying Close help care leavers?",
        "How does Lundy's model of participation work?",
        "Is Mind of My Own used in child protection conferences?",
        "What does Bright Spots tell us about wellbeing?",
        "Does Family Safeguarding reduce care entry?",
        "What is the evidence for Signs of Safety?",
    ],
)
def test_the_evidence_base_own_names_are_never_redacted(text: str) -> None:
    assert redact(text) == text


def _evidence_phrases() -> list[str]:
    """Item titles and tags and every glossary form, as the evidence base writes them."""
    phrases: list[str] = []
    for path in sorted((ROOT / "knowledge" / "items").rglob("*.yaml")):
        item = yaml.safe_load(path.read_text(encoding="utf-8"))
        phrases.append(item["title"])
        phrases.extend(str(tag) for tag in item.get("tags") or [])
    glossary = yaml.safe_load((ROOT / "knowledge" / "glossary.yaml").read_text(encoding="utf-8"))
    for term in glossary["terms"]:
        phrases.extend(str(form) for form in [term["term"], *(term.get("also") or [])])
    return phrases


def test_titles_tags_and_glossary_forms_lose_no_word_to_name_redaction() -> None:
    phrases = _evidence_phrases()
    assert len(phrases) > 300
    damaged = [(p, redact(p)) for p in phrases if "[name]" in redact(p)]
    assert damaged == []


def test_the_vocabulary_and_name_list_are_read_from_disk() -> None:
    words, capitalised, pairs = evidence_vocabulary()
    assert {"munro", "macalister", "mockingbird", "lundy"} <= capitalised
    assert ("lifelong", "links") in pairs and "mockingbird" in words
    names = person_names()
    assert len(names) > 20_000 and "s" in names["patel"] and "w" in names["grace"]
    assert NAMES_FILE.stat().st_size < 400_000  # modest: a few hundred KB at most
    assert "Open Government Licence" in NAMES_FILE.read_text(encoding="utf-8")[:3000]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What works for Amira Patel?", "What works for [name]?"),
        ("the Thompson family at the refuge", "the [name] family at the refuge"),
        ("Okafor's dad drinks", "[name] dad drinks"),
        ("[date of birth] - Liam O'Connor - exclusion", "[date of birth] - [name] - exclusion"),
        ("Jack and Ellie are 4", "[name] and [name] are 4"),
        ("what helps jayden and kyle", "what helps [name] and [name]"),
        ("Will this help? Hope so.", "Will this help? Hope so."),
        ("the foster family and the birth family", "the foster family and the birth family"),
        ("What did Eileen Munro recommend?", "What did Eileen Munro recommend?"),
        ("the Kowalczyk family, Hamdi Warsame", "the [name] family, [name]"),
        # names no list knows, by what is said of them: two such words opening a message, a lower-case
        # possessive, an age stated after the name
        ("Selam Tesfay - UASC placements", "[name] - UASC placements"),
        ("ionut's attendance is poor", "[name] attendance is poor"),
        ("yonas is 16 and from eritrea", "[name] is 16 and from eritrea"),
        ("Kibrom is 14, at risk of CCE", "[name] is 14, at risk of CCE"),
        ("osian is 14 and at risk", "[name] is 14 and at risk"),
        ("our 9 year old Tesfay has nightmares", "our 9 year old [name] has nightmares"),
        ("Bartosz 12yo and Wiktoria 8yo", "[name] 12yo and [name] 8yo"),
        # surnames that are also words or an author's name in the base, by what is said around them
        ("the Khan family - dad Imran", "the [name] family - dad [name]"),
        ("the Brown children", "the [name] children"),
        ("siblings Ava and Mason, 6 and 9", "siblings [name] and [name], 6 and 9"),
        ("what about for kayden smith aged 14?", "what about for [name] aged 14?"),
        ("the Troubled Families programme", "the Troubled Families programme"),
        ("a Mockingbird family", "a Mockingbird family"),
        # ... but not places, Welsh family words, nationalities or everyday words in those positions
        ("a 15 year old Eritrean boy", "a 15 year old Eritrean boy"),
        ("a 9 year old Deaf child", "a 9 year old Deaf child"),
        ("Ynys Môn, young carers", "Ynys Môn, young carers"),
        ("kids are at their nain's", "kids are at their nain's"),
        ("the baba is 6 weeks", "the baba is 6 weeks"),
        ("my caseload is 18 and rising", "my caseload is 18 and rising"),
    ],
)
def test_names_found_and_words_left_alone(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redaction_of_a_question_stays_well_under_a_millisecond() -> None:
    questions = [case["text"] for case in CASES] + CLEAN
    redact("warm up the name list and the vocabulary")
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for question in questions:
            redact(question)
        best = min(best, (time.process_time() - start) / len(questions))
    print(f"\nredact(): {best * 1e6:.0f} microseconds per question")
    assert best < 0.001
