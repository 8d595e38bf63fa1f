"""What practitioners and team leads do in Slack, end to end over real HTTP with a stand-in Slack.

Each test sends signed requests to the adapter's ``/slack/events`` and checks both the HTTP answer
(Slack's ack) and what reached the stand-in Slack (what people would see), plus what was stored.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_slack_support import (
    BOT_USER,
    CHANNEL,
    CURATED,
    DM,
    LEAD,
    PRACTITIONER,
    TEAM,
    SlackHarness,
    all_text,
    control_problems,
    eventually,
    native_feedback,
)

from adapters.slack import wording
from adapters.slack.escape import escape
from bot import messages

FGC = "do family group conferences stop children coming into care?"
UNSURE = "what helps reunification after care?"


@pytest.fixture
async def slack(tmp_path: Path, knowledge_dir: Path, glossary_file: Path) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(tmp_path, knowledge_dir, glossary_file) as harness:
        yield harness


def header(body: dict[str, Any]) -> str:
    return str(next(b for b in body["blocks"] if b["type"] == "header")["text"]["text"])


def buttons(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The message's buttons by action id."""
    found = {}
    for block in body["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["action_id"]] = element
    return found


async def test_a_direct_message_is_answered_in_the_dm(slack: SlackHarness) -> None:
    response = await slack.event(slack.dm(FGC))
    assert (response.status, response.text) == (200, "")
    [answer] = await slack.fake.wait_for("/api/chat.postMessage")
    assert answer.body["channel"] == DM and "thread_ts" not in answer.body
    assert header(answer.body) == "Family group conferences"
    assert answer.body["mrkdwn"] is False and answer.body["text"].startswith(messages.ANSWER_LEAD)
    assert set(buttons(answer.body)) == {"share_to_channel"}
    assert native_feedback(answer.body["blocks"])  # Block Kit's thumbs up / down
    assert slack.fake.find("/api/auth.test")  # bolt checked the token on the first request
    [row] = slack.stored_questions()
    assert (row.surface, row.top_item, row.outcome) == ("slack", "family-group-conferences", "confident")


async def test_a_mention_is_answered_in_its_thread_without_the_bots_name(slack: SlackHarness) -> None:
    payload = slack.mention("FGC evidence?")
    await slack.event(payload)
    [answer] = await slack.fake.wait_for("/api/chat.postMessage")
    assert (answer.body["channel"], answer.body["thread_ts"]) == (CHANNEL, payload["event"]["ts"])
    assert header(answer.body) == "Family group conferences"
    await slack.event(slack.mention("and group supervision?", thread_ts="1767959999.000100"))
    answers = await slack.fake.wait_for("/api/chat.postMessage", 2)
    assert answers[1].body["thread_ts"] == "1767959999.000100"
    assert all(BOT_USER not in row.text for row in slack.stored_questions())


async def test_the_slash_command_answers_privately_and_can_post_the_card_to_the_channel(slack: SlackHarness) -> None:
    response = await slack.command(slack.slash("fgc"))
    assert (response.status, response.text) == (200, "")
    [answer] = await slack.fake.wait_for("/hooks/command")
    assert answer.body["response_type"] == "ephemeral" and header(answer.body) == "Family group conferences"
    post = buttons(answer.body)["post_in_channel"]
    assert post["text"]["text"] == wording.POST_HERE_BUTTON

    await slack.interaction(slack.click("post_in_channel", post["value"], hook="post"))
    card, done = await slack.fake.wait_for("/hooks/post", 2)
    assert (card.body["response_type"], card.body["replace_original"]) == ("in_channel", False)
    assert card.body["blocks"][0]["elements"][0]["text"] == f"Shared by <@{LEAD}>"
    assert not [b for b in card.body["blocks"] if b["type"] == "actions"]
    assert control_problems(card.body, urls=CURATED, users={LEAD}) == []
    assert done.body["replace_original"] is True and wording.POSTED_DONE in done.body["text"]
    await eventually(lambda: slack.runtime.store.share_counts() == {"family-group-conferences": 1})


async def test_the_home_tab_shows_how_to_ask_the_themes_and_recent_items(slack: SlackHarness) -> None:
    event = {
        "type": "event_callback",
        "team_id": TEAM,
        "api_app_id": "A0EVBOT001",
        "event_id": slack.next_event_id(),
        "event_time": 1767960000,
        "event": {"type": "app_home_opened", "user": PRACTITIONER, "channel": DM, "tab": "home", "event_ts": "1.2"},
    }
    assert (await slack.event(event)).status == 200
    [published] = await slack.fake.wait_for("/api/views.publish")
    assert published.body["user_id"] == PRACTITIONER
    view = published.body["view"]
    text = all_text(view)
    assert view["type"] == "home" and "send me a direct message" in text and "/evidence" in text
    assert "supervision and decision-making (1)" in text and wording.HOME_RECENT in text
    recent = [b["accessory"]["value"] for b in view["blocks"] if b.get("block_id", "").startswith("recent_")]
    assert recent[0] == "family-group-conferences"  # reviewed most recently

    await slack.interaction(slack.home_click("open_theme_3", "supervision and decision-making"))
    [opened] = await slack.fake.wait_for("/api/views.open")
    assert "Group supervision for social workers" in all_text(opened.body["view"])
    await slack.interaction(slack.home_click("show_item", "group-supervision", in_modal=True))
    [pushed] = await slack.fake.wait_for("/api/views.push")
    assert header(pushed.body["view"]) == "Group supervision for social workers"


async def test_the_message_shortcut_finds_evidence_for_a_colleagues_message(slack: SlackHarness) -> None:
    response = await slack.interaction(
        slack.message_shortcut("<@U0OTHER1> do family group conferences &amp; FGC stop kids going into care?")
    )
    assert (response.status, response.text) == (200, "")
    [answer] = await slack.fake.wait_for("/hooks/shortcut")
    assert answer.body["response_type"] == "ephemeral" and header(answer.body) == "Family group conferences"
    assert "U0OTHER1" not in slack.stored_questions()[0].text


async def test_the_ask_shortcut_opens_a_form(slack: SlackHarness) -> None:
    shortcut = {
        "type": "shortcut",
        "callback_id": "ask_evidence",
        "trigger_id": "7001234599999.1.x",
        "user": {"id": PRACTITIONER, "team_id": TEAM},
        "team": {"id": TEAM},
    }
    assert (await slack.interaction(shortcut)).status == 200
    [opened] = await slack.fake.wait_for("/api/views.open")
    assert (
        opened.body["trigger_id"] == "7001234599999.1.x" and opened.body["view"]["callback_id"] == "ask_evidence_modal"
    )


async def test_did_you_mean_buttons_open_the_item_where_they_were_shown(slack: SlackHarness) -> None:
    await slack.event(slack.dm(UNSURE))
    [suggestions] = await slack.fake.wait_for("/api/chat.postMessage")
    choices = buttons(suggestions.body)
    assert list(choices)[:2] == ["show_item_0", "show_item_1"] and list(choices)[-1] == "none_of_these"
    await slack.interaction(slack.click("show_item_0", choices["show_item_0"]["value"], ephemeral=False, channel=DM))
    cards = await slack.fake.wait_for("/api/chat.postMessage", 2)
    assert cards[1].body["channel"] == DM and header(cards[1].body) == choices["show_item_0"]["text"]["text"]

    await slack.command(slack.slash(UNSURE, hook="unsure"))
    [private] = await slack.fake.wait_for("/hooks/unsure")
    second = buttons(private.body)["show_item_1"]
    await slack.interaction(slack.click("show_item_1", second["value"], hook="picked"))
    [picked] = await slack.fake.wait_for("/hooks/picked")
    assert picked.body["response_type"] == "ephemeral" and header(picked.body) == second["text"]["text"]


async def test_none_of_these_records_the_question_as_a_gap(slack: SlackHarness) -> None:
    await slack.event(slack.dm(UNSURE))
    [suggestions] = await slack.fake.wait_for("/api/chat.postMessage")
    question_id = buttons(suggestions.body)["none_of_these"]["value"]
    await slack.interaction(slack.click("none_of_these", question_id, hook="none", ephemeral=False, channel=DM))
    [reply] = await slack.fake.wait_for("/hooks/none")
    assert reply.body["response_type"] == "ephemeral" and messages.GAP_RECORDED in reply.body["text"]
    [row] = slack.stored_questions()
    assert (row.id, row.none_of_these, row.outcome) == (question_id, True, "unsure")


async def test_helpful_and_not_helpful_with_a_reason_are_recorded(slack: SlackHarness) -> None:
    await slack.event(slack.dm(FGC))
    [answer] = await slack.fake.wait_for("/api/chat.postMessage")
    up, down = native_feedback(answer.body["blocks"])
    await slack.interaction(slack.click("feedback_buttons", up, hook="thanks", ephemeral=False, channel=DM))
    [thanks] = await slack.fake.wait_for("/hooks/thanks")
    assert thanks.body["text"] == messages.FEEDBACK_THANKS

    click = slack.click("feedback_buttons", down, hook="why", ephemeral=False, channel=DM)
    await slack.interaction(click)
    [opened] = await slack.fake.wait_for("/api/views.open")
    assert opened.body["trigger_id"] == click["trigger_id"]
    form = opened.body["view"]
    assert form["callback_id"] == "feedback_reason" and form["notify_on_close"] is True
    reason = {"reason_block": {"reason": {"type": "plain_text_input", "value": "Too old & only one trial"}}}
    submitted = await slack.interaction(
        slack.submission("feedback_reason", reason, metadata=form["private_metadata"], view_id="V0WHY0001")
    )
    assert (submitted.status, submitted.text) == (200, "")  # the form closes
    [done] = await slack.fake.wait_for("/hooks/why")
    assert done.body["text"] == messages.FEEDBACK_THANKS_REASON

    closed = slack.submission(
        "feedback_reason", {}, metadata=form["private_metadata"], view_id="V0WHY2", kind="view_closed"
    )
    assert (await slack.interaction(closed)).status == 200
    await eventually(lambda: len(slack.stored_feedback()) == 3)
    rows = [(f.item_id, f.helpful, f.reason, f.surface) for f in slack.stored_feedback()]
    assert rows == [
        ("family-group-conferences", True, "", "slack"),
        ("family-group-conferences", False, "Too old & only one trial", "slack"),
        ("family-group-conferences", False, "", "slack"),
    ]
    assert all(f.question_text for f in slack.stored_feedback())  # tied to the stored question


async def test_share_opens_a_form_and_posts_a_clean_card_with_the_escaped_note(slack: SlackHarness) -> None:
    await slack.event(slack.dm(FGC))
    await slack.fake.wait_for("/api/chat.postMessage")
    await slack.interaction(slack.click("share_to_channel", "family-group-conferences", ephemeral=False, channel=DM))
    [opened] = await slack.fake.wait_for("/api/views.open")
    form = opened.body["view"]
    assert form["callback_id"] == "share_modal" and form["blocks"][1]["element"]["type"] == "conversations_select"
    values = {
        "share_channel": {"channel": {"type": "conversations_select", "selected_conversation": "C0TEAM0001"}},
        "share_note": {"note": {"type": "plain_text_input", "value": "Before Thursday <!channel> & <@U0BOSS01> *now*"}},
    }
    submitted = await slack.interaction(
        slack.submission("share_modal", values, metadata=form["private_metadata"], view_id="V0SHARE01")
    )
    assert (submitted.status, submitted.text) == (200, "")
    posts = await slack.fake.wait_for("/api/chat.postMessage", 2)
    card = posts[1].body
    assert card["channel"] == "C0TEAM0001" and header(card) == "Family group conferences"
    assert card["blocks"][0]["elements"][0] == {"type": "mrkdwn", "text": f"Shared by <@{LEAD}>", "verbatim": True}
    assert card["blocks"][1]["text"] == {
        "type": "plain_text",
        "text": "Note from jo.teamlead: Before Thursday &lt;!channel&gt; &amp; &lt;@U0BOSS01&gt; *now*",
        "emoji": True,
    }
    assert not [b for b in card["blocks"] if b["type"] == "actions"]
    assert control_problems(card, urls=CURATED, users={LEAD}) == []
    await eventually(lambda: slack.runtime.store.share_counts() == {"family-group-conferences": 1})


async def test_sharing_where_the_bot_is_not_a_member_explains_how_to_invite_it(slack: SlackHarness) -> None:
    slack.fake.script("/api/chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})
    values = {"share_channel": {"channel": {"type": "conversations_select", "selected_conversation": "C0PRIVATE1"}}}
    await slack.interaction(slack.submission("share_modal", values, metadata=json.dumps({"i": "marac"})))
    attempt, told = await slack.fake.wait_for("/api/chat.postMessage", 2)
    assert attempt.body["channel"] == "C0PRIVATE1"
    assert told.body["channel"] == LEAD and told.body["text"] == wording.NOT_IN_CHANNEL
    assert slack.runtime.store.share_counts() == {}


async def test_a_share_form_without_a_known_item_is_refused_in_the_form(slack: SlackHarness) -> None:
    values = {"share_channel": {"channel": {"type": "conversations_select", "selected_conversation": "C0TEAM0001"}}}
    response = await slack.interaction(slack.submission("share_modal", values, metadata=json.dumps({"i": "gone"})))
    assert json.loads(response.text) == {"response_action": "errors", "errors": {"share_channel": wording.SHARE_FAILED}}


async def test_typed_commands_work_in_a_dm(slack: SlackHarness) -> None:
    for n, text in enumerate(["help", "themes", "theme supervision", "show marac", "hello"], 1):
        await slack.event(slack.dm(text))
        await slack.fake.wait_for("/api/chat.postMessage", n)
    help_, themes, theme, item, hello = (c.body for c in slack.fake.find("/api/chat.postMessage"))
    assert help_["text"] == escape(messages.HELP) and "browse_themes" in buttons(help_)
    assert any(name.startswith("open_theme_") for name in buttons(themes))
    assert buttons(theme)["show_item"]["value"] == "group-supervision"
    assert header(item) == "MARAC risk conferences for domestic abuse"
    assert hello["text"] == messages.GREETING_REPLY
