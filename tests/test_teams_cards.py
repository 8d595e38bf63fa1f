"""Adaptive Cards: every kind of reply renders, shared cards carry only links, and user text stays plain text."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from adaptive_cards import actions, hostile_item, texts

from adapters.teams import cards
from bot import Conversation, Engine, messages
from bot.answer import Answer, Match
from bot.conversation import Kind, Reply

ALLOWED_TYPES = {
    "AdaptiveCard",
    "RichTextBlock",
    "TextRun",
    "ActionSet",
    "Action.Submit",
    "Action.OpenUrl",
    "Action.ShowCard",
    "Input.Text",
}


def walk(node: Any, key: str = "") -> list[tuple[str, Any]]:
    """Every (key, value) pair in a JSON tree, depth first."""
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in [(k, v), *walk(v, k)]]
    if isinstance(node, list):
        return [pair for v in node for pair in [(key, v), *walk(v, key)]]
    return []


def check_safe(card: dict[str, Any], curated_urls: set[str]) -> None:
    """The invariants every card must keep, whatever text went into it."""
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.2"
    shown = json.loads(json.dumps(card))  # plain JSON
    for _, value in walk(shown):
        if isinstance(value, dict) and value.get("type") == "Action.Submit":
            value.pop("data")  # returned to the bot as it is, never displayed
    for key, value in walk(shown):
        if isinstance(value, dict) and "type" in value:
            assert value["type"] in ALLOWED_TYPES, value["type"]  # no TextBlock/FactSet: they parse Markdown
        assert not (key.startswith("$") and key != "$schema"), key  # no templating
        if isinstance(value, str):
            assert not re.search(r"\{\{|\}\}|<at|</at", value, re.IGNORECASE), value
            assert not re.search(r"[\x00-\x1f\x7f-\x9f]", value), value
        if key in ("url", "iconUrl", "backgroundImage", "selectAction"):
            assert key == "url" and value in curated_urls, (key, value)
    for action in actions(card):
        if action["type"] == "Action.OpenUrl":
            assert action["url"] in curated_urls


@pytest.fixture
def conversation(engine: Engine) -> Conversation:
    return Conversation(engine, research_lead="the research lead")


@pytest.fixture
def curated(engine: Engine) -> set[str]:
    return {link.url for item in engine.items for link in item.links}


# --- every kind ----------------------------------------------------------------------------------------


def every_kind(conversation: Conversation) -> dict[Kind, Reply]:
    say = conversation.handle
    replies = [
        say("fgc evidence?", "u1"),
        say("family court assessments", "u2"),
        say("parking permits for the office car park", "u3"),
        say("help", "u4"),
        say("themes", "u4"),
        say("theme neglect", "u4"),
        say("show marac", "u4"),
        say("hello", "u4"),
        say("more", "u5"),
        conversation.feedback(question_id=None, item_id="marac", helpful=True, user="u4", surface="teams"),
    ]
    say("fgc or group supervision or neglect or marac", "u6")  # four topics: "more" has a fourth item
    replies.append(say("more", "u6"))
    return {r.kind: r for r in replies}


def test_every_reply_kind_renders(conversation: Conversation, curated: set[str]) -> None:
    replies = every_kind(conversation)
    assert set(replies) == set(Kind)
    for kind, reply in replies.items():
        card = cards.reply_card(reply)
        check_safe(card, curated)
        shown = texts(card)
        assert shown, kind
        assert reply.text.split("\n")[0] in shown or (reply.item is not None and reply.item.title in shown)
        assert card["fallbackText"] and cards.summary_text(reply)
        assert len(json.dumps(card)) < 28_000  # Teams' message size limit


def test_answer_card_has_the_facts_in_order_and_the_buttons(conversation: Conversation) -> None:
    reply = conversation.handle("fgc evidence?", "u1")
    card = cards.reply_card(reply)
    shown = texts(card)
    order = [
        messages.ANSWER_LEAD,
        "Family group conferences",
        "Positive effect on children entering care, strong evidence (Foundations, 2023)",
        "Reviewed 2026-10-01",
        messages.FOOTER,
        messages.FEEDBACK_PROMPT,
    ]
    assert [shown.index(line) for line in order] == sorted(shown.index(line) for line in order)
    assert any(line.startswith("A family group conference brings") for line in shown)
    buttons = actions(card)
    assert [a["url"] for a in buttons if a["type"] == "Action.OpenUrl"] == ["https://foundations.org.uk/"]
    helpful, not_helpful = card["actions"]
    assert helpful["data"] == {"action": "helpful", "item_id": "family-group-conferences"}  # no store, no question id
    assert not_helpful["type"] == "Action.ShowCard"
    [reason] = not_helpful["card"]["body"]
    assert (reason["type"], reason["id"], reason["maxLength"]) == ("Input.Text", "reason", cards.REASON_CHARS)
    assert not_helpful["card"]["actions"][0]["data"]["action"] == "not_helpful"
    assert {d for a in buttons if a["type"] == "Action.Submit" for d in [a["data"]["action"]]} <= set(
        cards.SUBMIT_ACTIONS
    )


def test_urgent_notice_comes_first(conversation: Conversation) -> None:
    reply = conversation.handle("a child has disclosed abuse tonight, does FGC help?", "u1")
    assert messages.URGENT in reply.notices
    first = cards.reply_card(reply)["body"][0]["inlines"][0]
    assert (first["text"], first["color"], first["weight"]) == (messages.URGENT, "Attention", "Bolder")


def test_shared_card_has_only_links(engine: Engine, curated: set[str]) -> None:
    for item in engine.items:
        card = cards.shared_card(item)
        check_safe(card, curated)
        assert {a["type"] for a in actions(card)} == {"Action.OpenUrl"}
        assert "actions" not in card
        assert texts(card)[0] == item.title


def test_welcome_card(conversation: Conversation, curated: set[str]) -> None:
    card = cards.welcome_card(conversation.themes())
    check_safe(card, curated)
    assert [a["data"]["theme"] for a in actions(card)] == [name for name, _ in conversation.themes().themes]


# --- injection ---------------------------------------------------------------------------------------------

INJECTIONS = [
    "[click here](https://evil.example/phish)",
    "[x](javascript:alert(1))",
    "![pixel](https://evil.example/p.png)",
    "[NHS guidance]: https://evil.example/ref",
    "<a href='https://evil.example'>NHS guidance</a>",
    "https://evil.example/login",
    "javascript:alert(document.cookie)",
    "**urgent** __now__ _please_",
    "- first\n- second\n* third",
    "1. one\n2. two",
    "# Heading\n> quoted",
    "`code` and ```block```",
    "<at>Sam Practitioner</at> please look",
    '<AT id="0">General</AT>',
    "&lt;at&gt;Sam&lt;/at&gt;",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{DATE(2017-02-14T06:08:39Z, SHORT)}}",
    "{{TIME(2017-02-14T06:08:39Z)}}",
    "${x} ${$root.secret} $when",
    "\u202eevil\u202c override",
    "line one\r\nline two\x00\x07\x1b[31m",
    "@channel @here @General",
    "\\*escaped\\* \\_too\\_",
    "<" * 2000 + "{" * 2000,
]


@pytest.mark.parametrize("payload", INJECTIONS, ids=[f"injection-{n:02d}" for n in range(len(INJECTIONS))])
def test_user_and_curated_text_is_only_ever_plain_text(
    payload: str, conversation: Conversation, curated: set[str]
) -> None:
    urls = {*curated, "https://example.org/safe"}
    item = hostile_item(payload)
    replies = [
        conversation.handle(f"show {payload.replace(' ', '')}", "u1"),
        conversation.handle(f"theme {payload}", "u1"),
        conversation.handle(payload, "u1"),
        conversation.handle(f"group supervision {payload}", "u2"),
        conversation.handle("more", "u2"),
        Reply(Kind.NOTICE, messages.UNKNOWN_ITEM.format(name=payload), notices=(payload,)),
        Reply(Kind.MORE, messages.MORE_LEAD.format(question=payload), choices=(Match(item, 50.0),)),
        Reply(Kind.ANSWER, messages.ANSWER_LEAD, item=item, see_also=(item,), answer=Answer(payload)),
        Reply(Kind.ITEM, item.title, item=item),
        Reply(Kind.THEMES, messages.THEMES_LEAD, themes=((payload, 1),)),
        Reply(Kind.DID_YOU_MEAN, payload, choices=(Match(item, 30.0),), answer=Answer(payload), question_id="q"),
    ]
    for reply in replies:
        card = cards.reply_card(reply)
        check_safe(card, urls)
        summary = cards.summary_text(reply)
        assert not re.search(r"\{\{|<at", summary, re.IGNORECASE)
    for card in (cards.shared_card(item), cards.welcome_card(replies[-2])):
        check_safe(card, urls)
    preview = cards.preview(item)
    assert not re.search(r"\{\{|<at", json.dumps(preview), re.IGNORECASE)

    # What the user wrote is still shown, word for word apart from the invisible breaks.
    echoed = texts(cards.reply_card(replies[5]))
    visible = [line.replace("\u200b", "") for line in echoed]
    first_line = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", payload.split("\n")[0]).strip()
    assert any(first_line[:200] in line for line in visible)


def test_plain_breaks_only_what_it_must() -> None:
    assert cards.plain("FGC: 2*3 and a_b") == "FGC: 2*3 and a_b"
    assert cards.plain("{{DATE(x)}}") == "{\u200b{DATE(x)}\u200b}"
    assert cards.plain("{{{") == "{\u200b{\u200b{"
    assert cards.plain("<at>Sam</at>") == "<\u200bat>Sam<\u200b/at>"
    assert cards.plain("a\x00b\x07c") == "a b c"
    assert cards.plain("x" * 5000, 10) == "x" * 9 + "…"
