"""The question a Teams user typed, without @mentions and Teams markup.

In channels and group chats the text starts with ``<at>Evidence Bot</at>``. botbuilder's
``remove_recipient_mention`` (4.17) leaves the spaces, deletes the bot's *name* wherever it appears in the
question, and raises ``KeyError`` on typed mention entities, so we do it ourselves: remove the exact
``<at>…</at>`` text of the bot's mention entities, then every other ``<at>…</at>`` (other people's names are
not part of an evidence question and should not be stored), then unescape entities and fold whitespace.
"""

from __future__ import annotations

import html
import re
from typing import Any

from botbuilder.schema import Activity

MAX_TEXT_CHARS = 20_000
"""Teams allows ~28 KB messages; the core reads far less, and it tells the user it shortened the question."""

_AT_TAG = re.compile(r"<at\b[^<>]{0,200}>[^<]{0,500}</at>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def _entity_fields(entity: Any) -> dict[str, Any]:
    """An entity as a plain dict, whether deserialized from JSON, typed (``Mention``) or already a dict."""
    if isinstance(entity, dict):
        return entity
    fields = dict(getattr(entity, "additional_properties", None) or {})
    for name in ("type", "text", "mentioned"):
        value = getattr(entity, name, None)
        if value is not None:
            fields[name] = value
    return fields


def _account_id(account: Any) -> str:
    if isinstance(account, dict):
        return str(account.get("id") or "")
    return str(getattr(account, "id", "") or "")


def recipient_mentions(activity: Activity) -> list[str]:
    """The exact ``text`` of every mention entity that addresses the bot (the activity's recipient)."""
    bot_id = _account_id(activity.recipient) if activity.recipient else ""
    found = []
    for entity in activity.entities or []:
        fields = _entity_fields(entity)
        if fields.get("type") != "mention" or not bot_id:
            continue
        if _account_id(fields.get("mentioned")) == bot_id and isinstance(fields.get("text"), str):
            found.append(fields["text"])
    return found


def question_text(activity: Activity) -> str:
    """The user's words: mentions and markup removed, entities unescaped, whitespace folded."""
    text = (activity.text or "")[:MAX_TEXT_CHARS]
    for mention in recipient_mentions(activity):
        if mention:
            text = text.replace(mention, " ")
    text = _AT_TAG.sub(" ", text)
    text = html.unescape(text)
    return _SPACES.sub(" ", text).strip()
