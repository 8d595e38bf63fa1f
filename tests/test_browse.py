"""Browsing with filters in the core conversation, the same on every surface: theme, strength and effect."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot import Conversation, Engine, Kind, Reply, messages
from bot.browse import Filter, parse


@pytest.mark.parametrize(
    ("message", "wanted"),
    [
        ("theme courts strong", Filter("courts", "strong", None)),
        ("theme neglect no effect", Filter("neglect", None, "no-effect")),
        ("strong evidence on supervision", Filter("supervision", "strong", None)),
        ("trials with no effect", Filter("", None, "no-effect")),
        ("studies showing mixed results on neglect", Filter("neglect", None, "mixed")),
        ("show me moderate evidence", Filter("", "moderate", None)),
        ("positive evidence about exploitation", Filter("exploitation", None, "positive")),
        ("theme courts", Filter("courts", None, None)),
    ],
)
def test_filter_phrases_are_read(message: str, wanted: Filter) -> None:
    assert parse(message) == wanted


@pytest.mark.parametrize(
    "question",
    [
        "what works for neglect",
        "does strong supervision help",
        "fgc evidence",
        "is there strong evidence that fgc works",
    ],
)
def test_questions_stay_questions(question: str) -> None:
    found = parse(question)
    assert found is None or found.topic  # never a bare filter that would hide the question


def test_strength_and_theme_filter_the_list(chat: Callable[[str], Reply]) -> None:
    reply = chat("theme reducing the need for care strong")
    assert reply.kind is Kind.THEME and [m.item.id for m in reply.choices] == ["family-group-conferences"]
    assert reply.text == "Strong evidence on reducing the need for care:"
    assert chat("1").item is not None and chat("1").item.id == "family-group-conferences"  # numbered as a theme


def test_a_topic_that_is_not_a_theme_is_read_like_a_question(chat: Callable[[str], Reply]) -> None:
    reply = chat("moderate evidence on group supervision")
    assert [m.item.id for m in reply.choices] == ["group-supervision"]


def test_effect_filters_and_nothing_found(chat: Callable[[str], Reply]) -> None:
    assert [m.item.id for m in chat("studies with mixed results").choices] == ["group-supervision"]
    nothing = chat("trials with no effect")
    assert nothing.kind is Kind.NOTICE and nothing.text.startswith(messages.NOTHING_FILTERED.split("{")[0])


def test_filters_follow_the_thread(engine: Engine) -> None:
    conversation = Conversation(engine)
    conversation.handle("strong evidence", user="u", thread="a")
    conversation.handle("theme neglect", user="u", thread="b")
    assert conversation.handle("1", user="u", thread="a").item.id == "family-group-conferences"  # type: ignore[union-attr]
    assert conversation.handle("1", user="u", thread="b").item.id == "graded-care-profile"  # type: ignore[union-attr]


def test_suggested_prompts_are_curated_questions_then_themes(engine: Engine) -> None:
    prompts = Conversation(engine).suggested_prompts(4)
    assert 1 < len(prompts) <= 4 and prompts[-1] == (messages.BROWSE_THEMES_PROMPT, "themes")
    questions = {q.lower() for item in engine.items for q in item.questions}
    assert all(message.lower() in questions and len(title) <= 75 for title, message in prompts[:-1])
