"""The bundled evidence base keeps its promises: it validates, every item is found by its own questions,
themes come from the documented list, links are clean, and reviews are current."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, Library, open_library
from bot.lint import lint, review_due

README = DEFAULT_KNOWLEDGE / "README.md"


@pytest.fixture(scope="module")
def bundled() -> Library:
    return open_library(DEFAULT_KNOWLEDGE, DEFAULT_GLOSSARY)


def documented_themes() -> set[str]:
    """The fixed theme list, read from the table in knowledge/README.md (so the docs stay honest)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Themes", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))


def test_at_least_60_items_covering_every_theme_four_times(bundled: Library) -> None:
    assert len(bundled.kb.items) >= 60
    themes = documented_themes()
    assert len(themes) == 11
    counts = {t: sum(1 for i in bundled.kb.items if t in i.themes) for t in themes}
    assert all(n >= 4 for n in counts.values()), counts


def test_every_item_uses_documented_themes_and_sits_in_its_theme_folder(bundled: Library) -> None:
    themes = documented_themes()
    for item in bundled.kb.items:
        assert item.themes and set(item.themes) <= themes, (item.id, item.themes)
        assert Path(item.path).stem == item.id, item.path


def test_every_item_is_found_first_by_each_of_its_own_questions(bundled: Library) -> None:
    misses = []
    for item in bundled.kb.items:
        assert 4 <= len(item.questions) <= 8, item.id
        for question in item.questions:
            answer = bundled.engine.answer(question)
            top = answer.results[0].item.id if answer.results else None
            if top != item.id:
                misses.append((item.id, question, top))
    assert misses == []


def test_validate_is_clean_and_reviews_are_current(bundled: Library) -> None:
    assert lint(bundled.kb, bundled.engine) == []
    today = dt.date.today()
    assert [i.id for i in bundled.kb.items if review_due(i, today)] == []


def test_links_are_https_and_items_carry_tags_and_evidence(bundled: Library) -> None:
    for item in bundled.kb.items:
        assert item.tags, item.id
        for link in item.links:
            assert link.url.startswith(("https://", "http://")), (item.id, link.url)
        if item.evidence is not None:
            assert item.evidence.source, item.id
