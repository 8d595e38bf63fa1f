"""Hot reload: curators' edits go live within 2 s; broken edits never take the last good index away."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import Settings
from bot.runtime import Runtime
from bot.watch import KnowledgeWatcher

NEW_ITEM = """\
id: life-story-work
title: Life story work with adopted children
summary: Life story work helps adopted and looked after children understand their history.
links: [{title: Example, url: "https://example.org/life-story"}]
themes: [children in care and care leavers]
tags: [life story work, adoption]
questions: [Does life story work help adopted children?]
reviewed: 2026-11-01
"""


@pytest.fixture
def watched(settings: Settings) -> Iterator[tuple[Runtime, KnowledgeWatcher]]:
    runtime = Runtime.start(settings)
    watcher = KnowledgeWatcher(runtime, interval=0.1, settle=0.2).start()
    yield runtime, watcher
    watcher.stop()
    runtime.close()


def _within(seconds: float, condition: Callable[[], bool]) -> float | None:
    """Seconds until ``condition`` held, or None if it never did."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def _answers(runtime: Runtime) -> list[str | None]:
    questions = ["fgc evidence?", "group supervision", "neglect tools", "marac", "life story work"]
    return [(runtime.conversation.handle(q, user="probe").item or type("x", (), {"id": None})).id for q in questions]


def test_a_valid_edit_is_live_within_two_seconds(
    watched: tuple[Runtime, KnowledgeWatcher], knowledge_dir: Path
) -> None:
    runtime, _ = watched
    assert runtime.conversation.handle("does life story work help adopted children?").item is None
    (knowledge_dir / "life.yaml").write_text(NEW_ITEM, encoding="utf-8")
    took = _within(2.0, lambda: len(runtime.library.kb.items) == 5)
    assert took is not None, "not reloaded within 2 s"
    reply = runtime.conversation.handle("does life story work help adopted children?")
    assert reply.item is not None and reply.item.id == "life-story-work"
    assert runtime.health()["last_reload"]["ok"] is True  # type: ignore[index]


CORRUPTIONS: dict[str, tuple[str, bytes, str]] = {
    # name: (file, content, what the log line must name)
    "yaml syntax error": ("fgc.yaml", b"id: family-group-conferences\ntitle: [unclosed\n", "fgc.yaml:"),
    "half-written file": ("fgc.yaml", b"id: family-group-conferences\ntitle: Family gr", "fgc.yaml"),
    "unknown field": ("fgc.yaml", NEW_ITEM.replace("tags:", "tagz:").encode(), "fgc.yaml:6: unknown field 'tagz'"),
    "duplicate key": ("fgc.yaml", (NEW_ITEM + "title: again\n").encode(), "fgc.yaml:9"),
    "duplicate id across files": ("copy.yaml", NEW_ITEM.replace("life-story-work", "marac").encode(), "marac"),
    "non-UTF-8 bytes": ("fgc.yaml", b"id: x\ntitle: caf\xe9 \xff\xfe\n", "fgc.yaml"),
    "alias bomb": ("fgc.yaml", b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "fgc.yaml"),
}


@pytest.mark.parametrize("name", [*CORRUPTIONS, "directory emptied"])
def test_a_broken_edit_keeps_the_last_good_index_and_says_where(
    name: str,
    watched: tuple[Runtime, KnowledgeWatcher],
    knowledge_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime, _ = watched
    before_items, before_answers = runtime.library.kb.items, _answers(runtime)
    with caplog.at_level(logging.ERROR, logger="bot.runtime"):
        if name == "directory emptied":
            for path in knowledge_dir.rglob("*.yaml"):
                path.unlink()
            expected = "no knowledge items"
        else:
            file, content, expected = CORRUPTIONS[name]
            (knowledge_dir / file).write_bytes(content)
        took = _within(2.0, lambda: not runtime.reload_status.ok)
    assert took is not None, "failure not noticed within 2 s"
    assert runtime.library.kb.items == before_items and _answers(runtime) == before_answers
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.runtime"]
    assert expected in line and "still serving the last good version" in line
    health = runtime.health()
    assert health["ok"] is False and expected in health["last_reload"]["error"]  # type: ignore[index]


def test_a_fix_after_a_failure_goes_live(watched: tuple[Runtime, KnowledgeWatcher], knowledge_dir: Path) -> None:
    runtime, _ = watched
    (knowledge_dir / "life.yaml").write_text(NEW_ITEM.replace("title:", "titel:"), encoding="utf-8")
    assert _within(2.0, lambda: not runtime.reload_status.ok) is not None
    (knowledge_dir / "life.yaml").write_text(NEW_ITEM, encoding="utf-8")
    assert _within(2.0, lambda: runtime.reload_status.ok and len(runtime.library.kb.items) == 5) is not None


def test_questions_during_reloads_each_come_from_one_complete_index(runtime: Runtime, knowledge_dir: Path) -> None:
    """200 questions from 8 threads while the index is swapped back and forth: none fails or mixes."""
    old_ids = {i.id for i in runtime.library.kb.items}
    (knowledge_dir / "life.yaml").write_text(NEW_ITEM, encoding="utf-8")
    failures: list[BaseException] = []
    seen: list[tuple[str, ...]] = []
    stop = threading.Event()

    def reloader() -> None:
        while not stop.is_set():
            runtime.reload()

    def asker(n: int) -> None:
        for _ in range(25):
            try:
                reply = runtime.conversation.handle("does life story work help adopted children?", user=f"U{n}")
                seen.append(tuple(m.item.id for m in (reply.answer.results if reply.answer else ())))
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)

    swapper = threading.Thread(target=reloader)
    swapper.start()
    askers = [threading.Thread(target=asker, args=(n,)) for n in range(8)]
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    stop.set()
    swapper.join()
    assert failures == [] and len(seen) == 200
    new_ids = old_ids | {"life-story-work"}
    assert all(set(ids) <= new_ids for ids in seen)
    assert runtime.reload_status.ok
