"""Slack's text escaping, both ways: user text in for searching, any text out for display.

Slack uses ``&``, ``<`` and ``>`` as control characters: ``<@U123>`` mentions a user, ``<!here>`` pings
a channel, ``<#C123|name>`` links a channel, ``<https://x|label>`` is a masked link. Text a user types
arrives with real control sequences for what Slack recognised and with ``&amp;``, ``&lt;``, ``&gt;`` for
the literal characters. So:

* in: ``question_text`` turns control sequences into plain words (or drops them), drops emoji codes
  (``:pray:``) and undoes the three entities once; the result is what the core searches and records.
* out: ``escape`` encodes the three characters once, on every string we send (blocks and the
  fallback ``text``), so nothing a user typed (or a curator wrote) can ping, link or restyle.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"<([^<>]*)>")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,40}")
_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{2,40}")
_SAFE_URL = re.compile(r"https?://[^\s|<>\"'`\\^{}\x00-\x1f\x7f]+", re.IGNORECASE)
_EMOJI = re.compile(r"(?<!\w):[a-z0-9_+'-]+:(?!\w)")
"""An emoji as Slack sends it, ``:pray:``, ``:thinking_face:``, ``:+1::skin-tone-3:``: not words of the question."""


def escape(text: str) -> str:
    """Encode Slack's three control characters (and only those), once."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo ``escape`` once: ``&amp;lt;`` becomes ``&lt;``, not ``<``."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _readable(match: re.Match[str]) -> str:
    """One control sequence as the words it stands for, or nothing.

    Mentions and broadcasts carry no topic, and a link's address is never a search term (and must never
    come back out as a link), so only labels survive: ``<#C1|fostering>`` -> ``fostering``,
    ``<https://x|NHS guidance>`` -> ``NHS guidance``, ``<!date^1|1 May>`` -> ``1 May``.
    """
    target, _, label = match.group(1).partition("|")
    if target.startswith(("@", "!")) and not target.startswith("!date"):
        return " "
    return f" {label} " if label else " "


def question_text(raw: str, bot_user_id: str | None = None) -> str:
    """The question a user typed, as plain text for the core: no mentions, links or entities.

    Control sequences are replaced before the entities are undone, so a user who typed ``<!channel>``
    as literal characters (sent as ``&lt;!channel&gt;``) keeps the literal text, and one who typed
    ``&lt;`` keeps ``&lt;``.
    """
    if bot_user_id:
        raw = raw.replace(f"<@{bot_user_id}>", " ")
    plain = _EMOJI.sub(" ", _CONTROL.sub(_readable, raw))
    return " ".join(unescape(plain).split())


def user_mention(user_id: str) -> str:
    """``<@U123>`` for a user id Slack sent us; anything that is not a user id renders as nothing."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id or "") else ""


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID.fullmatch(value or ""))


def link(url: str, label: str) -> str:
    """A mrkdwn link to a curated URL with an escaped label; a URL that could break out is shown as text."""
    if _SAFE_URL.fullmatch(url):
        return f"<{url}|{escape(label)}>"
    return escape(label)
