"""The optional ``evidence.cost`` field: the source's own cost rating, validated, and shown beside strength
on every surface (console and plain text, Slack, Teams)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.slack.blocks import card_blocks
from adapters.teams.cards import item_body
from bot import KnowledgeError, load_knowledge, messages
from bot.conversation import Kind, Reply
from bot.knowledge import Evidence, KnowledgeItem, Link
from bot.render import reply_text
from tests.conftest import write_tree

ITEM = """
    id: costed
    title: A costed programme
    summary: Says something useful.
    links: [{title: Source, url: "https://example.org/source"}]
    evidence:
      strength: strong
      effect: positive
      outcome: children entering care
      rating: Foundations Guidebook level 3
      source: Foundations
      published: 2023
"""
LABEL = "Foundations Guidebook cost rating 2"


def load(tmp_path: Path, cost_line: str) -> KnowledgeItem:
    kb = load_knowledge(write_tree(tmp_path / "k", {"a.yaml": ITEM + cost_line}))
    return kb.by_id["costed"]


def problems(tmp_path: Path, cost_line: str) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(tmp_path, cost_line)
    return [str(p) for p in caught.value.problems]


def test_cost_is_optional_and_read_as_written(tmp_path: Path) -> None:
    assert load(tmp_path, "").evidence.cost is None  # type: ignore[union-attr]
    item = load(tmp_path / "2", f"      cost: '  {LABEL}  '\n")
    assert item.evidence is not None and item.evidence.cost == LABEL


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("      cost: 2\n", "write the source's own cost label as text, e.g. 'Foundations Guidebook cost rating 2'"),
        ("      cost: ''\n", "must be non-empty text"),
        ("      cost: [1, 2]\n", "must be non-empty text"),
        ("      cost: '£'\n", "name the rating as the source does"),
        (f"      cost: '{'very expensive ' * 10}'\n", "must be a short label"),
    ],
)
def test_a_bad_cost_names_file_line_and_field(tmp_path: Path, line: str, expected: str) -> None:
    [problem] = problems(tmp_path, line)
    assert problem.startswith("k/a.yaml:12: evidence.cost: ") and expected in problem


def test_a_misspelt_cost_field_gets_a_suggestion(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, f"      costs: {LABEL}\n")
    assert "unknown field 'costs' (did you mean 'cost'?)" in problem


def costed_item() -> KnowledgeItem:
    return KnowledgeItem(
        id="costed",
        title="A costed programme",
        summary="Says something useful.",
        links=(Link("Source", "https://example.org/source"),),
        evidence=Evidence(strength="strong", effect="positive", outcome="children entering care", cost=LABEL),
        reviewed=dt.date(2026, 12, 6),
    )


def test_the_effect_line_shows_cost_beside_strength() -> None:
    line = messages.effect_line(costed_item().evidence)
    assert line == f"Positive effect on children entering care, strong evidence. Cost: {LABEL}"
    assert messages.effect_line(Evidence(cost=LABEL)) == f"Cost: {LABEL}"
    assert "Cost" not in messages.effect_line(Evidence(strength="strong"))


def test_console_and_plain_text_cards_show_cost() -> None:
    text = reply_text(Reply(Kind.ANSWER, messages.ANSWER_LEAD, item=costed_item()))
    assert f"strong evidence. Cost: {LABEL}" in text


def test_slack_card_shows_cost() -> None:
    assert f"strong evidence. Cost: {LABEL}" in json.dumps(card_blocks(costed_item()), ensure_ascii=False)


def test_teams_card_shows_cost() -> None:
    assert f"strong evidence. Cost: {LABEL}" in json.dumps(item_body(costed_item(), full=False), ensure_ascii=False)
