"""Start-up: settings from the environment, one-line errors, both run modes, the manifest and the admin guide."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient
from test_slack_support import BOT_TOKEN, SECRET, FakeSlack, fixture_json, settle

import adapters.slack.server as server
from adapters.slack import SlackSettings, build_slack_app
from adapters.slack.__main__ import main
from adapters.slack.views import Callback
from bot.errors import ConfigError
from bot.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
SLACK = ROOT / "adapters" / "slack"


def test_settings_come_from_the_platforms_usual_names() -> None:
    environ = {"SLACK_BOT_TOKEN": " xoxb-1 ", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "", "PORT": "8080"}
    settings = SlackSettings.from_env(environ)
    assert settings == SlackSettings(bot_token="xoxb-1", signing_secret="s", app_token="", port=8080)
    assert not settings.socket_mode and settings.check() is settings
    assert SlackSettings.from_env({}).port == 3000


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN must be a bot token"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN must be an app-level token"),
    ],
)
def test_a_missing_or_wrong_token_is_named_in_one_line(environ: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as error:
        SlackSettings.from_env(environ).check()
    assert str(error.value).startswith(names) and "\n" not in str(error.value)


def test_socket_mode_needs_no_signing_secret_and_port_must_be_a_number() -> None:
    assert SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).check().socket_mode
    with pytest.raises(ConfigError, match=r"^PORT must be a port number"):
        SlackSettings.from_env({"PORT": "eighty"})


def test_main_prints_one_line_and_exits_2_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("adapters.slack.__main__.configure_logging", lambda *args: None)  # keep pytest's logging
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert main() == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m adapters.slack: SLACK_SIGNING_SECRET is not set") and err.count("\n") == 1
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(tmp_path / "missing"))
    assert main() == 2
    err = capsys.readouterr().err
    assert "knowledge directory not found" in err and "Traceback" not in err


def test_python_dash_m_adapters_slack_fails_cleanly_without_tokens(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BOT_"))}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "adapters.slack"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "python -m adapters.slack: SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your "
        "Slack app's OAuth & Permissions page"
    ]


def test_the_tokens_may_come_from_a_dotenv_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("adapters.slack.__main__.configure_logging", lambda *args: None)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n", encoding="utf-8")
    try:
        assert main() == 2
    finally:
        os.environ.pop("SLACK_BOT_TOKEN", None)  # load_dotenv wrote it into the real environment
    assert "SLACK_SIGNING_SECRET is not set" in capsys.readouterr().err  # the token itself was found


def test_building_the_app_without_a_client_or_token_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        build_slack_app(object(), SlackSettings())


async def test_a_token_slack_refuses_stops_start_up_with_one_line(runtime: Runtime) -> None:
    fake = await FakeSlack().start()
    try:
        fake.script("/api/auth.test", 200, {"ok": False, "error": "invalid_auth"})
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
        app = build_slack_app(runtime, SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET), client=client)
        with pytest.raises(ConfigError, match=r"^Slack refused SLACK_BOT_TOKEN \(invalid_auth\)"):
            await server.check_token(app)
        await server.check_token(app)  # the next answer is ok: no error
    finally:
        await fake.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_http_mode_serves_slack_events_on_port(runtime: Runtime) -> None:
    fake = await FakeSlack().start()
    port = _free_port()
    settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET, port=port)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    task = asyncio.create_task(server.serve_http(runtime, settings, host="127.0.0.1", client=client))
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.post(f"http://127.0.0.1:{port}/slack/events", data="{}") as response:
                        assert response.status == 401  # up, and refusing an unsigned request
                        break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("the server did not start")
        assert fake.find("/api/auth.test")  # the token was checked at start-up
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await fake.close()
        await settle()


async def test_socket_mode_connects_with_the_app_token(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[Any, str, str]] = []

    class Handler:
        def __init__(self, app: Any, app_token: str, logger: Any) -> None:
            opened.append((app, app_token, logger.name))

        async def start_async(self) -> None:
            opened.append(("started", "", ""))

        async def close_async(self) -> None:
            opened.append(("closed", "", ""))

    monkeypatch.setattr(server, "AsyncSocketModeHandler", Handler)
    fake = await FakeSlack().start()
    try:
        settings = SlackSettings(bot_token=BOT_TOKEN, app_token="xapp-1-test")
        await server.run_socket_mode(runtime, settings, client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url))
    finally:
        await fake.close()
    (_, token, logger), started, closed = opened
    assert (
        token == "xapp-1-test" and logger == server.SOCKET_LOGGER and started[0] == "started" and closed[0] == "closed"
    )
    assert fake.find("/api/auth.test")


# --- the manifest ------------------------------------------------------------------------------------------


MANIFEST_TEXT = (SLACK / "manifest.yaml").read_text(encoding="utf-8")
MANIFEST = yaml.safe_load(MANIFEST_TEXT)


def test_the_manifest_asks_for_exactly_the_scopes_the_bot_needs_each_justified() -> None:
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == ["app_mentions:read", "assistant:write", "chat:write", "commands", "im:history"]
    for scope in scopes:
        line = next(x for x in MANIFEST_TEXT.splitlines() if x.strip().startswith(f"- {scope}"))
        assert "#" in line and len(line.split("#", 1)[1].strip()) > 20, scope


def test_the_manifest_declares_the_command_shortcuts_events_home_and_interactivity() -> None:
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    assert [c["command"] for c in features["slash_commands"]] == ["/evidence"]
    shortcuts = {(s["type"], s["callback_id"]) for s in features["shortcuts"]}
    assert shortcuts == {("message", Callback.MESSAGE_SHORTCUT), ("global", Callback.ASK_SHORTCUT)}
    message_shortcut = next(s for s in features["shortcuts"] if s["type"] == "message")
    assert message_shortcut["name"] == "Find evidence for this message"
    assert sorted(settings["event_subscriptions"]["bot_events"]) == ["app_home_opened", "app_mention", "message.im"]
    assert settings["interactivity"]["is_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert settings["socket_mode_enabled"] is True
    assert "socket_mode_enabled to false" in MANIFEST_TEXT  # how to switch to HTTP


def test_the_manifest_is_within_slacks_field_limits() -> None:
    """Limits from Slack's manifest reference (as in the schemastore.org schema for Slack manifests)."""
    display = MANIFEST["display_information"]
    assert len(display["name"]) <= 35 and len(display["description"]) <= 140
    assert 174 <= len(display["long_description"]) <= 4000
    assert re.fullmatch(r"[\w\-.]{1,80}", MANIFEST["features"]["bot_user"]["display_name"])
    for shortcut in MANIFEST["features"]["shortcuts"]:
        assert len(shortcut["description"]) <= 150 and len(shortcut["callback_id"]) <= 255
    for command in MANIFEST["features"]["slash_commands"]:
        assert len(command["command"]) <= 32 and len(command["usage_hint"]) <= 1000


