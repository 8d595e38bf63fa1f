"""Curator insights: gaps grouped by meaning, usage figures, and the `gaps`/`stats` commands."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from bot.config import Settings
from bot.insights import NONE_OF_THESE, NOT_HELPFUL, UNANSWERED, gaps, stats
from bot.runtime import Runtime
from bot.store import now, questions
from tests.conftest import cli_env

ROOT = Path(__file__).resolve().parent.parent


def test_near_duplicate_gap_questions_are_one_group_with_counts_and_examples(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    for n, text in enumerate(
        [
            "evidence on lifestory work with adopted children?",
            "life story work adopted kids evidence",
            "Evidence on life-story work with adopted children",
            "what helps with caseload weighting tools",
            "caseload weighting tool evidence?",
        ]
    ):
        ask(text, user=f"U{n}", surface="slack")
    found = gaps(runtime.store, runtime.library.engine)
    assert [g.count for g in found] == [3, 2]
    assert found[0].kinds[UNANSWERED] + found[0].kinds["unsure"] == 3
    assert len(found[0].examples) == 3 and found[0].surfaces == {"slack": 3}


def test_gaps_include_none_of_these_and_not_helpful_with_the_reason(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    reply = ask("do family group conferences work?", user="U1", surface="teams")
    assert reply.item is not None
    ask("no, nothing on FGCs for teenagers", user="U1", surface="teams")
    ask("family court assessments", user="U2", surface="teams")
    ask("none of these", user="U2", surface="teams")
    found = {g.examples[0]: g for g in gaps(runtime.store, runtime.library.engine)}
    helpful = found["do family group conferences work?"]
    assert helpful.kinds == {NOT_HELPFUL: 1} and helpful.reasons == ["nothing on FGCs for teenagers"]
    assert helpful.nearest_item == "family-group-conferences"
    assert found["family court assessments"].kinds[NONE_OF_THESE] == 1


def test_since_leaves_out_older_rows(runtime: Runtime) -> None:
    runtime.conversation.handle("caseload weighting tools?", user="U1", surface="slack")
    with runtime.store.engine.begin() as conn:
        conn.execute(update(questions).values(asked_at=now() - timedelta(days=20)))
    runtime.conversation.handle("lifestory work evidence?", user="U1", surface="slack")
    assert len(gaps(runtime.store, runtime.library.engine)) == 2
    assert len(gaps(runtime.store, runtime.library.engine, since=now() - timedelta(days=7))) == 1


def test_stats_count_answers_feedback_and_shares_per_week_and_surface(runtime: Runtime) -> None:
    ask = runtime.conversation.handle
    ask("do family group conferences work?", user="U1", surface="slack")
    ask("yes", user="U1", surface="slack")
    ask("group supervision evidence", user="U2", surface="teams")
    ask("no", user="U2", surface="teams")
    ask("caseload weighting tools?", user="U3", surface="teams")
    runtime.conversation.share("marac", user="U4", surface="slack", event_id="s1")
    usage = stats(runtime.store)
    assert usage.total.questions == 3 and usage.total.confident == 2
    assert usage.total.helpful == 1 and usage.total.not_helpful == 1 and usage.total.shares == 1
    assert usage.surfaces["teams"].questions == 2 and usage.surfaces["slack"].answer_rate == 1.0
    assert len(usage.weeks) == 1 and next(iter(usage.weeks)).weekday() == 0
    assert dict(usage.top_items) == {"family-group-conferences": 1, "group-supervision": 1}
    assert usage.shared_items == [("marac", 1)]


def _cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_commands_work_on_a_store_filled_by_the_console_chat(
    knowledge_dir: Path, glossary_file: Path, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'bot.db'}"
    env = cli_env(Settings(knowledge_dir=knowledge_dir, glossary_path=glossary_file, database_url=store), tmp_path)
    lines = ["fgc evidence?", "yes", "caseload weighting tools", "caseload weighting tool evidence"]
    piped = "\n".join([*lines, "group supervision", "no, too general", ""])
    chat = _cli(env=env, stdin=piped)
    assert chat.returncode == 0 and "Was this helpful?" in chat.stdout and "Thanks for the feedback" in chat.stdout

    table = _cli("gaps", env=env)
    assert table.returncode == 0 and "caseload weighting" in table.stdout and "too general" in table.stdout
    as_json = json.loads(_cli("gaps", "--json", env=env).stdout)
    assert [g["count"] for g in as_json] == [2, 1]
    rows = list(csv.DictReader(io.StringIO(_cli("gaps", "--csv", "--since", "7d", env=env).stdout)))
    assert [r["count"] for r in rows] == ["2", "1"] and rows[1]["nearest_item"] == "group-supervision"
    assert json.loads(_cli("gaps", "--json", "--since", "2099-01-01", env=env).stdout) == []

    usage = _cli("stats", env=env)
    assert usage.returncode == 0 and "4 question(s)" in usage.stdout and "console" in usage.stdout
    figures = json.loads(_cli("stats", "--json", env=env).stdout)
    assert figures["total"]["helpful"] == 1 and figures["total"]["not_helpful"] == 1
    assert figures["surfaces"]["console"]["questions"] == 4

    bad = _cli("gaps", "--since", "last tuesday", env=env)
    assert bad.returncode == 2 and "expected a date" in bad.stderr and "Traceback" not in bad.stderr
