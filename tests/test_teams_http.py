"""The Teams adapter through its real path: HTTP on 127.0.0.1 in, a stand-in connector out (auth off).

Every file in tests/data/teams is replayed; replies are asserted on what reached the stand-in connector (what
the user would see) and invoke answers on the HTTP response. Authentication-on cases are in test_teams_auth.py.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from adaptive_cards import actions, texts
from aiohttp import web
from botbuilder.core import TurnContext
from teams_support import FakeConnector, card_of, deny_network

from adapters.teams.cards import ADAPTIVE, THUMBNAIL
from adapters.teams.http import TEAMS_ENDPOINT, create_app
from adapters.teams.settings import TeamsSettings
from bot import messages
from bot.runtime import Runtime

DATA = Path(__file__).parent / "data" / "teams"
TENANT = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
LOCAL = frozenset({"127.0.0.1"})  # the stand-in connector's host, trusted as BOT_TEAMS_SERVICE_HOSTS would
OTHER_TENANT = "11111111-2222-4333-8444-555555555555"
PERSONAL = "a:1Xy9Zk8Wj7Vh6Ug5Tf4Se3Rd2Qc1Pb0OaNzMyLxKwJvIuHtGsFrEqDpCoBnAm_TEST"
CHANNEL_THREAD = "19:4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c@thread.tacv2;messageid=1767957900234"


def fixture(name: str, service_url: str) -> dict[str, Any]:
    activity = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    activity["serviceUrl"] = service_url
    return dict(activity)


def sql(runtime: Runtime, query: str) -> list[tuple[Any, ...]]:
    """Rows straight from the SQLite file, as a curator's report would read them."""
    path = runtime.settings.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        return db.execute(query).fetchall()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    deny_network(monkeypatch)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


class Bot:
    """The running bot: its web app on 127.0.0.1 and a client to post activities to it."""

    def __init__(self, app: web.Application, url: str, session: aiohttp.ClientSession) -> None:
        self.app, self.url, self.session = app, url, session

    async def post(self, activity: dict[str, Any] | bytes, **headers: str) -> tuple[int, Any]:
        data = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        headers = {"Content-Type": "application/json", **headers}
        async with self.session.post(self.url + "/api/messages", data=data, headers=headers) as response:
            raw = await response.read()
            is_json = response.content_type == "application/json"
            return response.status, (json.loads(raw) if raw and is_json else raw or None)


@pytest.fixture
async def teams(runtime: Runtime) -> AsyncIterator[Bot]:
    settings = TeamsSettings(allow_unauthenticated=True, tenants=frozenset({TENANT}), service_hosts=LOCAL)
    app = create_app(runtime, settings)
    runner, url = await serve(app)
    async with aiohttp.ClientSession() as session:
        yield Bot(app, url, session)
    await runner.cleanup()


# --- fixture replay ------------------------------------------------------------------------------------

FGC, GCP = "Family group conferences", "Graded Care Profile 2 for assessing neglect"
WELCOME = messages.HELP.split("\n")[0]
REPLAY: dict[str, tuple[int, str | None]] = {  # file -> HTTP status, the first line the user sees (or None)
    "personal_message": (201, GCP),
    "channel_mention": (201, FGC),
    "card_submit": (201, FGC),
    "conversation_update_bot_added": (201, WELCOME),
    "installation_update_add": (201, WELCOME),
    "messaging_extension_query": (200, GCP),
    "messaging_extension_initial_run": (200, FGC),
    "messaging_extension_select_item": (200, FGC),
    "message_submit_action_feedback": (200, None),  # Teams' 👍/👎 on a message this bot never sent: just {}
}


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.stem for p in DATA.glob("*.json")) == sorted(REPLAY)


