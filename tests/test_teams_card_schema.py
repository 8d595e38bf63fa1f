"""Every Adaptive Card the bot produces validates against Microsoft's official Adaptive Card 1.2 JSON schema.

The schema is ``tests/data/schemas/adaptive-card.v1.2.0.json`` (draft-06; see tests/data/schemas/README.md). The
cards come from real core replies over the bundled evidence base, with a real store (so feedback buttons carry
question ids): answers to every item's own first question, every item's full card and shared card, "did you
mean", no match, help, themes, a theme and a filter list, "more", small talk, notices, feedback thanks, "none of
these", the urgent notice, the welcome card and the weekly digest card.

The one property the official schema does not know is Teams' own ``msteams`` on the top-level card
(``{"width": "Full"}``, documented in Teams' "Format cards" page): it is checked to be exactly that, and the rest
of the card is validated unchanged. A nested card (the "Not helpful" form) must not carry it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from adaptive_cards import hostile_item, nodes

from adapters.digest import teams_card
from adapters.teams import cards
from bot import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, Conversation, Library, open_library
from bot.conversation import Kind, Reply
from bot.digest import build_digest
from bot.store import Store, open_store

jsonschema = pytest.importorskip("jsonschema")

SCHEMA_FILE = Path(__file__).parent / "data" / "schemas" / "adaptive-card.v1.2.0.json"
TEAMS_EXTENSION = {"width": "Full"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Any:
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def bundled() -> Library:
    return open_library(DEFAULT_KNOWLEDGE, DEFAULT_GLOSSARY)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'cards.db'}")
    yield opened
    opened.close()


@pytest.fixture
def conversation(bundled: Library, store: Store) -> Conversation:
    return Conversation(bundled.engine, research_lead="the research lead", recorder=store, state=store)


def problems(validator: Any, card: dict[str, Any]) -> list[str]:
    """What is wrong with ``card`` by the official schema, once Teams' documented ``msteams`` is checked."""
    card = copy.deepcopy(card)
    extension = card.pop("msteams", None)
    found = [] if extension in (None, TEAMS_EXTENSION) else [f"msteams: {extension!r}"]
    for error in validator.iter_errors(card):
        found.append(f"{'/'.join(map(str, error.absolute_path)) or '(card)'}: {error.message[:300]}")
        for cause in error.context or []:  # anyOf: say which branch failed and why
            found.append(f"  {'/'.join(map(str, cause.absolute_path))}: {cause.message[:300]}")
    return found


def check(validator: Any, card: dict[str, Any]) -> None:
    assert problems(validator, card) == []
    assert card["type"] == "AdaptiveCard"
    # graceful degradation: a client below 1.2 shows the fallback text instead
    assert card["version"] == cards.CARD_VERSION == "1.2"
    assert isinstance(card.get("fallbackText"), str) and card["fallbackText"].strip()
    inner = [n["card"] for n in nodes(card) if n.get("type") == "Action.ShowCard"]
    assert all("msteams" not in c and "$schema" not in c for c in inner)


# --- the schema itself -------------------------------------------------------------------------------------


