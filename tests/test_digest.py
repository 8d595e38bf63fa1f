"""The weekly digest: the command, what counts as added or re-reviewed, Block Kit and the Adaptive Card, the
schedule, and one post per week and channel however many instances run."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapters.digest import DigestPoster, slack_blocks, slack_sender, teams_card
from bot.config import Settings
from bot.digest import build_digest, digest_text
from bot.errors import ConfigError
from bot.library import library_from_settings
from bot.runtime import Runtime
from bot.schedule import parse_schedule
from bot.store import open_store
from tests.conftest import cli_env

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC)


def test_the_digest_lists_added_and_re_reviewed_items_and_the_top_gaps(runtime: Runtime, knowledge_dir: Path) -> None:
    runtime.conversation.handle("caseload weighting tools?", user="U1", surface="slack")
    library = runtime.library
    first = build_digest(library.kb, runtime.store, library.engine, since=NOW - dt.timedelta(days=30), now=NOW)
    assert first.added == []  # the evidence base as first recorded is the baseline
    assert [i.id for i in first.reviewed] == ["family-group-conferences"]  # reviewed 2026-10-01
    assert first.gaps[0].examples == ["caseload weighting tools?"] and first.questions == 1
    (knowledge_dir / "new.yaml").write_text(
        "id: new-item\ntitle: A new item\nsummary: New.\nlinks: [{title: x, url: 'https://example.org/'}]\n",
        encoding="utf-8",
    )
    runtime.reload()
    library = runtime.library
    later = build_digest(
        library.kb, runtime.store, library.engine, since=dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    )
    assert [i.id for i in later.added] == ["new-item"]
    text = digest_text(later)
    assert "New evidence (1):" in text and "A new item [new-item]" in text and "caseload weighting tools?" in text


def test_the_command_prints_the_digest(settings: Settings, tmp_path: Path) -> None:
    env = cli_env(settings, tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "bot", "digest", "--since", "2026-01-01"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Evidence digest: 01 Jan to") and "Re-reviewed (4):" in run.stdout
    as_json = subprocess.run(
        [sys.executable, "-m", "bot", "digest", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(as_json.stdout)["added"] == []


def test_block_kit_and_the_adaptive_card_carry_the_digest_as_plain_text(runtime: Runtime) -> None:
    runtime.conversation.handle("<!channel> *caseload* weighting tools?", user="U1", surface="slack")
    library = runtime.library
    digest = build_digest(library.kb, runtime.store, library.engine, since=NOW - dt.timedelta(days=365), now=NOW)
    blocks = slack_blocks(digest)
    assert blocks[0]["type"] == "header"
    assert all(b["text"]["type"] == "plain_text" for b in blocks)
    assert any("caseload" in b["text"]["text"] for b in blocks)
    card = teams_card(digest)
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == digest.title
    assert any(b["type"] == "RichTextBlock" for b in card["body"])


def test_the_schedule_names_the_week_and_refuses_nonsense() -> None:
    schedule = parse_schedule("Mon 09:00", "Europe/London")
    assert schedule.week_of(dt.datetime(2026, 10, 19, 7, 59, tzinfo=dt.UTC)) == "2026-10-12"  # 08:59 in London
    assert schedule.week_of(dt.datetime(2026, 10, 19, 8, 0, tzinfo=dt.UTC)) == "2026-10-19"
    with pytest.raises(ConfigError, match="BOT_DIGEST_SCHEDULE"):
        Settings.from_env({"BOT_DIGEST_SCHEDULE": "someday"})
    with pytest.raises(ConfigError, match="BOT_DIGEST_TIMEZONE"):
        Settings.from_env({"BOT_DIGEST_TIMEZONE": "Mars/Olympus"})


class FakeClient:
    def __init__(self, sent: list[dict[str, Any]]) -> None:
        self.sent = sent

    def chat_postMessage(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def test_two_instances_post_each_weeks_digest_once_per_channel(settings: Settings) -> None:
    sent: list[dict[str, Any]] = []
    channels = ["C0DIGEST1", "C0DIGEST2"]
    instances = []
    for _ in range(2):  # two processes sharing one store
        runtime = Runtime(
            replace(settings, digest_slack_channels=",".join(channels)),
            library_from_settings(settings),
            open_store(settings.database_url),
        )
        instances.append(
            (runtime, DigestPoster(runtime, {"slack": (lambda: channels, slack_sender(FakeClient(sent)))}))
        )
    monday = dt.datetime(2026, 10, 19, 9, 30, tzinfo=dt.UTC)
    for moment in (monday, monday + dt.timedelta(minutes=1), monday + dt.timedelta(days=2)):
        for _, poster in instances:
            poster.post_due(moment)
    assert sorted(m["channel"] for m in sent) == channels
    for _, poster in instances:
        poster.post_due(monday + dt.timedelta(days=7))
    assert len(sent) == 4 and all(m["blocks"][0]["type"] == "header" for m in sent)
    for runtime, _ in instances:
        runtime.close()
