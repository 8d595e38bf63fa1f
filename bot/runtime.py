"""A running bot: settings, the current evidence library, the conversation and the store, held together.

Every face of the bot (console, Slack, Teams, the web process) starts one ``Runtime`` and talks to
``runtime.conversation``; questions, feedback and shares are recorded in ``runtime.store`` the same way on
every surface, and each conversation's state is kept there too, so instances sharing a store continue each
other's conversations. ``reload()`` swaps in a freshly built library only when it loaded cleanly, so a broken edit
never replaces the last good index, and each answer reads one complete index.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.conversation import Conversation
from bot.errors import BotError
from bot.library import Library, library_from_settings
from bot.store import Store, open_store

if TYPE_CHECKING:
    from bot.watch import KnowledgeWatcher

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 24 * 3600
"""Old rows are deleted at start-up and then once a day."""


@dataclass
class ReloadStatus:
    """How the last (re)load of the knowledge went, for ``/healthz`` and the log."""

    ok: bool = True
    error: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    items: int = 0


def first_problem(exc: BotError) -> str:
    """One line for the log or the terminal: the first problem (file, line, field), and how many more."""
    problems = getattr(exc, "problems", None) or []
    lines = str(exc).splitlines()
    first = str(problems[0]) if problems else (lines[0] if lines else type(exc).__name__)
    return f"{first} (and {len(problems) - 1} more)" if len(problems) > 1 else first


class Runtime:
    def __init__(self, settings: Settings, library: Library, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._library = library
        self.conversation = Conversation(
            library.engine, research_lead=settings.research_lead, limit=settings.limit, recorder=store, state=store
        )
        self.reload_status = ReloadStatus(items=len(library.kb.items))
        self._reload_lock = threading.Lock()
        self._stop = threading.Event()
        self._purger: threading.Thread | None = None
        self._watcher: KnowledgeWatcher | None = None

    @classmethod
    def start(cls, settings: Settings | None = None, *, purge_daily: bool = False, watch: bool = False) -> Runtime:
        """Load the evidence (raising ``KnowledgeError`` on broken files) and open the store (purging old rows).

        Servers pass ``purge_daily`` (retention while running) and ``watch`` (hot reload of knowledge edits).
        """
        settings = settings or Settings.from_env()
        library = library_from_settings(settings)
        store = open_store(settings.database_url, salt=settings.hash_salt, retention_days=settings.retention_days)
        runtime = cls(settings, library, store)
        if purge_daily:
            runtime.start_daily_purge()
        if watch:
            from bot.watch import KnowledgeWatcher

            runtime._watcher = KnowledgeWatcher(runtime).start()
        return runtime

    @property
    def library(self) -> Library:
        return self._library

    def claim(self, surface: str, event_id: str | None) -> bool:
        """True the first time a platform event id is seen by any instance sharing this store."""
        return True if not event_id else self.store.claim_event(surface, event_id)

    def reload(self) -> ReloadStatus:
        """Rebuild the library from disk; swap it in only if it loaded cleanly."""
        with self._reload_lock:
            try:
                library = library_from_settings(self.settings)
            except BotError as exc:
                first_line = first_problem(exc)
                log.error("knowledge reload failed, still serving the last good version: %s", first_line)
                self.reload_status = ReloadStatus(ok=False, error=first_line, items=len(self._library.kb.items))
                return self.reload_status
            self._library = library
            self.conversation.engine = library.engine
            self.reload_status = ReloadStatus(items=len(library.kb.items))
            log.info("knowledge reloaded: %d items in %.2f s", len(library.kb.items), library.load_seconds)
            return self.reload_status

    def start_daily_purge(self, interval: float = PURGE_INTERVAL_SECONDS) -> None:
        """Delete rows past ``BOT_RETENTION_DAYS`` once per ``interval`` in a background thread."""
        if self._purger is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                removed = self.store.purge()
                log.info("retention: deleted %d rows older than %d days", removed, self.settings.retention_days)

        self._purger = threading.Thread(target=loop, name="retention", daemon=True)
        self._purger.start()

    def health(self) -> dict[str, object]:
        status, store_ok = self.reload_status, self.store.ping()
        return {
            "ok": status.ok and store_ok,
            "items": len(self._library.kb.items),
            "last_reload": {"ok": status.ok, "at": status.at.isoformat(timespec="seconds"), "error": status.error},
            "store": store_ok,
        }

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self._stop.set()
        if self._purger is not None:
            self._purger.join(timeout=5)
        self.store.close()
