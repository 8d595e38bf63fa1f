"""Hot reload: notice edits to the knowledge directory or glossary and swap in the new index.

Polling (every ``interval`` seconds) rather than inotify, so it behaves the same on a laptop, in a container
and on a network share where curators' edits land by ``git pull``. A change is reloaded once the files have
stopped changing for ``settle`` seconds, so a half-written file is not read mid-save (and if it is, the
reload fails cleanly and the next change tries again). ``Runtime.reload`` keeps the last good index when
the new one is broken; the whole cycle takes well under two seconds with the defaults.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from bot.runtime import Runtime

log = logging.getLogger(__name__)

Snapshot = frozenset[tuple[str, int, int]]


def snapshot(knowledge_dir: Path, glossary: Path | None) -> Snapshot:
    """(path, modification time, size) of every YAML file that makes up the evidence."""
    entries: set[tuple[str, int, int]] = set()
    paths = list(knowledge_dir.rglob("*.yaml")) + list(knowledge_dir.rglob("*.yml")) if knowledge_dir.is_dir() else []
    if glossary is not None:
        paths.append(glossary)
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue  # deleted between listing and stat: the next poll sees it gone
        entries.add((os.fspath(path), stat.st_mtime_ns, stat.st_size))
    return frozenset(entries)


class KnowledgeWatcher:
    """Background thread that reloads ``runtime`` when its knowledge files change."""

    def __init__(self, runtime: Runtime, *, interval: float = 0.5, settle: float = 0.3) -> None:
        self.runtime = runtime
        self.interval = interval
        self.settle = settle
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen = self._snapshot()

    def _snapshot(self) -> Snapshot:
        settings = self.runtime.settings
        return snapshot(Path(settings.knowledge_dir), Path(settings.glossary_path))

    def start(self) -> KnowledgeWatcher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="knowledge-watcher", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def check(self) -> bool:
        """Reload if the files changed and have settled; True when a reload was attempted."""
        current = self._snapshot()
        if current == self._seen:
            return False
        while not self._stop.wait(self.settle):
            settled = self._snapshot()
            if settled == current:
                break
            current = settled
        self._seen = current
        self.runtime.reload()
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # never let the watcher die: the bot keeps serving the last good index
                log.exception("knowledge watcher failed; will try again")
