"""The sentence-model yardstick: the bundled int8 MiniLM alone, with none of the engine around it.

Each item is represented as the engine's semantic signal represents it (title, each example question, title
with summary); a question's score for an item is the best cosine, with the question read as written (no
glossary, no spelling fixes, no sentence splitting). Like BM25 it has no notion of confidence, so it answers
when its top cosine is above the 95th percentile of the tuning out-of-scope questions' top cosines.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.bm25_baseline import TUNE_REJECT_PCT, answer_all
from bench.metrics import RANK_DEPTH, percentile
from bot import load_knowledge
from bot.embeddings import load_encoder
from bot.matching.semantic import item_texts


def measure(knowledge: Path, questions: list[str], tune_questions: list[str]) -> dict[str, Any]:
    """Embed the items, then rank and answer every question; same payload shape as the engine worker."""
    start = time.perf_counter()
    encoder = load_encoder()
    items = load_knowledge(knowledge).items
    texts, owner = [], []
    for n, item in enumerate(items):
        for _, text in item_texts(item):
            texts.append(text)
            owner.append(n)
    vectors = encoder.embed(texts)
    owners = np.array(owner)
    startup_s = time.perf_counter() - start

    def scores(question: str) -> np.ndarray:
        sims = vectors @ encoder.embed_one(question)
        best = np.full(len(items), -1.0, dtype=np.float32)
        np.maximum.at(best, owners, sims)
        return best

    def top(question: str) -> tuple[list[str], float]:
        s = scores(question)
        order = np.argsort(-s, kind="stable")[:RANK_DEPTH]
        return [items[i].id for i in order], float(s[order[0]])

    bar = percentile([float(scores(q).max()) for q in tune_questions], TUNE_REJECT_PCT) if tune_questions else 1.0
    return {"startup_s": startup_s, **answer_all(questions, top, bar), "items": len(items)}
