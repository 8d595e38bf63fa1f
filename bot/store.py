"""The insights store: questions, feedback, "none of these" clicks, shares and claimed event ids, and each
conversation's state between messages (so any instance can answer a follow-up).

One setting, ``BOT_DATABASE_URL``, chooses the database; all SQL goes through SQLAlchemy Core so the same
code runs on SQLite (the default, one instance) and PostgreSQL (several instances sharing one store).

Privacy by design: question text and feedback reasons are redacted (``bot.redact``) before they are
written, user ids (and conversation or thread ids) are stored only as a salted HMAC, conversation state holds
item ids and the redacted question, and nothing here logs a question. Writes that a
platform may retry carry the platform's event id and are idempotent (``INSERT ... ON CONFLICT DO
NOTHING`` on a unique key). A failed write is logged and reported as ``None``/``False``; it never
breaks a conversation.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed row survives a killed process and a power
cut) and a busy timeout; writes open their transaction with ``BEGIN IMMEDIATE`` so concurrent writers
queue on the lock instead of failing with "database is locked".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.answer import Answer
from bot.errors import ConfigError
from bot.recording import STATE_HOURS
from bot.redact import redact
from bot.text import clean_unicode

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
"""1: questions, feedback, none_of_these, shares, events; 2: conversation_state; 3: digest_posts, known_items,
digest_channels."""
MAX_TEXT_CHARS = 2000
"""Stored question text and reasons are cut to this length (after redaction)."""
MIGRATION_LOCK = 0x45564944  # "EVID": the PostgreSQL advisory lock key held while migrating
EVENT_CLAIM_DAYS = 2
"""Claimed event ids are kept this long: Slack retries for minutes, Teams for seconds."""
BASELINE = datetime(1970, 1, 1, tzinfo=UTC)
"""``known_items.first_seen`` of the items that were there when the bot first recorded the evidence base."""
MAX_STATE_CHARS = 64_000
"""A conversation state longer than this is not saved (it is item ids and a short question: a few KB at most)."""

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
questions = Table(
    "questions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("asked_at", DateTime(timezone=True), nullable=False, index=True),
    Column("surface", String(16), nullable=False),
    Column("user_hash", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("top_item", String(200)),
    Column("top_score", Float),
    Column("event_id", String(200)),
    Index("uq_questions_event", "surface", "event_id", unique=True),
)
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("question_id", String(32)),
    Column("surface", String(16), nullable=False),
    Column("user_hash", String(64), nullable=False),
    Column("item_id", String(200), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("event_id", String(200)),
    Index("uq_feedback_event", "surface", "event_id", unique=True),
)
none_of_these = Table(
    "none_of_these",
    metadata,
    Column("question_id", String(32), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("surface", String(16), nullable=False),
    Column("user_hash", String(64), nullable=False),
)
shares = Table(
    "shares",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("surface", String(16), nullable=False),
    Column("user_hash", String(64), nullable=False),
    Column("item_id", String(200), nullable=False),
    Column("event_id", String(200)),
    Index("uq_shares_event", "surface", "event_id", unique=True),
)
events = Table(
    "events",
    metadata,
    Column("surface", String(16), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("claimed_at", DateTime(timezone=True), nullable=False, index=True),
)
conversation_state = Table(
    "conversation_state",
    metadata,
    Column("surface", String(16), primary_key=True),
    Column("thread_hash", String(64), primary_key=True),
    Column("user_hash", String(64), primary_key=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, index=True),
    Column("state", Text, nullable=False),
)
"""The last answer of each (surface, conversation or thread, user), for "more", numbers and typed feedback;
written by ``bot.conversation`` as JSON (item ids, scores, question id, redacted question). Expires after
``STATE_HOURS``."""
digest_posts = Table(
    "digest_posts",
    metadata,
    Column("week", String(10), primary_key=True),
    Column("target", String(64), primary_key=True),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
)
"""One row per digest week and channel (hashed): the first instance to insert it posts that week's digest."""
known_items = Table(
    "known_items",
    metadata,
    Column("item_id", String(200), primary_key=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
)
"""When each evidence item was first seen by the bot, so the digest can say what was added (not personal)."""
digest_channels = Table(
    "digest_channels",
    metadata,
    Column("surface", String(16), primary_key=True),
    Column("target", String(64), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("reference", Text, nullable=False),
)
"""Teams teams the app was added to: the conversation reference (JSON) the weekly digest is posted with."""
TIMESTAMPS = {questions: "asked_at", feedback: "at", none_of_these: "at", shares: "at"}


def safe_text(value: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Redacted, storable text: no NUL, no lone surrogate, no control characters, bounded length."""
    return redact(clean_unicode(value[: limit * 4]))[:limit]


def _key(value: str | None, limit: int = 200) -> str | None:
    """An id from a platform, made storable (ids are not personal, but may be hostile)."""
    if value is None:
        return None
    cleaned = clean_unicode(str(value))[:limit]
    return cleaned or None


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    id: str
    asked_at: datetime
    surface: str
    text: str
    outcome: str
    top_item: str | None
    top_score: float | None
    none_of_these: bool


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    at: datetime
    surface: str
    item_id: str
    helpful: bool
    reason: str
    question_text: str | None


class Store:
    """Implements ``bot.recording.Recorder`` over SQLAlchemy; safe to share between threads."""

    def __init__(self, url: str, *, salt: str = "", retention_days: int = 90) -> None:
        self.url = url
        self.retention_days = retention_days
        self.engine = _create_engine(url)
        self.dialect = self.engine.dialect.name
        try:
            migrate(self.engine)
            self._salt = (salt or self._stored_salt()).encode()
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise ConfigError(f"cannot open the store at {safe_url(url)}: {_reason(exc)}") from None

    # --- writing -----------------------------------------------------------------------------------

    def question(self, *, surface: str, user: str, answer: Answer, event_id: str | None = None) -> str | None:
        best = answer.best or (answer.suggestions[0] if answer.suggestions else None)
        row = {
            "id": uuid.uuid4().hex,
            "asked_at": now(),
            "surface": _key(surface, 16) or "unknown",
            "user_hash": self.user_hash(surface, user),
            "text": safe_text(answer.question),
            "outcome": answer.outcome,
            "top_item": best.item.id if best else None,
            "top_score": best.score if best else None,
            "event_id": _key(event_id),
        }
        try:
            with self._writing() as conn:
                inserted = self._insert_new(conn, questions, row, ["surface", "event_id"])
                if inserted or row["event_id"] is None:
                    return str(row["id"])
                found = conn.execute(
                    select(questions.c.id).where(
                        questions.c.surface == row["surface"], questions.c.event_id == row["event_id"]
                    )
                ).scalar_one_or_none()
                return str(found) if found else None
        except SQLAlchemyError as exc:
            log.error("could not record a question: %s", _reason(exc))
            return None

    def none_of_these(self, *, question_id: str, surface: str, user: str) -> bool:
        row = {
            "question_id": _key(question_id, 32),
            "at": now(),
            "surface": _key(surface, 16) or "unknown",
            "user_hash": self.user_hash(surface, user),
        }
        return self._write_once(none_of_these, row, ["question_id"], "a 'none of these' click")

    def feedback(
        self,
        *,
        question_id: str | None,
        item_id: str,
        helpful: bool,
        surface: str,
        user: str,
        reason: str = "",
        event_id: str | None = None,
    ) -> bool:
        row = {
            "at": now(),
            "question_id": _key(question_id, 32),
            "surface": _key(surface, 16) or "unknown",
            "user_hash": self.user_hash(surface, user),
            "item_id": _key(item_id) or "unknown",
            "helpful": bool(helpful),
            "reason": safe_text(reason) if reason else "",
            "event_id": _key(event_id),
        }
        return self._write_once(feedback, row, ["surface", "event_id"], "feedback")

    def share(self, *, item_id: str, surface: str, user: str, event_id: str | None = None) -> bool:
        row = {
            "at": now(),
            "surface": _key(surface, 16) or "unknown",
            "user_hash": self.user_hash(surface, user),
            "item_id": _key(item_id) or "unknown",
            "event_id": _key(event_id),
        }
        return self._write_once(shares, row, ["surface", "event_id"], "a share")

    def claim_event(self, surface: str, event_id: str) -> bool:
        """True for the first instance to claim this platform event id; False for any retry or rival.

        Atomic in the database, so several instances behind a load balancer never both answer. If the store
        cannot be reached the event is answered (a rare double answer beats silence).
        """
        row = {"surface": _key(surface, 16) or "unknown", "event_id": _key(event_id), "claimed_at": now()}
        if row["event_id"] is None:
            return True
        try:
            with self._writing() as conn:
                return self._insert_new(conn, events, row, ["surface", "event_id"])
        except SQLAlchemyError as exc:
            log.error("could not claim an event id (answering anyway): %s", _reason(exc))
            return True

    def load_state(self, *, surface: str, thread: str, user: str) -> str | None:
        """The conversation state saved for this thread and user in the last ``STATE_HOURS``, or None."""
        key = self._state_key(surface, thread, user)
        stmt = select(conversation_state.c.state).where(
            conversation_state.c.surface == key["surface"],
            conversation_state.c.thread_hash == key["thread_hash"],
            conversation_state.c.user_hash == key["user_hash"],
            conversation_state.c.updated_at >= now() - timedelta(hours=STATE_HOURS),
        )
        try:
            with self.engine.connect() as conn:
                found = conn.execute(stmt).scalar_one_or_none()
        except SQLAlchemyError as exc:
            log.error("could not read a conversation's state: %s", _reason(exc))
            return None
        return str(found) if found is not None else None

    def save_state(self, *, surface: str, thread: str, user: str, state: str) -> bool:
        """Replace the conversation state for this thread and user (one row each, last write wins)."""
        if len(state) > MAX_STATE_CHARS:
            log.error("a conversation state of %d characters was not saved", len(state))
            return False
        row = {**self._state_key(surface, thread, user), "updated_at": now(), "state": clean_unicode(state)}
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(conversation_state).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["surface", "thread_hash", "user_hash"],
            set_={"updated_at": stmt.excluded.updated_at, "state": stmt.excluded.state},
        )
        try:
            with self._writing() as conn:
                conn.execute(stmt)
            return True
        except SQLAlchemyError as exc:
            log.error("could not save a conversation's state: %s", _reason(exc))
            return False

    def purge(self, days: int | None = None) -> int:
        """Delete rows older than the retention period (and event claims older than two days, conversation
        state past ``STATE_HOURS``)."""
        days = self.retention_days if days is None else days
        cutoff = now() - timedelta(days=days)
        removed = 0
        try:
            with self._writing() as conn:
                for table, column in TIMESTAMPS.items():
                    removed += conn.execute(delete(table).where(table.c[column] < cutoff)).rowcount or 0
                claims_cutoff = now() - timedelta(days=min(days, EVENT_CLAIM_DAYS))
                conn.execute(delete(events).where(events.c.claimed_at < claims_cutoff))
                state_cutoff = now() - min(timedelta(days=days), timedelta(hours=STATE_HOURS))
                conn.execute(delete(conversation_state).where(conversation_state.c.updated_at < state_cutoff))
        except SQLAlchemyError as exc:
            log.error("could not delete old rows: %s", _reason(exc))
        return removed

    # --- reading (curator reports) -------------------------------------------------------------------

    def questions_since(self, since: datetime | None = None) -> list[QuestionRow]:
        stmt = (
            select(questions, none_of_these.c.question_id.is_not(None).label("rejected"))
            .outerjoin(none_of_these, none_of_these.c.question_id == questions.c.id)
            .order_by(questions.c.asked_at)
        )
        if since is not None:
            stmt = stmt.where(questions.c.asked_at >= since)
        with self.engine.connect() as conn:
            return [
                QuestionRow(
                    r.id,
                    as_utc(r.asked_at),
                    r.surface,
                    r.text,
                    r.outcome,
                    r.top_item,
                    r.top_score,
                    bool(r.rejected),
                )
                for r in conn.execute(stmt)
            ]

    def feedback_since(self, since: datetime | None = None) -> list[FeedbackRow]:
        stmt = (
            select(feedback, questions.c.text.label("question_text"))
            .outerjoin(questions, questions.c.id == feedback.c.question_id)
            .order_by(feedback.c.at)
        )
        if since is not None:
            stmt = stmt.where(feedback.c.at >= since)
        with self.engine.connect() as conn:
            return [
                FeedbackRow(as_utc(r.at), r.surface, r.item_id, bool(r.helpful), r.reason, r.question_text)
                for r in conn.execute(stmt)
            ]

    def share_counts(self, since: datetime | None = None) -> dict[str, int]:
        stmt = select(shares.c.item_id)
        if since is not None:
            stmt = stmt.where(shares.c.at >= since)
        counts: dict[str, int] = {}
        with self.engine.connect() as conn:
            for (item_id,) in conn.execute(stmt):
                counts[item_id] = counts.get(item_id, 0) + 1
        return counts

    # --- the weekly digest ------------------------------------------------------------------------------

    def claim_digest(self, week: str, target: str) -> bool:
        """True for the first instance to claim this week's digest for this channel; False once claimed.

        Unlike event claims, a failure to reach the store answers False: a missed digest beats a double one."""
        row = {"week": _key(week, 10), "target": self._hashed("digest", target), "claimed_at": now()}
        try:
            with self._writing() as conn:
                return self._insert_new(conn, digest_posts, row, ["week", "target"])
        except SQLAlchemyError as exc:
            log.error("could not claim a digest: %s", _reason(exc))
            return False

    def note_items(self, item_ids: Sequence[str]) -> dict[str, datetime | None]:
        """Record items not seen before (now) and return when each was first seen; None for items that were
        already there when the bot first recorded the evidence base."""
        try:
            with self._writing() as conn:
                empty = conn.execute(select(known_items.c.item_id).limit(1)).first() is None
                moment = BASELINE if empty else now()
                for item_id in item_ids:
                    self._insert_new(conn, known_items, {"item_id": item_id, "first_seen": moment}, ["item_id"])
                rows = conn.execute(select(known_items.c.item_id, known_items.c.first_seen)).all()
        except SQLAlchemyError as exc:
            log.error("could not record the evidence items: %s", _reason(exc))
            return {}
        seen = {r.item_id: as_utc(r.first_seen) for r in rows}
        return {i: (None if seen.get(i, BASELINE) <= BASELINE else seen[i]) for i in item_ids}

    def save_channel(self, *, surface: str, target: str, reference: str) -> bool:
        """Remember a channel the digest may be posted to (a Teams team's conversation reference)."""
        row = {
            "surface": _key(surface, 16) or "unknown",
            "target": self._hashed("channel", target),
            "added_at": now(),
            "reference": clean_unicode(reference)[:MAX_STATE_CHARS],
        }
        return self._write_once(digest_channels, row, ["surface", "target"], "a digest channel")

    def forget_channel(self, *, surface: str, target: str) -> None:
        try:
            with self._writing() as conn:
                conn.execute(
                    delete(digest_channels).where(
                        digest_channels.c.surface == surface,
                        digest_channels.c.target == self._hashed("channel", target),
                    )
                )
        except SQLAlchemyError as exc:
            log.error("could not forget a digest channel: %s", _reason(exc))

    def channels(self, surface: str) -> list[str]:
        """The stored references of every channel registered for ``surface``."""
        with self.engine.connect() as conn:
            stmt = select(digest_channels.c.reference).where(digest_channels.c.surface == surface)
            return [str(r) for (r,) in conn.execute(stmt.order_by(digest_channels.c.added_at))]

    def _hashed(self, kind: str, value: str) -> str:
        return hmac.new(self._salt, f"{kind}\x1f{value}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]

    def ping(self) -> bool:
        """True when the database answers (for /healthz)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def close(self) -> None:
        self.engine.dispose()

    # --- helpers --------------------------------------------------------------------------------------

    def user_hash(self, surface: str, user: str) -> str:
        """A salted HMAC of the user id: counts distinct users without storing who they are."""
        digest = hmac.new(self._salt, f"{surface}\x1f{user}".encode("utf-8", "replace"), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _state_key(self, surface: str, thread: str, user: str) -> dict[str, str]:
        """The key of a conversation state: surface, and the thread and user as salted HMACs."""
        digest = hmac.new(self._salt, f"thread\x1f{surface}\x1f{thread}".encode("utf-8", "replace"), hashlib.sha256)
        return {
            "surface": _key(surface, 16) or "unknown",
            "thread_hash": digest.hexdigest()[:32],
            "user_hash": self.user_hash(surface, user),
        }

    def _stored_salt(self) -> str:
        """The store's own random salt, created once (atomically, so rival instances agree)."""
        with self._writing() as conn:
            self._insert_new(conn, meta, {"key": "hash_salt", "value": secrets.token_hex(32)}, ["key"])
            return str(conn.execute(select(meta.c.value).where(meta.c.key == "hash_salt")).scalar_one())

    def _write_once(self, table: Table, row: dict[str, Any], keys: list[str], what: str) -> bool:
        try:
            with self._writing() as conn:
                return self._insert_new(conn, table, row, keys)
        except SQLAlchemyError as exc:
            log.error("could not record %s: %s", what, _reason(exc))
            return False

    def _insert_new(self, conn: Connection, table: Table, row: dict[str, Any], keys: list[str]) -> bool:
        """Insert unless a row with the same unique ``keys`` exists; True when a row was written."""
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(table).values(**row).on_conflict_do_nothing(index_elements=keys)
        # RETURNING rather than rowcount: drivers disagree on rowcount after ON CONFLICT (psycopg gives -1).
        return conn.execute(stmt.returning(table.c[keys[0]])).first() is not None

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"BOT_DATABASE_URL is not a database URL: {safe_url(url)!r}") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"BOT_DATABASE_URL must start with sqlite:/// or postgresql://, not {backend}://")
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError:
        raise ConfigError("PostgreSQL needs the psycopg driver: pip install -e '.[postgres]'") from None


def _configure_sqlite(engine: Engine) -> None:
    """WAL, full fsync, a busy timeout, and explicit transactions (so writes can BEGIN IMMEDIATE)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event below emit BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def migrate(engine: Engine) -> None:
    """Create missing tables, add missing columns, and record the schema version.

    Migrations are additive (new tables, new nullable columns), so an older store opens in a newer bot and
    several instances can start at once: every step is "create if missing".
    """
    for attempt in range(3):  # rival instances starting at once may race to create the same table
        try:
            _migrate_once(engine)
            return
        except SQLAlchemyError:
            if attempt == 2:
                raise
            log.info("store: schema changed under us while migrating; trying again")


def _migrate_once(engine: Engine) -> None:
    """One migration, in one transaction that holds the database's write lock (``BEGIN IMMEDIATE`` on SQLite,
    an advisory lock on PostgreSQL), so instances starting together take turns instead of colliding."""
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        metadata.create_all(conn, checkfirst=True)
        inspector = inspect(conn)
        for table in metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
                    log.info("store: added column %s.%s", table.name, column.name)
        for table in metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)  # unique keys that make retried writes idempotent
        version = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one_or_none()
        if version is None:
            conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif int(version) < SCHEMA_VERSION:
            conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))


def schema_version(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one())


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's message without the SQL statement and parameters (which could hold question text)."""
    original = getattr(exc, "orig", None)
    return f"{type(original or exc).__name__}: {str(original or exc).splitlines()[0][:200]}"


def open_store(url: str, *, salt: str = "", retention_days: int = 90, purge: bool = True) -> Store:
    """Open (creating or migrating) the store and apply the retention period once."""
    store = Store(url, salt=salt, retention_days=retention_days)
    if purge:
        store.purge()
    return store


__all__: Sequence[str] = (
    "FeedbackRow",
    "QuestionRow",
    "Store",
    "migrate",
    "open_store",
    "safe_text",
)
