"""Loading evidence items: every kind of mistake is reported with file, line and field, all at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot import KnowledgeError, load_knowledge
from tests.conftest import ITEMS, write_tree

GOOD = """
    id: good-item
    title: A good item
    summary: Says something useful.
    links: [{title: Source, url: "https://example.org/source"}]
"""


def problems(tmp_path: Path, files: dict[str, str]) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(write_tree(tmp_path / "k", files))
    return [str(p) for p in caught.value.problems]


def test_bundled_style_items_load_with_dates_as_dates_or_strings(knowledge_dir: Path) -> None:
    kb = load_knowledge(knowledge_dir)
    assert len(kb.items) == len(ITEMS)
    reviewed = {i.id: i.reviewed for i in kb.items}
    assert reviewed["family-group-conferences"] == dt.date(2026, 10, 1)  # YAML date
    assert reviewed["group-supervision"] == dt.date(2026, 9, 1)  # quoted string
    assert kb.by_id["group-supervision"].evidence.published == "2021-05"  # type: ignore[union-attr]


def test_unknown_field_names_file_line_and_suggests_the_right_one(tmp_path: Path) -> None:
    found = problems(tmp_path, {"a.yaml": GOOD + "    sumary: typo\n"})
    assert found == ["k/a.yaml:5: unknown field 'sumary' (did you mean 'summary'?)"]


def test_unknown_nested_field_is_named_with_its_path(tmp_path: Path) -> None:
    text = GOOD + "    evidence: {strenght: strong}\n"
    [problem] = problems(tmp_path, {"a.yaml": text})
    assert "evidence.strenght" in problem and "did you mean 'strength'" in problem


def test_missing_required_fields_are_each_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, {"a.yaml": "id: x\ntitle: T\n"})
    assert any("'summary' is missing" in p for p in found)
    assert any("'links' is missing" in p for p in found)


def test_all_errors_of_a_directory_are_reported_at_once(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "a.yaml": "id: [broken\n",
            "b.yaml": GOOD + "    colour: red\n",
            "c.yaml": GOOD.replace("good-item", "other"),
        },
    )
    assert len(found) == 2
    assert found[0].startswith("k/a.yaml:") and "YAML syntax error" in found[0]
    assert found[1].startswith("k/b.yaml:5:")


def test_duplicate_ids_across_files_name_both_files(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, {"a.yaml": GOOD, "sub/b.yaml": GOOD})
    assert problem.startswith("k/sub/b.yaml:1: id: duplicate id 'good-item'") and "k/a.yaml" in problem


def test_duplicate_keys_are_rejected_with_both_lines(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, {"a.yaml": GOOD + "    title: Again\n"})
    assert problem == "k/a.yaml:5: duplicate key 'title' (first written on line 2)"


def test_aliases_are_refused(tmp_path: Path) -> None:
    bomb = 'id: x\ntitle: &a "lol"\nsummary: *a\nlinks: [{title: s, url: "https://example.org/"}]\n'
    [problem] = problems(tmp_path, {"a.yaml": bomb})
    assert "aliases" in problem


def test_oversized_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "k", {"ok.yaml": GOOD})
    (root / "big.yaml").write_text("summary: " + "x" * 300_000)
    (root / "latin.yaml").write_bytes(b"id: x\ntitle: caf\xe9\n")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith("k/big.yaml: file is") and "limit" in p for p in found)
    assert any(p == "k/latin.yaml:2: file is not UTF-8 text; save it as UTF-8" for p in found)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "https://a.org/x y",
        "http://a.org|b",
        "https://a.org/>b",
        "ftp://a.org/file",
        "https://",
        "https://evil.org/<script>",
        "data:text/html,hi",
    ],
)
def test_only_clean_http_links_are_allowed(tmp_path: Path, url: str) -> None:
    text = GOOD.replace("https://example.org/source", url.replace('"', ""))
    [problem] = problems(tmp_path, {"a.yaml": text})
    assert "links[1].url" in problem and problem.startswith("k/a.yaml:")


def test_bad_strength_suggests_a_valid_one(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, {"a.yaml": GOOD + "    evidence: {strength: strng}\n"})
    assert "evidence.strength: 'strng' is not allowed (did you mean 'strong'?)" in problem


def test_bad_slug_and_bad_dates(tmp_path: Path) -> None:
    text = GOOD.replace("good-item", "Good Item") + "    reviewed: last tuesday\n    evidence: {published: May 2023}\n"
    found = problems(tmp_path, {"a.yaml": text})
    assert any("id: must be a lowercase slug" in p for p in found)
    assert any("reviewed: must be a date" in p for p in found)
    assert any("evidence.published: must be a year" in p for p in found)


def test_empty_or_missing_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(KnowledgeError, match="no knowledge items"):
        load_knowledge(tmp_path / "empty")
    with pytest.raises(KnowledgeError, match="not found"):
        load_knowledge(tmp_path / "nowhere")


def test_a_document_that_is_not_a_mapping_is_explained(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, {"a.yaml": "- just\n- a list\n"})
    assert "must be a mapping of fields" in problem
