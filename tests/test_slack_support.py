"""The Slack test harness: the real adapter behind a real HTTP server, and a stand-in for Slack.

``SlackHarness.start(...)`` runs, all on 127.0.0.1 with ephemeral ports:

* the bolt app from ``build_slack_app`` mounted by ``add_slack_routes`` on an aiohttp server;
* ``FakeSlack``, an aiohttp app standing in for slack.com (``/api/<method>``), for the ``response_url``
  endpoints (``/hooks/<name>``) and for Socket Mode's WebSocket (``/link``), recording every call with its
  parsed body (and every Socket Mode acknowledgement as ``/socket/ack``);
* a real ``Runtime`` over the tiny knowledge base from ``conftest.py`` and an SQLite file in ``tmp_path``.

Requests are signed exactly as Slack signs them (``SignatureVerifier.generate_signature``). Payloads start
from the copies of the shared fixtures in ``tests/data/slack``. The other ``test_slack_*`` modules import
this one; its own tests check the harness itself.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import SlackSettings, add_slack_routes, build_slack_app
from bot.config import Settings
from bot.runtime import Runtime

DATA = Path(__file__).parent / "data" / "slack"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"
BOT_USER = "U0EVBOT01"
BOT_ID = "B0EVBOT001"
TEAM = "T0ABC1234"
PRACTITIONER = "U0PRAC001"
LEAD = "U0LEAD0001"
CHANNEL = "C0FOSTER1"
DM = "D0EVDM001"
FIXTURES = sorted(p.name for p in DATA.glob("slack_*"))
CURATED = frozenset(
    {
        "https://foundations.org.uk/",
        "https://example.org/group-supervision",
        "https://www.nspcc.org.uk/",
        "https://safelives.org.uk/",
    }
)
"""Every link URL in the test knowledge base (conftest.ITEMS): the only URLs a payload may link to."""


def fixture_json(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@dataclass
class Call:
    """One request the bot made to the stand-in Slack."""

    path: str
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """slack.com and hooks.slack.com on 127.0.0.1: canned answers, every call recorded."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.statuses: list[tuple[str, int]] = []
        self.scripts: dict[str, list[Scripted]] = {}
        self._changed = asyncio.Condition()
        self.socket: web.WebSocketResponse | None = None
        self.delay = 0.0
        """Seconds each chat.* call is held before it is answered."""
        app = web.Application()
        app.router.add_get("/link", self._socket)
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    async def start(self) -> FakeSlack:
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def hook(self, name: str) -> str:
        """A ``response_url`` served by this stand-in."""
        return f"{self.url}hooks/{name}"

    def script(self, path: str, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """Answer the next call to ``path`` with this (before the default answer)."""
        self.scripts.setdefault(path, []).append(Scripted(status, body, headers or {}))

    def find(self, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(prefix)]

    async def wait_for(self, prefix: str, count: int = 1, timeout: float = 8.0) -> list[Call]:
        """Wait until at least ``count`` calls to paths starting with ``prefix`` have arrived."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.find(prefix)) >= count), timeout)
        return self.find(prefix)

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        path = request.path
        json_body = request.content_type == "application/json"
        body = json.loads(raw or b"{}") if json_body else dict(parse_qsl(raw.decode()))
        if self.delay and path.startswith("/api/chat."):
            await asyncio.sleep(self.delay)  # a slow Slack: the bot's post stays in flight this long
        queue = self.scripts.get(path)
        scripted = queue.pop(0) if queue else None
        if scripted is not None and scripted.status != 200:  # a refused call is not something anyone saw
            self.statuses.append((path, scripted.status))
            text = scripted.body if isinstance(scripted.body, str) else json.dumps(scripted.body)
            return web.Response(status=scripted.status, text=text, headers=scripted.headers)
        self.statuses.append((path, 200))
        async with self._changed:
            self.calls.append(Call(path, body))
            self._changed.notify_all()
        if scripted is not None:
            return web.json_response(scripted.body, headers=scripted.headers)
        if path.startswith("/hooks/"):
            return web.Response(text="ok")
        return web.json_response(self._default(path, body))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode's WebSocket: say hello, then record every acknowledgement the bot sends back."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0EVBOT001"}})
        async with self._changed:
            self.socket = socket
            self._changed.notify_all()
        async for message in socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                async with self._changed:
                    self.calls.append(Call("/socket/ack", json.loads(message.data)))
                    self._changed.notify_all()
        return socket

    async def connected(self, timeout: float = 8.0) -> web.WebSocketResponse:
        """The Socket Mode connection, once the bot has opened it."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.socket is not None), timeout)
        assert self.socket is not None
        return self.socket

    def _default(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        method = path.removeprefix("/api/")
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http://", "ws://") + "link"}
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": TEAM, "user": "evidence"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}", "message": {}}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": "V0TEST0001"}}
        return {"ok": True}


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str
    elapsed: float


class SlackHarness:
    """The adapter over real HTTP with a stand-in Slack; build one with ``SlackHarness.start``."""

    def __init__(self, fake: FakeSlack, runtime: Runtime, server: TestServer, session: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.runtime = runtime
        self.server = server
        self.session = session
        self._events = 0

    @classmethod
    @asynccontextmanager
    async def start(cls, tmp_path: Path, knowledge_dir: Path, glossary_file: Path) -> AsyncIterator[SlackHarness]:
        fake = await FakeSlack().start()
        runtime = Runtime.start(
            Settings(
                knowledge_dir=knowledge_dir,
                glossary_path=glossary_file,
                database_url=f"sqlite:///{tmp_path}/bot.db",
                research_lead="the research lead",
            )
        )
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
        bolt_app = build_slack_app(runtime, SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET), client=client)
        web_app = web.Application()
        add_slack_routes(web_app, bolt_app)
        server = TestServer(web_app, host="127.0.0.1")
        await server.start_server()
        session = aiohttp.ClientSession()
        harness = cls(fake, runtime, server, session)
        try:
            yield harness
        finally:
            await session.close()
            await settle()
            await server.close()
            await fake.close()
            runtime.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/slack/events"

    # --- sending signed requests ---------------------------------------------------------------------

    async def post(
        self,
        body: str | bytes,
        content_type: str,
        *,
        timestamp: str | None = None,
        secret: str = SECRET,
        headers: dict[str, str | None] | None = None,
        signature: str | None = None,
    ) -> Response:
        """POST ``body`` signed as Slack signs it; ``headers`` values of None remove a header."""
        ts = timestamp or str(int(time.time()))
        if signature is None:
            text = body.decode() if isinstance(body, bytes) else body
            signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=text) or ""
        sig = signature
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
        sent = {k: v for k, v in {**sent, **(headers or {})}.items() if v is not None}
        started = time.monotonic()
        async with self.session.post(self.url, data=body, headers=sent) as resp:
            answer = await resp.text()
            return Response(resp.status, dict(resp.headers), answer, time.monotonic() - started)

    async def event(self, payload: dict[str, Any], **options: Any) -> Response:
        return await self.post(json.dumps(payload), "application/json", **options)

    async def command(self, fields: dict[str, str], **options: Any) -> Response:
        return await self.post(urlencode(fields), "application/x-www-form-urlencoded", **options)

    async def interaction(self, payload: dict[str, Any], **options: Any) -> Response:
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **options
        )

    # --- payloads, from the shared fixtures ----------------------------------------------------------

    def next_event_id(self) -> str:
        self._events += 1
        return f"Ev0TEST{self._events:05d}"

    def dm(self, text: str, *, user: str = PRACTITIONER, event_id: str | None = None) -> dict[str, Any]:
        payload = fixture_json("slack_message_im.json")
        payload["event_id"] = event_id or self.next_event_id()
        payload["event"].update({"text": text, "user": user, "ts": f"{time.time():.6f}"})
        return payload

    def mention(self, text: str, *, user: str = PRACTITIONER, thread_ts: str | None = None) -> dict[str, Any]:
        payload = fixture_json("slack_app_mention.json")
        payload["event_id"] = self.next_event_id()
        payload["event"].update({"text": f"<@{BOT_USER}> {text}", "user": user})
        if thread_ts:
            payload["event"]["thread_ts"] = thread_ts
        return payload

    def slash(self, text: str, *, hook: str = "command", channel: str = CHANNEL) -> dict[str, str]:
        fields = dict(parse_qsl((DATA / "slack_slash_command.form").read_text(encoding="utf-8")))
        fields.update({"text": text, "response_url": self.fake.hook(hook), "channel_id": channel})
        return fields

    def click(
        self,
        action_id: str,
        value: str,
        *,
        hook: str = "action",
        user: str = LEAD,
        ephemeral: bool = True,
        channel: str = CHANNEL,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """A ``block_actions`` payload for one button, built on the shared fixture."""
        payload = fixture_json("slack_block_actions.json")
        payload["user"].update({"id": user, "name": "jo.teamlead", "username": "jo.teamlead"})
        payload["response_url"] = self.fake.hook(hook)
        payload["container"].update({"is_ephemeral": ephemeral, "channel_id": channel})
        payload["channel"]["id"] = channel
        payload["actions"][0].update(
            {"action_id": action_id, "value": value, "action_ts": f"{time.time():.6f}", "block_id": "b"}
        )
        if not ephemeral:
            payload["message"] = {"ts": "1767960001.000300", "text": "", "blocks": []}
            if thread_ts:
                payload["message"]["thread_ts"] = thread_ts
        return payload

    def message_shortcut(self, text: str, *, hook: str = "shortcut", user: str = PRACTITIONER) -> dict[str, Any]:
        """ "Find evidence for this message" on a colleague's message (a ``message_action`` payload)."""
        base = fixture_json("slack_block_actions.json")
        return {
            "type": "message_action",
            "callback_id": "find_evidence",
            "trigger_id": base["trigger_id"],
            "response_url": self.fake.hook(hook),
            "team": base["team"],
            "user": {"id": user, "name": "sam.practitioner", "team_id": TEAM},
            "channel": {"id": CHANNEL, "name": "fostering-team"},
            "message": {"type": "message", "user": "U0COLLEAGUE", "ts": "1767960000.000100", "text": text},
            "message_ts": "1767960000.000100",
            "action_ts": f"{time.time():.6f}",
            "api_app_id": base["api_app_id"],
            "is_enterprise_install": False,
        }

    def home_click(self, action_id: str, value: str, *, in_modal: bool = False) -> dict[str, Any]:
        payload = fixture_json("slack_block_actions.json")
        for key in ("response_url", "channel"):
            payload.pop(key)
        payload["container"] = {"type": "view", "view_id": "V0HOME0001"}
        payload["view"] = {"id": "V0HOME0001", "type": "modal" if in_modal else "home", "callback_id": ""}
        payload["actions"][0].update({"action_id": action_id, "value": value, "action_ts": f"{time.time():.6f}"})
        return payload

    def submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        metadata: str = "",
        user: str = LEAD,
        view_id: str = "V0FORM0001",
        kind: str = "view_submission",
    ) -> dict[str, Any]:
        payload = fixture_json("slack_view_submission.json")
        payload["type"] = kind
        payload["user"].update({"id": user, "name": "jo.teamlead", "username": "jo.teamlead"})
        payload["view"].update(
            {"callback_id": callback_id, "private_metadata": metadata, "id": view_id, "state": {"values": values}}
        )
        return payload

    # --- reading what the bot stored ----------------------------------------------------------------

    def stored_questions(self) -> list[Any]:
        return self.runtime.store.questions_since()

    def stored_feedback(self) -> list[Any]:
        return self.runtime.store.feedback_since()


