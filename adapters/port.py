"""The listening port from ``$PORT``, as hosting platforms set it: one parser for every server entry point."""

from __future__ import annotations

from bot import ConfigError


def port_from(value: str | None, default: int) -> int:
    """The value of ``PORT`` as a number, or ``default`` when unset; ``ConfigError`` naming it otherwise.

    Callers read the variable themselves (``environ.get("PORT")``), so each adapter's guide test sees it."""
    raw = (value or "").strip() or str(default)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"PORT must be a port number (1-65535), not {raw!r}")
    return int(raw)
