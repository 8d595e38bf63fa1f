"""Settings: each declared once with its default and help, read from the environment in one place.

``Settings.from_env()`` reads ``BOT_*`` variables (and the platforms' usual names, for the adapters) from
the environment, after loading a ``.env`` file from the working directory if there is one. Explicit values
passed to ``Settings(...)`` win, so tests build settings without touching the environment. A test keeps the
README's settings table in step with ``SETTINGS``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.schedule import parse_schedule

MIN_INSIGHTS_TOKEN = 16
"""A shorter ``BOT_INSIGHTS_TOKEN`` is refused at start-up (it is the only thing between the page and the web)."""

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
    Setting(
        "semantic",
        "BOT_SEMANTIC",
        True,
        "on: the bundled sentence model reads meaning beside the words; off: words alone (small machines).",
    ),
    Setting(
        "vector_cache",
        "BOT_VECTOR_CACHE",
        "",
        "Folder for cached item vectors (only changed items are embedded again); empty: the user's cache "
        "folder ($XDG_CACHE_HOME or ~/.cache)/evidence-bot; off: keep them in memory only.",
    ),
    Setting("limit", "BOT_LIMIT", 3, "Most results shown for one question (the card plus see-also lines)."),
    Setting(
        "confident_score",
        "BOT_CONFIDENT_SCORE",
        None,
        "Score (0-100) an item needs for a confident answer; default 40 (36 with BOT_SEMANTIC=off).",
    ),
    Setting(
        "suggest_score",
        "BOT_SUGGEST_SCORE",
        None,
        'Lowest score (0-100) offered as a "did you mean"; default 15 (24 with BOT_SEMANTIC=off).',
    ),
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
    Setting(
        "insights_token",
        "BOT_INSIGHTS_TOKEN",
        "",
        "Turns on the insights page (/insights) in the web process; curators log in with it. At least 16 characters.",
    ),
    Setting(
        "insights_sso_header",
        "BOT_INSIGHTS_SSO_HEADER",
        "",
        "Name of a header your single sign-on proxy sets to the signed-in user (e.g. X-Forwarded-User); a request "
        "carrying it is let in without the token. Only set it when the proxy strips that header from clients.",
    ),
    Setting(
        "digest_slack_channels",
        "BOT_DIGEST_SLACK_CHANNELS",
        "",
        "Comma-separated Slack channel ids (C0123ABCD) the weekly digest is posted to (the bot must be a member).",
    ),
    Setting(
        "digest_teams",
        "BOT_DIGEST_TEAMS",
        False,
        "on: post the weekly digest to every Teams team the app has been added to (its General channel).",
    ),
    Setting(
        "digest_schedule",
        "BOT_DIGEST_SCHEDULE",
        "mon 09:00",
        "When the weekly digest is posted: a weekday and a 24-hour time, in BOT_DIGEST_TIMEZONE.",
    ),
    Setting("digest_timezone", "BOT_DIGEST_TIMEZONE", "Europe/London", "Time zone of BOT_DIGEST_SCHEDULE."),
)
_DEFAULTS = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every field's default comes from ``SETTINGS`` above, so it is declared once."""

    knowledge_dir: Path = _DEFAULTS["knowledge_dir"]
    glossary_path: Path = _DEFAULTS["glossary_path"]
    semantic: bool = _DEFAULTS["semantic"]
    vector_cache: str = _DEFAULTS["vector_cache"]
    limit: int = _DEFAULTS["limit"]
    confident_score: float | None = _DEFAULTS["confident_score"]
    suggest_score: float | None = _DEFAULTS["suggest_score"]
    research_lead: str = _DEFAULTS["research_lead"]
    database_url: str = _DEFAULTS["database_url"]
    retention_days: int = _DEFAULTS["retention_days"]
    hash_salt: str = _DEFAULTS["hash_salt"]
    log_level: str = _DEFAULTS["log_level"]
    log_format: str = _DEFAULTS["log_format"]
    insights_token: str = _DEFAULTS["insights_token"]
    insights_sso_header: str = _DEFAULTS["insights_sso_header"]
    digest_slack_channels: str = _DEFAULTS["digest_slack_channels"]
    digest_teams: bool = _DEFAULTS["digest_teams"]
    digest_schedule: str = _DEFAULTS["digest_schedule"]
    digest_timezone: str = _DEFAULTS["digest_timezone"]

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
        for name, value in (("BOT_CONFIDENT_SCORE", self.confident_score), ("BOT_SUGGEST_SCORE", self.suggest_score)):
            if value is not None and not 0 <= value <= 100:
                raise ConfigError(f"{name} must be between 0 and 100")
        confident, suggest = self.confident_score, self.suggest_score
        if confident is not None and suggest is not None and suggest > confident:
            raise ConfigError("BOT_SUGGEST_SCORE must be at most BOT_CONFIDENT_SCORE")
        if not 1 <= self.limit <= 20:
            raise ConfigError("BOT_LIMIT must be between 1 and 20")
        if self.retention_days < 1:
            raise ConfigError("BOT_RETENTION_DAYS must be at least 1")
        if self.log_format not in ("text", "json"):
            raise ConfigError("BOT_LOG_FORMAT must be 'text' or 'json'")
        if self.insights_token and len(self.insights_token) < MIN_INSIGHTS_TOKEN:
            raise ConfigError(f"BOT_INSIGHTS_TOKEN must be at least {MIN_INSIGHTS_TOKEN} characters")
        if self.insights_sso_header and not re.fullmatch(r"[A-Za-z0-9-]{1,64}", self.insights_sso_header):
            raise ConfigError("BOT_INSIGHTS_SSO_HEADER must be a header name such as X-Forwarded-User")
        parse_schedule(self.digest_schedule, self.digest_timezone)  # a ConfigError naming the setting
        return replace(self, knowledge_dir=Path(self.knowledge_dir), glossary_path=Path(self.glossary_path))

    @property
    def vector_cache_dir(self) -> Path | None:
        """Where item vectors are cached on disk, or None for memory only (``BOT_VECTOR_CACHE=off``)."""
        value = self.vector_cache.strip()
        if value.lower() in FALSE_WORDS:
            return None
        if value:
            return Path(value).expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "evidence-bot"


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def parse_bool(name: str, raw: str | None, default: bool = False) -> bool:
    """One reading of every on/off setting: 1/true/yes/on and 0/false/no/off (any case); unset or empty is
    ``default``; anything else is a ``ConfigError`` naming the variable."""
    value = (raw or "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be 1, true, yes or on (or 0, false, no, off), not {raw!r}")


def _convert(setting: Setting, kind: str, raw: str) -> object:
    if kind == "bool":
        return parse_bool(setting.env, raw)
    try:
        if kind == "int":
            return int(raw)
        if kind in ("float", "float | None"):
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
