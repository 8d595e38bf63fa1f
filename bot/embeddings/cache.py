"""Item vectors kept on disk between runs, keyed by the model's digest and each text's hash.

A restart or a hot reload embeds only texts it has not seen with this model; everything else is read back.
One folder per model digest holds ``keys.npy`` (sorted 16-byte BLAKE2b hashes of the texts) and
``vectors.npy`` (float16, one row per key: half the disk of float32, and the rounding changes cosines by
less than 0.001). Files are replaced atomically, so two processes sharing a cache folder never read a
half-written one; if the folder cannot be written, vectors are simply kept in memory for this run.

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
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

KEY_DTYPE = np.dtype("S16")
MEMORY_LIMIT = 20_000


@cache
def _memory(model_digest: str) -> OrderedDict[bytes, npt.NDArray[np.float32]]:
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

    def vectors(
        self, texts: Sequence[str], embed: Callable[[Sequence[str]], npt.NDArray[np.float32]], dims: int
    ) -> npt.NDArray[np.float32]:
        """One float32 row per text, in order; texts missing from the cache are embedded with ``embed``."""
        if self.folder is None:
            return self._vectors_in_memory(texts, embed, dims)
        keys = np.array([text_key(t) for t in texts], dtype=KEY_DTYPE)
        known_keys, known = self._read()
        out = np.zeros((len(texts), dims), dtype=np.float32)
        found = np.zeros(len(texts), dtype=bool)
        if known_keys.size:
            at = np.searchsorted(known_keys, keys)
            at[at >= known_keys.size] = 0
            found = known_keys[at] == keys
            out[found] = known[at[found]].astype(np.float32)
        missing = np.flatnonzero(~found)
        # Each distinct missing text is embedded once, however many items share it.
        unique: dict[bytes, int] = {}
        for n in missing.tolist():
            unique.setdefault(bytes(keys[n]), n)
        self.embedded = len(unique)
        if unique:
            fresh = embed([texts[n] for n in unique.values()])
            row_of = {k: r for r, k in enumerate(unique)}
            for n in missing.tolist():
                out[n] = fresh[row_of[bytes(keys[n])]]
            self._write(keys, out)
        return out

    def _vectors_in_memory(
        self, texts: Sequence[str], embed: Callable[[Sequence[str]], npt.NDArray[np.float32]], dims: int
    ) -> npt.NDArray[np.float32]:
        memory = _memory(self._digest)
        keys = [text_key(t) for t in texts]
        missing = {k: n for n, k in enumerate(keys) if k not in memory}
        self.embedded = len(missing)
        fresh = embed([texts[n] for n in missing.values()]) if missing else np.zeros((0, dims), np.float32)
        for row, key in enumerate(missing):
            memory[key] = fresh[row]
        out = np.zeros((len(texts), dims), dtype=np.float32)
        for n, key in enumerate(keys):
            out[n] = memory[key]
            memory.move_to_end(key)
        while len(memory) > MEMORY_LIMIT:
            memory.popitem(last=False)
        return out

    def _read(self) -> tuple[npt.NDArray[np.bytes_], npt.NDArray[np.float16]]:
        empty = (np.zeros(0, dtype=KEY_DTYPE), np.zeros((0, 0), dtype=np.float16))
        if self.folder is None:
            return empty
        try:
            keys = np.load(self.folder / "keys.npy", allow_pickle=False)
            vectors = np.load(self.folder / "vectors.npy", allow_pickle=False)
        except FileNotFoundError:
            return empty
        except (OSError, ValueError) as exc:
            log.warning("vector cache %s unreadable (%s); embedding again", self.folder, exc)
            return empty
        if keys.dtype != KEY_DTYPE or keys.shape[0] != vectors.shape[0]:
            log.warning("vector cache %s is inconsistent; embedding again", self.folder)
            return empty
        return keys, vectors

    def _write(self, keys: npt.NDArray[np.bytes_], vectors: npt.NDArray[np.float32]) -> None:
        """Save exactly the texts in use now (so the cache never grows past the knowledge base)."""
        if self.folder is None:
            return
        order = np.argsort(keys, kind="stable")
        keys, vectors = keys[order], vectors[order]
        keep = np.ones(keys.size, dtype=bool)
        keep[1:] = keys[1:] != keys[:-1]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # vectors first, keys last: a reader that sees new keys also sees their vectors
            _save_atomic(self.folder / "vectors.npy", vectors[keep].astype(np.float16))
            _save_atomic(self.folder / "keys.npy", keys[keep])
        except OSError as exc:
            log.warning("vector cache %s not written (%s); vectors kept in memory only", self.folder, exc)


def _save_atomic(path: Path, array: npt.NDArray[np.generic]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
