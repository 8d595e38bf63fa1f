"""Item vectors kept on disk between runs, keyed by the model's digest and each text's hash.

A restart or a hot reload embeds only texts it has not seen with this model; everything else is read back.
Vectors are kept as 8-bit integers with one scale per vector (``Quantised``): a quarter of float32's
memory and disk, which keeps a 100k-item base (about half a million vectors) under 200 MB, while cosines
move by about 0.002. One folder per model digest holds ``keys.npy`` (sorted 16-byte BLAKE2b hashes of the
texts), ``vectors.npy`` (int8) and ``scales.npy`` (float32), one row per key. When every text is found, the
vector files are memory-mapped, not copied (``Quantised.order`` maps each text to its row). The folder also
keeps the items' centroids (``centroids-<digest of the item keys>.npy`` with its ``.keys``), each item keyed
by its texts' keys and their vectors' scales (``centroid_keys``), so a restart maps them too and an edit
works out only the edited items' centroids. Files are replaced atomically, so two processes sharing a cache
folder never read a half-written one; if the folder cannot be written, vectors are simply kept in memory
for this run, and a damaged file is logged and rebuilt.

Without a folder (``BOT_VECTOR_CACHE=off``), vectors are still remembered in this process's memory, up to
``MEMORY_LIMIT`` texts, so a hot reload embeds only what changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

KEY_DTYPE = np.dtype("S16")
MEMORY_LIMIT = 20_000
EMBED_CHUNK = 2048
"""Texts embedded and quantised at a time, so a large base never holds its float32 vectors all at once."""

Embed = Callable[[Sequence[str]], npt.NDArray[np.float32]]
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Quantised:
    """Vectors as int8 values times one float32 scale per vector.

    With ``order``, vector n is row ``order[n]`` of ``values`` and ``scales`` (the cache's own rows, read
    from disk memory-mapped rather than copied); without it, vector n is row n."""

    values: npt.NDArray[np.int8]
    scales: npt.NDArray[np.float32]
    order: npt.NDArray[np.int64] | None = None

    @classmethod
    def of(cls, vectors: npt.NDArray[np.float32]) -> Quantised:
        peak = np.abs(vectors).max(axis=1) if vectors.size else np.zeros(len(vectors), np.float32)
        scales = np.maximum(peak, 1e-12).astype(np.float32) / 127.0
        values = np.clip(np.rint(vectors / scales[:, None]), -127, 127).astype(np.int8)
        return cls(values, scales)

    @classmethod
    def empty(cls, count: int, dims: int) -> Quantised:
        return cls(np.zeros((count, dims), np.int8), np.zeros(count, np.float32))

    def rows(self, index: npt.NDArray[np.int64] | slice) -> npt.NDArray[np.float32]:
        """The chosen vectors as float32."""
        at = index if self.order is None else self.order[index]
        values: npt.NDArray[np.float32] = self.values[at].astype(np.float32) * self.scales[at][:, None]
        return values

    def __len__(self) -> int:
        return int(self.values.shape[0] if self.order is None else self.order.shape[0])


@cache
def _memory(model_digest: str) -> OrderedDict[bytes, tuple[npt.NDArray[np.int8], float]]:
    """This process's remembered vectors for one model (least recently used first)."""
    return OrderedDict()


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class VectorCache:
    """Vectors for texts: read from ``folder`` when known, embedded (and saved) when not."""

    def __init__(self, folder: Path | None, model_digest: str) -> None:
        self.folder = folder / model_digest[:16] if folder is not None else None
        self._digest = model_digest
        self.embedded = 0
        """Texts embedded (not found in the cache) by the last ``vectors`` call."""
        self.keys = np.zeros(0, dtype=KEY_DTYPE)
        """Each text's key (``text_key``), from the last ``vectors`` call."""

    def vectors(self, texts: Sequence[str], embed: Embed, dims: int) -> Quantised:
        """One vector per text, in order; texts missing from the cache are embedded with ``embed``.

        When every text is cached, the cache's files are memory-mapped, not copied: the vectors cost no
        memory until read, and only once however many processes share the folder."""
        keys = np.array([text_key(t) for t in texts], dtype=KEY_DTYPE)
        self.keys = keys
        if self.folder is None:
            return self._vectors_in_memory(texts, keys, embed, dims)
        known_keys, known = self._read()
        at = np.zeros(len(texts), dtype=np.int64)
        found = np.zeros(len(texts), dtype=bool)
        if known_keys.size:
            at = np.searchsorted(known_keys, keys)
            at[at >= known_keys.size] = 0
            found = known_keys[at] == keys
        missing = np.flatnonzero(~found)
        # Each distinct missing text is embedded once, however many items share it.
        unique: dict[bytes, int] = {}
        for n in missing.tolist():
            unique.setdefault(bytes(keys[n]), n)
        self.embedded = len(unique)
        if not unique:
            return Quantised(known.values, known.scales, at)
        fresh = _embed_in_chunks([texts[n] for n in unique.values()], embed)
        # the cache from now on: exactly the texts in use (so it never grows past the knowledge base), by key
        order = np.argsort(keys, kind="stable")
        first = np.ones(keys.size, dtype=bool)
        first[1:] = keys[order][1:] != keys[order][:-1]
        source = order[first]  # one text per distinct key, in key order
        values = np.empty((source.size, dims), dtype=np.int8)
        scales = np.empty(source.size, dtype=np.float32)
        cached = found[source]
        if cached.any():
            values[cached] = known.values[at[source[cached]]]
            scales[cached] = known.scales[at[source[cached]]]
        del known
        new_rows = _rows_of(unique, keys, source[~cached])
        values[~cached] = fresh.values[new_rows]
        scales[~cached] = fresh.scales[new_rows]
        stored = keys[source]
        self._write(stored, values, scales)
        return Quantised(values, scales, np.searchsorted(stored, keys))

    def centroids(self, item_keys: npt.NDArray[np.bytes_], dims: int) -> tuple[Floats | None, npt.NDArray[np.bool_]]:
        """Saved centroids of the items with these keys (``centroid_keys``): the matrix (memory-mapped when
        every item is known; rows of unknown items are zero) and which rows are known; None when none is."""
        found = np.zeros(item_keys.size, dtype=bool)
        if self.folder is None:
            return None, found
        wanted = self.folder / f"centroids-{_set_digest(item_keys)}.npy"
        saved = sorted(self.folder.glob("centroids-*.npy"), key=_mtime, reverse=True)
        for path in ([wanted] if wanted.exists() else []) + [p for p in saved if p != wanted][:1]:
            try:
                keys = np.load(path.with_suffix(".keys"), allow_pickle=False)
                matrix = np.load(path, mmap_mode="r", allow_pickle=False)
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                log.warning("centroid cache %s unreadable (%s); working them out again", path, exc)
                continue
            if keys.dtype != KEY_DTYPE or matrix.dtype != np.float32 or matrix.shape != (keys.size, dims):
                log.warning("centroid cache %s is inconsistent; working them out again", path)
                continue
            if path == wanted and np.array_equal(keys, item_keys):
                return np.asarray(matrix), ~found
            order = np.argsort(keys, kind="stable")
            at = np.searchsorted(keys, item_keys, sorter=order)
            at[at >= keys.size] = 0
            found = keys[order[at]] == item_keys
            if not found.any():
                return None, found
            out = np.zeros((item_keys.size, dims), dtype=np.float32)
            out[found] = matrix[order[at[found]]]
            return out, found
        return None, found

    def save_centroids(self, item_keys: npt.NDArray[np.bytes_], centroids: Floats) -> None:
        """Save the items' centroids under a name of their keys, replacing any saved for other items."""
        if self.folder is None:
            return
        path = self.folder / f"centroids-{_set_digest(item_keys)}.npy"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _save_atomic(path.with_suffix(".keys"), item_keys)  # keys first: the name says which items
            _save_atomic(path, centroids)
            for old in self.folder.glob("centroids-*"):
                if old.stem != path.stem and not old.name.endswith(".tmp"):
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("centroid cache %s not written (%s)", path, exc)

    def _vectors_in_memory(
        self, texts: Sequence[str], key_array: npt.NDArray[np.bytes_], embed: Embed, dims: int
    ) -> Quantised:
        memory = _memory(self._digest)
        raw, width = key_array.tobytes(), KEY_DTYPE.itemsize
        keys = [raw[at : at + width] for at in range(0, len(raw), width)]
        missing = {k: n for n, k in enumerate(keys) if k not in memory}
        self.embedded = len(missing)
        if missing:
            fresh = _embed_in_chunks([texts[n] for n in missing.values()], embed)
            for row, key in enumerate(missing):
                memory[key] = (fresh.values[row], float(fresh.scales[row]))
        out = Quantised.empty(len(texts), dims)
        for n, key in enumerate(keys):
            out.values[n], out.scales[n] = memory[key]
            memory.move_to_end(key)
        while len(memory) > MEMORY_LIMIT:
            memory.popitem(last=False)
        return out

    def _read(self) -> tuple[npt.NDArray[np.bytes_], Quantised]:
        empty = (np.zeros(0, dtype=KEY_DTYPE), Quantised.empty(0, 0))
        if self.folder is None:
            return empty
        try:
            keys = np.load(self.folder / "keys.npy", allow_pickle=False)
            values = np.load(self.folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
            scales = np.load(self.folder / "scales.npy", mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            return empty
        except (OSError, ValueError) as exc:
            log.warning("vector cache %s unreadable (%s); embedding again", self.folder, exc)
            return empty
        if (
            keys.dtype != KEY_DTYPE
            or values.dtype != np.int8
            or scales.dtype != np.float32
            or keys.ndim != 1
            or values.ndim != 2
            or not keys.shape[0] == values.shape[0] == scales.shape[0]
        ):
            log.warning("vector cache %s is inconsistent; embedding again", self.folder)
            return empty
        return keys, Quantised(np.asarray(values), np.asarray(scales))

    def _write(
        self, keys: npt.NDArray[np.bytes_], values: npt.NDArray[np.int8], scales: npt.NDArray[np.float32]
    ) -> None:
        """Save sorted, distinct ``keys`` and their vectors."""
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # vectors first, keys last: a reader that sees new keys also sees their vectors
            _save_atomic(self.folder / "vectors.npy", values)
            _save_atomic(self.folder / "scales.npy", scales)
            _save_atomic(self.folder / "keys.npy", keys)
        except OSError as exc:
            log.warning("vector cache %s not written (%s); vectors kept in memory only", self.folder, exc)


def _rows_of(
    unique: dict[bytes, int], keys: npt.NDArray[np.bytes_], missing: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    position = {k: r for r, k in enumerate(unique)}
    return np.array([position[bytes(keys[n])] for n in missing.tolist()], dtype=np.int64)


def centroid_keys(
    vectors: Quantised, text_keys: npt.NDArray[np.bytes_], starts: npt.NDArray[np.int64]
) -> npt.NDArray[np.bytes_]:
    """One key per item (item n owns texts ``starts[n]:starts[n + 1]``): a hash of its texts' keys and of
    their vectors' scales, so a text embedded again (batch-mates move a vector slightly) changes the key."""
    scales = (vectors.scales if vectors.order is None else vectors.scales[vectors.order]).astype(np.float32)
    raw_keys, raw_scales = text_keys.tobytes(), scales.tobytes()
    width, scale_width = KEY_DTYPE.itemsize, scales.itemsize
    out = np.empty(starts.size - 1, dtype=KEY_DTYPE)
    bounds = starts.tolist()
    for n in range(starts.size - 1):
        a, b = bounds[n], bounds[n + 1]
        digest = hashlib.blake2b(raw_keys[a * width : b * width], digest_size=16)
        digest.update(raw_scales[a * scale_width : b * scale_width])
        out[n] = digest.digest()
    return out


def _set_digest(keys: npt.NDArray[np.bytes_]) -> str:
    return hashlib.blake2b(keys.tobytes(), digest_size=12).hexdigest()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _embed_in_chunks(texts: Sequence[str], embed: Embed) -> Quantised:
    parts = [Quantised.of(embed(texts[at : at + EMBED_CHUNK])) for at in range(0, len(texts), EMBED_CHUNK)]
    return Quantised(np.concatenate([p.values for p in parts]), np.concatenate([p.scales for p in parts]))


def _save_atomic(path: Path, array: npt.NDArray[np.generic]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
