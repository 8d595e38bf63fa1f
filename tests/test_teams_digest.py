"""The weekly digest in Teams through the real path: the app added to a team (a real ``conversationUpdate`` over
HTTP on 127.0.0.1, authentication off as in test_teams_http.py) registers the team's General channel; two
posters (two instances sharing one store) post the Adaptive Card once to the stand-in connector; removing the
app stops the posts."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp import web
from teams_support import FakeConnector, deny_network

from adapters.digest import DigestPoster, start_digest
from adapters.teams.cards import ADAPTIVE
from adapters.teams.channels import DigestChannels, TeamReference
from adapters.teams.http import TEAMS_ENDPOINT, build_endpoint, create_app
from adapters.teams.settings import TeamsSettings
from bot.config import Settings
from bot.library import library_from_settings
from bot.runtime import Runtime
from bot.store import open_store

DATA = Path(__file__).parent / "data" / "teams"
TENANT = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
TEAM = "19:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d@thread.tacv2"  # the team's id: also its General channel's
BOT = "28:6d3c1b2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
TEAMS = TeamsSettings(allow_unauthenticated=True, tenants=frozenset({TENANT}), service_hosts=frozenset({"127.0.0.1"}))
MONDAY = dt.datetime(2026, 10, 19, 9, 30, tzinfo=dt.UTC)


def fixture(name: str, service_url: str, **changes: Any) -> dict[str, Any]:
    activity = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    activity["serviceUrl"] = service_url
    activity.update(changes)
    return dict(activity)


def rows(settings: Settings) -> list[tuple[Any, ...]]:
    path = settings.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT surface, target, reference FROM digest_channels").fetchall()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    deny_network(monkeypatch)


class Instance:
    """One bot process: its runtime (digest to Teams on), its web app on 127.0.0.1 and its digest poster."""

    def __init__(self, runtime: Runtime, app: web.Application, url: str, runner: web.AppRunner) -> None:
        self.runtime, self.app, self.url, self.runner = runtime, app, url, runner
        poster = start_digest(runtime, teams=app[TEAMS_ENDPOINT])
        assert poster is not None
        poster.stop()  # the tests call post_due themselves rather than wait for the minute's check
        self.poster: DigestPoster = poster

    async def post(self, activity: dict[str, Any]) -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/api/messages", json=activity) as response,
        ):
            return response.status

    async def post_due(self, now: dt.datetime) -> int:
        return await asyncio.to_thread(self.poster.post_due, now)  # the poster's own thread, as in production


@pytest.fixture
async def instances(settings: Settings) -> AsyncIterator[list[Instance]]:
    started = []
    for _ in range(2):  # two processes sharing one store
        runtime = Runtime(
            replace(settings, digest_teams=True), library_from_settings(settings), open_store(settings.database_url)
        )
        app = create_app(runtime, TEAMS)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        started.append(Instance(runtime, app, f"http://127.0.0.1:{runner.addresses[0][1]}", runner))
    yield started
    for instance in started:
        await instance.runner.cleanup()
        instance.runtime.close()


def title_of(card: dict[str, Any]) -> str:
    return str(card["body"][0].get("text", ""))


def digest_posts(connector: FakeConnector) -> list[Any]:
    cards = [(c, c.body["attachments"][0]["content"]) for c in connector.delivered]
    return [c for c, card in cards if title_of(card).startswith("Evidence digest:")]


async def test_adding_the_app_to_a_team_registers_its_general_channel_and_the_digest_posts_once(
    instances: list[Instance], connector: FakeConnector, settings: Settings
) -> None:
    first, second = instances
    assert await first.post(fixture("conversation_update_bot_added", connector.service_url)) == 201
    assert len(connector.delivered) == 1  # the welcome card, in the channel it was added from
    [(surface, target, reference)] = rows(settings)
    assert surface == "teams" and target != TEAM  # keyed by a salted hash of the team id
    assert json.loads(reference) == {
        "serviceUrl": connector.service_url,
        "conversationId": TEAM,
        "tenantId": TENANT,
        "botId": BOT,
    }
    assert "aadObjectId" not in reference and "29:" not in reference  # nothing about the person who added it

    for moment in (MONDAY, MONDAY + dt.timedelta(minutes=1), MONDAY + dt.timedelta(days=2)):
        assert sum(await asyncio.gather(first.post_due(moment), second.post_due(moment))) <= 1
    [post] = digest_posts(connector)
    assert post.method == "POST"
    assert unquote(post.path) == f"/amer/v3/conversations/{TEAM}/activities"  # a new post in the General channel
    assert not post.body.get("replyToId")
    [attachment] = post.body["attachments"]
    assert attachment["contentType"] == ADAPTIVE
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and title_of(card).startswith("Evidence digest: 12 Oct to 19 Oct 2026")
    assert post.body["summary"] == title_of(card)
    assert "New evidence (0)" in json.dumps(card)
    assert "Authorization" not in post.headers  # authentication off: nothing to sign with

    assert await second.post_due(MONDAY + dt.timedelta(days=7)) == 1  # next week, either instance
    assert await first.post_due(MONDAY + dt.timedelta(days=7)) == 0
    assert len(digest_posts(connector)) == 2


async def test_removing_the_app_stops_the_digest(
    instances: list[Instance], connector: FakeConnector, settings: Settings
) -> None:
    first, second = instances
    await first.post(fixture("conversation_update_bot_added", connector.service_url))
    assert await second.post(fixture("conversation_update_bot_added", connector.service_url)) == 201  # a retry
    assert len(rows(settings)) == 1 and len(connector.delivered) == 1
    removed = fixture("conversation_update_bot_added", connector.service_url, id="f:removed")
    removed["membersRemoved"] = removed.pop("membersAdded")
    removed["channelData"]["eventType"] = "teamMemberRemoved"
    assert await second.post(removed) == 201
    assert rows(settings) == []
    assert await first.post_due(MONDAY) == 0 and await second.post_due(MONDAY) == 0
    assert len(connector.delivered) == 1  # only the welcome


async def test_installation_update_registers_a_team_but_not_a_personal_chat(
    instances: list[Instance], connector: FakeConnector, settings: Settings
) -> None:
    first, _ = instances
    await first.post(fixture("installation_update_add", connector.service_url))  # personal scope
    assert rows(settings) == []
    in_team = fixture("installation_update_add", connector.service_url, id="f:team-install")
    in_team["conversation"] = {"conversationType": "channel", "id": TEAM, "isGroup": True}
    in_team["channelData"]["team"] = {"id": TEAM}
    assert await first.post(in_team) == 201
    [(_, _, reference)] = rows(settings)
    assert TeamReference.from_json(reference).conversation_id == TEAM
    uninstall = dict(in_team, id="f:team-uninstall", action="remove")
    assert await first.post(uninstall) == 201
    assert rows(settings) == []
    deleted = dict(in_team, id="f:team-again")
    await first.post(deleted)
    assert len(rows(settings)) == 1
    team_deleted = fixture("conversation_update_bot_added", connector.service_url, id="f:deleted")
    del team_deleted["membersAdded"]
    team_deleted["channelData"]["eventType"] = "teamDeleted"
    assert await first.post(team_deleted) == 201
    assert rows(settings) == []


async def test_a_throttled_digest_post_is_retried_and_a_failed_one_is_not_sent_twice(
    instances: list[Instance], connector: FakeConnector
) -> None:
    first, second = instances
    await first.post(fixture("conversation_update_bot_added", connector.service_url))
    connector.failures = [(429, {"Retry-After": "0"})]
    assert await first.post_due(MONDAY) == 1
    assert len(digest_posts(connector)) == 1 and connector.calls[-2].status == 429
    connector.failures = [(500, {})] * 10
    next_week = MONDAY + dt.timedelta(days=7)
    assert await first.post_due(next_week) == 0  # logged; claimed, so never posted twice
    assert await second.post_due(next_week) == 0
    assert len(digest_posts(connector)) == 1


def test_untrusted_service_urls_are_never_stored(runtime: Runtime, settings: Settings) -> None:
    channels = DigestChannels(runtime.store, TEAMS.trusts_service_url)
    for url in ("https://evil.example/amer/", "http://smba.trafficmanager.net/amer/", "https://u:p@127.0.0.1/"):
        assert not channels.register(TeamReference(url, TEAM, TENANT, BOT))
    assert rows(settings) == []
    assert channels.register(TeamReference("https://smba.trafficmanager.net/emea/", TEAM, TENANT, BOT))
    moved = TeamReference("https://smba.trafficmanager.net/amer/", TEAM, TENANT, BOT)
    assert channels.register(moved)  # re-added from another region: the reference is replaced, not doubled
    assert channels.references() == [moved.to_json()]


def test_the_teams_digest_is_off_unless_asked_for(runtime: Runtime) -> None:
    endpoint = build_endpoint(runtime, TEAMS)
    assert runtime.settings.digest_teams is False
    assert start_digest(runtime, teams=endpoint) is None
