"""Authentication on: only Bot Framework-signed tokens for our app id, from allowed tenants, reach the bot.

Offline: botbuilder fetches Bot Framework's OpenID metadata and signing keys with ``requests``; the tests point
``ChannelValidation.open_id_metadata_endpoint`` at a stand-in on 127.0.0.1 that publishes one trusted key (and
one without the ``msteams`` endorsement), and every other name lookup fails, so nothing can leave the machine.
A token signed by any other key, or with a wrong claim, must get 401 and never reach the bot.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from botbuilder.core import TurnContext
from botframework.connector.auth import ChannelValidation
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from cryptography.hazmat.primitives import serialization
from teams_support import OpenIdStandIn, deny_network, jwk, mint_token, new_key

from adapters.teams.http import TEAMS_ENDPOINT, create_app
from adapters.teams.settings import TeamsSettings
from bot.runtime import Runtime

DATA = Path(__file__).parent / "data" / "teams"
APP_ID = "6d3c1b2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
TENANT = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"
TRUSTED, UNENDORSED = "trusted-key", "webchat-only-key"

TRUSTED_KEY = new_key()
OTHER_KEY = new_key()
UNENDORSED_KEY = new_key()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    deny_network(monkeypatch)


@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenIdStandIn]:
    stand_in = OpenIdStandIn([jwk(TRUSTED_KEY, TRUSTED, ["msteams"]), jwk(UNENDORSED_KEY, UNENDORSED, ["webchat"])])
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", stand_in.metadata_url)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    yield stand_in
    stand_in.close()


class Served:
    def __init__(self, url: str, session: aiohttp.ClientSession, turns: list[str]) -> None:
        self.url, self.session, self.turns = url, session, turns

    async def post(self, activity: dict[str, Any], authorization: str | None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        async with self.session.post(self.url, data=json.dumps(activity), headers=headers) as response:
            raw = await response.read()
            return response.status, (json.loads(raw) if raw else None)


@pytest.fixture
async def bot(runtime: Runtime, openid: OpenIdStandIn) -> AsyncIterator[Served]:
    settings = TeamsSettings.from_env(
        {
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": "not-a-real-secret",
            "MicrosoftAppTenantId": TENANT,
        }
    )
    assert settings.app_type == "SingleTenant" and settings.tenants == frozenset({TENANT})
    app = create_app(runtime, settings)
    turns: list[str] = []
    endpoint = app[TEAMS_ENDPOINT]
    original = endpoint.bot.on_turn

    async def counting(turn_context: TurnContext) -> None:
        turns.append(str(turn_context.activity.type))
        await original(turn_context)

    endpoint.bot.on_turn = counting  # type: ignore[method-assign]
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    async with aiohttp.ClientSession() as session:
        yield Served(f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages", session, turns)
    await runner.cleanup()


def search() -> dict[str, Any]:
    """A compose-box search: an invoke, so a valid request needs no outbound (Entra-token) call."""
    return dict(json.loads((DATA / "messaging_extension_query.json").read_text(encoding="utf-8")))


def bearer(token: str) -> str:
    return f"Bearer {token}"


def valid_token(**overrides: Any) -> str:
    options: dict[str, Any] = {"kid": TRUSTED, "audience": APP_ID, "service_url": SERVICE_URL, **overrides}
    key = options.pop("key", TRUSTED_KEY)
    return mint_token(key, **options)


async def test_a_valid_bot_framework_token_is_accepted(bot: Served, openid: OpenIdStandIn) -> None:
    status, body = await bot.post(search(), bearer(valid_token()))
    assert status == 200
    assert body["composeExtension"]["attachments"]
    assert bot.turns == ["invoke"]
    assert openid.requests == ["/.well-known/openid-configuration", "/keys"]


def _public_pem() -> bytes:
    return TRUSTED_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _unsigned() -> str:
    now = int(time.time())
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "exp": now + 300, "serviceurl": SERVICE_URL}
    return jwt.encode(claims, None, algorithm="none", headers={"kid": TRUSTED})


def _hs256_with_public_key() -> str:
    """The classic key-confusion forgery: HMAC "signed" with the RSA public key."""
    now = int(time.time())
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "exp": now + 300, "serviceurl": SERVICE_URL}
    header = {"alg": "HS256", "typ": "JWT", "kid": TRUSTED}
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(_public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


FORGED = {
    "no Authorization header": lambda: None,
    "empty header": lambda: "",
    "not a bearer token": lambda: "Basic dXNlcjpwYXNz",
    "bearer but not a JWT": lambda: bearer("not.a.jwt"),
    "three words": lambda: f"Bearer {valid_token()} extra",
    "signed by a key the bot does not trust": lambda: bearer(valid_token(key=OTHER_KEY)),
    "unknown key id": lambda: bearer(valid_token(key=OTHER_KEY, kid="who-knows")),
    "key not endorsed for msteams": lambda: bearer(valid_token(key=UNENDORSED_KEY, kid=UNENDORSED)),
    "another bot's app id": lambda: bearer(valid_token(audience="99999999-9999-4999-8999-999999999999")),
    "wrong issuer": lambda: bearer(valid_token(issuer="https://evil.example/")),
    "expired six minutes ago": lambda: bearer(valid_token(lifetime=-360)),
    "not valid for ten minutes": lambda: bearer(valid_token(not_before=600)),
    "serviceurl claim for another service": lambda: bearer(valid_token(service_url="https://evil.example/")),
    "unsigned (alg none)": lambda: bearer(_unsigned()),
    "HS256 signed with the public key": lambda: bearer(_hs256_with_public_key()),
}


@pytest.mark.parametrize("case", sorted(FORGED))
async def test_unsigned_and_forged_tokens_get_401_and_never_reach_the_bot(
    case: str, bot: Served, caplog: pytest.LogCaptureFixture
) -> None:
    status, body = await bot.post(search(), FORGED[case]())
    assert (status, body) == (401, None)
    assert bot.turns == []
    assert "neglect" not in caplog.text


async def test_a_valid_token_from_a_tenant_not_on_the_list_gets_403(bot: Served) -> None:
    activity = search()
    activity["channelData"]["tenant"]["id"] = "11111111-2222-4333-8444-555555555555"
    status, _ = await bot.post(activity, bearer(valid_token()))
    assert status == 403
    assert bot.turns == []


async def test_the_service_url_claim_must_match_the_activity(bot: Served) -> None:
    activity = search()
    activity["serviceUrl"] = "https://smba.trafficmanager.net/amer/"  # a Teams host, but not the token's
    status, _ = await bot.post(activity, bearer(valid_token()))
    assert status == 401
    assert bot.turns == []


async def test_a_service_url_off_the_teams_hosts_is_refused_even_with_a_matching_token(
    bot: Served, openid: OpenIdStandIn
) -> None:
    activity = search()
    activity["serviceUrl"] = "https://evil.example/"  # replies (and the bot's token) would go wherever it says
    status, _ = await bot.post(activity, bearer(valid_token(service_url="https://evil.example/")))
    assert status == 403
    assert bot.turns == [] and openid.requests == []  # refused before any key fetch
