"""Evidence items: the schema (a public contract, see README "Knowledge items"), loading and validation.

``load_knowledge(directory)`` reads every ``*.yaml`` below the directory (except the glossary), checks each
item against the schema and the whole set for duplicate ids, and either returns a ``KnowledgeBase`` or raises
``KnowledgeError`` listing every problem at once, each naming file, line and field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.errors import KnowledgeError, Problem, display_path
from bot.yamlfile import LineDict, read_yaml

MAX_ITEM_BYTES = 256 * 1024
"""A single item is a few kilobytes; anything far larger is a mistake (or an attack) and is refused."""

STRENGTHS = ("strong", "moderate", "preliminary", "insufficient")
EFFECTS = ("positive", "mixed", "no-effect", "harmful", "unclear")
ITEM_FIELDS = (
    "id",
    "title",
    "summary",
    "links",
    "findings",
    "evidence",
    "themes",
    "tags",
    "questions",
    "reviewed",
)
REQUIRED_FIELDS = ("id", "title", "summary", "links")
LINK_FIELDS = ("title", "url")
EVIDENCE_FIELDS = ("strength", "effect", "outcome", "rating", "source", "published", "cost")
MAX_COST_CHARS = 120
"""``evidence.cost`` is a short label copied from the source (e.g. "Foundations Guidebook cost rating 2")."""

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PUBLISHED = re.compile(r"^\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
_URL_FORBIDDEN = re.compile(r"[\s|<>\"'`\\^{}\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """How far the findings can be trusted (strength) and what they found (effect) are separate on purpose."""

    strength: str | None = None
    effect: str | None = None
    outcome: str | None = None
    rating: str | None = None
    source: str | None = None
    published: str | None = None
    cost: str | None = None
    """The source's own cost rating, written as the source writes it; only where the source states one."""


@dataclass(frozen=True, slots=True)
class KnowledgeItem:
    id: str
    title: str
    summary: str
    links: tuple[Link, ...]
    findings: tuple[str, ...] = ()
    evidence: Evidence | None = None
    themes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    reviewed: dt.date | None = None
    path: str = ""
    """Where the item came from, as shown to curators (relative path)."""


@dataclass(frozen=True)
class KnowledgeBase:
    """A complete, valid set of items. Built whole and then only read, so it can be swapped atomically."""

    items: tuple[KnowledgeItem, ...]
    directory: Path
    digest: str = ""
    by_id: dict[str, KnowledgeItem] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id.update({item.id: item for item in self.items})

    def themes(self) -> dict[str, list[KnowledgeItem]]:
        """Items per theme, themes in alphabetical order, items by title."""
        grouped: dict[str, list[KnowledgeItem]] = {}
        for item in self.items:
            for theme in item.themes:
                grouped.setdefault(theme, []).append(item)
        return {t: sorted(v, key=lambda i: i.title.lower()) for t, v in sorted(grouped.items())}


def theme_counts(items: Iterable[KnowledgeItem]) -> dict[str, int]:
    """How many items each theme holds, themes in alphabetical order."""
    counts: dict[str, int] = {}
    for item in items:
        for theme in item.themes:
            counts[theme] = counts.get(theme, 0) + 1
    return dict(sorted(counts.items()))


