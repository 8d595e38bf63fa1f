"""PII redaction: recall on crafted identifiers, no damage to clean questions, linear time, safe logs.

RELIABILITY.md section 4: P1 (structured identifiers 100 %), P2 (names after cue words >= 90 %),
P3 (>= 98 % of clean questions unchanged) and F3 (every pattern linear, <= 50 ms at 20 KB).
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.redact import STEPS, RedactingFilter, install_log_redaction, redact
from bot.text import clean_unicode

DATA = Path(__file__).resolve().parent / "data"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "pii_questions.yaml").read_text(encoding="utf-8"))["cases"]
STRUCTURED = [case for case in CASES if case["kind"] != "name"]
NAMES = [case for case in CASES if case["kind"] == "name"]
CLEAN = [line for line in (DATA / "clean_questions.txt").read_text(encoding="utf-8").splitlines() if line]
KINDS = {"nhs", "nino", "postcode", "phone", "email", "dob", "case_ref", "upn", "address", "name"}


def leaks(case: dict[str, Any]) -> list[str]:
    """Secrets (or digit-bearing fragments of them, e.g. "5919" of "943 476 5919") left after redaction."""
    out = redact(case["text"])
    found = [secret for secret in case["secrets"] if secret in out]
    for secret in case["secrets"]:
        parts = re.split(r"[^0-9A-Za-z]+", secret)
        found += [p for p in parts if len(p) >= 4 and any(c.isdigit() for c in p) and p in out]
    return found


# --------------------------------------------------------------------------- the data itself


def test_dataset_has_at_least_20_cases_of_each_kind() -> None:
    counts = Counter(case["kind"] for case in CASES)
    assert set(counts) == KINDS
    assert len(CASES) >= 200
    assert min(counts.values()) >= 20, counts
    assert len(STRUCTURED) >= 180


def test_every_secret_is_in_its_question_after_unicode_cleanup() -> None:
    """Guards the data: a secret that is not in the text would pass the recall test vacuously."""
    wrong = [
        (case["text"], secret)
        for case in CASES
        for secret in case["secrets"]
        if secret not in clean_unicode(case["text"])
    ]
    assert wrong == []


def test_clean_questions_are_200_distinct_lines() -> None:
    assert len(CLEAN) == 200
    assert len(set(CLEAN)) == 200


# --------------------------------------------------------------------------- P1, P2, P3


def test_structured_identifiers_are_all_removed() -> None:
    """P1: every NHS number, NINO, postcode, phone, e-mail, date of birth, reference, UPN and address."""
    misses = [(case["kind"], case["text"], redact(case["text"]), leaks(case)) for case in STRUCTURED]
    misses = [miss for miss in misses if miss[3]]
    caught = len(STRUCTURED) - len(misses)
    print(f"\nstructured cases caught: {caught}/{len(STRUCTURED)}")
    for kind, text, out, left in misses:
        print(f"  MISS {kind}: {text!r}\n      -> {out!r} (left: {left})")
    assert misses == []


def test_names_after_cue_words_are_mostly_removed() -> None:
    """P2: the honest measure of the weakest category; misses are listed, the rate must be >= 90 %."""
    misses = [(case["text"], redact(case["text"])) for case in NAMES if leaks(case)]
    rate = 1 - len(misses) / len(NAMES)
    print(f"\nnames redacted: {len(NAMES) - len(misses)}/{len(NAMES)} ({rate:.0%})")
    for text, out in misses:
        print(f"  MISS {text!r}\n      -> {out!r}")
    assert rate >= 0.9


def test_clean_questions_are_left_alone() -> None:
    """P3: years, ages, section numbers, acronyms and programme names survive (>= 98 % unchanged)."""
    changed = [(q, redact(q)) for q in CLEAN if redact(q) != q]
    rate = 1 - len(changed) / len(CLEAN)
    print(f"\nclean questions unchanged: {len(CLEAN) - len(changed)}/{len(CLEAN)} ({rate:.1%})")
    for question, out in changed:
        print(f"  CHANGED {question!r}\n       -> {out!r}")
    assert rate >= 0.98


def test_redaction_is_idempotent() -> None:
    """Log records may pass several redacting layers; a second pass must change nothing."""
    for text in [case["text"] for case in CASES] + CLEAN:
        once = redact(text)
        assert redact(once) == once, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHS number 943 476 5919", "[NHS number]"),
        ("child 9434765919 is 4", "child [NHS number] is 4"),
        ("child 9434765918 is 4", "child [reference] is 4"),
        ("NI QQ123456A", "NI [NI number]"),
        ("near LS6 1AB", "near [postcode]"),
        ("ring 07700 900123", "ring [phone]"),
        ("mail jo@example.org", "mail [email]"),
        ("<mailto:jo@example.org|jo@example.org> asked", "[email] asked"),
        ("born 12/03/2015", "born [date of birth]"),
        ("reviewed on 12 March 2015", "reviewed on [date]"),
        ("case 123456", "case [reference]"),
        ("UPN A123456789012", "UPN [reference]"),
        ("lives at 14 Acacia Avenue", "lives at [address]"),
        ("mum Sarah Jones says", "mum [name] says"),
        ("for Yonas 15 who came here alone", "for [name] 15 who came here alone"),  # an age straight after
        ("Tomos 10 ADHD", "[name] 10 ADHD"),
        ("Cerys and Osian, 4 and 6, DA", "[name] and [name], 4 and 6, DA"),
        ("Year 9 pupils at Key Stage 4, Level 3", "Year 9 pupils at Key Stage 4, Level 3"),
        ("Mrs O'Brien said", "Mrs [name] said"),
        ("a unit called MASH", "a unit called MASH"),
        ("a meeting named FGC", "a meeting named FGC"),
        ("a programme called Mockingbird", "a programme called Mockingbird"),
        ("since 2019, a 14 year old, s47, s20, section 31", "since 2019, a 14 year old, s47, s20, section 31"),
        ("45% of 12 families in the 2023 trial", "45% of 12 families in the 2023 trial"),
        ("Child Protection Plan under PLO", "Child Protection Plan under PLO"),
    ],
)
def test_placeholders_and_things_left_alone(text: str, expected: str) -> None:
    assert redact(text) == expected


# --------------------------------------------------------------------------- F3: linear time


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


HOSTILE = {
    "digits": "1",
    "digit_space_grid": "1 ",
    "wide_grid": "1" + " " * 20,
    "pairs": "12 ",
    "plus44": "+44 (0) ",
    "phones": "07700 900123 x ",
    "dashes": "0-",
    "dots": "1.",
    "slashes": "12/",
    "at_signs": "@",
    "local_part": "a",
    "a_at": "a@",
    "spaced_at": "a @ a.",
    "dotted": "a.",
    "mailto": "<mailto:a",
    "angles": "<",
    "brackets": "[(",
    "nhs": "NHS 999 ",
    "nino": "QQ 12 ",
    "postcode": "LS1 ",
    "word_dates": "12th of March ",
    "born": "born on the ",
    "case": "case-",
    "ref": "A/1",
    "house": "14 Acacia ",
    "flat": "flat 3, ",
    "capitals": "Aa ",
    "titles": "Mr ",
    "relations": "mum Aa ",
    "ages": "Aa (",
    "free_names": "Amira Patel and ",
    "lower_names": "jayden ",
    "families": "the Aa family ",
    "possessives": "Okafor's ",
    "upn": "A12345678901",
    "combining": "a\u0301",
    "zero_width": "1\u200b",
    "nbsp": "1\u00a0",
    "emoji": "\U0001f600",
}


def _cpu(func: Callable[[str], str], text: str) -> float:
    """CPU time of one call: unlike wall time it does not grow when a busy CI box deschedules us."""
    start = time.process_time()
    func(text)
    return time.process_time() - start


def _timings(func: Callable[[str], str], unit: str, runs: int) -> tuple[float, float]:
    """Best of ``runs`` at 10 KB and 20 KB, interleaved so both sizes see the same machine load."""
    small, large = _fill(unit, 10_000), _fill(unit, 20_000)
    t10 = t20 = float("inf")
    for _ in range(runs):
        t10 = min(t10, _cpu(func, small))
        t20 = min(t20, _cpu(func, large))
    return t10, t20


def _linear(t10: float, t20: float) -> bool:
    return t20 <= 2.5 * t10 + 0.002 and t20 <= 0.05


def test_every_pattern_kind_runs_in_linear_time() -> None:
    """F3 per step: time(20 KB) <= 2.5 x time(10 KB) + 2 ms and <= 50 ms, best of 3 (re-measured on failure)."""
    failures = []
    worst = (0.0, "", "")
    for kind, step in STEPS:
        for name, unit in HOSTILE.items():
            t10, t20 = _timings(step, unit, 3)
            for runs in (7, 15):  # noise on a shared box: measure harder before calling it non-linear
                if _linear(t10, t20):
                    break
                t10, t20 = _timings(step, unit, runs)
            worst = max(worst, (t20, kind, name))
            if not _linear(t10, t20):
                failures.append(f"{kind} on {name}: {t10 * 1000:.1f} ms at 10 KB, {t20 * 1000:.1f} ms at 20 KB")
    print(f"\nslowest step at 20 KB: {worst[1]} on {worst[2]}: {worst[0] * 1000:.1f} ms")
    assert failures == []


def test_whole_redaction_of_20kb_hostile_input_is_under_50ms() -> None:
    timings = {name: min(_cpu(redact, _fill(unit, 20_000)) for _ in range(3)) for name, unit in HOSTILE.items()}
    for name in [n for n, t in timings.items() if t > 0.05]:
        timings[name] = min(_cpu(redact, _fill(HOSTILE[name], 20_000)) for _ in range(9))
    name = max(timings, key=lambda n: timings[n])
    print(f"\nslowest redact() at 20 KB: {name}: {timings[name] * 1000:.1f} ms")
    assert timings[name] <= 0.05, timings


# --------------------------------------------------------------------------- F1: never raises


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(st.characters(exclude_categories=()), max_size=2_000),
            st.sampled_from(["NHS ", "943 476 5919", "@", "07700 900123", "mum ", "Mr ", "\u200b", "LS6 1AB"]),
        ),
        max_size=10,
    ).map("".join)
)
def test_random_unicode_never_makes_redact_raise(text: str) -> None:
    out = redact(text[:10_000])
    out.encode("utf-8")  # storable and loggable


# --------------------------------------------------------------------------- logging


PII_QUESTION = "mum Sarah Jones (NHS 943 476 5919) at 14 Acacia Avenue, LS6 1AB, 07700 900123"
LOG_SECRETS = [
    "Sarah",
    "Jones",
    "943 476 5919",
    "Acacia",
    "LS6 1AB",
    "07700 900123",
    "jo.bloggs@example.org",
    "QQ123456A",
    "07700 900456",
    "12/03/2015",
    "QQ 12 34 56 C",
    "9434765919",
]


class ListHandler(logging.Handler):
    """Keeps formatted lines and the records themselves."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


