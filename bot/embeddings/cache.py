"""Item vectors kept on disk between runs, keyed by the model's digest and each text's hash.

A restart or a hot reload embeds only texts it has not seen with this model; everything else is read back.
Vectors are kept as 8-bit integers with one scale per vector (``Quantised``): a quarter of float32's
memory and disk, which keeps a 100k-item base (about half a million vectors) under 200 MB, while cosines
move by about 0.002. One folder per model digest holds ``keys.npy`` (sorted 16-byte BLAKE2b hashes of the
texts), ``vectors.npy`` (int8) and ``scales.npy`` (float32), one row per key. Files are replaced atomically,
so two processes sharing a cache folder never read a half-written one; if the folder cannot be written,
vectors are simply kept in memory for this run.

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


@dataclass(frozen=True, slots=True)
class Quantised:
    """Vectors as int8 values times one float32 scale per vector."""

    values: npt.NDArray[np.int8]
    scales: npt.NDArray[np.float32]

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
        values: npt.NDArray[np.float32] = self.values[index].astype(np.float32) * self.scales[index][:, None]
        return values

    def __len__(self) -> int:
        return int(self.values.shape[0])


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

    def vectors(self, texts: Sequence[str], embed: Embed, dims: int) -> Quantised:
        """One row per text, in order; texts missing from the cache are embedded with ``embed``."""
        if self.folder is None:
            return self._vectors_in_memory(texts, embed, dims)
        keys = np.array([text_key(t) for t in texts], dtype=KEY_DTYPE)
        known_keys, known = self._read()
        out = Quantised.empty(len(texts), dims)
        found = np.zeros(len(texts), dtype=bool)
        if known_keys.size:
            at = np.searchsorted(known_keys, keys)
            at[at >= known_keys.size] = 0
            found = known_keys[at] == keys
            out.values[found] = known.values[at[found]]
            out.scales[found] = known.scales[at[found]]
        del known
        missing = np.flatnonzero(~found)
        # Each distinct missing text is embedded once, however many items share it.
        unique: dict[bytes, int] = {}
        for n in missing.tolist():
            unique.setdefault(bytes(keys[n]), n)
        self.embedded = len(unique)
        if unique:
            fresh = _embed_in_chunks([texts[n] for n in unique.values()], embed)
            row_of = _rows_of(unique, keys, missing)
            out.values[missing] = fresh.values[row_of]
            out.scales[missing] = fresh.scales[row_of]
            self._write(keys, out)
        return out

    def _vectors_in_memory(self, texts: Sequence[str], embed: Embed, dims: int) -> Quantised:
        memory = _memory(self._digest)
        keys = [text_key(t) for t in texts]
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
            values = np.load(self.folder / "vectors.npy", allow_pickle=False)
            scales = np.load(self.folder / "scales.npy", allow_pickle=False)
        except FileNotFoundError:
            return empty
        except (OSError, ValueError) as exc:
            log.warning("vector cache %s unreadable (%s); embedding again", self.folder, exc)
            return empty
        if (
            keys.dtype != KEY_DTYPE
            or values.dtype != np.int8
            or not keys.shape[0] == values.shape[0] == scales.shape[0]
        ):
            log.warning("vector cache %s is inconsistent; embedding again", self.folder)
            return empty
        return keys, Quantised(values, scales)

    def _write(self, keys: npt.NDArray[np.bytes_], vectors: Quantised) -> None:
        """Save exactly the texts in use now (so the cache never grows past the knowledge base)."""
        if self.folder is None:
            return
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        keep = np.ones(keys.size, dtype=bool)
        keep[1:] = keys[1:] != keys[:-1]
        chosen = order[keep]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # vectors first, keys last: a reader that sees new keys also sees their vectors
            _save_atomic(self.folder / "vectors.npy", vectors.values[chosen])
            _save_atomic(self.folder / "scales.npy", vectors.scales[chosen])
            _save_atomic(self.folder / "keys.npy", keys[keep])
        except OSError as exc:
            log.warning("vector cache %s not written (%s); vectors kept in memory only", self.folder, exc)


def _rows_of(
    unique: dict[bytes, int], keys: npt.NDArray[np.bytes_], missing: npt.NDArray[np.intp]
) -> npt.NDArray[np.int64]:
    position = {k: r for r, k in enumerate(unique)}
    return np.array([position[bytes(keys[n])] for n in missing.tolist()], dtype=np.int64)


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
