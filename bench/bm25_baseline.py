"""The BM25 yardstick: what a plain keyword search gets on the same knowledge files.

bm25s (Lucene-style BM25, k1=1.5, b=0.75) with the Snowball English stemmer and bm25s's English stop
words, over title + summary + questions + tags of each item. BM25 has no notion of confidence, so for
the answer figures it gets a threshold on its top score, chosen per dataset as the 95th percentile
(nearest rank) of the top scores of the tuning out-of-scope questions on that dataset's index: a
question is answered only when its top score is strictly above it, so at least 95 % of the tuning
questions are rejected. The tuning questions are never scored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bm25s  # type: ignore[import-untyped]
import numpy as np
import Stemmer
import yaml

from bench.metrics import RANK_DEPTH, percentile

TUNE_REJECT_PCT = 95.0


def read_corpus(directory: Path) -> tuple[list[str], list[str]]:
    """Ids and indexed text of every ``*.yaml`` item under ``directory`` (read with PyYAML, not the bot)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    ids: list[str] = []
    texts: list[str] = []
    for path in sorted(directory.rglob("*.yaml")):
        item = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # CSafeLoader or SafeLoader
        parts = [item["title"], item["summary"], *item.get("questions", ()), *item.get("tags", ())]
        ids.append(str(item["id"]))
        texts.append(" ".join(str(p) for p in parts))
    return ids, texts


class Bm25Index:
    """A bm25s index plus the tokenizer settings used to build it, so queries are treated the same way."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        self.ids = ids
        self._stemmer = Stemmer.Stemmer("english")
        corpus = bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False)
        self._retriever = bm25s.BM25()
        self._retriever.index(corpus, show_progress=False)

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every item for ``question`` (zeros when no query word is indexed)."""
        tokens = bm25s.tokenize(
            [question], stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False
        )[0]
        if not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens))

    def top(self, question: str, k: int = RANK_DEPTH) -> tuple[list[str], float]:
        """The best ``k`` ids (best first) and the top score."""
        scores = self.scores(question)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [self.ids[i] for i in best], float(scores[best[0]])


def threshold(index: Bm25Index, tune_questions: list[str]) -> float:
    """Top score that rejects ``TUNE_REJECT_PCT`` % of the tuning questions (inf when there are none)."""
    if not tune_questions:
        return float("inf")
    return percentile([index.top(q, 1)[1] for q in tune_questions], TUNE_REJECT_PCT)


def measure(knowledge: Path, questions: list[str], tune_questions: list[str]) -> dict[str, Any]:
    """Build the index, then rank and answer every question; same payload shape as the engine worker."""
    start = time.perf_counter()
    index = Bm25Index(*read_corpus(knowledge))
    startup_s = time.perf_counter() - start
    bar = threshold(index, tune_questions)
    return {"startup_s": startup_s, **answer_all(questions, index.top, bar)}


def answer_all(questions: list[str], top: Callable[[str], tuple[list[str], float]], bar: float) -> dict[str, Any]:
    """Rank every question with ``top`` (best ids first, top score), timed one by one; answer above ``bar``.

    Shared by the yardsticks that have no notion of confidence (BM25, the sentence model alone)."""
    ranked: list[list[str]] = []
    answered: list[str | None] = []
    latency_ms: list[float] = []
    cpu_ms: list[float] = []
    for question in questions:
        cpu, t0 = time.thread_time(), time.perf_counter()
        ids, best = top(question)
        latency_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.thread_time() - cpu) * 1000)
        ranked.append(ids)
        answered.append(ids[0] if best > bar else None)
    return {"latency_ms": latency_ms, "cpu_ms": cpu_ms, "ranked": ranked, "top": answered, "threshold": bar}