def test_the_stored_schema_is_the_official_complete_draft_06_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-06/schema#"
    assert schema["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    jsonschema.Draft6Validator.check_schema(schema)
    assert schema["anyOf"] == [{"allOf": [{"$ref": "#/definitions/AdaptiveCard"}]}]
    elements = {
        ref["allOf"][0]["$ref"].rsplit("/", 1)[1] for ref in schema["definitions"]["ImplementationsOf.Element"]["anyOf"]
    }
    assert {"RichTextBlock", "ActionSet", "Input.Text"} <= elements  # the 1.2 additions we rely on
    assert "Table" not in elements and "Action.Execute" not in schema["definitions"]  # 1.5 and 1.4: not in 1.2
    assert len(SCHEMA_FILE.read_text(encoding="utf-8")) == 66_082  # the full file, as published


def test_the_validator_really_checks(validator: Any, conversation: Conversation) -> None:
    card = cards.reply_card(conversation.handle("fgc evidence?", "u1"))
    assert problems(validator, card) == []
    run = next(n for n in nodes(card) if n.get("type") == "TextRun")
    run["markdown"] = True  # not a TextRun property
    assert problems(validator, card)
    broken = cards.reply_card(conversation.handle("fgc evidence?", "u2"))
    broken["msteams"] = {"width": "Full", "entities": []}
    assert problems(validator, broken) == ["msteams: {'width': 'Full', 'entities': []}"]
    broken = cards.reply_card(conversation.handle("fgc evidence?", "u3"))
    form = next(n["card"] for n in nodes(broken) if n.get("type") == "Action.ShowCard")
    form["body"][0].pop("id")  # an input without an id cannot be submitted
    assert problems(validator, broken)


# --- every card the bot sends --------------------------------------------------------------------------------


def test_every_reply_kind_from_the_bundled_evidence_validates(validator: Any, conversation: Conversation) -> None:
    def say(message: str, user: str) -> Reply:
        return conversation.handle(message, user, "teams")

    replies = [
        say("fgc evidence?", "u1"),  # ANSWER with feedback buttons and the "Not helpful" form
        say("more", "u1"),  # MORE
        say("1", "u1"),  # ITEM from the list
        say("court", "u2"),  # DID_YOU_MEAN with "None of these"
        conversation.none_of_these("u2", "teams"),
        say("parking permits for the office car park", "u3"),  # NO_MATCH
        say("help", "u4"),
        say("themes", "u4"),
        say("theme neglect and parental needs", "u4"),
        say("strong evidence", "u4"),  # a filtered list
        say("hello", "u4"),  # SMALL_TALK
        say("show nothing-here", "u4"),
        conversation.share("no-such-item", user="u4", surface="teams"),  # NOTICE
        say("a child has disclosed abuse tonight, does FGC help?", "u5"),  # the urgent notice first
        conversation.feedback(question_id=None, item_id="marac", helpful=True, user="u4", surface="teams"),
        conversation.feedback(question_id=None, item_id="marac", helpful=False, reason="x", user="u4", surface="teams"),
    ]
    assert {reply.kind for reply in replies} == set(Kind)
    for reply in replies:
        card = cards.reply_card(reply)
        assert problems(validator, card) == [], reply.kind
        check(validator, card)


def test_every_item_validates_as_an_answer_a_full_card_and_a_shared_card(
    validator: Any, conversation: Conversation, bundled: Library
) -> None:
    answered = 0
    for item in bundled.engine.items:
        reply = conversation.handle(item.questions[0], f"user-{item.id}") if item.questions else None
        if reply is not None and reply.item is not None:
            answered += 1
            check(validator, cards.reply_card(reply))
        full = conversation.show(bundled.engine, item.id, user="u", surface="teams")
        assert full.kind is Kind.ITEM
        check(validator, cards.reply_card(full))
        check(validator, cards.shared_card(item))  # what the messaging extension inserts
    assert answered >= len(bundled.engine.items) * 0.9


def test_welcome_card_validates(validator: Any, conversation: Conversation) -> None:
    check(validator, cards.welcome_card(conversation.themes()))
    check(validator, cards.welcome_card(Reply(Kind.NOTICE, "no themes")))


def test_cards_with_hostile_text_still_validate(validator: Any) -> None:
    payload = "[x](javascript:alert(1)) {{DATE(2017-02-14T06:08:39Z)}} <at>Sam</at> \x00\x1b" + "<" * 3000
    item = hostile_item(payload)
    for reply in (
        Reply(Kind.ITEM, item.title, item=item, see_also=(item,), notices=(payload,), question_id="q" * 32),
        Reply(Kind.THEMES, payload, themes=((payload, 1),)),
    ):
        check(validator, cards.reply_card(reply))
    check(validator, cards.shared_card(item))


def test_the_weekly_digest_card_validates(validator: Any, bundled: Library, store: Store) -> None:
    """Built in ``adapters.digest``, posted by ``adapters.teams.channels``: held to 1.2 like every other card."""
    now = dt.datetime(2026, 10, 19, 9, 30, tzinfo=dt.UTC)
    digest = build_digest(bundled.kb, store, bundled.engine, now=now)
    card = teams_card(digest)
    check(validator, card)
