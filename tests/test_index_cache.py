"""What start-up keeps on disk: the lexical index entries, memory-mapped vectors and the items' centroids.

A restart must read back exactly what a fresh build would make (same rankings, scores and reasons); an
edited item must never be served from its old entry; a damaged file must only cost time (a log line and a
rebuild), never a crash or a wrong answer.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest

from bot import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, Engine, load_glossary, load_knowledge
from bot.embeddings import VectorCache, load_encoder
from bot.embeddings.cache import Quantised, centroid_keys
from bot.glossary import Glossary, GlossaryEntry
from bot.knowledge import KnowledgeItem
from bot.matching import LexicalEngine, lexical_index
from bot.matching.semantic import _work_out_centroids

QUESTIONS = (
    "does group supervision help?",
    "fgc evidence",
    "what works 4 neglect assessment",
    "my team is burnt out, anything that helps?",
    "LAC placement stability",
    "does supervison in groups work",
)


@pytest.fixture(scope="module")
def items() -> tuple[KnowledgeItem, ...]:
    return load_knowledge(DEFAULT_KNOWLEDGE, exclude=[DEFAULT_GLOSSARY]).items


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary(DEFAULT_GLOSSARY)


def _ranked(engine: Engine | LexicalEngine) -> list[list[tuple[str, float, tuple[str, ...]]]]:
    return [[(m.item.id, m.score, m.why) for m in engine.rank(q, 8)] for q in QUESTIONS]


def _lexical_state(engine: LexicalEngine) -> tuple[object, ...]:
    postings = {t: tuple(a.tolist() for a in p) for t, p in engine._postings.items()}
    return (
        engine._idf,
        postings,
        engine._phrases,
        engine._phrase_starts.tolist(),
        engine._surface_count,
        engine._vocab_by_length,
    )


# --- the lexical index entries -----------------------------------------------------------------------------


def test_a_restart_reads_no_item_and_builds_the_same_index(
    items: tuple[KnowledgeItem, ...], glossary: Glossary, tmp_path: Path
) -> None:
    fresh = LexicalEngine(items, glossary)
    first = LexicalEngine(items, glossary, cache=tmp_path)
    again = LexicalEngine(items, glossary, cache=tmp_path)
    assert first.read_items == len(items) and again.read_items == 0
    assert (tmp_path / lexical_index.FILE).is_file()
    assert _lexical_state(again) == _lexical_state(fresh) == _lexical_state(first)
    assert _ranked(again) == _ranked(fresh)


def test_an_edited_item_is_read_again_and_never_served_from_its_old_entry(
    items: tuple[KnowledgeItem, ...], glossary: Glossary, tmp_path: Path
) -> None:
    LexicalEngine(items, glossary, cache=tmp_path)
    target = next(i for i, item in enumerate(items) if item.id == "systemic-group-supervision")
    edited = list(items)
    edited[target] = dataclasses.replace(items[target], title="Zoetrope circles for social workers")
    engine = LexicalEngine(edited, glossary, cache=tmp_path)
    assert engine.read_items == 1
    assert engine.rank("zoetrope circles", 1)[0].item.id == "systemic-group-supervision"
    assert _lexical_state(engine) == _lexical_state(LexicalEngine(edited, glossary))
    # removed and reordered items too: the entries follow the items, not the file
    fewer = edited[::-1][:-3]
    assert _lexical_state(LexicalEngine(fewer, glossary, cache=tmp_path)) == _lexical_state(
        LexicalEngine(fewer, glossary)
    )


def test_a_changed_glossary_reads_every_item_again(items: tuple[KnowledgeItem, ...], tmp_path: Path) -> None:
    before = Glossary([GlossaryEntry("ZQX", "zebra quantum xylophone")])
    after = Glossary([GlossaryEntry("ZQX", "zebra quantum xylophones and more")])
    LexicalEngine(items[:5], before, cache=tmp_path)
    assert LexicalEngine(items[:5], before, cache=tmp_path).read_items == 0
    assert LexicalEngine(items[:5], after, cache=tmp_path).read_items == 5


def test_without_a_folder_a_reload_reads_only_what_changed(
    items: tuple[KnowledgeItem, ...], glossary: Glossary
) -> None:
    LexicalEngine(items, glossary)
    edited = list(items)
    edited[0] = dataclasses.replace(items[0], summary=items[0].summary + " Also about zoetropes.")
    engine = LexicalEngine(edited, glossary)
    assert engine.read_items == 1 and engine.rank("zoetropes", 1)[0].item.id == items[0].id


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong ids", "wrong format"])
def test_a_damaged_index_file_is_logged_and_rebuilt(
    items: tuple[KnowledgeItem, ...],
    glossary: Glossary,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    LexicalEngine(items, glossary, cache=tmp_path)
    path = tmp_path / lexical_index.FILE
    if damage == "garbage":
        path.write_bytes(b"not a zip file at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        if damage == "wrong ids":
            arrays["term_ids"] = arrays["term_ids"] + 10_000_000
        else:
            arrays["format"] = np.int64(lexical_index.FORMAT + 1)
        with path.open("wb") as fh:
            np.savez(fh, **arrays)
    with caplog.at_level(logging.WARNING, logger="bot.matching.lexical_index"):
        engine = LexicalEngine(items, glossary, cache=tmp_path)
    assert engine.read_items == len(items)
    assert any("lexical index cache" in r.getMessage() for r in caplog.records)
    assert _lexical_state(engine) == _lexical_state(LexicalEngine(items, glossary))
    assert LexicalEngine(items, glossary, cache=tmp_path).read_items == 0  # rewritten whole


def test_an_unwritable_folder_only_costs_time(
    items: tuple[KnowledgeItem, ...], glossary: Glossary, tmp_path: Path
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    engine = LexicalEngine(items, glossary, cache=blocked)
    assert engine.read_items == len(items) and _ranked(engine) == _ranked(LexicalEngine(items, glossary))


# --- vectors and centroids ---------------------------------------------------------------------------------


def test_a_warm_start_maps_the_cached_vectors_and_centroids_instead_of_copying_them(
    items: tuple[KnowledgeItem, ...], glossary: Glossary, tmp_path: Path
) -> None:
    cold = Engine(items, glossary, vector_cache=tmp_path)
    warm = Engine(items, glossary, vector_cache=tmp_path)
    assert cold.semantic is not None and warm.semantic is not None and warm.semantic.embedded == 0
    assert isinstance(warm.semantic._vectors.values.base, np.memmap)
    assert isinstance(warm.semantic._centroids.base, np.memmap)
    assert np.array_equal(warm.semantic._centroids, cold.semantic._centroids)
    everything = np.arange(len(warm.semantic._kinds))
    assert np.array_equal(warm.semantic._vectors.rows(everything), cold.semantic._vectors.rows(everything))
    assert _ranked(warm) == _ranked(cold)


def test_an_edited_item_gets_a_new_centroid_and_the_others_are_kept(
    items: tuple[KnowledgeItem, ...], glossary: Glossary, tmp_path: Path
) -> None:
    Engine(items, glossary, vector_cache=tmp_path)
    edited = list(items)
    edited[3] = dataclasses.replace(items[3], title="Zoetrope circles for social workers")
    engine = Engine(edited, glossary, vector_cache=tmp_path)
    assert engine.semantic is not None
    assert 0 < engine.semantic.embedded < 10  # the texts with the new title
    # the kept centroids and the new one are exactly what this engine's own vectors give
    everything = np.zeros_like(engine.semantic._centroids)
    _work_out_centroids(engine.semantic._vectors, engine.semantic._starts, np.arange(len(edited)), everything)
    assert np.array_equal(engine.semantic._centroids, everything)
    assert len(list((tmp_path / "lexical").parent.rglob("centroids-*.npy"))) == 1  # the old one is gone


def test_a_damaged_centroid_file_is_logged_and_worked_out_again(
    items: tuple[KnowledgeItem, ...], glossary: Glossary, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = Engine(items[:20], glossary, vector_cache=tmp_path)
    [saved] = tmp_path.rglob("centroids-*.npy")
    saved.write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING, logger="bot.embeddings.cache"):
        again = Engine(items[:20], glossary, vector_cache=tmp_path)
    assert any("centroid cache" in r.getMessage() for r in caplog.records)
    assert first.semantic is not None and again.semantic is not None
    assert np.array_equal(again.semantic._centroids, first.semantic._centroids)


def test_a_text_embedded_again_changes_its_items_centroid_key() -> None:
    keys = np.array([b"a" * 16, b"b" * 16, b"c" * 16], dtype="S16")
    starts = np.array([0, 2, 3], dtype=np.int64)
    vectors = Quantised.of(np.eye(3, 384, dtype=np.float32))
    moved = Quantised(vectors.values, vectors.scales * np.float32(1.001))
    before, after = centroid_keys(vectors, keys, starts), centroid_keys(moved, keys, starts)
    assert before[0] != after[0] and before[0] != before[1]


def test_vectors_read_through_the_cache_order_are_the_texts_own(tmp_path: Path) -> None:
    encoder = load_encoder()
    texts = ["neglect tools", "family group conferences", "neglect tools", "group supervision"]
    cold = VectorCache(tmp_path, encoder.digest).vectors(texts, encoder.embed, 384)
    warm = VectorCache(tmp_path, encoder.digest).vectors(texts[::-1], encoder.embed, 384)
    assert len(cold) == len(warm) == 4
    assert np.array_equal(cold.rows(np.arange(4)), warm.rows(np.arange(4))[::-1])
    assert np.array_equal(cold.rows(np.array([0])), cold.rows(np.array([2])))
