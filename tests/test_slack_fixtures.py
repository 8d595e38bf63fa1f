"""Every Slack fixture (copied from the shared prototype into tests/data/slack) replayed over real HTTP.

Events are sent byte for byte as stored; the slash command and the interactivity payloads only get their
``response_url`` pointed at the stand-in Slack, as a real request would point at hooks.slack.com.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import pytest
from test_slack_support import CURATED, DATA, FIXTURES, SlackHarness, all_text, control_problems, fixture_json


@pytest.fixture
async def slack(tmp_path: Path, knowledge_dir: Path, glossary_file: Path) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(tmp_path, knowledge_dir, glossary_file) as harness:
        yield harness


async def replay(slack: SlackHarness, name: str) -> None:
    """Send one fixture and wait for what the bot does with it."""
    raw = (DATA / name).read_text(encoding="utf-8")
    if name == "slack_slash_command.form":
        original = dict(part.split("=", 1) for part in raw.split("&"))["response_url"]
        body = raw.replace(original, quote_plus(slack.fake.hook("fixture")))
        response = await slack.post(body, "application/x-www-form-urlencoded")
        await slack.fake.wait_for("/hooks/fixture")
    elif name in ("slack_app_mention.json", "slack_message_im.json"):
        response = await slack.post(raw, "application/json")
        await slack.fake.wait_for("/api/chat.postMessage")
    else:
        payload = json.loads(raw)
        if "response_url" in payload:
            payload["response_url"] = slack.fake.hook("fixture")
        response = await slack.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
        await slack.fake.wait_for("/api/views.open" if payload["type"] == "block_actions" else "/api/chat.postMessage")
    assert (response.status, response.text) == (200, "")


@pytest.mark.parametrize("name", FIXTURES)
async def test_every_fixture_replays_and_nothing_posted_can_ping_or_link(slack: SlackHarness, name: str) -> None:
    await replay(slack, name)
    posted = [c for c in slack.fake.calls if c.path != "/api/auth.test"]
    assert posted
    for call in posted:
        assert control_problems(call.body, urls=CURATED) == [], call.path


async def test_the_mention_fixture_is_answered_in_its_thread_without_pinging_here(slack: SlackHarness) -> None:
    await replay(slack, "slack_app_mention.json")
    [answer] = slack.fake.find("/api/chat.postMessage")
    assert (answer.body["channel"], answer.body["thread_ts"]) == ("C0FOSTER1", "1767960000.123400")
    assert "!here" not in json.dumps(answer.body)  # the broadcast was neither echoed nor kept
    [question] = slack.stored_questions()
    assert question.text == "what works for neglect & parenting?"  # unescaped once, mention and broadcast gone


async def test_the_dm_fixture_is_answered_in_the_dm(slack: SlackHarness) -> None:
    await replay(slack, "slack_message_im.json")
    [answer] = slack.fake.find("/api/chat.postMessage")
    assert answer.body["channel"] == "D0EVDM001"
    assert slack.stored_questions()[0].text == "is there evidence on kinship care for teenagers?"


async def test_the_slash_command_fixture_is_answered_privately(slack: SlackHarness) -> None:
    await replay(slack, "slack_slash_command.form")
    [answer] = slack.fake.find("/hooks/fixture")
    assert answer.body["response_type"] == "ephemeral"
    assert "Family group conferences" in all_text(answer.body)
    assert slack.stored_questions()[0].text == "does FGC reduce entry to care & re-referrals?"


async def test_the_block_actions_fixture_opens_the_share_form_for_its_channel(slack: SlackHarness) -> None:
    await replay(slack, "slack_block_actions.json")
    [opened] = slack.fake.find("/api/views.open")
    assert opened.body["trigger_id"] == fixture_json("slack_block_actions.json")["trigger_id"]
    form = opened.body["view"]
    assert form["callback_id"] == "share_modal" and json.loads(form["private_metadata"]) == {
        "i": "family-group-conferences"
    }
    assert form["blocks"][1]["element"]["initial_conversation"] == "C0FOSTER1"


async def test_the_view_submission_fixture_is_answered_in_the_apps_dm(slack: SlackHarness) -> None:
    await replay(slack, "slack_view_submission.json")
    [answer] = slack.fake.find("/api/chat.postMessage")
    assert answer.body["channel"] == "U0PRAC001"
    assert slack.stored_questions()[0].text == "what helps reunification after care?"
