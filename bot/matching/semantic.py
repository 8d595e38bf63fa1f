"""The semantic signal: how close in meaning a question is to each item's own phrases.

Each item is represented by the vectors of its title, each of its example questions, and its title with
its summary (``item_texts``). An item's best cosine is the highest between the question's vectors (the whole
message, and each of its sentences when it is long) and the item's vectors; its *closeness*, which ranks
items, is the mean of its two best (``closeness``).

Search has two stages so a 100k-item base stays fast and small:
1. every item's *centroid* (the normalised mean of its vectors, float32) is compared with the question in
   one matrix-vector product, and the ``CANDIDATES`` closest items are kept (with any items the lexical
   engine proposes);
2. for those candidates only, every vector of the item (stored as int8 with a scale, ``Quantised``) is
   compared, and the best cosine, the phrase it came from and the closeness are kept.
A base with at most ``CANDIDATES`` items is therefore searched exactly.

Centroids are kept in the vector cache folder with the vectors (``VectorCache.centroids``): a restart maps
them from disk, and an edit works out only the edited items' centroids (``_work_out_centroids``, the same
float32 sums in the same order, so a centroid does not depend on which items were worked out with it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.embeddings import DIMENSIONS, Embedding, Encoder, Quantised, VectorCache, blas
from bot.embeddings.cache import centroid_keys
from bot.knowledge import KnowledgeItem

CANDIDATES = 256
CENTROID_CHUNK = 8192
"""Items whose centroids are worked out at a time (float32 for that many items' vectors at most)."""
SPACING_SAMPLE = 512
"""Items whose nearest neighbour is looked for when measuring a base's spacing (all of a smaller base)."""
TITLE, QUESTION, SUMMARY = 0, 1, 2
SECOND_PHRASE_WEIGHT = 0.5
"""The second closest phrase's share of an item's closeness (``closeness``)."""


def item_texts(item: KnowledgeItem) -> list[tuple[int, str]]:
    """(kind, text) pairs embedded for an item: its title, each example question, title + summary."""
    texts = [(TITLE, item.title)]
    texts += [(QUESTION, q) for q in item.questions]
    texts.append((SUMMARY, f"{item.title}. {item.summary}".strip()))
    texts += [(SUMMARY, f"{item.title}: {finding}") for finding in item.findings]
    return texts


@dataclass(frozen=True, slots=True)
class Closest:
    """An item's best cosine with the question and which of its phrases gave it."""

    index: int
    cosine: float
    """The best cosine between the question and one of the item's phrases."""
    closeness: float
    """The mean cosine of the item's two closest phrases (``closeness``): what ranks items by meaning."""
    kind: int
    """``TITLE``, ``QUESTION`` or ``SUMMARY``."""
    position: int
    """Which example question, for ``QUESTION``."""


class SemanticIndex:
    """Item vectors, built once per knowledge base (from the cache where possible)."""

    def __init__(self, items: Sequence[KnowledgeItem], encoder: Encoder, cache: VectorCache) -> None:
        self.encoder = encoder
        texts: list[str] = []
        kinds: list[int] = []
        starts = [0]
        for item in items:
            for kind, text in item_texts(item):
                texts.append(text)
                kinds.append(kind)
            starts.append(len(texts))
        vectors = cache.vectors(texts, encoder.embed, DIMENSIONS)
        self.embedded = cache.embedded
        """How many texts had to be embedded (not found in the cache) when this index was built."""
        del texts
        self._kinds = np.array(kinds, dtype=np.int8)
        self._starts = np.array(starts, dtype=np.int64)
        keys = centroid_keys(vectors, cache.keys, self._starts)
        centroids, known = cache.centroids(keys, DIMENSIONS)
        if not known.all():
            if centroids is None:
                centroids = np.zeros((len(items), DIMENSIONS), dtype=np.float32)
            _work_out_centroids(vectors, self._starts, np.flatnonzero(~known), centroids)
            cache.save_centroids(keys, centroids)
        assert centroids is not None
        self._centroids = centroids
        self._vectors = vectors
        self.spacing = spacing(centroids)
        """How far apart this base's items usually are in meaning (``spacing``); None below two items."""

    def start_question(self, sentences: Sequence[str]) -> Embedding:
        """Start embedding a question's readings (the whole message first, then its sentences)."""
        return self.encoder.start(sentences)

    def closest(
        self, readings: npt.NDArray[np.float32], extra: Iterable[int] = (), weights: Sequence[float] | None = None
    ) -> list[Closest]:
        """Best cosine and closeness per candidate item, closest first. ``readings`` are the question's
        vectors (one per reading); ``weights`` discount readings that are context rather than the question;
        ``extra`` adds candidate items (from the lexical engine) to those chosen by centroid."""
        count = self._centroids.shape[0]
        if count == 0 or readings.size == 0:
            return []
        w = np.ones(readings.shape[0], dtype=np.float32) if weights is None else np.asarray(weights, np.float32)
        if count <= CANDIDATES:
            candidates = np.arange(count)
        else:
            coarse = (self._centroids @ readings.T).max(axis=1)
            candidates = np.argpartition(coarse, -CANDIDATES)[-CANDIDATES:]
            candidates = np.union1d(candidates, np.fromiter(extra, dtype=np.int64))
        counts = self._starts[candidates + 1] - self._starts[candidates]
        candidates, counts = candidates[counts > 0], counts[counts > 0]
        if candidates.size == 0:
            return []
        offsets = np.zeros(candidates.size, dtype=np.int64)
        np.cumsum(counts[:-1], out=offsets[1:])
        # the rows of every candidate's vectors, candidate after candidate, without a Python loop
        rows = np.repeat(self._starts[candidates] - offsets, counts) + np.arange(int(counts.sum()))
        with blas.one_thread():  # a small product: threads would only cost (``bot.embeddings.blas``)
            sims = (self._vectors.rows(rows) @ readings.T) * w  # rows x readings
        best_reading = sims.max(axis=1)
        best = np.maximum.reduceat(best_reading, offsets)
        segment = np.repeat(np.arange(candidates.size), counts)
        at_best = np.flatnonzero(best_reading >= best[segment])
        _, first = np.unique(segment[at_best], return_index=True)
        best_rows = rows[at_best[first]]
        kinds = self._kinds[best_rows]
        positions = best_rows - self._starts[candidates] - 1
        # the second closest phrase: the best again with the closest one set aside (an item with one
        # phrase counts it twice)
        others = best_reading.copy()
        others[at_best[first]] = -np.inf
        second = np.maximum.reduceat(others, offsets)
        second = np.where(np.isfinite(second), second, best)
        near = closeness(best, second)
        out = [
            Closest(i, c, n, k, p if k == QUESTION else 0)
            for i, c, n, k, p in zip(
                candidates.tolist(), best.tolist(), near.tolist(), kinds.tolist(), positions.tolist(), strict=True
            )
        ]
        out.sort(key=lambda c: -c.closeness)
        return out


def closeness(best: npt.NDArray[np.float32], second: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """How close an item is in meaning: its best phrase's cosine blended with its second best's.

    One phrase alone can be close by chance (a short title that shares one striking word); an item whose
    title, example questions and summary agree is close in what it is about. Measured on every question set
    (public and practitioner), blending in the second phrase ranked the right item first more often on each."""
    return ((1.0 - SECOND_PHRASE_WEIGHT) * best + SECOND_PHRASE_WEIGHT * second).astype(np.float32)


def spacing(centroids: npt.NDArray[np.float32]) -> float | None:
    """How far apart a base's items usually are: 1 minus the median cosine between an item's centroid and
    its nearest other item's.

    In a base of near-duplicate FAQs (several items on one topic) the right item leads the next by little; in
    a base of distinct evidence items by much more. Margins measured against this spacing mean the same in
    both (``fusion.spacing_factor``). A large base is measured on a seeded sample of ``SPACING_SAMPLE`` items
    (each against every item), so it costs one pass over the centroids."""
    count = centroids.shape[0]
    if count < 2:
        return None
    sample = np.arange(count)
    if count > SPACING_SAMPLE:
        sample = np.sort(np.random.default_rng(0).choice(count, SPACING_SAMPLE, replace=False))
    probes = np.asarray(centroids[sample], dtype=np.float32)
    nearest = np.full(sample.size, -np.inf, dtype=np.float32)
    for start in range(0, count, CENTROID_CHUNK):
        chunk = np.asarray(centroids[start : start + CENTROID_CHUNK], dtype=np.float32)
        sims = chunk @ probes.T  # chunk rows x probes
        inside = (sample >= start) & (sample < start + chunk.shape[0])
        sims[sample[inside] - start, np.flatnonzero(inside)] = -np.inf  # an item is not its own neighbour
        np.maximum(nearest, sims.max(axis=0), out=nearest)
    return float(1.0 - np.median(nearest))


def _work_out_centroids(
    vectors: Quantised, starts: npt.NDArray[np.int64], chosen: npt.NDArray[np.int64], out: npt.NDArray[np.float32]
) -> None:
    """The centroids of the ``chosen`` items into their rows of ``out``: the normalised sum of each item's
    vectors, added in order (so a centroid is the same whichever items are worked out with it)."""
    for at in range(0, chosen.size, CENTROID_CHUNK):
        items = chosen[at : at + CENTROID_CHUNK]
        first, counts = starts[items], starts[items + 1] - starts[items]
        sums = np.zeros((items.size, DIMENSIONS), dtype=np.float32)
        for k in range(int(counts.max(initial=0))):
            has = counts > k
            sums[has] += vectors.rows(first[has] + k)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        sums /= np.maximum(norms, 1e-9)
        out[items] = sums
