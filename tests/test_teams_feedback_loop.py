"""Teams' own 👍 / 👎 under an answer (the "feedback loop") through the real path: HTTP on 127.0.0.1 in, the
stand-in connector out, the real SQLite store (authentication off, as in test_teams_http.py).

An answer goes out with ``channelData.feedbackLoop``; the connector gives it a message id; a
``message/submitAction`` invoke naming that id (``replyToId``) is recorded exactly as the card's Helpful / Not
helpful buttons record it: same item, same question, reason redacted. Also across two instances sharing a store,
behind a round-robin balancer.
"""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from adaptive_cards import actions
from aiohttp import web
from balancer_support import RoundRobinProxy
from teams_support import Call, FakeConnector, card_of, deny_network

from adapters.teams.feedback import Verdict, verdict
from adapters.teams.http import create_app
from adapters.teams.settings import TeamsSettings
from bot.config import Settings
from bot.library import library_from_settings
from bot.runtime import Runtime
from bot.store import open_store

DATA = Path(__file__).parent / "data" / "teams"
TENANT = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
TEAMS = TeamsSettings(allow_unauthenticated=True, tenants=frozenset({TENANT}), service_hosts=frozenset({"127.0.0.1"}))
SCHEMA = Path(__file__).parent / "data" / "schemas" / "adaptive-card.v1.2.0.json"
GCP = "graded-care-profile"  # what personal_message.json asks about
REASON = "Nothing on kinship care for Jayden Okafor's nan, ring me on 07700 900123"


def fixture(name: str, service_url: str, **changes: Any) -> dict[str, Any]:
    activity = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    activity["serviceUrl"] = service_url
    activity.update(changes)
    return dict(activity)


def feedback_invoke(
    service_url: str, reply_to: str, reaction: str = "dislike", text: str = REASON, **changes: Any
) -> dict[str, Any]:
    """Teams' invoke for a 👍 / 👎 with its default form, as documented: ``feedback`` is a JSON string."""
    activity = fixture("message_submit_action_feedback", service_url, replyToId=reply_to, **changes)
    activity["value"] = {
        "actionName": "feedback",
        "actionValue": {"reaction": reaction, "feedback": json.dumps({"feedbackText": text})},
    }
    return activity


