"""The bot class in memory, with botbuilder's ``TestAdapter``: routing, mentions, buttons, duplicates, search.

No HTTP and no serialisation here (test_teams_http.py covers the wire); these tests pin down behaviour.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from adaptive_cards import data_of, texts
from botbuilder.core import InvokeResponse
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Mention

from adapters.teams.adapter import on_turn_error
from adapters.teams.bot import TeamsBot, event_key, store_key
from adapters.teams.cards import ADAPTIVE
from bot import messages
from bot.runtime import Runtime

BOT = ChannelAccount(id="28:6d3c1b2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d", name="Evidence Bot")
USER = ChannelAccount(id="29:sam", name="Sam Practitioner", aad_object_id="7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d")


@pytest.fixture
def bot(runtime: Runtime) -> TeamsBot:
    return TeamsBot(runtime.conversation, claim=runtime.claim)


@pytest.fixture
def adapter(bot: TeamsBot) -> TestAdapter:
    template = Activity(
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        from_property=USER,
        recipient=BOT,
        conversation=ConversationAccount(id="a:1", conversation_type="personal"),
    )
    test_adapter = TestAdapter(bot.on_turn, template)
    test_adapter.on_turn_error = on_turn_error
    return test_adapter


async def say(adapter: TestAdapter, activity: Activity | str) -> list[Activity]:
    """Send one activity; return what the bot sent back during that turn."""
    before = len(adapter.activity_buffer)
    await adapter.receive_activity(activity)
    return adapter.activity_buffer[before:]


def card(reply: Activity) -> dict[str, Any]:
    [attachment] = reply.attachments
    assert attachment.content_type == ADAPTIVE
    return dict(attachment.content)


def lines(reply: Activity) -> list[str]:
    return texts(card(reply))


def submit(value: dict[str, Any], activity_id: str | None = None) -> Activity:
    return Activity(type="message", value=value, id=activity_id)


async def test_a_question_gets_an_answer_card_with_a_summary(adapter: TestAdapter) -> None:
    [reply] = await say(adapter, "fgc evidence?")
    assert "Family group conferences" in lines(reply)
    assert reply.summary == f"{messages.ANSWER_LEAD} Family group conferences"
    assert card(reply)["version"] == "1.2"


async def test_typed_mention_entities_do_not_crash_and_the_bot_name_stays_in_the_question(
    adapter: TestAdapter, runtime: Runtime
) -> None:
    # botbuilder's remove_recipient_mention raises KeyError on a typed Mention and deletes "Evidence" everywhere.
    mention = Mention(mentioned=ChannelAccount(id=BOT.id, name="Evidence"), text="<at>Evidence</at>", type="mention")
    activity = Activity(type="message", text="<at>Evidence</at>  Evidence on FGC?\n", entities=[mention])
    [reply] = await say(adapter, activity)
    assert "Family group conferences" in lines(reply)
    assert [q.text for q in runtime.store.questions_since()] == ["Evidence on FGC?"]


async def test_an_empty_mention_gets_the_how_to_ask_line(adapter: TestAdapter) -> None:
    mention = {"type": "mention", "text": "<at>Evidence Bot</at>", "mentioned": {"id": BOT.id, "name": BOT.name}}
    [reply] = await say(adapter, Activity(type="message", text="<at>Evidence Bot</at>", entities=[mention]))
    assert lines(reply) == [messages.EMPTY_QUESTION]


async def test_the_same_activity_id_is_answered_once(adapter: TestAdapter) -> None:
    assert len(await say(adapter, Activity(type="message", text="fgc evidence?", id="42"))) == 1
    assert await say(adapter, Activity(type="message", text="fgc evidence?", id="42")) == []
    assert len(await say(adapter, Activity(type="message", text="fgc evidence?", id="43"))) == 1


def test_event_keys_are_per_conversation_and_fixed_length() -> None:
    one = Activity(id="1767957600123", conversation=ConversationAccount(id="a:one"))
    two = Activity(id="1767957600123", conversation=ConversationAccount(id="a:two"))
    assert event_key(one) != event_key(two)
    assert len(event_key(one) or "") == 40 == len(store_key("x" * 1000))
    assert event_key(Activity(conversation=ConversationAccount(id="a:one"))) is None


async def test_feedback_buttons_validate_what_the_client_sent(adapter: TestAdapter, runtime: Runtime) -> None:
    [answer] = await say(adapter, "fgc evidence?")
    helpful = next(d for d in data_of(card(answer)) if d["action"] == "helpful")
    [reply] = await say(adapter, submit({**helpful, "question_id": "'; DROP TABLE feedback; --"}))
    assert lines(reply) == [messages.FEEDBACK_THANKS]
    [unknown] = await say(adapter, submit({"action": "not_helpful", "item_id": "no-such-item", "reason": "x"}))
    assert lines(unknown) == [messages.NO_FEEDBACK_TARGET]
    [row] = runtime.store.feedback_since()
    assert (row.item_id, row.helpful, row.question_text) == ("family-group-conferences", True, None)


async def test_not_helpful_keeps_the_reason_and_helpful_ignores_one(adapter: TestAdapter, runtime: Runtime) -> None:
    await say(adapter, submit({"action": "helpful", "item_id": "marac", "reason": "sneaky"}))
    await say(adapter, submit({"action": "not_helpful", "item_id": "marac", "reason": "  Too general  "}))
    assert [(r.helpful, r.reason) for r in runtime.store.feedback_since()] == [(True, ""), (False, "Too general")]


async def test_did_you_mean_buttons_and_none_of_these(adapter: TestAdapter, runtime: Runtime) -> None:
    [reply] = await say(adapter, "family court assessments")
    actions = data_of(card(reply))
    assert [d["action"] for d in actions][-1] == "none_of_these"
    shown = [d for d in actions if d["action"] == "show"]
    assert shown and all(set(d) == {"action", "item_id"} for d in shown)
    [opened] = await say(adapter, submit(shown[0]))
    assert opened.summary == next(i.title for i in runtime.conversation.engine.items if i.id == shown[0]["item_id"])
    [gap] = await say(adapter, submit(actions[-1]))
    assert lines(gap)[0].startswith(messages.GAP_RECORDED)
    assert [q.none_of_these for q in runtime.store.questions_since()] == [True]


@pytest.mark.parametrize(
    ("value", "first_line"),
    [
        ({"action": "themes"}, messages.THEMES_LEAD),
        (
            {"action": "theme", "theme": "supervision and decision-making"},
            "Evidence on supervision and decision-making:",
        ),
        ({"action": "more"}, messages.NOTHING_TO_CONTINUE),
        ({"action": "help"}, messages.HELP.split("\n")[0]),
        ({"action": "launch-missiles"}, messages.HELP.split("\n")[0]),
        ({"action": ["not", "a", "string"]}, messages.HELP.split("\n")[0]),
        ({"action": "show", "item_id": "nope"}, messages.UNKNOWN_ITEM.format(name="nope")),
        ({"action": "more", "id": "marac"}, "MARAC risk conferences for domestic abuse"),
    ],
)
async def test_every_submit_action_is_routed(adapter: TestAdapter, value: dict[str, Any], first_line: str) -> None:
    [reply] = await say(adapter, submit(value))
    assert lines(reply)[0] == first_line


async def test_more_after_a_question(adapter: TestAdapter) -> None:
    await say(adapter, "supervision")
    [reply] = await say(adapter, submit({"action": "more"}))
    assert lines(reply)[0] in (messages.NO_MORE, messages.MORE_LEAD.format(question="supervision"))


async def test_welcome_on_install_and_add_once(adapter: TestAdapter) -> None:
    [welcome] = await say(adapter, Activity(type="installationUpdate", action="add"))
    assert messages.HELP.split("\n")[0] in lines(welcome)
    assert {d["action"] for d in data_of(card(welcome))} == {"theme"}
    assert await say(adapter, Activity(type="conversationUpdate", members_added=[BOT])) == []
    assert await say(adapter, Activity(type="installationUpdate", action="add-upgrade")) == []


async def test_search_pages_and_never_records_a_question(bot: TeamsBot, adapter: TestAdapter, runtime: Runtime) -> None:
    async def query(text: str, skip: int = 0, count: int = 25) -> list[str]:
        value = {
            "commandId": "searchEvidence",
            "parameters": [{"name": "searchQuery", "value": text}],
            "queryOptions": {"skip": skip, "count": count},
        }
        [response] = await say(adapter, Activity(type="invoke", name="composeExtension/query", value=value))
        invoke: InvokeResponse = response.value
        assert invoke.status == 200
        return [a["preview"]["content"]["title"] for a in invoke.body["composeExtension"]["attachments"]]

    everything = await query("")
    assert len(everything) == 4
    assert await query("", skip=1, count=2) == everything[1:3]
    assert await query("", skip=10) == []
    assert (await query("marac"))[0] == "MARAC risk conferences for domestic abuse"
    assert await query("zzzz qqqq") == []
    assert runtime.store.questions_since() == []


async def test_a_slow_search_answers_within_the_invoke_deadline(bot: TeamsBot, adapter: TestAdapter) -> None:
    def slow(_text: str, _limit: int) -> list[Any]:
        time.sleep(0.5)
        return []

    bot.search_timeout = 0.05
    bot._search = slow  # type: ignore[method-assign]
    value = {"commandId": "searchEvidence", "parameters": [{"name": "searchQuery", "value": "fgc"}]}
    started = time.monotonic()
    [response] = await say(adapter, Activity(type="invoke", name="composeExtension/query", value=value))
    assert time.monotonic() - started < 0.4
    assert response.value.body == {"composeExtension": {"type": "message", "text": messages.APOLOGY}}


async def test_selecting_an_unknown_item_says_so(adapter: TestAdapter, runtime: Runtime) -> None:
    for value in ({"item_id": "nope"}, {}, "a string"):
        [response] = await say(adapter, Activity(type="invoke", name="composeExtension/selectItem", value=value))
        assert response.value.body["composeExtension"]["type"] == "message"
    assert runtime.store.share_counts() == {}


async def test_unknown_invokes_are_not_implemented(adapter: TestAdapter) -> None:
    [response] = await say(adapter, Activity(type="invoke", name="task/fetch", value={}))
    assert response.value.status == 501


async def test_a_turn_error_apologises(bot: TeamsBot, adapter: TestAdapter, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyError("boom")

    bot.conversation.handle = broken  # type: ignore[method-assign]
    [reply] = await say(adapter, "NHS number 943 476 5919, does FGC work?")
    assert reply.text == messages.APOLOGY
    assert "KeyError" in caplog.text and "943 476 5919" not in caplog.text
