"""Logging for every entry point: redacted always, readable or JSON lines, with a request id.

``configure_logging`` installs the core's redaction (``bot.redact``) before any handler can format a
record, so nothing a practitioner typed reaches a log unredacted, whichever library logged it. Adapters set
``request_id`` (a context variable) for each incoming request; every line logged while handling it carries
the id, so one request can be followed through the log without logging what was asked.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from bot.redact import install_log_redaction

request_id: ContextVar[str] = ContextVar("request_id", default="-")

QUIET_LOGGERS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "aiohttp.access", "urllib3")
"""Libraries that log request and response bodies (personal details, tokens): kept at WARNING or above.
slack-bolt logs a whole request body at INFO when its signature check fails."""


def new_request_id() -> str:
    """Start a request: a short random id, set for everything logged until the request ends."""
    value = uuid.uuid4().hex[:12]
    request_id.set(value)
    return value


class TextFormatter(logging.Formatter):
    """Readable lines with the request id; set here, after the redacting filters, which would take an id
    of mixed letters and digits for a case reference."""

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id.get()
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id.get(),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"


def configure_logging(level: str = "INFO", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Set up the root logger once per process (again replaces the previous set-up)."""
    install_log_redaction()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_evidence_bot", False):
            root.removeHandler(old)
    handler._evidence_bot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
