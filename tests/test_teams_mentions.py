"""Mention removal: exact ``<at>…</at>`` text out, the rest of the question untouched, whitespace folded."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, Mention

from adapters.teams.mentions import question_text, recipient_mentions

BOT_ID = "28:6d3c1b2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"


def activity(text: str, *mentions: tuple[str, str]) -> Activity:
    """An activity as Teams sends it (deserialized from JSON, like the real path)."""
    entities: list[dict[str, Any]] = [
        {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": who, "name": name}}
        for who, name in mentions
    ]
    entities.append({"type": "clientInfo", "locale": "en-GB"})
    return Activity().deserialize(
        {"type": "message", "text": text, "recipient": {"id": BOT_ID, "name": "Evidence Bot"}, "entities": entities}
    )


@pytest.mark.parametrize(
    ("text", "mentions", "expected"),
    [
        ("<at>Evidence Bot</at> do FGCs work?\n", [(BOT_ID, "Evidence Bot")], "do FGCs work?"),
        ("<at>Evidence</at> Evidence on FGC", [(BOT_ID, "Evidence")], "Evidence on FGC"),
        (
            "what does the evidence say <at>Evidence Bot</at>?",
            [(BOT_ID, "Evidence Bot")],
            "what does the evidence say ?",
        ),
        (
            "<at>Evidence Bot</at> can <at>Jo Bloggs</at> use FGC?",
            [(BOT_ID, "Evidence Bot"), ("29:jo", "Jo Bloggs")],
            "can use FGC?",
        ),
        ("<at>Evidence Bot</at>", [(BOT_ID, "Evidence Bot")], ""),
        ("<at>Evidence Bot</at>\u00a0\u00a0MASH &amp; front door", [(BOT_ID, "Evidence Bot")], "MASH & front door"),
        ("plain personal chat, no mention", [], "plain personal chat, no mention"),
        ("<at>Someone Else</at> fgc", [("29:x", "Someone Else")], "fgc"),
        ('<at id="0">Evidence Bot</at> supervision', [], "supervision"),
    ],
)
def test_question_text(text: str, mentions: list[tuple[str, str]], expected: str) -> None:
    assert question_text(activity(text, *mentions)) == expected


def test_upstream_remove_recipient_mention_shows_why_we_do_our_own() -> None:
    """botbuilder 4.17.1: the bot's name goes everywhere, spaces stay, and typed entities raise."""
    deserialized = activity("<at>Evidence</at> Evidence on FGC", (BOT_ID, "Evidence"))
    assert TurnContext.remove_recipient_mention(deserialized) == "  on FGC"
    typed = Activity(
        type="message",
        text="<at>Evidence</at> FGC",
        recipient=ChannelAccount(id=BOT_ID),
        entities=[
            Mention(mentioned=ChannelAccount(id=BOT_ID, name="Evidence"), text="<at>Evidence</at>", type="mention")
        ],
    )
    with pytest.raises(KeyError):
        TurnContext.remove_recipient_mention(typed)
    assert question_text(typed) == "FGC"
    assert recipient_mentions(typed) == ["<at>Evidence</at>"]


def test_odd_inputs() -> None:
    assert question_text(Activity(type="message")) == ""
    no_recipient = Activity(
        type="message", text="<at>Bot</at> hi", entities=[{"type": "mention", "text": "<at>Bot</at>"}]
    )
    assert question_text(no_recipient) == "hi"
    long = activity("<at>Evidence Bot</at> " + "a " * 50_000, (BOT_ID, "Evidence Bot"))
    assert len(question_text(long)) <= 20_000
    unclosed = activity("<at>Evidence Bot</at> <at>never closed " + "x" * 1000, (BOT_ID, "Evidence Bot"))
    assert question_text(unclosed).startswith("<at>never closed")
