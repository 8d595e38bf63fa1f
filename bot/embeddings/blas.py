"""numpy's BLAS on one thread for a question's small matrix products.

OpenBLAS splits even a small product (a question's readings against a thousand item vectors) across every
core, and its threads then spin for a while waiting for more work. On a two-core machine they took the core
the sentence model's second batch runs on (``model.Encoder``): p95 per practitioner question was 17 ms with
BLAS on two threads and 12 ms on one (121 items, ``bench``). A large product (a 100k-item base's
centroids, tens of milliseconds) still uses every core.

The limit is process-wide while it is held (that is how BLAS libraries work): a question answered at the same
time in another thread may run a small product on one thread too, or a large one on the default threads;
both give the same numbers.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    """The native thread pools loaded in this process, found once (a few milliseconds)."""
    return ThreadpoolController()


def one_thread() -> AbstractContextManager[object]:
    """A context in which BLAS runs on one thread (about 6 microseconds to enter and leave)."""
    limited: AbstractContextManager[object] = _controller().limit(limits=1, user_api="blas")
    return limited
