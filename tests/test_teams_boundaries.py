"""Issue 13, trust boundaries: replies only to Teams' own service hosts, Emulator tokens only when enabled, and
one reading of on/off settings. Through the real HTTP path (aiohttp on 127.0.0.1, Bot Framework JWTs signed by a
local key set, a stand-in connector), offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from botframework.connector.auth import AuthenticationConstants, ChannelValidation
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from teams_support import FakeConnector, OpenIdStandIn, deny_network, jwk, mint_token, new_key

from adapters.teams.http import create_app
from adapters.teams.outbound import GuardedConnectorFactory, UntrustedServiceUrl
from adapters.teams.settings import TeamsSettings
from adapters.web import configured_platforms, listen_host
from bot.config import parse_bool
from bot.errors import ConfigError
from bot.runtime import Runtime

DATA = Path(__file__).parent / "data" / "teams"
APP_ID = "6d3c1b2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
TENANT = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
TEAMS_URL = "https://smba.trafficmanager.net/emea/"
EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
KEY = new_key()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    deny_network(monkeypatch)


async def _serve(runtime: Runtime, settings: TeamsSettings) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(create_app(runtime, settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"


def _activity(name: str, service_url: str) -> dict[str, Any]:
    activity: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    activity["serviceUrl"] = service_url
    return activity


async def _post(url: str, activity: dict[str, Any], authorization: str = "") -> int:
    headers = {"Authorization": authorization} if authorization else {}
    async with aiohttp.ClientSession() as session, session.post(url, json=activity, headers=headers) as response:
        return response.status


# --- 4. replies only to Teams' service hosts -----------------------------------------------------------------


async def test_unauthenticated_mode_never_replies_to_an_address_off_the_list(
    runtime: Runtime, connector: FakeConnector
) -> None:
    """The issue's finding: with authentication off the reply went to whatever local listener the body named."""
    runner, url = await _serve(runtime, TeamsSettings(allow_unauthenticated=True))
    try:
        assert await _post(url, _activity("personal_message", connector.service_url)) == 403
    finally:
        await runner.cleanup()
    assert connector.calls == []


async def test_credentials_in_a_service_url_are_never_sent(runtime: Runtime, connector: FakeConnector) -> None:
    """``http://u:p@host/`` made requests send Basic credentials; such a URL is refused even for a trusted host."""
    settings = TeamsSettings(allow_unauthenticated=True, service_hosts=frozenset({"127.0.0.1"}))
    runner, url = await _serve(runtime, settings)
    try:
        with_userinfo = connector.service_url.replace("http://", "http://user:secret@")
        assert await _post(url, _activity("personal_message", with_userinfo)) == 403
        assert await _post(url, _activity("personal_message", connector.service_url)) in (200, 201)
    finally:
        await runner.cleanup()
    assert len(connector.calls) == 1 and "Authorization" not in connector.calls[0].headers


async def test_the_connector_factory_itself_refuses_an_untrusted_address() -> None:
    """Defence in depth: even a turn that got past the door cannot build a client for another host."""

    class Inner:
        async def create(self, service_url: str, audience: str | None = None) -> Any:
            raise AssertionError("must not be reached")

    settings = TeamsSettings(allow_unauthenticated=True)
    factory = GuardedConnectorFactory(Inner(), settings.trusts_service_url)  # type: ignore[arg-type]
    for address in (
        "https://evil.example/",
        "http://smba.trafficmanager.net/emea/",
        "https://a:b@smba.trafficmanager.net/",
    ):
        with pytest.raises(UntrustedServiceUrl):
            await factory.create(address, "aud")


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://smba.trafficmanager.net/amer/", True),
        ("https://smba.infra.gcc.teams.microsoft.com/teams", True),
        ("https://smba.infra.gov.teams.microsoft.us/teams", True),
        ("https://smba.infra.dod.teams.microsoft.us/teams", True),
        ("https://SMBA.trafficmanager.net./emea/", True),
        ("http://smba.trafficmanager.net/emea/", False),
        ("https://smba.trafficmanager.net.evil.example/", False),
        ("https://evil.example/smba.trafficmanager.net/", False),
        ("https://user:pw@smba.trafficmanager.net/emea/", False),
        ("http://localhost:3978/", False),
        ("not a url", False),
    ],
)
def test_only_documented_teams_hosts_are_trusted_by_default(url: str, trusted: bool) -> None:
    assert TeamsSettings().trusts_service_url(url) is trusted


