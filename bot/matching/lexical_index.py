"""What the lexical engine reads in each item, kept item by item and on disk between runs.

Reading an item's texts (Unicode clean-up, words, stems, glossary forms) is most of the lexical engine's
start-up: about 80 % of it for a 100k-item base. What it yields for one item depends only on the item's
texts, the glossary and the reading code, so it is kept per item (``Entries``), keyed by a hash of those
(``item_keys``), and saved in the vector cache folder as ``lexical/entries.npz``. A restart reads it back
and only builds the postings (vectorised, ``LexicalEngine``); a knowledge edit re-reads only the items whose
texts changed, and a changed item never matches its old key. Without a folder, the last entries built in
this process are remembered (for bases up to ``MEMORY_LIMIT`` items), so a hot reload still re-reads only
what changed.

The file is a NumPy ``.npz`` of plain arrays (read with ``allow_pickle=False``) with its strings as UTF-8
JSON; it is replaced atomically. A missing, unreadable or inconsistent file only costs time: the items are
read again (with a warning in the log) and the file rewritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

FORMAT = 1
"""Bumped when the file's layout changes."""
FILE = Path("lexical") / "entries.npz"
MEMORY_LIMIT = 20_000
"""Without a cache folder, the last entries built are remembered for bases up to this many items."""
KEY_DTYPE = np.dtype("S16")
CODE_FILES = (
    "text.py",
    "glossary.py",
    "english.py",
    "matching/lexical.py",
    "matching/lexical_index.py",
    "data/english_frequency.tsv",
    "data/english_words.txt",
    "data/british_chat_words.txt",
    "data/place_names.txt",
)
"""The reading code and the word lists it consults (the glossary reads a plural in lower case as an acronym only
when it is no English word): an edit to any of these makes every cached entry stale."""

Int = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ItemEntry:
    """What the lexical engine reads in one item."""

    terms: dict[str, int]
    """Term -> code of the best field it appears in (``lexical._FIELD_CODES``), in order of first use."""
    words: dict[str, int]
    """Word -> how often it is written in the item, for the words typo correction can aim at."""
    phrases: list[tuple[int, str]]
    """(source, canonical phrase): source 0 is the title, n > 0 the n-th example question."""


@dataclass(frozen=True, slots=True)
class Entries:
    """``ItemEntry`` of many items, flattened item after item (``*_starts`` has one more row than items)."""

    keys: npt.NDArray[np.bytes_]
    terms: list[str]
    term_ids: npt.NDArray[np.int32]
    codes: npt.NDArray[np.int8]
    term_starts: Int
    words: list[str]
    word_ids: npt.NDArray[np.int32]
    word_counts: npt.NDArray[np.int32]
    word_starts: Int
    phrases: list[str]
    phrase_sources: npt.NDArray[np.int16]
    phrase_starts: Int

    def __len__(self) -> int:
        return int(self.keys.shape[0])


_remembered: list[Entries] = []


def fingerprint(glossary_entries: Sequence[object]) -> bytes:
    """A digest of everything an item's entry depends on besides its own texts."""
    try:
        stemmer = metadata.version("PyStemmer")
    except metadata.PackageNotFoundError:
        stemmer = "unknown"
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"format {FORMAT}; PyStemmer {stemmer}\n".encode())
    root = Path(__file__).resolve().parent.parent
    for name in CODE_FILES:
        try:
            digest.update((root / name).read_bytes())
        except OSError:  # an installation without sources: the format alone must do
            digest.update(name.encode())
    digest.update(repr(tuple(glossary_entries)).encode("utf-8", "surrogatepass"))
    return digest.digest()


