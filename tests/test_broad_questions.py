"""A broad question ("what works for neglect?") is answered and points to its whole theme, on every surface."""

from __future__ import annotations

import json

import pytest

from adapters.slack.blocks import Action, reply_message
from adapters.teams.cards import reply_card
from bot import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, Conversation, Kind, Reply, messages, open_library
from bot.render import reply_text


@pytest.fixture(scope="module")
def conversation() -> Conversation:
    return Conversation(open_library(DEFAULT_KNOWLEDGE, DEFAULT_GLOSSARY).engine)


@pytest.fixture(scope="module")
def broad(conversation: Conversation) -> Reply:
    return conversation.handle("what works for neglect?", "worker")


def test_the_reply_carries_the_theme_and_says_where_it_is(broad: Reply) -> None:
    assert broad.kind is Kind.ANSWER and broad.item is not None
    ((name, count),) = broad.themes
    assert name == "neglect and parental needs" and count >= 3
    assert messages.BROAD_THEME.format(theme=name, count=count) in broad.notices
    assert f"theme {name}" in reply_text(broad)


def test_slack_and_teams_offer_the_theme_as_a_button_that_browses_it(broad: Reply) -> None:
    buttons = [
        element
        for block in reply_message(broad).blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith(Action.OPEN_THEME)
    ]
    assert [b["value"] for b in buttons] == ["neglect and parental needs"]
    card = json.dumps(reply_card(broad))
    assert '"action": "theme"' in card and '"theme": "neglect and parental needs"' in card


def test_the_theme_button_opens_the_theme(conversation: Conversation, broad: Reply) -> None:
    ((name, count),) = broad.themes
    listed = conversation.handle(f"theme {name}", "worker")
    assert listed.kind is Kind.THEME and len(listed.choices) == count


def test_between_two_close_theme_names_the_theme_holding_the_evidence_found_wins(conversation: Conversation) -> None:
    # the sentence model reads this as near "children in care" as "reducing the need for care"; the items it
    # finds (family group conferences, Family Valued, No Wrong Door ...) are in the second
    reply = conversation.handle("what works to stop kids coming into care?", "worker")
    assert [name for name, _ in reply.themes] == ["reducing the need for care"]
    shown = [reply.item] if reply.item else [choice.item for choice in reply.choices]
    assert any("reducing the need for care" in item.themes for item in shown)


def test_a_specific_question_gets_no_theme(conversation: Conversation) -> None:
    reply = conversation.handle("fgc evidence?", "worker")
    assert reply.kind is Kind.ANSWER and reply.themes == ()
    assert not any(n.startswith("A broad topic") for n in reply.notices)
