"""Follow-ups behind a load balancer: two real web processes (``python -m adapters.web``) share one store
behind a round-robin proxy on 127.0.0.1, so every follow-up ("more", a number, a typed yes) lands on the other
instance from the message before it. On SQLite (one file) and on PostgreSQL (``BOT_TEST_POSTGRES_URL``).

Also shows a Slack DM and a channel thread (and a Teams chat) keeping separate state for the same person.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from balancer_support import RoundRobinProxy
from botbuilder.schema import Activity
from slack_sdk.signature import SignatureVerifier
from teams_support import FakeConnector
from test_slack_support import BOT_USER, PRACTITIONER, FakeSlack, SlackHarness, native_feedback, settle
from test_slack_support import DM as SLACK_DM

from adapters.slack.delivery import thread_of
from adapters.teams.bot import thread_of as teams_thread_of
from bot import load_knowledge, messages
from bot.store import open_store

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
SECRET = "balanced-test-secret"
TEAM, USER, DM, CHANNEL = "T0ABC1234", "U0PRAC001", "D0EVDM001", "C0FOSTER1"
BROAD = "family group conference or group supervision or neglect or marac"
SUGGEST_SCORE = "0"
"""Every ranked item counts as a near miss, so "more" has a page to show however the matching scores them."""


_HANDED_OUT: set[int] = set()


def _free_port() -> int:
    """A port free now and not handed out before in this run: a port is released here and bound later by the
    web process, so without the check two instances started together could be given the same one."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class Instance:
    """One ``python -m adapters.web`` subprocess."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.web"],
            env={**env, "PORT": str(self.port)},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    async def ready(self, session: aiohttp.ClientSession, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"web process exited: {self.proc.stderr.read() if self.proc.stderr else ''}")
            try:
                async with session.get(self.url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError("web process did not start")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
        _, err = self.proc.communicate(timeout=30)
        return err


class Balanced:
    """Two instances behind the proxy, a stand-in Slack and a stand-in Teams connector."""

    def __init__(
        self, proxy: RoundRobinProxy, slack: FakeSlack, teams: FakeConnector, session: aiohttp.ClientSession
    ) -> None:
        self.proxy, self.slack, self.teams, self.session = proxy, slack, teams, session
        self.url = ""
        """The store both instances share."""

    async def slack_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Send a signed event through the balancer; return the message the bot posted for it."""
        before = len(self.slack.find("/api/chat.postMessage"))
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": "A0EVIDENCE",
                "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
                "event": {"user": USER, "ts": f"{time.time():.6f}", **event},
            }
        ).encode()
        ts = str(int(time.time()))
        headers = {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": str(SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)),
            "Content-Type": "application/json",
        }
        async with self.session.post(self.proxy.url + "/slack/events", data=body, headers=headers) as response:
            assert response.status == 200
        posted = await self.slack.wait_for("/api/chat.postMessage", before + 1, timeout=15)
        return posted[before].body

    async def dm(self, text: str) -> dict[str, Any]:
        return await self.slack_event({"type": "message", "channel_type": "im", "channel": DM, "text": text})

    async def in_thread(self, text: str, thread_ts: str) -> dict[str, Any]:
        event = {"type": "app_mention", "channel": CHANNEL, "text": f"<@{BOT_USER}> {text}", "thread_ts": thread_ts}
        return await self.slack_event(event)

    async def teams_message(self, text: str) -> dict[str, Any]:
        activity = json.loads((DATA / "teams" / "personal_message.json").read_text(encoding="utf-8"))
        activity.update(text=text, id=f"1{uuid.uuid4().int % 10**12}", serviceUrl=self.teams.service_url)
        before = len(self.teams.delivered)
        async with self.session.post(self.proxy.url + "/api/messages", json=activity) as response:
            assert response.status < 300
        for _ in range(300):
            if len(self.teams.delivered) > before:
                return self.teams.delivered[before].body  # type: ignore[no-any-return]
            await asyncio.sleep(0.05)
        raise AssertionError("no Teams reply")


