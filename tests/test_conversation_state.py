"""Conversation state ("more", numbered choices, typed yes/no, "none of these") lives in the store, keyed by
surface, conversation or thread, and hashed user, so a follow-up reaching another instance continues the same
conversation, and a DM and a channel thread never share state."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlite_files import sqlite_dump

from bot import Answer, Conversation, Engine, Kind, Match, Settings, messages
from bot.conversation import MemoryState
from bot.recording import STATE_HOURS
from bot.runtime import Runtime
from bot.store import MAX_STATE_CHARS, SCHEMA_VERSION, conversation_state, now, open_store, schema_version

BROAD = "family group conference or group supervision or neglect or marac"
NOTHING_ASKED = messages.NOTHING_TO_CONTINUE
ORDER = ["family-group-conferences", "group-supervision", "graded-care-profile", "marac"]


class Ranked:
    """The real engine's items, but every question ranks all of them in ``ORDER`` (90, 80, 70, 60): what "more"
    pages through stays the same whatever the matching does."""

    def __init__(self, engine: Engine) -> None:
        self.items, self.by_id, self.suggest_score = engine.items, engine.by_id, engine.suggest_score

    def answer(self, question: str, limit: int = 3, further: int = 0) -> Answer:
        ranked = [Match(self.by_id[item_id], 90.0 - 10 * n) for n, item_id in enumerate(ORDER) if item_id in self.by_id]
        return Answer(question, results=tuple(ranked[:1]), further=tuple(ranked[1:]))


def ranked(*runtimes: Runtime) -> None:
    for runtime in runtimes:
        runtime.conversation.engine = Ranked(runtime.library.engine)  # type: ignore[assignment]


def _file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(_file(url))) as db, db:
        return db.execute(sql).fetchall()


@pytest.fixture
def two_instances(settings: Settings) -> Iterator[tuple[Runtime, Runtime]]:
    """Two running bots (separate engines, pools and conversations) sharing one store, as behind a balancer."""
    first, second = Runtime.start(settings), Runtime.start(settings)
    ranked(first, second)
    yield first, second
    first.close()
    second.close()


def test_a_follow_up_reaching_the_other_instance_continues_the_conversation(
    two_instances: tuple[Runtime, Runtime],
) -> None:
    a, b = (r.conversation for r in two_instances)
    asked = a.handle(BROAD, user="U1", surface="slack")
    assert asked.kind is Kind.ANSWER
    more = b.handle("more", user="U1", surface="slack")
    assert more.kind is Kind.MORE and more.choices, more.text
    opened = a.handle("1", user="U1", surface="slack")
    assert opened.kind is Kind.ITEM and opened.item == more.choices[0].item
    assert b.handle("yes", user="U1", surface="slack").text == messages.FEEDBACK_THANKS
    [row] = two_instances[0].store.feedback_since()
    assert row.item_id == more.choices[0].item.id and row.helpful


def test_a_dm_and_a_channel_thread_keep_separate_state(runtime: Runtime) -> None:
    ranked(runtime)
    ask = runtime.conversation.handle
    assert ask(BROAD, user="U1", surface="slack", thread="im").kind is Kind.ANSWER
    theme = ask("theme neglect", user="U1", surface="slack", thread="C0CHAN:1767960001.000100")
    assert theme.kind is Kind.THEME
    assert ask("more", user="U1", surface="slack", thread="C0CHAN:1767960001.000100").text == NOTHING_ASKED
    more = ask("more", user="U1", surface="slack", thread="im")  # the DM's question, not the thread's theme
    assert more.kind is Kind.MORE and BROAD[:40] in more.text
    picked = ask("1", user="U1", surface="slack", thread="C0CHAN:1767960001.000100")
    assert picked.item is not None and picked.item.id == theme.choices[0].item.id
    assert ask("more", user="U2", surface="slack", thread="im").text == messages.NOTHING_TO_CONTINUE  # another user
    assert ask("more", user="U1", surface="teams", thread="im").text == messages.NOTHING_TO_CONTINUE  # another surface
    assert ask("more", user="U1", surface="slack", thread="im:1767960009.000100").text == messages.NOTHING_TO_CONTINUE


def test_typed_feedback_goes_to_the_answer_of_its_own_thread(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    ask("do family group conferences work?", user="U1", surface="teams", thread="a:personal")
    ask("group supervision evidence", user="U1", surface="teams", thread="19:team@thread.tacv2;messageid=17")
    assert ask("no - nothing on teenagers", user="U1", surface="teams", thread="a:personal").kind is Kind.FEEDBACK
    assert ask("yes", user="U1", surface="teams", thread="19:team@thread.tacv2;messageid=17").kind is Kind.FEEDBACK
    rows = [(f.item_id, f.helpful) for f in runtime.store.feedback_since()]
    assert rows == [("family-group-conferences", False), ("group-supervision", True)]


def test_the_state_row_holds_ids_and_the_redacted_question_only(runtime: Runtime) -> None:
    ranked(runtime)
    question = "FGC or group supervision or neglect or marac for jo.bloggs@example.org, NHS 943 476 5919?"
    thread = "C0SECRET:1767960001.000100"
    runtime.conversation.handle(question, user="U0SECRETUSER", surface="slack", thread=thread)
    more = runtime.conversation.handle("more", user="U0SECRETUSER", surface="slack", thread=thread)
    assert more.kind is Kind.MORE and "[NHS number]" in more.text and "943" not in more.text
    [(surface, thread_hash, user_hash, state)] = _rows(
        runtime.settings.database_url, "SELECT surface, thread_hash, user_hash, state FROM conversation_state"
    )
    assert surface == "slack" and len(thread_hash) == len(user_hash) == 32
    dump = sqlite_dump(_file(runtime.settings.database_url))
    # Digit fragments are checked whole: a short one such as "5919" can occur by chance in a timestamp.
    for secret in ("943 476 5919", "476 5919", "jo.bloggs", "U0SECRETUSER", "C0SECRET", "1767960001"):
        assert secret not in dump
    assert set(json.loads(state)) == {"q", "r", "n", "qid", "c", "a", "b"}


def test_state_expires_and_is_purged(runtime: Runtime) -> None:
    store = runtime.store
    assert store.save_state(surface="slack", thread="im", user="U1", state='{"x":1}')
    assert store.save_state(surface="slack", thread="im", user="U2", state='{"x":2}')
    assert store.load_state(surface="slack", thread="im", user="U1") == '{"x":1}'
    with store.engine.begin() as conn:
        conn.execute(
            update(conversation_state)
            .values(updated_at=now() - timedelta(hours=STATE_HOURS, minutes=1))
            .where(conversation_state.c.user_hash == store.user_hash("slack", "U1"))
        )
    assert store.load_state(surface="slack", thread="im", user="U1") is None  # expired, even before a purge
    store.purge()
    assert _rows(runtime.settings.database_url, "SELECT count(*) FROM conversation_state") == [(1,)]
    assert store.load_state(surface="slack", thread="im", user="U2") == '{"x":2}'


def test_state_is_keyed_by_surface_thread_and_user_and_the_last_write_wins(runtime: Runtime) -> None:
    store = runtime.store
    keys = [("slack", "im", "U1"), ("slack", "C1:1.2", "U1"), ("slack", "im", "U2"), ("teams", "im", "U1")]
    for n, (surface, thread, user) in enumerate(keys):
        assert store.save_state(surface=surface, thread=thread, user=user, state=f"[{n}]")
    assert store.save_state(surface="slack", thread="im", user="U1", state="[9]")
    found = [store.load_state(surface=s, thread=t, user=u) for s, t, u in keys]
    assert found == ["[9]", "[1]", "[2]", "[3]"]
    assert store.load_state(surface="slack", thread="C1:1.3", user="U1") is None
    assert _rows(runtime.settings.database_url, "SELECT count(*) FROM conversation_state") == [(4,)]
    assert not store.save_state(surface="slack", thread="im", user="U1", state="x" * (MAX_STATE_CHARS + 1))
    assert store.save_state(surface="sl\x00ack\ud800", thread="\ud800", user="\x00", state="[\ud800]")


def test_a_broken_state_table_never_breaks_a_conversation(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    with closing(sqlite3.connect(_file(runtime.settings.database_url))) as db, db:
        db.execute("DROP TABLE conversation_state")
    ask = runtime.conversation.handle
    assert ask("fgc evidence? NHS 943 476 5919", user="U1", surface="slack").kind is Kind.ANSWER
    assert ask("more", user="U1", surface="slack").text == messages.NOTHING_TO_CONTINUE
    assert "could not save a conversation's state" in caplog.text
    assert "could not read a conversation's state" in caplog.text and "943" not in caplog.text


def test_a_damaged_state_row_is_treated_as_none(runtime: Runtime) -> None:
    runtime.store.save_state(surface="slack", thread="im", user="U1", state='{"q": "x", "r": "not a list"}')
    assert runtime.conversation.handle("more", user="U1", surface="slack", thread="im").kind is Kind.NOTICE
    runtime.store.save_state(surface="slack", thread="im", user="U1", state="not json")
    assert runtime.conversation.handle("2", user="U1", surface="slack", thread="im").text == messages.NO_SUCH_CHOICE


def test_a_state_saved_before_follow_ups_were_kept_still_continues(runtime: Runtime) -> None:
    """A row written by the previous release (no "b", the card last shown) still serves "more" and a typed yes."""
    old = '{"q":"marac","r":[["marac",90.0],["group-supervision",80.0]],"n":1,"qid":null,"c":[],"a":"marac"}'
    runtime.store.save_state(surface="slack", thread="im", user="U1", state=old)
    assert runtime.conversation.handle("more", user="U1", surface="slack", thread="im").kind is Kind.MORE
    runtime.store.save_state(surface="slack", thread="im", user="U1", state=old)
    assert runtime.conversation.handle("yes", user="U1", surface="slack", thread="im").kind is Kind.FEEDBACK


def test_more_skips_items_removed_by_a_reload(runtime: Runtime) -> None:
    ranked(runtime)
    ask = runtime.conversation.handle
    first = ask(BROAD, user="U1", surface="slack")
    assert first.item is not None
    (runtime.settings.knowledge_dir / "neglect.yaml").unlink()
    (runtime.settings.knowledge_dir / "da.yaml").unlink()
    assert runtime.reload().ok
    more = ask("more", user="U1", surface="slack")  # now over the reloaded (real) engine
    assert [m.item.id for m in more.choices] == ["group-supervision"]


def test_an_older_store_gains_the_state_table(database_url: str) -> None:
    store = open_store(database_url)
    with store.engine.begin() as conn:  # the store as schema version 1 left it
        conn.exec_driver_sql("DROP TABLE conversation_state")
        conn.exec_driver_sql("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        conn.exec_driver_sql(
            "INSERT INTO questions (id, asked_at, surface, user_hash, text, outcome) "
            "VALUES ('q1', '2026-11-01 10:00:00', 'slack', 'h', 'fgc', 'none')"
        )
    store.close()
    reopened = open_store(database_url, purge=False)
    assert schema_version(reopened) == SCHEMA_VERSION >= 2  # 3 added the digest tables
    assert reopened.save_state(surface="slack", thread="im", user="U1", state="[]")
    assert len(reopened.questions_since()) == 1
    reopened.close()


def test_without_a_store_state_is_kept_in_memory_the_same_way(engine: Engine) -> None:
    conversation = Conversation(Ranked(engine), max_sessions=2)  # type: ignore[arg-type]
    assert isinstance(conversation.state, MemoryState)
    ask = conversation.handle
    ask(BROAD, user="U1", thread="dm")
    ask("theme neglect", user="U1", thread="t1")
    assert ask("more", user="U1", thread="dm").kind is Kind.MORE
    assert ask("1", user="U1", thread="t1").kind is Kind.ITEM
    ask("fgc", user="U3", thread="dm")  # a third thread: the least recently used is forgotten
    assert ask("more", user="U1", thread="dm").text == messages.NOTHING_TO_CONTINUE
    expired = MemoryState(hours=0)
    expired.save_state(surface="slack", thread="im", user="U1", state="[]")
    assert expired.load_state(surface="slack", thread="im", user="U1") is None


def test_two_instances_on_postgresql_continue_each_others_conversations(
    postgres_url: str, knowledge_dir: Path, glossary_file: Path
) -> None:
    settings = Settings(knowledge_dir=knowledge_dir, glossary_path=glossary_file, database_url=postgres_url)
    a, b = Runtime.start(settings), Runtime.start(settings)
    ranked(a, b)
    try:
        assert a.conversation.handle(BROAD, user="U1", surface="teams", thread="a:dm").kind is Kind.ANSWER
        a.conversation.handle("theme neglect", user="U1", surface="teams", thread="19:c;messageid=1")
        more = b.conversation.handle("more", user="U1", surface="teams", thread="a:dm")
        assert more.kind is Kind.MORE and more.choices
        opened = a.conversation.handle("2", user="U1", surface="teams", thread="a:dm")
        assert opened.item == more.choices[1].item
        assert b.conversation.handle("yes", user="U1", surface="teams", thread="a:dm").kind is Kind.FEEDBACK
        picked = b.conversation.handle("1", user="U1", surface="teams", thread="19:c;messageid=1")
        assert picked.item is not None and picked.item.id == "graded-care-profile"
        assert [(f.item_id, f.helpful) for f in a.store.feedback_since()] == [(more.choices[1].item.id, True)]

        errors: list[BaseException] = []

        def hammer(n: int) -> None:  # rival instances writing the same and different keys at once
            try:
                for k in range(20):
                    store = (a, b)[n % 2].store
                    assert store.save_state(surface="slack", thread="im", user=f"U{k % 3}", state=f"[{n},{k}]")
                    assert store.load_state(surface="slack", thread="im", user=f"U{k % 3}") is not None
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        a.store.purge()
        assert a.store.load_state(surface="slack", thread="im", user="U0") is not None
    finally:
        a.close()
        b.close()