def load_knowledge(directory: Path | str, *, exclude: Iterable[Path] = ()) -> KnowledgeBase:
    """Load and validate every item under ``directory``; raise ``KnowledgeError`` with all problems found."""
    directory = Path(directory)
    skip = {p.resolve() for p in exclude}
    if not directory.is_dir():
        raise KnowledgeError([Problem(str(directory), "knowledge directory not found")])
    # Each file's resolved path is the resolved folder plus its own relative path unless the file is a link
    # (rglob does not enter linked folders): resolving 100k paths one by one took seconds.
    base, cwd = directory.resolve(), Path.cwd().resolve()
    resolved = {
        p: p.resolve() if p.is_symlink() else base / p.relative_to(directory)
        for p in directory.rglob("*.yaml")
        if p.name != "glossary.yaml" and p.is_file()
    }
    files = sorted(p for p, real in resolved.items() if real not in skip)
    if not files:
        raise KnowledgeError([Problem(display_path(directory), "no knowledge items (*.yaml files) found")])
    problems: list[Problem] = []
    items: list[KnowledgeItem] = []
    first_seen: dict[str, str] = {}
    digest = hashlib.sha256()
    for path in files:
        try:  # as ``display_path`` shows it
            shown = str(resolved[path].relative_to(cwd))
        except ValueError:
            shown = str(path)
        data, problem = read_yaml(path, shown, MAX_ITEM_BYTES)
        if problem:
            problems.append(problem)
            continue
        item, item_problems = parse_item(data, shown)
        problems.extend(item_problems)
        if item is None:
            continue
        if item.id in first_seen:
            line = data.lines.get("id") if isinstance(data, LineDict) else None
            problems.append(
                Problem(
                    shown,
                    f"duplicate id '{item.id}' (also used in {first_seen[item.id]})",
                    line=line,
                    field="id",
                )
            )
            continue
        first_seen[item.id] = shown
        items.append(item)
        digest.update(path.read_bytes())
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(items=tuple(items), directory=directory, digest=digest.hexdigest()[:16])