@pytest.fixture(params=["sqlite", "postgresql"])
async def balanced(request: Any, tmp_path: Path, knowledge_dir: Path, glossary_file: Path) -> AsyncIterator[Balanced]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else f"sqlite:///{tmp_path / 'db'}"
    slack, teams = await FakeSlack().start(), await FakeConnector().start()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "BOT_KNOWLEDGE_DIR": str(knowledge_dir),
        "BOT_GLOSSARY": str(glossary_file),
        "BOT_DATABASE_URL": url,
        "BOT_SUGGEST_SCORE": SUGGEST_SCORE,
        "BOT_LIMIT": "2",  # at most two shown of the four items, so "more" always has two to list
        "BOT_LOG_FORMAT": "json",
        "SLACK_BOT_TOKEN": "xoxb-balanced",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "BOT_TEAMS_ALLOW_UNAUTHENTICATED": "1",
        "BOT_TEAMS_SERVICE_HOSTS": "127.0.0.1",  # the stand-in connector
    }
    instances = [Instance(env), Instance(env)]
    proxy = await RoundRobinProxy([i.url for i in instances]).start()
    try:
        async with aiohttp.ClientSession() as session:
            for instance in instances:
                await instance.ready(session)
            balanced = Balanced(proxy, slack, teams, session)
            balanced.url = url
            yield balanced
    finally:
        await proxy.close()
        errors = [instance.stop() for instance in instances]
        await slack.close()
        await teams.close()
    assert all("Traceback" not in err for err in errors), errors


def _says(message: dict[str, Any], text: str) -> bool:
    return text in json.dumps(message, ensure_ascii=False)


def _opened_ids(message: dict[str, Any]) -> list[str]:
    """The item ids a numbered list offers, in order (its "Open" buttons)."""
    return [
        str(element["value"])
        for block in message.get("blocks", [])
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if str(element.get("action_id", "")).startswith("show_item")
    ]


def _header(message: dict[str, Any]) -> str:
    return str(next(b for b in message["blocks"] if b["type"] == "header")["text"]["text"])


async def test_follow_ups_landing_on_the_other_instance_continue_the_conversation(
    balanced: Balanced, knowledge_dir: Path
) -> None:
    """Every message below reaches the other instance from the one before it (the proxy alternates)."""
    titles = {item.id: item.title for item in load_knowledge(knowledge_dir).items}
    thread_ts = "1767960001.000100"

    await balanced.dm(BROAD)
    further = await balanced.dm("more")
    listed = _opened_ids(further)
    assert _says(further, "More results for") and len(listed) >= 2, further
    picked = await balanced.dm("2")  # a number picks from the "more" list
    assert _header(picked) == titles[listed[1]]
    themed = await balanced.in_thread("theme neglect", thread_ts)  # a channel thread: its own state
    assert _says(themed, "Graded Care Profile 2")
    await balanced.dm("theme domestic abuse")
    opened = await balanced.in_thread("1", thread_ts)  # the thread's list, not the DM's
    assert _says(opened, "Graded Care Profile 2") and not _says(opened, "MARAC")
    opened = await balanced.dm("1")  # the DM's list, not the thread's
    assert _says(opened, "MARAC risk conferences") and not _says(opened, "Graded Care")
    assert _says(await balanced.dm("yes"), messages.FEEDBACK_THANKS)  # typed feedback on what the DM opened
    assert _says(await balanced.in_thread("no, too old", thread_ts), messages.FEEDBACK_THANKS_REASON)
    assert not _says(await balanced.dm("yes"), messages.FEEDBACK_THANKS)  # given once: no second verdict
    elsewhere = await balanced.in_thread("more", "1767960002.000200")  # a new thread knows nothing yet
    assert _says(elsewhere, messages.NOTHING_TO_CONTINUE)

    chat = await balanced.teams_message("2")  # the same person's Teams chat is another conversation
    assert _says(chat, messages.NO_SUCH_CHOICE)
    await balanced.teams_message("theme supervision")
    chat_pick = await balanced.teams_message("1")
    assert _says(chat_pick, "Group supervision for social workers")

    store = open_store(balanced.url, purge=False)
    try:
        verdicts = [(f.item_id, f.helpful, f.reason) for f in store.feedback_since()]
    finally:
        store.close()
    assert verdicts == [("marac", True, ""), ("graded-care-profile", False, "too old")]
    served = balanced.proxy.served
    assert len(set(served)) == 2 and all(a != b for a, b in itertools.pairwise(served))
    assert len(served) == 14