@pytest.mark.parametrize("name", sorted(REPLAY))
async def test_every_teams_fixture_is_answered(name: str, teams: Bot, connector: FakeConnector) -> None:
    status, body = await teams.post(fixture(name, connector.service_url))
    expected_status, expected = REPLAY[name]
    assert status == expected_status
    if status == 200:  # invoke: the answer is in the HTTP response, nothing goes to the connector
        assert connector.calls == []
        if expected is None:
            assert body == {}
            return
        attachment = body["composeExtension"]["attachments"][0]
        assert attachment["preview"]["content"]["title"] == expected
        assert texts(attachment["content"])[0] == expected
        return
    [call] = connector.calls
    card = card_of(call)
    assert card["version"] == "1.2"
    assert expected in texts(card)


# --- messages ------------------------------------------------------------------------------------------


async def test_personal_chat_reply_goes_to_the_conversation_as_a_reply(teams: Bot, connector: FakeConnector) -> None:
    status, body = await teams.post(fixture("personal_message", connector.service_url))
    assert (status, body) == (201, None)
    [call] = connector.calls
    assert call.method == "POST"
    assert call.path == f"/amer/v3/conversations/{quote(PERSONAL, safe='')}/activities/1767957600123"
    assert "Authorization" not in call.headers  # auth off: nothing to sign with
    assert call.body["replyToId"] == "1767957600123"
    assert call.body["from"]["id"].startswith("28:") and call.body["recipient"]["id"].startswith("29:")
    assert call.body["summary"].startswith(messages.ANSWER_LEAD)
    card = card_of(call)
    assert "Graded Care Profile 2 for assessing neglect" in texts(card)
    assert [a["url"] for a in actions(card) if a["type"] == "Action.OpenUrl"] == ["https://www.nspcc.org.uk/"]
    feedback = [a for a in actions(card) if a.get("data", {}).get("action") in ("helpful", "not_helpful")]
    assert {a["data"]["item_id"] for a in feedback} == {"graded-care-profile"}
    assert all(len(a["data"]["question_id"]) == 32 for a in feedback)


async def test_channel_mention_is_stripped_and_the_thread_id_encoded(
    teams: Bot, connector: FakeConnector, runtime: Runtime
) -> None:
    await teams.post(fixture("channel_mention", connector.service_url))
    [call] = connector.calls
    assert call.path == f"/amer/v3/conversations/{quote(CHANNEL_THREAD, safe='')}/activities/1767957900234"
    assert "%3Bmessageid%3D" in call.path
    assert "Family group conferences" in texts(card_of(call))
    stored = sql(runtime, "SELECT text, surface FROM questions")
    assert stored == [("do family group conferences reduce entry to care?", "teams")]  # no <at>, no bot name


async def test_a_retried_activity_is_answered_once(teams: Bot, connector: FakeConnector, runtime: Runtime) -> None:
    activity = fixture("personal_message", connector.service_url)
    first = await teams.post(activity)
    again = await teams.post(activity)  # Teams re-sends after ~15 s with the same id
    assert first[0] == again[0] == 201
    assert len(connector.calls) == 1
    assert len(sql(runtime, "SELECT id FROM questions")) == 1


async def test_same_message_id_in_another_conversation_is_not_a_duplicate(teams: Bot, connector: FakeConnector) -> None:
    activity = fixture("personal_message", connector.service_url)
    await teams.post(activity)
    activity["conversation"]["id"] = "a:another-personal-chat"
    await teams.post(activity)
    assert len(connector.delivered) == 2


async def test_a_throttled_reply_is_retried_and_arrives_once(teams: Bot, connector: FakeConnector) -> None:
    connector.failures.append((429, {"Retry-After": "1"}))
    started = time.monotonic()
    status, _ = await teams.post(fixture("personal_message", connector.service_url))
    assert status == 201
    assert [c.status for c in connector.calls] == [429, 200]
    assert time.monotonic() - started >= 0.9  # Retry-After honoured
    [delivered] = connector.delivered
    assert messages.APOLOGY not in json.dumps(delivered.body)