def parse_item(data: Any, shown: str) -> tuple[KnowledgeItem | None, list[Problem]]:
    """Check one parsed YAML document against the item schema."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        return None, [Problem(shown, f"an item must be a mapping of fields (id, title, summary, links); got {kind}")]
    check = _Checker(shown, data)
    for key in data:
        if key not in ITEM_FIELDS:
            check.unknown(key, ITEM_FIELDS)
    for name in REQUIRED_FIELDS:
        if name not in data:
            check.add(f"required field '{name}' is missing", None)
    item_id = check.text("id")
    if item_id is not None and not _SLUG.match(item_id):
        check.add(
            "must be a lowercase slug of letters, digits and single hyphens (e.g. family-group-conferences)",
            "id",
        )
    title = check.text("title")
    summary = check.text("summary")
    links = check.links()
    findings = check.text_list("findings")
    themes = check.text_list("themes")
    tags = check.text_list("tags")
    questions = check.text_list("questions")
    evidence = check.evidence()
    reviewed = check.date("reviewed")
    if check.problems or item_id is None or title is None or summary is None:
        return None, check.problems
    return KnowledgeItem(
        id=item_id,
        title=title,
        summary=summary,
        links=links,
        findings=findings,
        evidence=evidence,
        themes=themes,
        tags=tags,
        questions=questions,
        reviewed=reviewed,
        path=shown,
    ), []


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """ " (did you mean 'summary'?)" for a near miss, else an empty string."""
    close = difflib.get_close_matches(str(word).lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_url(url: str) -> str | None:
    """Why a curated URL is unsafe or malformed, or None. Only absolute http(s) links with a host pass."""
    if _URL_FORBIDDEN.search(url):
        return "URL contains a space, quote or one of | < > ` \\ ^ { }; encode it or fix the link"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "URL is malformed"
    if parts.scheme.lower() not in ("http", "https"):
        return "only http(s) links are allowed"
    if not parts.netloc or parts.hostname is None or "." not in parts.hostname:
        return "URL has no valid host"
    return None


class _Checker:
    """Collects problems for one item, knowing the line of each field."""

    def __init__(self, shown: str, data: dict[Any, Any]) -> None:
        self.shown = shown
        self.data = data
        self.lines: dict[Any, int] = getattr(data, "lines", {})
        self.problems: list[Problem] = []

    def add(self, message: str, name: str | None, line: int | None = None) -> None:
        self.problems.append(Problem(self.shown, message, line=line or self.lines.get(name), field=name))

    def unknown(self, key: Any, allowed: Iterable[str], prefix: str = "", lines: dict[Any, int] | None = None) -> None:
        line = (lines or self.lines).get(key)
        self.problems.append(
            Problem(
                self.shown,
                f"unknown field '{key}'{did_you_mean(key, allowed)}",
                line=line,
                field=f"{prefix}{key}" if prefix else None,
            )
        )

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add("must be non-empty text", name)
            return None
        return " ".join(value.split())

    def text_list(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add("must be a list of text entries", name)
            return ()
        out = []
        for entry in value:
            if isinstance(entry, (int, float)) and not isinstance(entry, bool):
                entry = str(entry)
            if not isinstance(entry, str) or not entry.strip():
                self.add("every entry must be non-empty text", name)
                return ()
            out.append(" ".join(entry.split()))
        return tuple(out)

    def links(self) -> tuple[Link, ...]:
        value = self.data.get("links")
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            self.add("must be a list of at least one link with title and url", "links")
            return ()
        out = []
        for n, entry in enumerate(value, 1):
            where = f"links[{n}]"
            line = getattr(entry, "line", None) or self.lines.get("links")
            if not isinstance(entry, dict):
                self.add("each link needs 'title' and 'url'", where, line)
                continue
            entry_lines = getattr(entry, "lines", {})
            for key in entry:
                if key not in LINK_FIELDS:
                    self.unknown(key, LINK_FIELDS, f"{where}.", entry_lines)
            title, url = entry.get("title"), entry.get("url")
            if not isinstance(title, str) or not title.strip():
                self.add("link title must be non-empty text", f"{where}.title", entry_lines.get("title", line))
            if not isinstance(url, str) or not url.strip():
                self.add("link url must be non-empty text", f"{where}.url", entry_lines.get("url", line))
                continue
            reason = check_url(url.strip())
            if reason:
                self.add(f"{reason}: {url.strip()[:80]}", f"{where}.url", entry_lines.get("url", line))
                continue
            if isinstance(title, str) and title.strip():
                out.append(Link(title=" ".join(title.split()), url=url.strip()))
        return tuple(out)

    def evidence(self) -> Evidence | None:
        value = self.data.get("evidence")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add("must be a mapping (strength, effect, outcome, rating, source, published, cost)", "evidence")
            return None
        lines = getattr(value, "lines", {})
        for key in value:
            if key not in EVIDENCE_FIELDS:
                self.unknown(key, EVIDENCE_FIELDS, "evidence.", lines)
        found: dict[str, str | None] = {}
        for key in EVIDENCE_FIELDS:
            raw = value.get(key)
            name = f"evidence.{key}"
            if raw is None:
                found[key] = None
            elif key == "published":
                found[key] = self._published(raw, name, lines.get(key))
            elif key == "cost":
                found[key] = self._cost(raw, name, lines.get(key))
            elif not isinstance(raw, str) or not raw.strip():
                self.add("must be non-empty text", name, lines.get(key))
            else:
                found[key] = " ".join(raw.split())
        for key, allowed in (("strength", STRENGTHS), ("effect", EFFECTS)):
            given = found.get(key)
            if given is not None and given.lower() not in allowed:
                hint = did_you_mean(given, allowed) or f" (one of: {', '.join(allowed)})"
                self.add(f"'{given}' is not allowed{hint}", f"evidence.{key}", lines.get(key))
            elif given is not None:
                found[key] = given.lower()
        return Evidence(**found)

    def _cost(self, raw: Any, name: str, line: int | None) -> str | None:
        """The source's cost label as written: text, short, and naming more than a bare number."""
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            self.add(
                f"write the source's own cost label as text, e.g. 'Foundations Guidebook cost rating {raw}'",
                name,
                line,
            )
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.add("must be non-empty text: the source's own cost rating, as the source writes it", name, line)
            return None
        text = " ".join(raw.split())
        if len(text) > MAX_COST_CHARS:
            self.add(f"must be a short label (at most {MAX_COST_CHARS} characters), not a description", name, line)
            return None
        if not re.search(r"[^\W\d_]", text):
            self.add("name the rating as the source does (e.g. 'Foundations Guidebook cost rating 2')", name, line)
            return None
        return text

    def _published(self, raw: Any, name: str, line: int | None) -> str | None:
        if isinstance(raw, dt.date):
            return raw.isoformat()
        text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
        if not _PUBLISHED.match(text):
            self.add("must be a year, year-month or date (2023, 2023-05 or 2023-05-17)", name, line)
            return None
        return text

    def date(self, name: str) -> dt.date | None:
        raw = self.data.get(name)
        if raw is None:
            return None
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip())
            except ValueError:
                pass
        self.add("must be a date written as YYYY-MM-DD", name)
        return None
