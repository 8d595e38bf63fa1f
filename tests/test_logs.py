"""Logs: JSON lines or readable text, a request id on every line, nothing personal or secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging, new_request_id, request_id


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    yield stream
    configure_logging("WARNING", "text")


def test_json_lines_carry_time_level_logger_request_id_and_a_redacted_message(captured: io.StringIO) -> None:
    configure_logging("DEBUG", "json", stream=captured)
    rid = new_request_id()
    logging.getLogger("adapters.web").info("asked %s", "fgc evidence for mum Sarah Jones NHS 943 476 5919")
    try:
        raise ValueError("token xoxb-1234567890-abcdefghijk for postgresql://bot:hunter2@db/x")
    except ValueError:
        logging.getLogger("adapters.web").exception("failed")
    first, second = (json.loads(line) for line in captured.getvalue().splitlines())
    assert first["request_id"] == rid and first["level"] == "INFO" and first["logger"] == "adapters.web"
    assert "Sarah" not in first["message"] and "5919" not in first["message"]
    assert "xoxb-1234567890" not in second["traceback"] and "hunter2" not in second["traceback"]
    assert "ValueError" in second["traceback"]


def test_text_lines_are_readable_and_name_the_request(captured: io.StringIO) -> None:
    configure_logging("INFO", "text", stream=captured)
    request_id.set("abc123")
    logging.getLogger("bot.runtime").warning("knowledge reload failed: %s", "fgc.yaml:3: bad")
    line = captured.getvalue().strip()
    assert "WARNING" in line and "bot.runtime" in line and "[abc123]" in line and line.endswith("fgc.yaml:3: bad")


def test_each_concurrent_request_keeps_its_own_id(captured: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=captured)

    async def handle(n: int) -> str:
        rid = new_request_id()
        await asyncio.sleep(0.01 * (3 - n))
        logging.getLogger("adapters.web").info("request %d", n)
        return rid

    async def main() -> list[str]:
        return list(await asyncio.gather(*(handle(n) for n in range(3))))

    ids = asyncio.run(main())
    logged = {json.loads(line)["message"]: json.loads(line)["request_id"] for line in captured.getvalue().splitlines()}
    assert logged == {f"request {n}": ids[n] for n in range(3)}


def test_platform_libraries_never_log_bodies_even_at_debug(captured: io.StringIO) -> None:
    configure_logging("DEBUG", "json", stream=captured)
    for name in ("slack_bolt.App", "slack_sdk.web.async_base_client", "botbuilder.core", "msrest.http_logger"):
        logging.getLogger(name).debug("Sending a request - body: %s", "question from mum Sarah")
    assert captured.getvalue() == ""
