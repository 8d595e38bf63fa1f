"""The insights store on a real SQLite file: schema, migration, idempotent writes, retention, privacy."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlite_files import sqlite_dump

from bot import Answer, Settings
from bot.errors import ConfigError
from bot.insights import gaps
from bot.runtime import Runtime
from bot.store import SCHEMA_VERSION, Store, feedback, now, open_store, questions, schema_version


def _file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(_file(url))) as db, db:
        return db.execute(sql).fetchall()


def test_a_new_store_has_its_schema_wal_and_full_sync(database_url: str) -> None:
    store = open_store(database_url)
    assert schema_version(store) == SCHEMA_VERSION
    tables = {r[0] for r in _rows(database_url, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "questions", "feedback", "none_of_these", "shares", "events", "conversation_state"} <= tables
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    store.close()


def test_an_older_store_gains_missing_columns_and_keeps_its_rows(database_url: str) -> None:
    path = _file(database_url)
    path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(path)) as db, db:  # a store from before "reason" and "event_id" existed
        db.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY, at DATETIME NOT NULL, question_id VARCHAR(32),"
            " surface VARCHAR(16) NOT NULL, user_hash VARCHAR(64) NOT NULL, item_id VARCHAR(200) NOT NULL,"
            " helpful BOOLEAN NOT NULL)"
        )
        db.execute("INSERT INTO feedback VALUES (1, '2026-11-01 10:00:00', NULL, 'slack', 'h', 'fgc', 1)")
    store = open_store(database_url)
    columns = {r[1] for r in _rows(database_url, "PRAGMA table_info(feedback)")}
    assert {"reason", "event_id"} <= columns
    assert store.feedback(question_id=None, item_id="fgc", helpful=False, surface="slack", user="U1", reason="x")
    assert _rows(database_url, "SELECT count(*) FROM feedback") == [(2,)]
    store.close()


def test_questions_store_redacted_text_hashed_users_and_the_outcome(runtime: Runtime) -> None:
    reply = runtime.conversation.handle(
        "fgc evidence for mum Sarah Jones, 07700 900123?", user="U0SECRET", surface="slack"
    )
    assert reply.question_id and reply.answer is not None
    url = runtime.settings.database_url
    [(text, user_hash, outcome, top_item, surface)] = _rows(
        url, "SELECT text, user_hash, outcome, top_item, surface FROM questions"
    )
    assert "Sarah" not in text and "07700" not in text and "[phone]" in text
    assert outcome == reply.answer.outcome and top_item == "family-group-conferences" and surface == "slack"
    assert "U0SECRET" not in user_hash and len(user_hash) == 32
    dump = sqlite_dump(_file(url))
    # Digit fragments are checked whole: a short one can occur by chance in a timestamp or a salt.
    assert "U0SECRET" not in dump and "Sarah" not in dump and "07700 900123" not in dump


def test_user_hashes_are_stable_per_user_and_salted(database_url: str, tmp_path: Path) -> None:
    first = open_store(database_url)
    again = open_store(database_url)
    assert first.user_hash("slack", "U1") == again.user_hash("slack", "U1") != first.user_hash("slack", "U2")
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    assert other.user_hash("slack", "U1") != first.user_hash("slack", "U1")  # each store has its own salt
    salted = open_store(f"sqlite:///{tmp_path / 'salted.db'}", salt="s3cret")
    x = open_store(f"sqlite:///{tmp_path / 'x.db'}", salt="s3cret")
    assert salted.user_hash("slack", "U1") == x.user_hash("slack", "U1")
    for store in (first, again, other, salted, x):
        store.close()


def test_retried_writes_are_recorded_once(runtime: Runtime) -> None:
    store, url = runtime.store, runtime.settings.database_url
    answer = runtime.library.engine.answer("fgc evidence?")
    first = store.question(surface="slack", user="U1", answer=answer, event_id="Ev1")
    assert first and store.question(surface="slack", user="U1", answer=answer, event_id="Ev1") == first
    assert store.feedback(question_id=first, item_id="x", helpful=True, surface="slack", user="U1", event_id="a1")
    assert not store.feedback(question_id=first, item_id="x", helpful=True, surface="slack", user="U1", event_id="a1")
    assert store.none_of_these(question_id=first, surface="slack", user="U1")
    assert not store.none_of_these(question_id=first, surface="slack", user="U1")
    assert store.share(item_id="x", surface="teams", user="U1", event_id="s1")
    assert not store.share(item_id="x", surface="teams", user="U1", event_id="s1")
    assert store.claim_event("slack", "Ev9") and not store.claim_event("slack", "Ev9")
    assert store.claim_event("teams", "Ev9")  # ids are per platform
    counts = [_rows(url, f"SELECT count(*) FROM {t}")[0][0] for t in ("questions", "feedback", "none_of_these")]
    assert counts == [1, 1, 1]


def test_lone_surrogates_nul_and_huge_text_never_break_a_write(runtime: Runtime) -> None:
    hostile = ["fgc \ud800 evidence", "fgc\x00evidence", "\udfff" * 50, "fgc " + "x" * 100_000, "\x00", "\ud83d"]
    for n, text in enumerate(hostile):
        event_id = f"\x00\ud800{n}"
        assert runtime.store.question(surface="slack", user="U\ud800\x00", answer=Answer(text), event_id=event_id)
    reply = runtime.conversation.handle("fgc \ud800 evidence\x00", user="U\ud800\x00", surface="slack")
    assert reply.question_id
    runtime.conversation.handle("no \ud800 because \x00 reasons", user="U\ud800\x00", surface="slack")
    texts = [r[0] for r in _rows(runtime.settings.database_url, "SELECT text FROM questions")]
    assert len(texts) == len(hostile) + 1 and all("\x00" not in t and len(t) <= 2000 for t in texts)
    assert _rows(runtime.settings.database_url, "SELECT reason FROM feedback") == [("\ufffd because reasons",)]


def test_a_failed_write_is_logged_not_raised(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    with closing(sqlite3.connect(_file(runtime.settings.database_url))) as db, db:
        db.execute("DROP TABLE questions")
    reply = runtime.conversation.handle("do family group conferences work? NHS 943 476 5919", user="U1", surface="x")
    assert reply.item is not None and reply.question_id is None
    assert "could not record a question" in caplog.text and "943" not in caplog.text


def test_rows_older_than_the_retention_period_are_deleted_at_start_up(settings: Settings) -> None:
    runtime = Runtime.start(settings)
    for _ in range(3):
        runtime.conversation.handle("fgc evidence?", user="U1", surface="slack")
        runtime.conversation.handle("no", user="U1", surface="slack")
    with runtime.store.engine.begin() as conn:
        conn.execute(
            update(questions)
            .values(asked_at=now() - timedelta(days=91))
            .where(questions.c.id.in_([r[0] for r in _rows(settings.database_url, "SELECT id FROM questions LIMIT 2")]))
        )
        conn.execute(update(feedback).values(at=now() - timedelta(days=100)))
    runtime.close()
    restarted = Runtime.start(settings)
    url = settings.database_url
    assert _rows(url, "SELECT count(*) FROM questions") == [(1,)]
    assert _rows(url, "SELECT count(*) FROM feedback") == [(0,)]
    cutoff = now() - timedelta(days=90)
    assert all(g.first_seen > cutoff for g in gaps(restarted.store, restarted.library.engine))
    restarted.close()


def test_rows_are_also_deleted_daily_while_running(settings: Settings) -> None:
    runtime = Runtime.start(settings)
    runtime.conversation.handle("fgc evidence?", user="U1", surface="slack")
    with runtime.store.engine.begin() as conn:
        conn.execute(update(questions).values(asked_at=now() - timedelta(days=365)))
    runtime.start_daily_purge(interval=0.05)
    deadline = threading.Event()
    for _ in range(100):
        if _rows(settings.database_url, "SELECT count(*) FROM questions") == [(0,)]:
            break
        deadline.wait(0.05)
    assert _rows(settings.database_url, "SELECT count(*) FROM questions") == [(0,)]
    runtime.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:pw@localhost/db", "must start with sqlite:/// or postgresql://"),
        ("not a url", "is not a database URL"),
        ("postgresql://u:hunter2@127.0.0.1:1/db", "cannot open the store at postgresql://u:***@127.0.0.1:1/db"),
    ],
)
def test_a_bad_database_url_is_one_clear_error_without_the_password(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Store(url)
    assert message in str(caught.value) and "hunter2" not in str(caught.value)
    assert "\n" not in str(caught.value)
