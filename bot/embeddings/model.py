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
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from queue import Empty, SimpleQueue
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
        self._helper_count = helpers
        self._helping = threading.Lock()
        """Held by the question whose batches the helpers are running: when questions arrive together (a busy
        web process), the others run their batches in their own threads, as the cores are taken anyway."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors for ``texts``, in order. Batches group texts of similar length to keep padding small
        (``BATCH_TOKENS``, ``PADDING_RATIO``)."""
        return self.start(texts).result()

    def start(self, texts: Sequence[str]) -> Embedding:
        """Start embedding a question's readings: the helper threads begin on its batches at once, so the caller
        can do other work (the lexical ranking) before it asks for ``Embedding.result``, which runs what is left.
        A bulk job (an evidence base) runs one batch at a time in ``result``, so its memory stays flat."""
        # a question's few readings are tokenised in this thread: waking the tokenizer's thread pool for
        # them cost more than the work (milliseconds on a busy machine); the encodings are the same
        if len(texts) <= SMALL_BATCH:
            encodings = [self._tokenizer.encode(text) for text in texts]
        else:
            encodings = self._tokenizer.encode_batch(list(texts))
        lengths = [len(e.ids) for e in encodings]
        batches = _batches(lengths)
        queue: SimpleQueue[list[int]] = SimpleQueue()
        for batch in sorted(batches, key=lambda b: -len(b) * max(lengths[n] for n in b)):  # the most work first
            queue.put(batch)
        embedding = Embedding(self._run, encodings, queue, len(texts))
        helpers = self._helpers
        if helpers is not None and len(texts) <= SMALL_BATCH and len(batches) > 1 and self._helping.acquire(False):
            count = min(self._helper_count, len(batches) - 1)
            embedding.helped([helpers.submit(embedding.drain) for _ in range(count)], self._helping.release)
        return embedding

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


class Embedding:
    """A question's readings being embedded: the batches wait in one queue, the most work first, and whichever
    thread is free takes the next (the helpers from the start, the caller when it asks for the ``result``).
    Sharing one queue balances the batches between threads; the batches themselves, and so every vector, are
    the same whichever thread runs them."""

    def __init__(
        self,
        run: Callable[[Sequence[Encoding], list[int]], Vectors],
        encodings: Sequence[Encoding],
        queue: SimpleQueue[list[int]],
        count: int,
    ) -> None:
        self._run = run
        self._encodings = encodings
        self._queue = queue
        self._out = np.zeros((count, DIMENSIONS), dtype=np.float32)
        self._helpers: list[Future[None]] = []

    def helped(self, futures: list[Future[None]], free: Callable[[], None]) -> None:
        """Note the helpers working on this queue; ``free`` is called once all of them are done (so the helpers
        are released even if the caller never asks for the result)."""
        self._helpers = futures
        left = [len(futures)]
        guard = threading.Lock()

        def done(_: Future[None]) -> None:
            with guard:
                left[0] -= 1
                last = left[0] == 0
            if last:
                free()

        for future in futures:
            future.add_done_callback(done)

    def drain(self) -> None:
        """Run batches from the queue into their rows until it is empty."""
        while True:
            try:
                batch = self._queue.get_nowait()
            except Empty:
                return
            self._out[batch] = self._run(self._encodings, batch)

    def result(self) -> Vectors:
        """The vectors, in the order of the texts: runs the batches no helper has taken, then waits for the
        helpers' (and raises what they raised)."""
        self.drain()
        for future in self._helpers:
            future.result()
        return self._out


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
