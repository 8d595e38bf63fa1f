"""The one web process (`python -m adapters.web`), run for real: Slack and Teams side by side, /healthz,
hot reload seen from outside, SIGTERM drain, and fail-fast start-up.

The process runs as a subprocess on 127.0.0.1; a stand-in Slack (Web API) and a stand-in Teams connector run
in the test's event loop and record what the bot sends.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
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
from slack_sdk.signature import SignatureVerifier
from teams_support import FakeConnector
from test_slack_support import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SECRET = "web-process-test-secret"
DATA = Path(__file__).parent / "data"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WebProcess:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.web"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    async def ready(self, session: aiohttp.ClientSession, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"web process exited: {self.proc.stderr.read() if self.proc.stderr else ''}")
            try:
                async with session.get(self.url + "/healthz") as response:
                    return await response.json()  # type: ignore[no-any-return]
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
        raise AssertionError("web process did not start")

    async def health_within(
        self, session: aiohttp.ClientSession, seconds: float, *, status: int
    ) -> tuple[int, dict[str, Any]]:
        """Poll /healthz until it answers ``status`` or ``seconds`` pass; the last answer."""
        deadline = time.monotonic() + seconds
        while True:
            async with session.get(self.url + "/healthz") as response:
                answer = response.status, await response.json()
            if answer[0] == status or time.monotonic() > deadline:
                return answer
            await asyncio.sleep(0.1)

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err


def _env(tmp_path: Path, knowledge: Path, port: int, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PORT": str(port),
        "BOT_KNOWLEDGE_DIR": str(knowledge),
        "BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "BOT_LOG_FORMAT": "json",
        "BOT_TEAMS_SERVICE_HOSTS": "127.0.0.1",  # the stand-in connector
        **extra,
    }


@pytest.fixture
async def stand_ins() -> AsyncIterator[tuple[FakeSlack, FakeConnector]]:
    slack = await FakeSlack().start()
    teams = await FakeConnector().start()
    yield slack, teams
    await slack.close()
    await teams.close()


def _slack_dm(text: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0ABC1234",
            "api_app_id": "A0EVIDENCE",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "D0EVDM001",
                "user": "U0PRAC001",
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }
    ).encode()
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    return body, {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, "Content-Type": "application/json"}


def _teams_message(text: str, service_url: str) -> dict[str, Any]:
    activity = json.loads((DATA / "teams" / "personal_message.json").read_text(encoding="utf-8"))
    activity["text"] = text
    activity["id"] = f"1{uuid.uuid4().int % 10**12}"
    activity["serviceUrl"] = service_url
    return activity  # type: ignore[no-any-return]


async def test_one_process_serves_slack_teams_and_health(
    tmp_path: Path, knowledge_dir: Path, stand_ins: tuple[FakeSlack, FakeConnector]
) -> None:
    slack, teams = stand_ins
    port = _free_port()
    env = _env(
        tmp_path,
        knowledge_dir,
        port,
        SLACK_BOT_TOKEN="xoxb-web-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        BOT_TEAMS_ALLOW_UNAUTHENTICATED="1",
    )
    web = WebProcess(env, port)
    try:
        async with aiohttp.ClientSession() as session:
            health = await web.ready(session)
            assert health["ok"] is True and health["items"] == 4 and health["store"] is True
            assert health["platforms"] == ["slack", "teams"] and health["last_reload"]["ok"] is True

            body, headers = _slack_dm("fgc evidence?")
            async with session.post(web.url + "/slack/events", data=body, headers=headers) as response:
                assert response.status == 200 and response.headers["X-Request-Id"]
            [posted] = await slack.wait_for("/api/chat.postMessage")
            assert "Family group conferences" in json.dumps(posted.body)

            activity = _teams_message("does group supervision help?", teams.service_url)
            async with session.post(web.url + "/api/messages", json=activity) as response:
                assert response.status in (200, 201)
            for _ in range(100):
                if teams.delivered:
                    break
                await asyncio.sleep(0.05)
            assert "Group supervision" in json.dumps(teams.delivered[0].body)

            forged = dict(headers, **{"X-Slack-Signature": "v0=" + "0" * 64})
            async with session.post(web.url + "/slack/events", data=body, headers=forged) as response:
                assert response.status == 401
    finally:
        code, err = web.stop()
    assert code == 0, err
    assert "fgc evidence" not in err and "group supervision" not in err  # logs never hold the question
    assert all(json.loads(line)["request_id"] for line in err.splitlines() if line.startswith("{"))


async def test_healthz_shows_a_broken_edit_and_the_recovery(tmp_path: Path, knowledge_dir: Path) -> None:
    port = _free_port()
    web = WebProcess(_env(tmp_path, knowledge_dir, port, BOT_TEAMS_ALLOW_UNAUTHENTICATED="1"), port)
    try:
        async with aiohttp.ClientSession() as session:
            await web.ready(session)
            (knowledge_dir / "fgc.yaml").write_text("id: x\ntitle: [broken\n", encoding="utf-8")
            status, health = await web.health_within(session, 2.5, status=503)
            assert status == 503 and health["items"] == 4
            assert "fgc.yaml:3" in health["last_reload"]["error"]
            (knowledge_dir / "fgc.yaml").unlink()
            status, health = await web.health_within(session, 2.5, status=200)
            assert status == 200 and health["items"] == 3
    finally:
        code, err = web.stop()
    assert code == 0
    assert sum("fgc.yaml:3" in line for line in err.splitlines()) == 1


async def test_sigterm_lets_a_reply_in_flight_finish(
    tmp_path: Path, knowledge_dir: Path, stand_ins: tuple[FakeSlack, FakeConnector]
) -> None:
    slack, _ = stand_ins
    slack.delay = 1.5  # Slack's Web API answers slowly: the reply is in flight when SIGTERM arrives
    port = _free_port()
    env = _env(
        tmp_path,
        knowledge_dir,
        port,
        SLACK_BOT_TOKEN="xoxb-t",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
    )
    web = WebProcess(env, port)
    async with aiohttp.ClientSession() as session:
        await web.ready(session)
        body, headers = _slack_dm("marac evidence?")
        async with session.post(web.url + "/slack/events", data=body, headers=headers) as response:
            assert response.status == 200
        await asyncio.sleep(0.3)
        web.proc.send_signal(signal.SIGTERM)
        exited = asyncio.create_task(asyncio.to_thread(_wait_exit, web.proc))
        posted = await slack.wait_for("/api/chat.postMessage", timeout=10)
        code, exited_at = await exited
    assert code == 0 and len(posted) == 1
    assert exited_at > posted[0].at  # the process waited for the reply it had acknowledged


def _wait_exit(proc: subprocess.Popen[str]) -> tuple[int, float]:
    proc.communicate(timeout=30)  # waits for the exit and closes the pipes
    return proc.returncode, time.monotonic()


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("broken knowledge", "fgc.yaml:3: YAML syntax error"),
        ("nothing configured", "nothing to serve: set SLACK_SIGNING_SECRET"),
        ("half of slack", "SLACK_SIGNING_SECRET is not set"),
    ],
)
def test_start_up_problems_are_one_line_and_exit_2(
    setup: str, expected: str, tmp_path: Path, knowledge_dir: Path
) -> None:
    extra = {"BOT_TEAMS_ALLOW_UNAUTHENTICATED": "1"}
    if setup == "broken knowledge":
        (knowledge_dir / "fgc.yaml").write_text("id: x\ntitle: [broken\n", encoding="utf-8")
    elif setup == "nothing configured":
        extra = {}
    else:
        extra = {"SLACK_BOT_TOKEN": "xoxb-only"}
    run = subprocess.run(
        [sys.executable, "-m", "adapters.web"],
        env=_env(tmp_path, knowledge_dir, _free_port(), **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and expected in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_two_instances_never_both_answer_a_retried_event(
    database: str, tmp_path: Path, knowledge_dir: Path, stand_ins: tuple[FakeSlack, FakeConnector], request: Any
) -> None:
    """Slack retries an event; the retry lands on the other instance. Teams does the same with an activity."""
    slack, teams = stand_ins
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else f"sqlite:///{tmp_path / 'shared.db'}"
    ports = [_free_port(), _free_port()]
    webs = [
        WebProcess(
            _env(
                tmp_path,
                knowledge_dir,
                port,
                BOT_DATABASE_URL=url,
                SLACK_BOT_TOKEN="xoxb-t",
                SLACK_SIGNING_SECRET=SECRET,
                SLACK_API_URL=slack.api_url,
                BOT_TEAMS_ALLOW_UNAUTHENTICATED="1",
            ),
            port,
        )
        for port in ports
    ]
    try:
        async with aiohttp.ClientSession() as session:
            for web in webs:
                await web.ready(session)
            for n in range(10):
                body, headers = _slack_dm(f"fgc evidence? ({n})")
                retry = dict(headers, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
                activity = _teams_message(f"group supervision ({n})", teams.service_url)
                sends = [
                    session.post(webs[0].url + "/slack/events", data=body, headers=headers),
                    session.post(webs[1].url + "/slack/events", data=body, headers=retry),
                    session.post(webs[0].url + "/api/messages", json=activity),
                    session.post(webs[1].url + "/api/messages", json=activity),
                ]
                for response in await asyncio.gather(*sends):
                    assert response.status < 300
                    response.release()
            await asyncio.sleep(1.5)  # time for any second answer to arrive
    finally:
        for web in webs:
            web.stop()
    assert len(slack.find("/api/chat.postMessage")) == 10
    assert len(teams.delivered) == 10