def item_keys(fields: Sequence[Sequence[Sequence[str]]], base: bytes) -> npt.NDArray[np.bytes_]:
    """One key per item from its field texts (``fields[n]`` lists item n's fields, each a list of texts)."""
    keys = np.empty(len(fields), dtype=KEY_DTYPE)
    for n, texts in enumerate(fields):
        digest = hashlib.blake2b(base, digest_size=16)
        digest.update(json.dumps(texts, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        keys[n] = digest.digest()
    return keys


def entries_for(
    keys: npt.NDArray[np.bytes_],
    read: Callable[[int], ItemEntry],
    folder: Path | None,
    question_counts: Sequence[int],
) -> tuple[Entries, int]:
    """Entries of every item (``keys`` in item order), from the cache where possible; ``read(n)`` reads item n.
    Returns the entries and how many items had to be read."""
    cached = _read(folder / FILE) if folder is not None else (_remembered[0] if _remembered else None)
    entries, fresh = _assemble(keys, cached, read, question_counts)
    if folder is not None:
        if fresh or cached is None or len(cached) != len(entries) or not np.array_equal(cached.keys, entries.keys):
            _write(folder / FILE, entries)
    else:
        _remembered[:] = [entries] if len(entries) <= MEMORY_LIMIT else []
    return entries, fresh


def _intern(value: str, ids: dict[str, int], values: list[str]) -> int:
    """``value``'s number in ``values``, appended (and numbered) the first time it is seen."""
    found = ids.get(value)
    if found is None:
        found = ids[value] = len(values)
        values.append(value)
    return found


def _segments(starts: Int, chosen: Int) -> Int:
    """Row numbers of the chosen items' segments, item after item."""
    counts = starts[chosen + 1] - starts[chosen]
    offsets = np.zeros(chosen.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    return np.repeat(starts[chosen] - offsets, counts) + np.arange(int(counts.sum()), dtype=np.int64)


def _assemble(
    keys: npt.NDArray[np.bytes_],
    cached: Entries | None,
    read: Callable[[int], ItemEntry],
    question_counts: Sequence[int],
) -> tuple[Entries, int]:
    count = keys.shape[0]
    source = np.full(count, -1, dtype=np.int64)
    if cached is not None and len(cached):
        if len(cached) == count and np.array_equal(cached.keys, keys):
            source = np.arange(count, dtype=np.int64)  # the usual restart: the same items in the same order
        else:
            order = np.argsort(cached.keys, kind="stable")
            where = np.searchsorted(cached.keys, keys, sorter=order)
            where[where >= order.size] = 0
            hit = cached.keys[order[where]] == keys
            source[hit] = order[where[hit]]
        # an entry naming an example question the item does not have is damage, not a cached reading
        known = np.flatnonzero(source >= 0)
        if known.size:
            most = np.asarray(question_counts, dtype=np.int64)[known]
            phrase_owner = np.repeat(known, np.diff(cached.phrase_starts)[source[known]])
            rows = _segments(cached.phrase_starts, source[known])
            bad = cached.phrase_sources[rows] > np.repeat(most, np.diff(cached.phrase_starts)[source[known]])
            source[np.unique(phrase_owner[bad])] = -1
    missing = np.flatnonzero(source < 0).tolist()
    fresh = {n: read(n) for n in missing}
    if not fresh and cached is not None and len(cached) == count and np.array_equal(source, np.arange(count)):
        return cached, 0
    terms = list(cached.terms) if cached is not None else []
    words = list(cached.words) if cached is not None else []
    term_id = {t: n for n, t in enumerate(terms)} if fresh else {}
    word_id = {w: n for n, w in enumerate(words)} if fresh else {}

    def counts_of(kind: str) -> Int:
        out = np.zeros(count, dtype=np.int64)
        if cached is not None:
            hit = source >= 0
            starts = getattr(cached, f"{kind}_starts")
            out[hit] = np.diff(starts)[source[hit]]
        for n, entry in fresh.items():
            out[n] = len(getattr(entry, kind + "s"))
        return out

    def starts_of(counts: Int) -> Int:
        starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        return starts

    term_starts, word_starts, phrase_starts = (starts_of(counts_of(k)) for k in ("term", "word", "phrase"))
    term_ids = np.empty(int(term_starts[-1]), dtype=np.int32)
    codes = np.empty(term_ids.size, dtype=np.int8)
    word_ids = np.empty(int(word_starts[-1]), dtype=np.int32)
    word_counts = np.empty(word_ids.size, dtype=np.int32)
    phrase_sources = np.empty(int(phrase_starts[-1]), dtype=np.int16)
    phrases: list[str] = [""] * phrase_sources.size
    hit = np.flatnonzero(source >= 0)
    if cached is not None and hit.size:
        src = source[hit]
        to, fro = _segments(term_starts, hit), _segments(cached.term_starts, src)
        term_ids[to], codes[to] = cached.term_ids[fro], cached.codes[fro]
        to, fro = _segments(word_starts, hit), _segments(cached.word_starts, src)
        word_ids[to], word_counts[to] = cached.word_ids[fro], cached.word_counts[fro]
        to, fro = _segments(phrase_starts, hit), _segments(cached.phrase_starts, src)
        phrase_sources[to] = cached.phrase_sources[fro]
        for t, f in zip(to.tolist(), fro.tolist(), strict=True):
            phrases[t] = cached.phrases[f]
    for n, entry in fresh.items():
        at = int(term_starts[n])
        for k, (term, code) in enumerate(entry.terms.items()):
            term_ids[at + k], codes[at + k] = _intern(term, term_id, terms), code
        at = int(word_starts[n])
        for k, (word, times) in enumerate(entry.words.items()):
            word_ids[at + k], word_counts[at + k] = _intern(word, word_id, words), times
        at = int(phrase_starts[n])
        for k, (kind, phrase) in enumerate(entry.phrases):
            phrase_sources[at + k] = kind
            phrases[at + k] = phrase
    terms, term_ids = _compact(terms, term_ids)
    words, word_ids = _compact(words, word_ids)
    entries = Entries(
        keys.copy(),
        terms,
        term_ids,
        codes,
        term_starts,
        words,
        word_ids,
        word_counts,
        word_starts,
        phrases,
        phrase_sources,
        phrase_starts,
    )
    return entries, len(fresh)


def _compact(names: list[str], ids: npt.NDArray[np.int32]) -> tuple[list[str], npt.NDArray[np.int32]]:
    """Drop names no row uses any more (items removed or edited), renumbering the rows."""
    used = np.bincount(ids, minlength=len(names)) > 0 if ids.size else np.zeros(len(names), dtype=bool)
    if used.all():
        return names, ids
    renumber = np.cumsum(used, dtype=np.int64) - 1
    kept = [name for name, keep in zip(names, used.tolist(), strict=True) if keep]
    return kept, renumber[ids].astype(np.int32)


# --- the file ------------------------------------------------------------------------------------------

_ARRAYS = {
    "keys": KEY_DTYPE,
    "term_ids": np.dtype(np.int32),
    "codes": np.dtype(np.int8),
    "term_starts": np.dtype(np.int64),
    "word_ids": np.dtype(np.int32),
    "word_counts": np.dtype(np.int32),
    "word_starts": np.dtype(np.int64),
    "phrase_sources": np.dtype(np.int16),
    "phrase_starts": np.dtype(np.int64),
}


def _read(path: Path) -> Entries | None:
    """The entries saved at ``path``, or None (missing, unreadable or inconsistent: logged, never raised)."""
    try:
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
            arrays = {name: data[name] for name in _ARRAYS}
            fmt = int(data["format"])
            strings = json.loads(data["strings"].tobytes().decode("ascii"))
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged zip, array or JSON raises many kinds of error; all mean "read again"
        log.warning("lexical index cache %s unreadable (%r); reading every item again", path, exc)
        return None
    problem = _inconsistency(arrays, strings, fmt)
    if problem:
        log.warning("lexical index cache %s is inconsistent (%s); reading every item again", path, problem)
        return None
    return Entries(
        keys=arrays["keys"],
        terms=strings["terms"],
        term_ids=arrays["term_ids"],
        codes=arrays["codes"],
        term_starts=arrays["term_starts"],
        words=strings["words"],
        word_ids=arrays["word_ids"],
        word_counts=arrays["word_counts"],
        word_starts=arrays["word_starts"],
        phrases=strings["phrases"],
        phrase_sources=arrays["phrase_sources"],
        phrase_starts=arrays["phrase_starts"],
    )


def _inconsistency(arrays: dict[str, npt.NDArray[np.generic]], strings: object, fmt: int) -> str:
    """Why the arrays and strings read cannot be a saved ``Entries`` (an empty string when they can)."""
    if fmt != FORMAT:
        return f"format {fmt}, not {FORMAT}"
    if not isinstance(strings, dict) or not all(
        isinstance(strings.get(k), list) and all(isinstance(s, str) for s in strings[k])
        for k in ("terms", "words", "phrases")
    ):
        return "strings"
    for name, dtype in _ARRAYS.items():
        if arrays[name].dtype != dtype or arrays[name].ndim != 1:
            return f"{name} is not one row of {dtype}"
    count = arrays["keys"].shape[0]
    for kind, rows, vocab in (
        ("term", ("term_ids", "codes"), len(strings["terms"])),
        ("word", ("word_ids", "word_counts"), len(strings["words"])),
        ("phrase", ("phrase_sources",), len(strings["phrases"])),
    ):
        starts = arrays[f"{kind}_starts"]
        size = arrays[rows[0]].shape[0]
        if starts.shape[0] != count + 1 or starts[0] != 0 or starts[-1] != size or np.any(np.diff(starts) < 0):
            return f"{kind}_starts"
        if any(arrays[r].shape[0] != size for r in rows):
            return f"{kind} rows"
        ids = arrays[rows[0]]
        if kind != "phrase" and ids.size and (ids.min() < 0 or ids.max() >= vocab):
            return f"{kind} ids"
        if kind == "phrase" and (vocab != size or (ids.size and ids.min() < 0)):
            return "phrases"
    codes = arrays["codes"]
    if codes.size and (codes.min() < 0 or codes.max() > 4):
        return "field codes"
    return ""


def _write(path: Path, entries: Entries) -> None:
    """Save ``entries`` atomically; a folder that cannot be written only costs the next start-up time."""
    strings = {"terms": entries.terms, "words": entries.words, "phrases": entries.phrases}
    encoded = json.dumps(strings).encode("ascii")  # non-ASCII characters as JSON escapes
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    format=np.int64(FORMAT),
                    strings=np.frombuffer(encoded, dtype=np.uint8),
                    **{name: getattr(entries, name) for name in _ARRAYS},
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("lexical index cache %s not written (%s); items will be read again next time", path, exc)
