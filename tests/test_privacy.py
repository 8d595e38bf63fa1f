"""Nothing identifying reaches the store, the logs, error messages or the curators' gaps export.

226 crafted questions carrying every kind of personal detail (tests/data/pii_questions.yaml) go through
the real conversation into a real SQLite store with logging captured at DEBUG; then every byte of the
database, the log and the gaps export (table, JSON and CSV through the real CLI) is searched for them.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlite_files import sqlite_dump, sqlite_rows

from bot import Conversation, Settings
from bot.insights import gaps
from bot.logs import configure_logging
from bot.redact import redact
from bot.runtime import Runtime

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parent.parent
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "pii_questions.yaml").read_text(encoding="utf-8"))["cases"]
STRUCTURED = [c for c in CASES if c["kind"] != "name"]
NAMES = [c for c in CASES if c["kind"] == "name"]
CLEAN = [line for line in (DATA / "clean_questions.txt").read_text(encoding="utf-8").splitlines() if line]
FREE_NAMES: list[dict[str, Any]] = yaml.safe_load((DATA / "names_questions.yaml").read_text(encoding="utf-8"))["cases"]


def fragments(case: dict[str, Any]) -> list[str]:
    """Each secret, plus its digit-bearing parts of 4+ characters (so "5919" of "943 476 5919" counts)."""
    found = list(case["secrets"])
    for secret in case["secrets"]:
        found += [p for p in re.split(r"[^0-9A-Za-z]+", secret) if len(p) >= 4 and any(c.isdigit() for c in p)]
    return found


@pytest.fixture
def bundled_runtime(tmp_path: Path) -> Iterator[tuple[Runtime, io.StringIO]]:
    """The bundled evidence, a real store, and every log line at DEBUG captured as JSON."""
    log = io.StringIO()
    configure_logging("DEBUG", "json", stream=log)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    runtime = Runtime.start(settings)
    yield runtime, log
    runtime.close()
    configure_logging("WARNING", "text")


def _fill(runtime: Runtime) -> None:
    """Ask every question, reject suggestions, mark answers not helpful quoting the question, share."""
    conversation = runtime.conversation
    for n, case in enumerate(CASES):
        user = f"U{n:04d}"
        reply = conversation.handle(case["text"], user=user, surface="slack")
        logging.getLogger("adapters.slack").debug("handled %s", case["text"])  # a careless adapter log line
        if reply.item is not None:
            conversation.handle(f"no, {case['text'].rstrip('?')}", user=user, surface="slack")
        else:
            conversation.handle("none of these", user=user, surface="slack")
        if n % 10 == 0:
            logging.getLogger("bot").error("failed on %r", case["text"], exc_info=ValueError(case["text"]))


def test_no_structured_identifier_reaches_the_store_logs_or_gaps_export(
    bundled_runtime: tuple[Runtime, io.StringIO],
) -> None:
    runtime, log = bundled_runtime
    _fill(runtime)
    db = Path(runtime.settings.database_url.removeprefix("sqlite:///"))
    dump = sqlite_dump(db)
    dump = re.sub(r"\b[0-9a-f]{32,64}\b", "<id>", dump)  # ids, user hashes, salt: random hex
    # the store's own timestamps: their microseconds ("07:45:49.099812") can hold a five-digit secret by chance
    dump = re.sub(r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?", "<time>", dump)
    found = gaps(runtime.store, runtime.library.engine)
    export = json.dumps([g.to_json() for g in found], ensure_ascii=False)
    assert dump.count('INSERT INTO "questions"') >= len(CASES)
    # Whole secrets anywhere; fragments such as "5919" in what came from users (ids, hashes and
    # timestamps are full of digit runs that match by chance).
    with closing(sqlite3.connect(db)) as conn, conn:
        stored = [r[0] for r in conn.execute("SELECT text FROM questions UNION ALL SELECT reason FROM feedback")]
    logged = [json.loads(line) for line in log.getvalue().splitlines()]
    user_text = {
        "database": "\n".join(stored),
        "logs": "\n".join(f"{e['message']}\n{e.get('traceback', '')}" for e in logged),
        "gaps export": "\n".join(x for g in found for x in (*g.examples, *g.reasons)),
    }
    whole = {"database": dump, "logs": log.getvalue(), "gaps export": export}
    leaked = {
        where: [s for case in STRUCTURED for s in case["secrets"] if s in whole[where]]
        + [s for case in STRUCTURED for s in fragments(case) if s in user_text[where]]
        for where in whole
    }
    assert leaked == {"database": [], "logs": [], "gaps export": []}
    assert log.getvalue().count('"level": "ERROR"') >= len(CASES) // 10


def test_names_after_cue_words_are_redacted_in_at_least_90_percent_of_cases(
    bundled_runtime: tuple[Runtime, io.StringIO],
) -> None:
    runtime, _ = bundled_runtime
    for n, case in enumerate(NAMES):
        runtime.conversation.handle(case["text"], user=f"N{n}", surface="teams")
    db = Path(runtime.settings.database_url.removeprefix("sqlite:///"))
    stored = [row[0] for row in sqlite_rows(db, "SELECT text FROM questions ORDER BY asked_at")]
    assert len(stored) == len(NAMES) >= 20
    kept = sum(1 for case, text in zip(NAMES, stored, strict=True) if not any(s in text for s in case["secrets"]))
    assert kept / len(NAMES) >= 0.90, f"{kept}/{len(NAMES)}"


def _name_left(secret: str, text: str) -> bool:
    return re.search(rf"(?<![\w'’-]){re.escape(secret)}(?![\w-])", text) is not None


def test_names_without_cue_words_are_redacted_in_the_store_and_logs(
    bundled_runtime: tuple[Runtime, io.StringIO],
) -> None:
    """Issue 13 item 7: each crafted question is asked, answered "no, <the question again>" (or "none of
    these") and logged carelessly; >= 95 % of the names must be gone from every stored row and log line."""
    runtime, log = bundled_runtime
    db = Path(runtime.settings.database_url.removeprefix("sqlite:///"))
    leaked = total = reasons = 0
    misses = []
    for n, case in enumerate(FREE_NAMES):
        user = f"F{n:04d}"
        start = len(log.getvalue())
        reply = runtime.conversation.handle(case["text"], user=user, surface="slack")
        logging.getLogger("adapters.slack").info("handled %s", case["text"])
        follow_up = f"no, {case['text'].rstrip('?')}" if reply.item is not None else "none of these"
        runtime.conversation.handle(follow_up, user=user, surface="slack")
        with closing(sqlite3.connect(db)) as conn, conn:
            rows = [r[0] for r in conn.execute("SELECT text FROM questions ORDER BY asked_at DESC LIMIT 2")]
            rows += [r[0] for r in conn.execute("SELECT reason FROM feedback ORDER BY id DESC LIMIT 1")]
        messages = [json.loads(line)["message"] for line in log.getvalue()[start:].splitlines()]
        seen = "\n".join(rows + messages)
        reasons += reply.item is not None
        left = [secret for secret in case["secrets"] if _name_left(secret, seen)]
        total += len(case["secrets"])
        leaked += len(left)
        if left:
            misses.append((case["text"], left))
    print(f"\nnames kept out of the store and logs: {total - leaked}/{total}")
    for text, left in misses:
        print(f"  MISS {left}: {text!r}")
    with closing(sqlite3.connect(db)) as conn, conn:
        assert conn.execute("SELECT count(*) FROM feedback WHERE reason != ''").fetchone()[0] == reasons > 20
    assert leaked / total <= 0.05


def test_clean_questions_are_stored_unchanged_and_answered_as_without_a_store(tmp_path: Path) -> None:
    runtime = Runtime.start(Settings(database_url=f"sqlite:///{tmp_path / 'bot.db'}"))
    plain = Conversation(runtime.library.engine)
    same_answer = 0
    for n, question in enumerate(CLEAN):
        recorded = runtime.conversation.handle(question, user=f"C{n}", surface="console")
        unrecorded = plain.handle(question, user=f"C{n}")
        redacted = runtime.library.engine.answer(redact(question))
        if (recorded.kind, recorded.item, recorded.choices) == (unrecorded.kind, unrecorded.item, unrecorded.choices):
            same_answer += redacted.to_json()["results"] == unrecorded.answer.to_json()["results"]  # type: ignore[union-attr]
    stored = [r[0] for r in sqlite_rows(tmp_path / "bot.db", "SELECT text FROM questions")]
    unchanged = sum(1 for text in stored if text in CLEAN)
    runtime.close()
    assert len(CLEAN) == 200 and unchanged / len(CLEAN) >= 0.98, unchanged
    assert same_answer == len(CLEAN)


def test_the_gaps_command_exports_only_redacted_text(tmp_path: Path) -> None:
    """A store filled by the console chat (questions piped in), read back by `gaps` as table, JSON and CSV."""
    env = {"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    questions = "\n".join(f"{c['text']}\nnone" for c in STRUCTURED[:60]) + "\n"
    chat = subprocess.run(
        [sys.executable, "-m", "bot"], input=questions, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert chat.returncode == 0, chat.stderr
    outputs = []
    for flags in ([], ["--json"], ["--csv"]):
        run = subprocess.run(
            [sys.executable, "-m", "bot", "gaps", *flags], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
        )
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout + run.stderr)
    assert int(json.loads(outputs[1])[0]["count"]) >= 1
    leaked = [s for case in STRUCTURED[:60] for s in fragments(case) for out in outputs if s in out]
    assert leaked == []
