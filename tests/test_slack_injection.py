"""Nothing a Slack user types can make the bot ping, link or restyle (tests/data/slack/injections.yaml).

Each case goes in five ways: as a DM question, as "theme <text>" (which the bot echoes back), through
``/evidence``, through "Find evidence for this message", and as a team lead's share note. Every payload the
bot then posts must hold no control sequence except curated links and the sharer's own mention, no bare
``&``, ``<`` or ``>``, and the user's words only ever in ``plain_text`` objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_slack_support import CURATED, DATA, DM, LEAD, SlackHarness, control_problems, shown_strings

from adapters.slack.escape import unescape

MARK = "qqmark"
"""A word added to every case, to find where the user's text ended up."""


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((DATA / "injections.yaml").read_text(encoding="utf-8"))
    for case in cases:
        case["sent"] = case["sent"] * case.get("repeat", 1)
    cases.append({"name": "lone surrogate", "sent": "lone \ud83d surrogate fgc"})
    return cases


CASES = _cases()


def test_there_are_at_least_40_cases() -> None:
    assert len(CASES) >= 40 and len({c["name"] for c in CASES}) == len(CASES)


@pytest.fixture
async def slack(tmp_path: Path, knowledge_dir: Path, glossary_file: Path) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(tmp_path, knowledge_dir, glossary_file) as harness:
        yield harness


def mrkdwn_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return found + [t for v in node.values() for t in mrkdwn_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in mrkdwn_texts(v)]
    return []


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
async def test_user_text_cannot_ping_link_or_restyle(slack: SlackHarness, case: dict[str, Any]) -> None:
    sent = f"{MARK} {case['sent']}"
    await slack.event(slack.dm(sent))
    await slack.event(slack.dm(f"theme {sent}"))
    as_form = sent.encode("utf-8", "replace").decode()  # a form body cannot carry a lone surrogate; JSON can
    await slack.command(slack.slash(as_form, hook="slash"))
    await slack.interaction(slack.message_shortcut(sent, hook="shortcut"))
    note = {"note": {"type": "plain_text_input", "value": unescape(sent)[:1000]}}  # typed into a form: raw
    channel = {"channel": {"type": "conversations_select", "selected_conversation": "C0TEAM0001"}}
    form = slack.submission("share_modal", {"share_channel": channel, "share_note": note}, metadata='{"i":"marac"}')
    await slack.interaction(form)

    posts = await slack.fake.wait_for("/api/chat.postMessage", 3)
    await slack.fake.wait_for("/hooks/slash")
    await slack.fake.wait_for("/hooks/shortcut")
    shown = [c for c in slack.fake.calls if c.path != "/api/auth.test"]
    assert len(shown) == 5
    for call in shown:
        assert control_problems(call.body, urls=CURATED, users={LEAD}) == [], call.path
        assert not [t for t in mrkdwn_texts(call.body) if MARK in t], "user text in mrkdwn"
    share = next(p.body for p in posts if p.body["channel"] == "C0TEAM0001")
    assert any(MARK in t for t in shown_strings(share["blocks"]))  # the note really was shown, safely
    for echo in [p.body for p in posts if p.body["channel"] == DM and "have a theme called" in p.body["text"]]:
        assert any(MARK in t for t in shown_strings(echo["blocks"]))  # so was the echoed theme name
