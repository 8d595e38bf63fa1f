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

from bench.bm25_baseline import TUNE_REJECT_PCT
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

    bar = percentile([float(scores(q).max()) for q in tune_questions], TUNE_REJECT_PCT) if tune_questions else 1.0
    ranked: list[list[str]] = []
    top: list[str | None] = []
    latency_ms: list[float] = []
    cpu_ms: list[float] = []
    for question in questions:
        cpu, t0 = time.thread_time(), time.perf_counter()
        s = scores(question)
        order = np.argsort(-s, kind="stable")[:RANK_DEPTH]
        latency_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.thread_time() - cpu) * 1000)
        ranked.append([items[i].id for i in order])
        top.append(items[order[0]].id if s[order[0]] > bar else None)
    return {
        "startup_s": startup_s,
        "latency_ms": latency_ms,
        "cpu_ms": cpu_ms,
        "ranked": ranked,
        "top": top,
        "threshold": bar,
        "items": len(items),
    }
