"""Settings: each declared once with its default and help, read from the environment in one place.

``Settings.from_env()`` reads ``BOT_*`` variables (and the platforms' usual names, for the adapters) from
the environment, after loading a ``.env`` file from the working directory if there is one. Explicit values
passed to ``Settings(...)`` win, so tests build settings without touching the environment. A test keeps the
README's settings table in step with ``SETTINGS``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE = PROJECT_ROOT / "knowledge"
DEFAULT_GLOSSARY = DEFAULT_KNOWLEDGE / "glossary.yaml"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "knowledge_dir",
        "BOT_KNOWLEDGE_DIR",
        DEFAULT_KNOWLEDGE,
        "Directory of evidence items (*.yaml, searched recursively); the default is the bundled knowledge/.",
    ),
    Setting(
        "glossary_path",
        "BOT_GLOSSARY",
        DEFAULT_GLOSSARY,
        "Glossary of acronyms and synonyms applied to questions and items.",
    ),
    Setting("limit", "BOT_LIMIT", 3, "Most results shown for one question (the card plus see-also lines)."),
    Setting("confident_score", "BOT_CONFIDENT_SCORE", 36.0, "Score (0-100) an item needs for a confident answer."),
    Setting("suggest_score", "BOT_SUGGEST_SCORE", 24.0, 'Lowest score (0-100) offered as a "did you mean".'),
    Setting(
        "research_lead",
        "BOT_RESEARCH_LEAD",
        "",
        'Who to contact when the bot has no evidence, e.g. "Sam Patel, Principal Social Worker".',
    ),
    Setting(
        "database_url",
        "BOT_DATABASE_URL",
        "sqlite:///evidence-bot.db",
        "Where questions, feedback and shares are stored (SQLAlchemy URL); postgresql://... for several instances.",
    ),
    Setting("retention_days", "BOT_RETENTION_DAYS", 90, "Stored questions and feedback older than this are deleted."),
    Setting(
        "hash_salt",
        "BOT_HASH_SALT",
        "",
        "Secret salt for hashing user ids before storing them; if empty, a random one is kept in the store.",
    ),
    Setting("log_level", "BOT_LOG_LEVEL", "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR."),
    Setting("log_format", "BOT_LOG_FORMAT", "text", "Log format: text (readable) or json (one JSON object per line)."),
)
_DEFAULTS = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every field's default comes from ``SETTINGS`` above, so it is declared once."""

    knowledge_dir: Path = _DEFAULTS["knowledge_dir"]
    glossary_path: Path = _DEFAULTS["glossary_path"]
    limit: int = _DEFAULTS["limit"]
    confident_score: float = _DEFAULTS["confident_score"]
    suggest_score: float = _DEFAULTS["suggest_score"]
    research_lead: str = _DEFAULTS["research_lead"]
    database_url: str = _DEFAULTS["database_url"]
    retention_days: int = _DEFAULTS["retention_days"]
    hash_salt: str = _DEFAULTS["hash_salt"]
    log_level: str = _DEFAULTS["log_level"]
    log_format: str = _DEFAULTS["log_format"]

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv: bool = True, **overrides: object
    ) -> Settings:
        """Settings from ``BOT_*`` variables; ``overrides`` (e.g. from command-line options) win."""
        if environ is None:
            if dotenv:
                _load_dotenv()
            environ = os.environ
        values: dict[str, object] = {}
        types = {f.name: f.type for f in fields(cls)}
        for setting in SETTINGS:
            raw = environ.get(setting.env)
            if raw is None or raw.strip() == "":
                continue
            values[setting.name] = _convert(setting, str(types[setting.name]), raw.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        return settings.checked()

    def checked(self) -> Settings:
        if not 0 <= self.suggest_score <= self.confident_score <= 100:
            raise ConfigError("BOT_SUGGEST_SCORE must be between 0 and BOT_CONFIDENT_SCORE, which must be at most 100")
        if not 1 <= self.limit <= 20:
            raise ConfigError("BOT_LIMIT must be between 1 and 20")
        if self.retention_days < 1:
            raise ConfigError("BOT_RETENTION_DAYS must be at least 1")
        if self.log_format not in ("text", "json"):
            raise ConfigError("BOT_LOG_FORMAT must be 'text' or 'json'")
        return replace(self, knowledge_dir=Path(self.knowledge_dir), glossary_path=Path(self.glossary_path))


def _convert(setting: Setting, kind: str, raw: str) -> object:
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise ConfigError(f"{setting.env} must be a number, not {raw!r}") from None
    if kind == "Path":
        return Path(raw)
    return raw


def _load_dotenv() -> None:
    """Read ``.env`` from the working directory if present; real environment variables win."""
    path = Path.cwd() / ".env"
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
