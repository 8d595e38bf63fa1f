"""Evidence bot core: knowledge, glossary, matching, conversation. Imports no chat platform.

Adapters import only the names below. ``Runtime`` is imported on first use, so code that only matches
questions (the benchmark, ``ask``) does not load the database layer (SQLAlchemy) and its memory.
"""

from typing import TYPE_CHECKING, Any

from bot.answer import Answer, Match
from bot.config import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, Settings
from bot.conversation import Conversation, Kind, Reply
from bot.errors import BotError, ConfigError, GlossaryError, KnowledgeError, Problem
from bot.glossary import Glossary, load_glossary
from bot.knowledge import KnowledgeBase, KnowledgeItem, Link, load_knowledge
from bot.library import Library, library_from_settings, open_library
from bot.matching import Engine

if TYPE_CHECKING:
    from bot.runtime import Runtime

__all__ = [
    "DEFAULT_GLOSSARY",
    "DEFAULT_KNOWLEDGE",
    "Answer",
    "BotError",
    "ConfigError",
    "Conversation",
    "Engine",
    "Glossary",
    "GlossaryError",
    "Kind",
    "KnowledgeBase",
    "KnowledgeError",
    "KnowledgeItem",
    "Library",
    "Link",
    "Match",
    "Problem",
    "Reply",
    "Runtime",
    "Settings",
    "library_from_settings",
    "load_glossary",
    "load_knowledge",
    "open_library",
]


def __getattr__(name: str) -> Any:
    if name == "Runtime":
        from bot.runtime import Runtime

        return Runtime
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
