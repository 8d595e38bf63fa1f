"""Several instances on one PostgreSQL store: shared schema, atomic claims, idempotent writes.

Runs against a real PostgreSQL server when ``BOT_TEST_POSTGRES_URL`` is set (``.ci/run`` starts one with
``scripts/postgres-for-tests``); skipped otherwise, so the README's test command needs no database server.
Each test gets a database of its own.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update

from bot import Answer, Settings
from bot.insights import gaps, stats
from bot.runtime import Runtime
from bot.store import SCHEMA_VERSION, Store, now, open_store, questions, schema_version


def _parallel(count: int, work: object) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)  # type: ignore[operator]
        except BaseException as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_instances_starting_together_share_one_schema_and_one_salt(postgres_url: str) -> None:
    stores: list[Store] = []
    errors = _parallel(4, lambda n: stores.append(open_store(postgres_url)))
    assert errors == [] and len(stores) == 4
    assert {schema_version(s) for s in stores} == {SCHEMA_VERSION}
    assert len({s.user_hash("slack", "U1") for s in stores}) == 1
    for s in stores:
        s.close()


def test_each_event_is_claimed_by_exactly_one_of_several_instances(postgres_url: str) -> None:
    """Four instances (separate engines and pools) race for the same 300 event ids."""
    stores = [open_store(postgres_url) for _ in range(4)]
    wins = [0] * 4
    events = [f"Ev{n}" for n in range(300)]

    def claim(n: int) -> None:
        for event_id in events:
            wins[n] += stores[n].claim_event("slack", event_id)

    assert _parallel(4, claim) == []
    assert sum(wins) == 300
    for s in stores:
        s.close()


def test_feedback_clicks_from_several_instances_are_one_row_each(postgres_url: str) -> None:
    stores = [open_store(postgres_url) for _ in range(4)]
    written = [0] * 4

    def click(n: int) -> None:
        for i in range(500):
            for click_id in {f"{n}-{i}", f"{(n + 1) % 4}-{i}" if i % 10 == 0 else f"{n}-{i}"}:
                written[n] += stores[n].feedback(
                    question_id=None, item_id="fgc", helpful=True, surface="slack", user="U1", event_id=click_id
                )

    assert _parallel(4, click) == []
    with stores[0].engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*), count(DISTINCT event_id) FROM feedback").one()
    assert tuple(rows) == (2000, 2000) and sum(written) == 2000
    for s in stores:
        s.close()


def test_the_bot_records_and_reports_on_postgresql(settings: Settings, postgres_url: str) -> None:
    runtime = Runtime.start(Settings(**{**_fields(settings), "database_url": postgres_url}))
    ask = runtime.conversation.handle
    reply = ask("do family group conferences work? mum Sarah Jones 07700 900123", user="U1", surface="teams")
    assert reply.item is not None and reply.question_id
    ask("no, nothing on teenagers", user="U1", surface="teams")
    ask("caseload weighting tools?", user="U2", surface="slack")
    assert runtime.store.question(surface="slack", user="U2", answer=Answer("x \x00 \ud800"), event_id="e\x00")
    usage = stats(runtime.store)
    assert usage.total.questions == 3 and usage.total.not_helpful == 1
    found = gaps(runtime.store, runtime.library.engine)
    assert {g.examples[0] for g in found} >= {"caseload weighting tools?"}
    assert all("Sarah" not in e and "07700" not in e for g in found for e in g.examples)
    with runtime.store.engine.begin() as conn:
        conn.execute(update(questions).values(asked_at=now() - timedelta(days=365)))
    assert runtime.store.purge() == 3 + 0 and stats(runtime.store).total.questions == 0
    runtime.close()


def _fields(settings: Settings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in settings.__slots__}  # type: ignore[attr-defined]