async def eventually(check: Any, timeout: float = 5.0) -> None:
    """Wait until ``check()`` is true (for work a listener finishes after Slack got its ack)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def settle(timeout: float = 15.0) -> None:
    """Let background listener work finish, so no task outlives the test's event loop."""
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


# --- what users see -------------------------------------------------------------------------------------

NOT_SHOWN = {"value", "private_metadata", "action_id", "block_id", "callback_id", "url", "response_url"}


def shown_strings(node: Any, key: str = "") -> Iterator[str]:
    """Every string Slack would display from a posted payload (not button values or ids)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from shown_strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from shown_strings(v, key)
    elif isinstance(node, str) and key not in NOT_SHOWN:
        yield node


_SEQUENCE = re.compile(r"<([^<>]*)>")
_BARE_AMP = re.compile(r"&(?!amp;|lt;|gt;)")


def control_problems(
    body: Any, *, urls: frozenset[str] | set[str] = CURATED, users: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """Control sequences in a payload that did not come from us: anything but curated links and the sharer.

    Also flags a bare ``&`` (Slack's escape character) and a ``<`` or ``>`` outside a sequence.
    """
    problems = []
    for text in shown_strings(body):
        for match in _SEQUENCE.finditer(text):
            target, _, _ = match.group(1).partition("|")
            if target in urls or (target.startswith("@") and target[1:] in users):
                continue
            problems.append(f"control sequence {match.group()!r} in {text[:80]!r}")
        if "<" in _SEQUENCE.sub("", text) or ">" in _SEQUENCE.sub("", text):
            problems.append(f"unescaped < or > in {text[:80]!r}")
        if _BARE_AMP.search(text):
            problems.append(f"unescaped & in {text[:80]!r}")
    return problems


def native_feedback(blocks: list[dict[str, Any]]) -> tuple[str, str]:
    """The values of Block Kit's thumbs up and thumbs down on a message (its ``feedback_buttons`` element)."""
    [element] = [e for b in blocks if b["type"] == "context_actions" for e in b["elements"]]
    assert element["type"] == "feedback_buttons" and element["action_id"] == "feedback_buttons"
    return element["positive_button"]["value"], element["negative_button"]["value"]


def all_text(body: Any) -> str:
    return "\n".join(shown_strings(body))


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return list(shown_strings(blocks))


def deep(node: Any) -> Any:
    return copy.deepcopy(node)


# --- the harness checks itself --------------------------------------------------------------------------


def test_the_fixtures_were_copied_here() -> None:
    assert FIXTURES == [
        "slack_app_mention.json",
        "slack_block_actions.json",
        "slack_message_im.json",
        "slack_slash_command.form",
        "slack_view_submission.json",
    ]


def test_control_problems_finds_what_it_should() -> None:
    urls = {"https://foundations.org.uk/"}
    good = {"text": "fine &amp; dandy <https://foundations.org.uk/|Trial report> &lt;!here&gt;"}
    assert control_problems(good, urls=urls) == []
    for bad in ("<!here>", "<@U1>", "<#C1|x>", "<https://evil|NHS guidance>", "a & b", "a < b"):
        assert control_problems({"text": bad}, urls=urls), bad
    assert control_problems({"value": "<!here>"}, urls=urls) == []
    assert control_problems({"text": "<@U0LEAD0001>"}, urls=urls, users={"U0LEAD0001"}) == []