def test_extra_hosts_for_the_emulator_are_configured_by_name() -> None:
    settings = TeamsSettings.from_env({"BOT_TEAMS_ALLOW_UNAUTHENTICATED": "1", "BOT_TEAMS_SERVICE_HOSTS": "localhost"})
    assert settings.trusts_service_url("http://localhost:56789/")
    assert not settings.trusts_service_url("http://127.0.0.1:56789/")
    with pytest.raises(ConfigError, match="BOT_TEAMS_SERVICE_HOSTS"):
        TeamsSettings.from_env({"BOT_TEAMS_ALLOW_UNAUTHENTICATED": "1", "BOT_TEAMS_SERVICE_HOSTS": "http://x:1/"})


def test_the_web_process_listens_on_loopback_only_while_teams_authentication_is_off() -> None:
    slack = {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": "s"}
    assert listen_host(configured_platforms({**slack, "BOT_TEAMS_ALLOW_UNAUTHENTICATED": "1"})) == "127.0.0.1"
    assert listen_host(configured_platforms(slack)) == "0.0.0.0"
    teams = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "x", "MicrosoftAppTenantId": TENANT}
    assert listen_host(configured_platforms(teams)) == "0.0.0.0"


# --- 5. Emulator tokens only when enabled ----------------------------------------------------------------------


@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenIdStandIn]:
    """One key set for the channel and the Emulator, so an Emulator token would validate if allowed through."""
    stand_in = OpenIdStandIn([jwk(KEY, "k1", ["msteams"])])
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", stand_in.metadata_url)
    monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL", stand_in.metadata_url)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    yield stand_in
    stand_in.close()


def _emulator_token() -> str:
    token = mint_token(KEY, kid="k1", audience=APP_ID, service_url="", issuer=EMULATOR_ISSUER, ver="1.0", appid=APP_ID)
    return f"Bearer {token}"


@pytest.mark.parametrize("allowed", [False, True])
async def test_emulator_issuer_tokens_are_refused_unless_enabled(
    runtime: Runtime, openid: OpenIdStandIn, allowed: bool
) -> None:
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "x", "MicrosoftAppTenantId": TENANT}
    if allowed:
        env["BOT_TEAMS_ALLOW_EMULATOR"] = "yes"
    runner, url = await _serve(runtime, TeamsSettings.from_env(env))
    try:
        status = await _post(url, _activity("messaging_extension_query", TEAMS_URL), _emulator_token())
    finally:
        await runner.cleanup()
    if allowed:
        assert status == 200  # validated by botbuilder's Emulator path (replies still only to trusted hosts)
    else:
        assert status == 401 and openid.requests == []  # refused before any key fetch


# --- 6. one reading of on/off settings -------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["0", "false", "No", "OFF", " off ", ""])
def test_off_words_mean_off_and_a_slack_only_start_serves_slack(word: str) -> None:
    assert parse_bool("X", word) is False
    env = {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": "s", "BOT_TEAMS_ALLOW_UNAUTHENTICATED": word}
    assert configured_platforms(env).names == ["slack"]


@pytest.mark.parametrize("word", ["1", "true", "YES", "On"])
def test_on_words_mean_on(word: str) -> None:
    assert parse_bool("X", word) is True
    assert TeamsSettings.from_env({"BOT_TEAMS_ALLOW_UNAUTHENTICATED": word}).allow_unauthenticated


def test_anything_else_is_a_one_line_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="BOT_TEAMS_ALLOW_UNAUTHENTICATED must be 1, true"):
        configured_platforms({"BOT_TEAMS_ALLOW_UNAUTHENTICATED": "maybe"})
    with pytest.raises(ConfigError, match="BOT_TEAMS_ALLOW_EMULATOR"):
        TeamsSettings.from_env({"BOT_TEAMS_ALLOW_UNAUTHENTICATED": "1", "BOT_TEAMS_ALLOW_EMULATOR": "2"})