@pytest.mark.parametrize(
    ("body", "thread"),
    [
        ({"event": {"type": "message", "channel_type": "im", "channel": DM, "ts": "1.1"}}, "im"),
        (
            {"event": {"type": "message", "channel_type": "im", "channel": DM, "ts": "1.2", "thread_ts": "1.1"}},
            "im:1.1",
        ),
        ({"event": {"type": "app_mention", "channel": CHANNEL, "ts": "2.1"}}, f"{CHANNEL}:2.1"),  # starts a thread
        ({"event": {"type": "app_mention", "channel": CHANNEL, "ts": "2.5", "thread_ts": "2.1"}}, f"{CHANNEL}:2.1"),
        ({"command": "/evidence", "channel_id": CHANNEL}, CHANNEL),  # private answers, per channel
        ({"type": "message_action", "channel": {"id": CHANNEL}, "message": {"ts": "3.1"}}, CHANNEL),
        (
            {"type": "block_actions", "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True}},
            CHANNEL,
        ),
        (
            {
                "type": "block_actions",
                "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": False},
                "message": {"ts": "2.2", "thread_ts": "2.1"},
            },
            f"{CHANNEL}:2.1",  # a button on the bot's answer in the thread
        ),
        ({"type": "block_actions", "container": {"type": "message", "channel_id": DM}, "message": {"ts": "1.3"}}, "im"),
        ({"type": "block_actions", "container": {"type": "view", "view_id": "V1"}}, "view"),
    ],
)
def test_slack_keys_state_by_dm_channel_thread_or_private_answer(body: dict[str, Any], thread: str) -> None:
    assert thread_of(body) == thread


def test_teams_keys_state_by_conversation_and_reply_chain() -> None:
    activity = Activity().deserialize(json.loads((DATA / "teams" / "personal_message.json").read_text("utf-8")))
    assert teams_thread_of(activity) == activity.conversation.id
    activity.conversation.id = "19:abc@thread.tacv2;messageid=1767957600123"
    assert teams_thread_of(activity) == "19:abc@thread.tacv2;messageid=1767957600123"
    activity.conversation = None
    assert teams_thread_of(activity) == ""


async def test_the_not_helpful_form_closes_the_answer_of_the_thread_it_came_from(
    tmp_path: Path, knowledge_dir: Path, glossary_file: Path
) -> None:
    """A verdict given through the reason form ends typed feedback on that answer, in its own thread only."""
    async with SlackHarness.start(tmp_path, knowledge_dir, glossary_file) as slack:
        await slack.event(slack.dm("do family group conferences stop children coming into care?"))
        [answer] = await slack.fake.wait_for("/api/chat.postMessage")
        _, value = native_feedback(answer.body["blocks"])
        click = slack.click("feedback_buttons", value, user=PRACTITIONER, ephemeral=False, channel=SLACK_DM)
        await slack.interaction(click)
        [opened] = await slack.fake.wait_for("/api/views.open")
        form = opened.body["view"]
        assert json.loads(form["private_metadata"])["t"] == "im"
        await slack.interaction(
            slack.submission("feedback_reason", {}, metadata=form["private_metadata"], user=PRACTITIONER)
        )
        await slack.event(slack.dm("yes"))  # no longer feedback: the form already gave the verdict
        await slack.fake.wait_for("/api/chat.postMessage", 2)
        await settle()
        assert [(f.item_id, f.helpful) for f in slack.stored_feedback()] == [("family-group-conferences", False)]
