"""Stand-ins for Microsoft's services, so the Teams adapter is tested end to end on 127.0.0.1, offline.

* ``FakeConnector``: the Bot Connector at an activity's ``serviceUrl``; records every reply and can be told
  to answer 429 first;
* ``OpenIdStandIn``: Bot Framework's OpenID metadata and signing keys, served from a thread (botbuilder fetches
  them with blocking ``requests`` calls from inside the event loop, so it must not share that loop);
* ``mint_token``: a Bot Framework-shaped JWT signed with a key of the test's choosing;
* ``deny_network``: makes any name lookup other than loopback fail, so a test can never reach the internet.

Used by ``tests/test_teams_*.py`` and ``tests/test_web.py``.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.teams.cards import ADAPTIVE

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Call:
    method: str
    path: str
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class FakeConnector:
    """An aiohttp app playing the Teams connector under ``/amer/`` (real service URLs carry a region path)."""

    prefix: str = "/amer"
    calls: list[Call] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    """Statuses (and headers) to answer with, in order, before answering normally."""
    port: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_route("*", self.prefix + "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}/"

    @property
    def delivered(self) -> list[Call]:
        """Calls that succeeded, i.e. what the user would see."""
        return [c for c in self.calls if c.status == 200]

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        status, headers = self.failures.pop(0) if self.failures else (200, {})
        self.calls.append(Call(request.method, request.raw_path, status, body, dict(request.headers)))
        if status != 200:
            error = {"error": {"code": "TooManyRequests" if status == 429 else "ServiceError", "message": "stand-in"}}
            return web.json_response(error, status=status, headers=headers)
        return web.json_response({"id": f"reply-{len(self.calls)}"})

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str, endorsements: list[str]) -> dict[str, Any]:
    """The public half of ``key`` as a JWKS entry, with Bot Framework's channel endorsements."""
    numbers = key.public_key().public_numbers()

    def b64(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {
        "kty": "RSA",
        "use": "sig",
        "kid": kid,
        "n": b64(numbers.n),
        "e": b64(numbers.e),
        "endorsements": endorsements,
    }


def mint_token(
    key: Any,
    *,
    kid: str,
    audience: str,
    service_url: str,
    issuer: str = BOT_FRAMEWORK_ISSUER,
    lifetime: int = 300,
    not_before: int = -10,
    algorithm: str = "RS256",
    **claims: Any,
) -> str:
    now = int(time.time())
    payload = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now + not_before,
        "exp": now + lifetime,
        "serviceurl": service_url,
        **claims,
    }
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


class OpenIdStandIn:
    """Serves ``/.well-known/openid-configuration`` and ``/keys`` on 127.0.0.1 from a daemon thread."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.requests: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in.requests.append(self.path)
                base = f"http://127.0.0.1:{stand_in.port}"
                if self.path == "/.well-known/openid-configuration":
                    body: dict[str, Any] = {"issuer": BOT_FRAMEWORK_ISSUER, "jwks_uri": f"{base}/keys"}
                elif self.path == "/keys":
                    body = {"keys": stand_in.keys}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/.well-known/openid-configuration"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def deny_network(monkeypatch: Any) -> None:
    """Patch ``socket.getaddrinfo`` so only loopback names resolve (requests, aiohttp and MSAL all use it)."""
    real = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOOPBACK:
            raise OSError(f"network access to {name!r} is blocked in tests")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


def card_of(call: Call) -> dict[str, Any]:
    """The Adaptive Card a reply sent to the stand-in connector carried."""
    [attachment] = call.body["attachments"]
    assert attachment["contentType"] == ADAPTIVE
    return dict(attachment["content"])