def _log_everything(logger: logging.Logger) -> None:
    logger.setLevel(logging.DEBUG)
    logger.debug("question from %s: %s", "Slack user", PII_QUESTION)
    try:
        who, email = "mum Sarah Jones", "jo.bloggs@example.org"
        raise ValueError(f"could not answer {email} about\n{who}")  # a message split over two lines
    except ValueError:
        logger.exception("failed for %r", "QQ123456A")
    logger.info("broken record %s %s", "only one arg: 07700 900456")  # wrong number of args
    logger.info({"dob": "12/03/2015"})  # not a string
    logger.warning("with extras", extra={"question": "NINO QQ 12 34 56 C", "nhs": 9434765919, "count": 3})


def _assert_clean(output: str) -> None:
    assert output
    for secret in LOG_SECRETS:
        assert secret not in output, secret


def test_redacting_filter_cleans_messages_args_exceptions_and_extras(capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    captured = ListHandler()
    captured.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redact.filter")
    logger.propagate = False
    logger.addHandler(handler)
    logger.addHandler(captured)
    try:
        _log_everything(logger)
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(captured)
    output = stream.getvalue()
    _assert_clean(output)
    _assert_clean(repr([vars(record) for record in captured.records]))
    assert len(captured.records) == 5  # nothing dropped, the broken record included
    assert "Traceback (most recent call last)" in output and "ValueError" in output
    assert "[NHS number]" in output and "broken record" in output
    extras = vars(captured.records[-1])
    assert extras["question"] == "NINO [NI number]"
    assert extras["nhs"] == "[NHS number]"
    assert extras["count"] == 3  # an extra without an identifier keeps its type
    assert "Logging error" not in capsys.readouterr().err


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """install_log_redaction changes process-wide logging; put it back for the other tests."""
    factory = logging.getLogRecordFactory()
    set_factory = logging.setLogRecordFactory
    add_handler = logging.Logger.addHandler
    yield
    logging.setLogRecordFactory = set_factory
    logging.setLogRecordFactory(factory)
    logging.Logger.addHandler = add_handler  # type: ignore[method-assign]
    handlers = list(logging.root.handlers) + ([logging.lastResort] if logging.lastResort else [])
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            handlers.extend(logger.handlers)
    for handler in handlers:
        for flt in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(flt)


@pytest.mark.usefixtures("restore_logging")
def test_install_covers_existing_third_party_and_later_handlers(capsys: pytest.CaptureFixture[str]) -> None:
    third_party = logging.getLogger("slack_bolt.tests_redact")  # a library logger that exists already
    early = ListHandler()
    third_party.addHandler(early)
    third_party.propagate = False
    late_logger = logging.getLogger("tests.redact.late")
    late_logger.propagate = False
    try:
        install_log_redaction()
        install_log_redaction()  # idempotent
        factory = logging.getLogRecordFactory()
        install_log_redaction()
        assert logging.getLogRecordFactory() is factory
        assert sum(isinstance(f, RedactingFilter) for f in early.filters) == 1

        late = ListHandler()
        late_logger.addHandler(late)  # added after installation
        assert sum(isinstance(f, RedactingFilter) for f in late.filters) == 1

        sneaky = ListHandler()
        late_logger.handlers.append(sneaky)  # bypasses addHandler: only the record factory protects it

        def library_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return logging.LogRecord(*args, **kwargs)

        logging.setLogRecordFactory(library_factory)  # a library installs its own factory afterwards

        _log_everything(third_party)
        _log_everything(late_logger)
        late.handle(logging.makeLogRecord({"msg": "rebuilt from a socket: %s", "args": (PII_QUESTION,)}))
    finally:
        third_party.removeHandler(early)
        late_logger.handlers.clear()
    for handler in (early, late, sneaky):
        _assert_clean("\n".join(handler.lines))
    assert any("rebuilt from a socket" in line for line in late.lines)
    assert "Logging error" not in capsys.readouterr().err
