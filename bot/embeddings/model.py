"""The bundled sentence-embedding model: all-MiniLM-L6-v2, exported to ONNX and quantised to int8.

``data/model/`` holds ``model.onnx`` (encoder + mean pooling + L2 normalisation in one graph),
``tokenizer.json`` (the model's own WordPiece tokenizer), their ``SHA256SUMS``, the Apache-2.0 ``LICENSE``
and a ``NOTICE`` of credits and changes; ``scripts/make-sentence-model`` rebuilds them. The files are
checked against ``SHA256SUMS`` before loading, so a truncated or altered model fails with one clear line
instead of giving quietly wrong answers.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.errors import ModelError

if TYPE_CHECKING:
    from tokenizers import Encoding

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "model"
DIMENSIONS = 384
MAX_TOKENS = 128
"""Longest input read, in word pieces (about 90 words). Items' long texts are read sentence by sentence
elsewhere; a title plus summary beyond this adds little to what the opening says."""
BATCH_TOKENS = 4096
"""Texts are embedded in batches of similar length holding at most this many word pieces, so memory stays
flat whatever the number of texts (one padded batch of 32 long texts took 550-900 MB)."""

PADDING_RATIO = 1.5
"""A batch holds texts at most this many times as long as its shortest (in word pieces). Every text in a batch is
padded to the longest, and the model's work grows with the padded width: a chatty question's short sentences
read in one batch with the whole message cost up to three times as much as in a batch of their own."""
SMALL_BATCH = 16
"""Up to this many texts (a question's readings) are tokenised without the tokenizer's thread pool, and their
batches run side by side on the machine's cores (``_helpers``)."""
MAX_HELPERS = 3
"""Threads that run a question's further batches beside the calling thread (at most one fewer than the cores)."""

Vectors = npt.NDArray[np.float32]


class Encoder:
    """Texts in, unit-length float32 vectors out (one row per text)."""

    def __init__(self, model_dir: Path = MODEL_DIR, *, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.digest = verify(model_dir)
        """sha256 of model.onnx and tokenizer.json together: cached vectors are keyed by it."""
        try:
            self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            self._tokenizer.no_padding()  # the file pads to a fixed width; batches are padded here instead
            self._tokenizer.enable_truncation(MAX_TOKENS)
            options = onnxruntime.SessionOptions()
            # One thread, no spinning: a web process answers many questions at once on few cores, and ORT's
            # default pool spins its idle threads, which starved the event loop under load (bench.load).
            options.intra_op_num_threads = threads or 1
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.log_severity_level = 3
            options.enable_cpu_mem_arena = False  # the arena keeps its largest batch's memory for good
            self._session = onnxruntime.InferenceSession(
                str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime and tokenizers raise their own exception types
            raise ModelError(f"{model_dir}: the sentence model could not be loaded ({exc})") from None
        helpers = min(MAX_HELPERS, _cores() - 1)
        self._helpers = ThreadPoolExecutor(helpers, thread_name_prefix="embed") if helpers > 0 else None
        """A long chatty question is read several ways in batches of similar length (``PADDING_RATIO``); with
        one model thread per batch (see above), the batches run side by side on a machine with cores to spare:
        on two cores, p95 of the model's time per practitioner question fell from about 9.4 to 6.4 ms. Bulk
        embedding (an evidence base) stays one batch at a time, so its memory stays flat."""
        self._helping = threading.Lock()
        """Held by the question whose batches the helpers are running: when questions arrive together (a busy
        web process), the others run their batches in their own threads, as the cores are taken anyway."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors for ``texts``, in order. Batches group texts of similar length to keep padding small
        (``BATCH_TOKENS``, ``PADDING_RATIO``)."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        # a question's few readings are tokenised in this thread: waking the tokenizer's thread pool for
        # them cost more than the work (milliseconds on a busy machine); the encodings are the same
        if len(texts) <= SMALL_BATCH:
            encodings = [self._tokenizer.encode(text) for text in texts]
        else:
            encodings = self._tokenizer.encode_batch(list(texts))
        batches = _batches([len(e.ids) for e in encodings])
        helpers = self._helpers
        if helpers is not None and len(texts) <= SMALL_BATCH and len(batches) > 1 and self._helping.acquire(False):
            try:  # the helpers take the shorter batches, this thread the longest
                shorter = [helpers.submit(self._run, encodings, batch) for batch in batches[:-1]]
                out[batches[-1]] = self._run(encodings, batches[-1])
                for batch, future in zip(batches[:-1], shorter, strict=True):
                    out[batch] = future.result()
            finally:
                self._helping.release()
        else:
            for batch in batches:
                out[batch] = self._run(encodings, batch)
        return out

    def _run(self, encodings: Sequence[Encoding], batch: list[int]) -> Vectors:
        """The model over one batch of texts, padded to its longest."""
        width = max(len(encodings[n].ids) for n in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, n in enumerate(batch):
            piece = encodings[n].ids
            ids[row, : len(piece)] = piece
            mask[row, : len(piece)] = 1
        vectors: Vectors = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return vectors

    def embed_one(self, text: str) -> Vectors:
        """One text's vector (1-D)."""
        vector: Vectors = self.embed([text])[0]
        return vector


def _batches(lengths: Sequence[int]) -> list[list[int]]:
    """Texts (by their length in word pieces) grouped into batches of similar length: shortest first, each
    batch at most ``BATCH_TOKENS`` padded word pieces and ``PADDING_RATIO`` times its shortest text."""
    order = sorted(range(len(lengths)), key=lambda n: lengths[n])
    batches: list[list[int]] = []
    start = 0
    while start < len(order):
        shortest = longest = lengths[order[start]]
        end = start
        while end < len(order):
            longest = max(longest, lengths[order[end]])
            if (end - start + 1) * longest > BATCH_TOKENS or longest > PADDING_RATIO * shortest:
                break
            end += 1
        end = max(end, start + 1)
        batches.append(order[start:end])
        start = end
    return batches


def _cores() -> int:
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def verify(model_dir: Path) -> str:
    """Check the model files against ``SHA256SUMS``; returns their combined digest. Raises ``ModelError``."""
    sums_file = model_dir / "SHA256SUMS"
    try:
        lines = sums_file.read_text(encoding="utf-8").split("\n")
    except OSError:
        raise ModelError(f"{sums_file}: missing; reinstall the package or run scripts/make-sentence-model") from None
    combined = hashlib.sha256()
    for line in filter(None, (ln.strip() for ln in lines)):
        expected, name = line.split(maxsplit=1)
        path = model_dir / name
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            raise ModelError(f"{path}: missing; reinstall the package or run scripts/make-sentence-model") from None
        if digest != expected:
            raise ModelError(f"{path}: corrupt (sha256 does not match SHA256SUMS); reinstall the package")
        combined.update(digest.encode())
    return combined.hexdigest()


@cache
def load_encoder(model_dir: Path = MODEL_DIR) -> Encoder:
    """The encoder, loaded once per process on first use (about 0.3 s) and shared by every reload."""
    return Encoder(model_dir)
