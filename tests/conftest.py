"""Shared fixtures: a tiny knowledge base written to disk, a glossary, an engine, a chat helper, a runtime
with a real SQLite store, and (when a server is given) a fresh PostgreSQL database.

Tests never read ../shared; every fixture lives here or in tests/data.
"""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot import Conversation, Engine, Library, Reply, Settings, open_library
from bot.runtime import Runtime

ITEMS = {
    "fgc.yaml": """
        id: family-group-conferences
        title: Family group conferences
        summary: >-
          A family group conference brings the wider family together to make a plan for a child. A large
          trial found fewer children entered care.
        links:
          - title: Trial report
            url: https://foundations.org.uk/
        evidence:
          strength: strong
          effect: positive
          outcome: children entering care
          source: Foundations
          published: 2023
        themes: [reducing the need for care]
        tags: [FGC, family-led decision making]
        questions:
          - Do family group conferences stop children coming into care?
        reviewed: 2026-10-01
    """,
    "supervision/group.yaml": """
        id: group-supervision
        title: Group supervision for social workers
        summary: Group supervision brings a team together to reflect on its cases with a supervisor.
        links:
          - title: Evaluation
            url: https://example.org/group-supervision
        evidence: {strength: moderate, effect: mixed, source: Example University, published: 2021-05}
        themes: [supervision and decision-making]
        tags: [supervision, reflective practice]
        questions: [Does group supervision improve practice?]
        reviewed: "2026-09-01"
    """,
    "neglect.yaml": """
        id: graded-care-profile
        title: Graded Care Profile 2 for assessing neglect
        summary: An assessment tool that helps practitioners judge the quality of care a child receives.
        links: [{title: NSPCC, url: "https://www.nspcc.org.uk/"}]
        themes: [neglect and parental needs]
        tags: [GCP2, neglect]
        questions: [What tools help assess neglect?]
        reviewed: 2026-08-01
    """,
    "da.yaml": """
        id: marac
        title: MARAC risk conferences for domestic abuse
        summary: Multi-agency risk assessment conferences share information about high-risk domestic abuse cases.
        links: [{title: SafeLives, url: "https://safelives.org.uk/"}]
        themes: [domestic abuse and partnership]
        tags: [MARAC, domestic abuse, DA]
        questions: [Do MARACs keep victims safer?]
        reviewed: 2026-07-01
    """,
}

GLOSSARY = """
terms:
  - term: FGC
    means: family group conference
    also: [family group conferencing]
  - term: DA
    means: domestic abuse
    also: [domestic violence, DV]
  - term: CP
    means: child protection
  - term: SEND
    means: special educational needs and disabilities
    match_case: true
"""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root`` (text dedented) and return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


@pytest.fixture(autouse=True, scope="session")
def _vector_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Item vectors are cached in one folder for the whole run (web processes started by tests inherit it),
    never in the developer's own cache folder."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's BOT_*, SLACK_* or MicrosoftApp* settings, or a .env file."""
    for name in list(os.environ):
        if name.startswith(("BOT_", "SLACK_", "MicrosoftApp")) and not name.startswith("BOT_TEST_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "knowledge", ITEMS)


@pytest.fixture
def glossary_file(tmp_path: Path) -> Path:
    path = tmp_path / "glossary.yaml"
    path.write_text(GLOSSARY, encoding="utf-8")
    return path


@pytest.fixture
def library(knowledge_dir: Path, glossary_file: Path) -> Library:
    return open_library(knowledge_dir, glossary_file)


@pytest.fixture
def engine(library: Library) -> Engine:
    return library.engine


@pytest.fixture
def chat(engine: Engine) -> Callable[[str], Reply]:
    """``chat("fgc evidence?")`` returns the bot's reply, as one user in one conversation."""
    conversation = Conversation(engine, research_lead="the research lead")

    def say(message: str) -> Reply:
        return conversation.handle(message, user="tester")

    return say


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A real SQLite file in the test's own directory."""
    return f"sqlite:///{tmp_path / 'store' / 'bot.db'}"


@pytest.fixture
def settings(knowledge_dir: Path, glossary_file: Path, database_url: str) -> Settings:
    return Settings(knowledge_dir=knowledge_dir, glossary_path=glossary_file, database_url=database_url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A started bot over the tiny knowledge base, recording into a real SQLite store."""
    started = Runtime.start(settings)
    yield started
    started.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    server = os.environ.get("BOT_TEST_POSTGRES_URL")
    if not server:
        if os.environ.get("BOT_TEST_POSTGRES_REQUIRED"):
            pytest.fail("BOT_TEST_POSTGRES_URL is not set but BOT_TEST_POSTGRES_REQUIRED is")
        pytest.skip("no PostgreSQL server (set BOT_TEST_POSTGRES_URL, as .ci/run does)")
    import psycopg

    name = f"evidence_test_{uuid.uuid4().hex[:12]}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def connector() -> AsyncIterator[Any]:
    """A stand-in Bot Framework connector on 127.0.0.1 (Teams tests; imported here so core-only runs need no Teams
    packages)."""
    from teams_support import FakeConnector

    fake = await FakeConnector().start()
    yield fake
    await fake.close()


def cli_env(settings: Settings, home: Path) -> dict[str, str]:
    """The whole environment of a ``python -m bot`` subprocess over ``settings`` (nothing inherited from ours)."""
    return {
        "BOT_DATABASE_URL": settings.database_url,
        "BOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "BOT_GLOSSARY": str(settings.glossary_path),
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
    }
