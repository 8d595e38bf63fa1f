"""Opening the evidence: knowledge + glossary + engine, built together and swapped together."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.glossary import Glossary, load_glossary
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Engine


@dataclass(frozen=True)
class Library:
    """A complete, consistent index: never half-built, never mixed with another."""

    kb: KnowledgeBase
    glossary: Glossary
    engine: Engine
    load_seconds: float = field(default=0.0, compare=False)


def open_library(
    knowledge_dir: Path | str,
    glossary_path: Path | str | None,
    *,
    confident_score: float | None = None,
    suggest_score: float | None = None,
    semantic: bool = True,
    vector_cache: Path | None = None,
) -> Library:
    """Load and validate everything, then build the engine. Raises ``KnowledgeError``/``GlossaryError``
    (and ``ModelError`` if the bundled sentence model is missing or corrupt).

    ``vector_cache`` is a folder for item vectors kept between runs; without it they are kept in this
    process's memory only (still shared by reloads)."""
    started = time.perf_counter()
    glossary = load_glossary(glossary_path)
    exclude = [Path(glossary_path)] if glossary_path else []
    kb = load_knowledge(knowledge_dir, exclude=exclude)
    engine = Engine(
        kb.items,
        glossary,
        confident_score=confident_score,
        suggest_score=suggest_score,
        semantic=semantic,
        vector_cache=vector_cache,
    )
    return Library(kb, glossary, engine, time.perf_counter() - started)


def library_from_settings(settings: Settings) -> Library:
    return open_library(
        settings.knowledge_dir,
        settings.glossary_path,
        confident_score=settings.confident_score,
        suggest_score=settings.suggest_score,
        semantic=settings.semantic,
        vector_cache=settings.vector_cache_dir,
    )