# --- the admin's guide ------------------------------------------------------------------------------------


GUIDE = (SLACK / "README.md").read_text(encoding="utf-8")


def test_every_environment_variable_the_adapter_reads_is_in_the_guide() -> None:
    read: set[str] = set()
    for path in SLACK.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        read.update(
            re.findall(r"""(?:environ(?:\.get)?\(|environ\[|getenv\(|env=)\s*["']([A-Za-z][A-Za-z0-9_]+)["']""", text)
        )
    assert read == {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT", "SLACK_API_URL"}
    assert sorted(v for v in read if f"`{v}`" not in GUIDE) == []


def test_the_guide_covers_both_run_modes_and_what_is_stored() -> None:
    for words in (
        "From an app manifest",
        "Socket Mode",
        "/slack/events",
        "python -m adapters.slack",
        "## What is stored",
    ):
        assert words in GUIDE
    for scope in MANIFEST["oauth_config"]["scopes"]["bot"]:
        assert f"`{scope}`" in GUIDE


async def test_socket_mode_end_to_end_acks_envelopes_and_answers_a_retry_once(runtime: Runtime) -> None:
    """A local WebSocket stands in for Slack's Socket Mode endpoint (as in bolt-python's own tests)."""
    fake = await FakeSlack().start()
    settings = SlackSettings(bot_token=BOT_TOKEN, app_token="xapp-1-test")
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    task = asyncio.create_task(server.run_socket_mode(runtime, settings, client=client))
    try:
        socket = await fake.connected()
        assert len(fake.find("/api/apps.connections.open")) == 1
        dm = fixture_json("slack_message_im.json")
        envelope = {"envelope_id": "env-1", "type": "events_api", "payload": dm, "accepts_response_payload": False}
        await socket.send_json({**envelope, "retry_attempt": 0, "retry_reason": ""})
        [ack] = await fake.wait_for("/socket/ack")
        assert ack.body["envelope_id"] == "env-1"
        [answer] = await fake.wait_for("/api/chat.postMessage")
        assert answer.body["channel"] == "D0EVDM001"
        await socket.send_json({**envelope, "envelope_id": "env-2", "retry_attempt": 1, "retry_reason": "timeout"})
        await fake.wait_for("/socket/ack", 2)
        await asyncio.sleep(0.3)
        assert len(fake.find("/api/chat.postMessage")) == 1  # the retried event was not answered again
        command = {"command": "/evidence", "text": "fgc", "user_id": "U0PRAC001", "team_id": "T0ABC1234"}
        command["response_url"] = fake.hook("socket-command")
        await socket.send_json({"envelope_id": "env-3", "type": "slash_commands", "payload": command})
        acks = await fake.wait_for("/socket/ack", 3)
        assert acks[2].body["envelope_id"] == "env-3"
        [private] = await fake.wait_for("/hooks/socket-command")
        assert private.body["response_type"] == "ephemeral"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await fake.close()
        await settle(timeout=5)