async def test_a_reply_that_keeps_failing_ends_with_a_logged_error_not_a_crash(
    teams: Bot, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    connector.failures.extend([(502, {"Retry-After": "0"})] * 8)
    status, _ = await teams.post(fixture("personal_message", connector.service_url))
    assert status == 201
    assert 4 <= len(connector.calls) <= 8
    assert "Teams turn failed" in caplog.text
    assert "neglect" not in caplog.text  # the question never reaches the log


async def test_echoed_user_text_cannot_link_mention_or_format(teams: Bot, connector: FakeConnector) -> None:
    activity = fixture("channel_mention", connector.service_url)
    activity["text"] = "<at>Evidence Bot</at> show [click](https://evil.example){{DATE(x)}}&lt;at&gt;General&lt;/at&gt;"
    await teams.post(activity)
    [call] = connector.calls
    wire = json.dumps(call.body)
    assert "https://evil.example" not in json.dumps([a for a in actions(card_of(call)) if "url" in a])
    assert "<at" not in wire.lower() and "{{" not in wire
    assert call.body["summary"].startswith("I don't have an item called '[click](https://evil.example)")
    assert not call.body.get("entities")  # nothing Teams could turn into a mention


async def test_a_huge_or_odd_message_is_answered_and_the_user_told(teams: Bot, connector: FakeConnector) -> None:
    activity = fixture("personal_message", connector.service_url)
    activity["text"] = "family group conferences \ud83d\x00 " + "care " * 20_000  # 100 KB, lone surrogate, NUL
    assert (await teams.post(activity))[0] == 201
    odd = _submit(connector, {"action": "show", "item_id": "x\ud83d\u202e"}, "1767957700009")
    assert (await teams.post(odd))[0] == 201
    first, second = connector.delivered
    assert messages.SHORTENED.format(chars=1000) in texts(card_of(first))
    assert texts(card_of(second))[0].startswith("I don't have an item called 'x\ufffd")


# --- card buttons --------------------------------------------------------------------------------------


async def _answer_card(teams: Bot, connector: FakeConnector) -> dict[str, Any]:
    await teams.post(fixture("personal_message", connector.service_url))
    return card_of(connector.calls[-1])


def _submit(connector: FakeConnector, value: dict[str, Any], activity_id: str) -> dict[str, Any]:
    activity = fixture("card_submit", connector.service_url)
    activity["value"], activity["id"] = value, activity_id
    return activity


async def test_helpful_and_not_helpful_buttons_are_recorded(
    teams: Bot, connector: FakeConnector, runtime: Runtime
) -> None:
    card = await _answer_card(teams, connector)
    helpful = next(a for a in actions(card) if a.get("data", {}).get("action") == "helpful")
    await teams.post(_submit(connector, helpful["data"], "1767957700001"))
    assert texts(card_of(connector.calls[-1])) == [messages.FEEDBACK_THANKS]

    show_card = next(a for a in card["actions"] if a["type"] == "Action.ShowCard")
    [reason_input] = show_card["card"]["body"]
    [send] = show_card["card"]["actions"]
    value = {**send["data"], reason_input["id"]: "Nothing on neglect in teenagers"}  # Teams merges inputs
    await teams.post(_submit(connector, value, "1767957700002"))
    assert texts(card_of(connector.calls[-1])) == [messages.FEEDBACK_THANKS_REASON]
    await teams.post(_submit(connector, value, "1767957700002"))  # a retry of the same click

    [(question_id,)] = sql(runtime, "SELECT id FROM questions")
    assert sql(runtime, "SELECT question_id, surface, item_id, helpful, reason FROM feedback ORDER BY id") == [
        (question_id, "teams", "graded-care-profile", 1, ""),
        (question_id, "teams", "graded-care-profile", 0, "Nothing on neglect in teenagers"),
    ]


async def test_none_of_these_records_a_gap(teams: Bot, connector: FakeConnector, runtime: Runtime) -> None:
    activity = fixture("personal_message", connector.service_url)
    activity["text"] = "family court assessments"
    await teams.post(activity)
    card = card_of(connector.calls[-1])
    assert texts(card)[0] == messages.DID_YOU_MEAN
    [none] = [a for a in actions(card) if a.get("data", {}).get("action") == "none_of_these"]
    await teams.post(_submit(connector, none["data"], "1767957700003"))
    assert messages.GAP_RECORDED in " ".join(texts(card_of(connector.calls[-1])))
    [(question_id,)] = sql(runtime, "SELECT id FROM questions")
    assert sql(runtime, "SELECT question_id, surface FROM none_of_these") == [(question_id, "teams")]


async def test_suggestion_and_see_also_buttons_open_the_item(teams: Bot, connector: FakeConnector) -> None:
    await teams.post(_submit(connector, {"action": "show", "item_id": "marac"}, "1767957700004"))
    card = card_of(connector.calls[-1])
    assert "MARAC risk conferences for domestic abuse" in texts(card)
    assert [a["url"] for a in actions(card) if a["type"] == "Action.OpenUrl"] == ["https://safelives.org.uk/"]


# --- messaging extension -------------------------------------------------------------------------------


async def test_search_answers_in_the_http_response_with_link_only_cards(teams: Bot, connector: FakeConnector) -> None:
    status, body = await teams.post(fixture("messaging_extension_query", connector.service_url))
    assert status == 200
    result = body["composeExtension"]
    assert (result["type"], result["attachmentLayout"]) == ("result", "list")
    first = result["attachments"][0]
    assert first["contentType"] == ADAPTIVE
    assert first["preview"]["contentType"] == THUMBNAIL
    assert first["preview"]["content"]["title"] == "Graded Care Profile 2 for assessing neglect"
    assert first["preview"]["content"]["tap"] == {"type": "invoke", "value": {"item_id": "graded-care-profile"}}
    for attachment in result["attachments"]:
        assert {a["type"] for a in actions(attachment["content"])} == {"Action.OpenUrl"}
    assert connector.calls == []


async def test_empty_search_lists_recently_reviewed_items(teams: Bot, connector: FakeConnector) -> None:
    status, body = await teams.post(fixture("messaging_extension_initial_run", connector.service_url))
    assert status == 200
    titles = [a["preview"]["content"]["title"] for a in body["composeExtension"]["attachments"]]
    assert titles == [
        "Family group conferences",
        "Group supervision for social workers",
        "Graded Care Profile 2 for assessing neglect",
        "MARAC risk conferences for domestic abuse",
    ]
    activity = fixture("messaging_extension_query", connector.service_url)
    activity["value"]["parameters"] = [{"name": "searchQuery", "value": ""}]
    assert (await teams.post(activity))[1] == body


async def test_picking_a_result_records_one_share(teams: Bot, connector: FakeConnector, runtime: Runtime) -> None:
    await teams.post(fixture("messaging_extension_query", connector.service_url))
    assert sql(runtime, "SELECT item_id FROM shares") == []  # searching is not sharing
    activity = fixture("messaging_extension_select_item", connector.service_url)
    status, body = await teams.post(activity)
    assert status == 200
    [attachment] = body["composeExtension"]["attachments"]
    assert "tap" not in attachment["preview"]["content"]
    assert {a["type"] for a in actions(attachment["content"])} == {"Action.OpenUrl"}
    assert (await teams.post(activity))[0] == 200  # a re-sent invoke is answered again but counted once
    assert sql(runtime, "SELECT item_id, surface FROM shares") == [("family-group-conferences", "teams")]


async def test_invoke_errors_get_a_valid_answer_and_a_logged_traceback(
    teams: Bot, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(teams.app[TEAMS_ENDPOINT].bot, "_search", broken)
    status, body = await teams.post(fixture("messaging_extension_query", connector.service_url))
    assert status == 200
    assert body == {"composeExtension": {"type": "message", "text": messages.APOLOGY}}
    assert "RuntimeError: boom" in caplog.text
    assert connector.calls == []


# --- welcome -------------------------------------------------------------------------------------------


async def test_welcome_once_per_conversation_and_not_for_other_members(teams: Bot, connector: FakeConnector) -> None:
    await teams.post(fixture("installation_update_add", connector.service_url))
    conversation_update = fixture("conversation_update_bot_added", connector.service_url)
    conversation_update["conversation"]["id"] = PERSONAL  # Teams sends both events for one install
    await teams.post(conversation_update)
    assert len(connector.calls) == 1
    card = card_of(connector.calls[0])
    assert any(a.get("data", {}).get("action") == "theme" for a in actions(card))

    someone = fixture("conversation_update_bot_added", connector.service_url)
    someone["membersAdded"] = [{"id": "29:someone-else", "aadObjectId": "0c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"}]
    someone["id"] = "f:another-event"
    await teams.post(someone)
    assert len(connector.calls) == 1


# --- errors --------------------------------------------------------------------------------------------


async def test_a_failing_turn_apologises_and_logs_without_the_question(
    teams: Bot, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("engine exploded")

    monkeypatch.setattr(teams.app[TEAMS_ENDPOINT].bot.conversation, "handle", broken)
    caplog.set_level(logging.DEBUG)
    status, _ = await teams.post(fixture("personal_message", connector.service_url))
    assert status == 201
    [call] = connector.calls
    assert call.body["text"] == messages.APOLOGY
    assert "ValueError: engine exploded" in caplog.text and "Traceback" in caplog.text
    assert "what works for neglect" not in caplog.text


# --- tenants and malformed requests ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["personal_message", "channel_mention", "messaging_extension_query"])
async def test_other_tenants_are_refused_with_403(name: str, teams: Bot, connector: FakeConnector) -> None:
    activity = fixture(name, connector.service_url)
    activity["channelData"]["tenant"]["id"] = OTHER_TENANT
    activity["conversation"]["tenantId"] = TENANT  # only channelData counts (botbuilder drops this one)
    assert (await teams.post(activity))[0] == 403
    del activity["channelData"]["tenant"]
    assert (await teams.post(activity))[0] == 403
    assert connector.calls == []


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": "no type"}', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"{}", "text/plain", 415),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"type": "message", "text": "' + b"a" * 300_000 + b'"}', "application/json", 413),
    ],
)
async def test_malformed_requests_are_refused_cleanly(
    body: bytes, content_type: str, status: int, teams: Bot, connector: FakeConnector
) -> None:
    assert (await teams.post(body, **{"Content-Type": content_type}))[0] == status
    assert connector.calls == []


async def test_healthz(teams: Bot) -> None:
    async with teams.session.get(teams.url + "/healthz") as response:
        assert response.status == 200
        assert (await response.json())["items"] == 4


# --- the upstream bug this handler works around ---------------------------------------------------------


async def test_upstream_process_still_answers_500_to_invokes(runtime: Runtime, connector: FakeConnector) -> None:
    """botbuilder-integration-aiohttp 4.17.1 ``CloudAdapter.process`` breaks every invoke (protocols 3.2).

    If this starts failing after an upgrade, upstream fixed it: our handler can stay (it does the same) but
    the comment in adapters/teams/http.py should say so.
    """
    endpoint = create_app(runtime, TeamsSettings(allow_unauthenticated=True, service_hosts=LOCAL))[TEAMS_ENDPOINT]

    async def upstream(request: web.Request) -> web.StreamResponse:
        response = await endpoint.adapter.process(request, endpoint.bot)
        assert response is not None
        return response

    app = web.Application()
    app.router.add_post("/api/messages", upstream)
    runner, url = await serve(app)
    try:
        async with aiohttp.ClientSession() as session:
            bot = Bot(app, url, session)
            assert (await bot.post(fixture("messaging_extension_query", connector.service_url)))[0] == 500
    finally:
        await runner.cleanup()


async def test_turn_context_sees_the_teams_tenant_only_in_channel_data(teams: Bot, connector: FakeConnector) -> None:
    """Pitfall 6: botbuilder-schema maps conversation.tenant_id to ``tenantID``; Teams sends ``tenantId``."""
    seen: list[TurnContext] = []
    endpoint = teams.app[TEAMS_ENDPOINT]
    original = endpoint.bot.on_turn

    async def spy(turn_context: TurnContext) -> None:
        seen.append(turn_context)
        await original(turn_context)

    endpoint.bot.on_turn = spy  # type: ignore[method-assign]
    await teams.post(fixture("personal_message", connector.service_url))
    [context] = seen
    assert context.activity.conversation.tenant_id is None
    assert context.activity.channel_data["tenant"]["id"] == TENANT
