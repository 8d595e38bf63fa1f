"""The store survives what a server does to it: killed writers and many threads clicking at once."""

from __future__ import annotations

import logging
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from bot.store import open_store

ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import sys
from bot.answer import Answer
from bot.store import open_store

store = open_store(sys.argv[1])
n = int(sys.argv[2])
while True:
    n += 1
    if store.feedback(question_id=None, item_id="fgc", helpful=n % 2 == 0, surface="slack", user="U1",
                      reason="reason %d" % n, event_id="click-%d" % n):
        print(n, flush=True)  # acknowledged: the row is committed
    store.question(surface="slack", user="U1", answer=Answer("question %d" % n), event_id="q-%d" % n)
"""


def test_a_writer_killed_at_random_moments_loses_no_acknowledged_row(tmp_path: Path) -> None:
    """25 times: start a writer, SIGKILL it mid-stream, check every acknowledged row and the file."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    open_store(url).close()
    rng = random.Random(20261122)
    acknowledged: list[int] = []
    start = 0
    for _ in range(25):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(start)], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert writer.stdout is not None
        first = writer.stdout.readline()  # the writer is up and writing
        assert first.strip(), "writer did not start"
        acknowledged.append(int(first))
        time.sleep(rng.uniform(0.0, 0.25))
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate(timeout=30)
        acknowledged += [int(line) for line in rest.split()]
        assert writer.returncode == -signal.SIGKILL
        start = acknowledged[-1] + 1000  # a fresh range of click ids for the next writer
    with closing(sqlite3.connect(tmp_path / "bot.db")) as db, db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {int(r[0].removeprefix("click-")) for r in db.execute("SELECT event_id FROM feedback")}
    missing = [n for n in acknowledged if n not in stored]
    assert len(acknowledged) > 25 and missing == []


def test_four_threads_clicking_500_times_with_retries_store_one_row_per_click(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    new_rows = [0] * 4
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def click(thread: int) -> None:
        try:
            barrier.wait()
            for i in range(500):
                # Each click is delivered once, every fourth one twice (a platform retry), and every
                # tenth is also delivered by the neighbouring thread (a retry landing elsewhere).
                ids = [f"{thread}-{i}"] * (2 if i % 4 == 0 else 1)
                if i % 10 == 0:
                    ids.append(f"{(thread + 1) % 4}-{i}")
                for click_id in ids:
                    new_rows[thread] += store.feedback(
                        question_id=None,
                        item_id="fgc",
                        helpful=True,
                        surface="teams",
                        user=f"U{thread}",
                        event_id=click_id,
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with caplog.at_level(logging.WARNING):
        threads = [threading.Thread(target=click, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with closing(sqlite3.connect(tmp_path / "bot.db")) as db, db:
        rows = db.execute("SELECT count(*), count(DISTINCT event_id) FROM feedback").fetchone()
    store.close()
    assert errors == [] and "locked" not in caplog.text and caplog.records == []
    assert rows == (2000, 2000) and sum(new_rows) == 2000