def rows(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    path = settings.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        return db.execute(query).fetchall()


FEEDBACK = "SELECT item_id, helpful, reason, question_id, surface FROM feedback ORDER BY id"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    deny_network(monkeypatch)


class Instance:
    """One bot process: its own runtime (engine, store connection) and web app on 127.0.0.1."""

    def __init__(self, runtime: Runtime, runner: web.AppRunner) -> None:
        self.runtime, self.runner = runtime, runner
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"


async def start_instance(settings: Settings) -> Instance:
    runtime = Runtime(settings, library_from_settings(settings), open_store(settings.database_url))
    runner = web.AppRunner(create_app(runtime, TEAMS), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return Instance(runtime, runner)


class Client:
    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url, self.session = url, session

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(self.url + "/api/messages", json=activity) as response:
            raw = await response.read()
            return response.status, (json.loads(raw) if raw and response.content_type == "application/json" else None)


@pytest.fixture
async def teams(settings: Settings) -> AsyncIterator[Client]:
    instance = await start_instance(settings)
    async with aiohttp.ClientSession() as session:
        yield Client(instance.url, session)
    await instance.runner.cleanup()
    instance.runtime.close()


async def ask(teams: Client, connector: FakeConnector, name: str = "personal_message") -> tuple[str, Call]:
    """Send a question; return the message id the connector gave the answer, and what it received."""
    before = len(connector.calls)
    status, _ = await teams.post(fixture(name, connector.service_url))
    assert status == 201
    assert len(connector.calls) == before + 1
    return f"reply-{before + 1}", connector.calls[-1]  # the stand-in's id for the n-th call


# --- what goes out -------------------------------------------------------------------------------------------


async def test_an_answer_offers_teams_feedback_buttons_and_keeps_its_own(
    teams: Client, connector: FakeConnector
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    _, call = await ask(teams, connector)
    assert call.body["channelData"] == {"feedbackLoop": {"type": "default"}}
    assert "AIGeneratedContent" not in json.dumps(call.body)  # curated evidence: no "AI generated" label
    card = card_of(call)
    assert {a["data"]["action"] for a in actions(card) if a["type"] == "Action.Submit"} >= {"helpful", "not_helpful"}
    validator = jsonschema.Draft6Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert card.pop("msteams") == {"width": "Full"}
    assert [e.message for e in validator.iter_errors(card)] == []


async def test_replies_that_are_not_answers_have_no_feedback_buttons(teams: Client, connector: FakeConnector) -> None:
    for text in ("help", "themes", "parking permits for the office car park"):
        await teams.post(fixture("personal_message", connector.service_url, text=text, id=f"17679576{len(text)}"))
    assert len(connector.calls) == 3
    assert all("feedbackLoop" not in json.dumps(call.body) for call in connector.calls)


# --- what comes back --------------------------------------------------------------------------------------------


async def test_a_thumbs_down_is_recorded_for_the_answered_item_with_the_reason_redacted(
    teams: Client, connector: FakeConnector, settings: Settings
) -> None:
    message_id, call = await ask(teams, connector)
    buttons = [a["data"] for a in actions(card_of(call)) if a.get("data", {}).get("action") == "helpful"]
    [question_id] = [row[0] for row in rows(settings, "SELECT id FROM questions")]
    assert buttons[0]["question_id"] == question_id  # the card's buttons name the same question

    status, body = await teams.post(feedback_invoke(connector.service_url, message_id))
    assert (status, body) == (200, {})  # exactly what Teams expects; anything in the body is a 400 there
    assert len(connector.calls) == 1  # nothing sent back: Teams shows its own thanks
    [(item, helpful, reason, recorded_question, surface)] = rows(settings, FEEDBACK)
    assert (item, helpful, recorded_question, surface) == (GCP, 0, question_id, "teams")
    assert "kinship care" in reason
    assert "Jayden" not in reason and "Okafor" not in reason and "07700" not in reason
    assert "[phone]" in reason  # replaced by labels, as from the card's reason box


async def test_the_native_and_the_card_buttons_record_the_same_thing(
    teams: Client, connector: FakeConnector, settings: Settings
) -> None:
    message_id, call = await ask(teams, connector)
    await teams.post(feedback_invoke(connector.service_url, message_id))
    [form] = [a["card"] for a in actions(card_of(call)) if a["type"] == "Action.ShowCard"]
    submit = copy.deepcopy(form["actions"][0]["data"])
    submit["reason"] = REASON  # what Teams sends when the card's form is used
    clicked = fixture("card_submit", connector.service_url, value=submit, id="1767957690999")
    assert (await teams.post(clicked))[0] == 201
    native, card = rows(settings, FEEDBACK)
    assert native == card


async def test_a_thumbs_up_is_recorded_as_helpful(teams: Client, connector: FakeConnector, settings: Settings) -> None:
    message_id, _ = await ask(teams, connector)
    status, body = await teams.post(feedback_invoke(connector.service_url, message_id, "like", "Spot on, thanks"))
    assert (status, body) == (200, {})
    [(item, helpful, reason, _question, _surface)] = rows(settings, FEEDBACK)
    assert (item, helpful, reason) == (GCP, 1, "")  # as the card's Helpful button: no reason kept


async def test_a_retried_feedback_invoke_is_recorded_once(
    teams: Client, connector: FakeConnector, settings: Settings
) -> None:
    message_id, _ = await ask(teams, connector)
    invoke = feedback_invoke(connector.service_url, message_id)
    assert (await teams.post(invoke))[0] == (await teams.post(invoke))[0] == 200
    assert len(rows(settings, FEEDBACK)) == 1


async def test_feedback_on_an_answer_in_a_channel_thread(
    teams: Client, connector: FakeConnector, settings: Settings
) -> None:
    message_id, call = await ask(teams, connector, "channel_mention")
    assert call.body["channelData"] == {"feedbackLoop": {"type": "default"}}
    thread = fixture("channel_mention", connector.service_url)["conversation"]
    for conversation_id in (thread["id"], thread["id"].split(";")[0]):  # with or without the thread's root id
        conversation = {**thread, "id": conversation_id}
        invoke = feedback_invoke(
            connector.service_url, message_id, conversation=conversation, id=f"f:{len(conversation_id)}"
        )
        assert await teams.post(invoke) == (200, {})
    assert [row[0] for row in rows(settings, FEEDBACK)] == ["family-group-conferences"] * 2


async def test_feedback_on_an_unknown_message_is_answered_kindly_and_not_recorded(
    teams: Client, connector: FakeConnector, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await ask(teams, connector)
    caplog.set_level(logging.INFO)
    for invoke in (
        feedback_invoke(connector.service_url, "1767950000000"),  # not a message this bot sent (or too old)
        feedback_invoke(connector.service_url, "reply-1", conversation={"id": "a:another-chat"}),
        {**feedback_invoke(connector.service_url, "reply-1"), "value": {"actionName": "other"}},
        {**feedback_invoke(connector.service_url, "reply-1"), "value": "not an object"},
        {k: v for k, v in feedback_invoke(connector.service_url, "reply-1").items() if k != "replyToId"},
    ):
        assert await teams.post(invoke) == (200, {})
    assert rows(settings, FEEDBACK) == []
    assert len(connector.calls) == 1  # no apology, no message
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert REASON not in caplog.text and "Jayden" not in caplog.text


# --- two instances ---------------------------------------------------------------------------------------------


async def test_feedback_reaching_another_instance_is_recorded(connector: FakeConnector, settings: Settings) -> None:
    """The answer is sent by one instance, the 👎 arrives at the other: the mapping is in the shared store."""
    instances = [await start_instance(settings), await start_instance(settings)]
    proxy = await RoundRobinProxy([i.url for i in instances]).start()
    try:
        async with aiohttp.ClientSession() as session:
            balanced = Client(proxy.url, session)
            message_id, _ = await ask(balanced, connector)
            assert await balanced.post(feedback_invoke(connector.service_url, message_id)) == (200, {})
    finally:
        await proxy.close()
        for instance in instances:
            await instance.runner.cleanup()
            instance.runtime.close()
    assert proxy.served == [instances[0].url, instances[1].url]  # one each
    [(item, helpful, reason, question_id, _surface)] = rows(settings, FEEDBACK)
    assert (item, helpful, question_id) == (GCP, 0, rows(settings, "SELECT id FROM questions")[0][0])
    assert "Jayden" not in reason


def test_the_verdict_is_read_from_every_shape_teams_may_send() -> None:
    def value(feedback: Any, reaction: str = "dislike") -> dict[str, Any]:
        return {"actionName": "feedback", "actionValue": {"reaction": reaction, "feedback": feedback}}

    assert verdict(value('{"feedbackText":"too old"}')) == Verdict(helpful=False, text="too old")
    assert verdict(value({"feedbackText": "too old"})) == Verdict(helpful=False, text="too old")  # an object
    assert verdict(value("too old")) == Verdict(helpful=False, text="too old")  # plain text
    assert verdict(value("{}", "like")) == Verdict(helpful=True, text="")
    assert verdict(value(None, "like")) == Verdict(helpful=True, text="")  # no form filled in
    assert verdict(value('{"feedbackText": "a\\u0000b  "}')) == Verdict(helpful=False, text="a b")
    assert verdict(value(json.dumps({"feedbackText": "x" * 100_000}))) == Verdict(helpful=False, text="x" * 1000)
    for wrong in (value("x", "love"), {"actionName": "other"}, {"actionValue": {}}, "feedback", None, []):
        assert verdict(wrong) is None
