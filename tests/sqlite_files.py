"""Reading a SQLite store file directly in tests, closing the connection each time (Python 3.13 warns about, and
our warning filter fails on, a connection left for the garbage collector)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def sqlite_dump(path: Path | str) -> str:
    """Every statement needed to rebuild the database: what a person reading the file could see."""
    with closing(sqlite3.connect(path)) as db:
        return "\n".join(db.iterdump())


def sqlite_rows(path: Path | str, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()
