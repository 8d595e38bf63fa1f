"""Slack as people use it in 2026: the agent view (suggested prompts, a loading status only when slow), org-wide
installs (events carrying ``enterprise_id``), Block Kit's own feedback buttons, and the manifest that asks for
them. Everything through signed HTTP requests against the real bolt app and a stand-in Slack Web API."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.models.blocks import Block, ContextActionsBlock, FeedbackButtonsElement
from test_slack_support import DM, PRACTITIONER, SlackHarness, eventually, native_feedback

from adapters.slack import delivery as slack_delivery
from adapters.slack import wording
from adapters.slack.delivery import who_sent
from bot import messages

MANIFEST = Path(__file__).parent.parent / "adapters" / "slack" / "manifest.yaml"
FGC = "do family group conferences stop children coming into care?"
ORG = "E0COUNCILS"


@pytest.fixture
async def slack(tmp_path: Path, knowledge_dir: Path, glossary_file: Path) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(tmp_path, knowledge_dir, glossary_file) as harness:
        yield harness


def _messages_tab_opened(slack: SlackHarness) -> dict[str, Any]:
    payload = slack.dm("")
    payload["event"] = {"type": "app_home_opened", "user": PRACTITIONER, "channel": DM, "tab": "messages"}
    return payload


async def test_opening_the_messages_tab_sets_up_to_four_suggested_prompts(slack: SlackHarness) -> None:
    response = await slack.event(_messages_tab_opened(slack))
    assert (response.status, response.text) == (200, "")
    [call] = await slack.fake.wait_for("/api/assistant.threads.setSuggestedPrompts")
    assert call.body["channel_id"] == DM and "thread_ts" not in call.body  # an agent-view app must not send one
    assert call.body["title"] == messages.SUGGESTED_PROMPTS_TITLE
    prompts = call.body["prompts"]
    assert 1 < len(prompts) <= 4 and all(set(p) == {"title", "message"} for p in prompts)
    asked = {q for item in slack.runtime.conversation.engine.items for q in item.questions}
    assert all(p["message"] in asked for p in prompts[:-1])  # drawn from the curated example questions
    assert prompts[-1] == {"title": messages.BROWSE_THEMES_PROMPT, "message": "themes"}
    await asyncio.sleep(0.2)
    assert not slack.fake.find("/api/chat.postMessage")  # no greeting message, no channel context read


async def test_without_the_agent_view_the_refused_prompts_cost_nothing(slack: SlackHarness) -> None:
    """A free workspace (or an old manifest) refuses the call: no apology, and the DM answers as before."""
    slack.fake.script("/api/assistant.threads.setSuggestedPrompts", 200, {"ok": False, "error": "not_allowed"})
    assert (await slack.event(_messages_tab_opened(slack))).status == 200
    await slack.event(slack.dm(FGC))
    [answer] = await slack.fake.wait_for("/api/chat.postMessage")
    assert answer.body["text"].startswith(messages.ANSWER_LEAD)


async def test_a_quick_answer_shows_no_loading_status(slack: SlackHarness) -> None:
    await slack.event(slack.dm(FGC))
    await slack.fake.wait_for("/api/chat.postMessage")
    assert not slack.fake.find("/api/assistant.threads.setStatus")


async def test_a_slow_answer_shows_the_loading_status_first(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_delivery, "STATUS_AFTER", 0.05)
    conversation = slack.runtime.conversation
    answer_now = conversation.handle

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)  # a slow database, a cold model: the status is worth showing
        return answer_now(*args, **kwargs)

    monkeypatch.setattr(conversation, "handle", slow)
    payload = slack.dm(FGC)
    payload["event"]["thread_ts"] = "1767960300.000100"  # a thread in the agent view's conversation
    await slack.event(payload)
    [answer] = await slack.fake.wait_for("/api/chat.postMessage", timeout=10)
    paths = [c.path for c in slack.fake.calls]
    [status] = slack.fake.find("/api/assistant.threads.setStatus")
    assert paths.index(status.path) < paths.index("/api/chat.postMessage")
    shown = {k: status.body.get(k) for k in ("channel_id", "thread_ts", "status")}
    assert shown == {"channel_id": DM, "thread_ts": "1767960300.000100", "status": wording.LOOKING}
    assert answer.body["thread_ts"] == "1767960300.000100"  # the reply lands where the status was shown


async def test_events_from_an_org_wide_install_are_answered_per_organisation(slack: SlackHarness) -> None:
    payload = slack.dm(FGC)
    payload.update({"team_id": "T0WORKSPACEB", "enterprise_id": ORG, "is_enterprise_install": True})
    payload["authorizations"] = [
        {"enterprise_id": ORG, "team_id": None, "user_id": "U0EVBOT01", "is_bot": True, "is_enterprise_install": True}
    ]
    payload["event"]["team"] = "T0WORKSPACEB"
    assert (await slack.event(payload)).status == 200
    [answer] = await slack.fake.wait_for("/api/chat.postMessage")
    assert answer.body["channel"] == DM and answer.body["text"].startswith(messages.ANSWER_LEAD)
    assert who_sent(payload).key == f"{ORG}:{PRACTITIONER}"

    # the same person, reaching the bot from another workspace of the organisation, continues their conversation
    more = slack.dm("more")
    more.update({"team_id": "T0WORKSPACEC", "enterprise_id": ORG, "is_enterprise_install": True})
    await slack.event(more)
    [_, further] = await slack.fake.wait_for("/api/chat.postMessage", count=2)
    assert messages.NOTHING_TO_CONTINUE not in json.dumps(further.body)


def test_every_payload_shape_names_the_organisation() -> None:
    event = {"team_id": "T1", "enterprise_id": ORG, "event": {"user": "U1"}}
    command = {"command": "/evidence", "user_id": "U1", "team_id": "T1", "enterprise_id": ORG}
    click = {"type": "block_actions", "user": {"id": "U1", "team_id": "T1"}, "enterprise": {"id": ORG}}
    assert {who_sent(body).key for body in (event, command, click)} == {f"{ORG}:U1"}
    assert who_sent({"team_id": "T1", "event": {"user": "U1"}}).key == "T1:U1"  # a standalone workspace


async def test_the_native_feedback_element_validates_and_records_like_the_buttons(slack: SlackHarness) -> None:
    await slack.event(slack.dm(FGC))
    [answer] = await slack.fake.wait_for("/api/chat.postMessage")
    [block] = [b for b in answer.body["blocks"] if b["type"] == "context_actions"]
    parsed = Block.parse(block)
    assert isinstance(parsed, ContextActionsBlock) and isinstance(parsed.elements[0], FeedbackButtonsElement)
    parsed.validate_json()  # slack_sdk's own limits (labels, values, element count)
    assert parsed.to_dict() == block
    up, down = native_feedback(answer.body["blocks"])
    await slack.interaction(slack.click("feedback_buttons", up, hook="up", ephemeral=False, channel=DM))
    [thanks] = await slack.fake.wait_for("/hooks/up")
    assert thanks.body["text"] == messages.FEEDBACK_THANKS
    await eventually(lambda: len(slack.stored_feedback()) == 1)
    [row] = slack.stored_feedback()
    assert (row.item_id, row.helpful, row.surface) == ("family-group-conferences", True, "slack")
    await slack.interaction(slack.click("feedback_buttons", down, hook="down", ephemeral=False, channel=DM))
    [form] = await slack.fake.wait_for("/api/views.open")
    assert form.body["view"]["callback_id"] == "feedback_reason"  # thumbs down asks what was missing, as before


def test_the_manifest_asks_for_the_agent_view_org_install_and_nothing_more() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert "assistant_view" not in features
    assert "not generated text" in features["agent_view"]["agent_description"]
    assert "not generated text" in manifest["display_information"]["description"]
    assert len(manifest["display_information"]["description"]) <= 140
    assert settings["org_deploy_enabled"] is True
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert "assistant:write" in scopes
    assert not [s for s in scopes if s.endswith(":history") and s != "im:history"]  # never channel history
    events = settings["event_subscriptions"]["bot_events"]
    assert "app_context_changed" not in events and "assistant_thread_context_changed" not in events
