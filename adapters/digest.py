"""The weekly digest, posted by the web process: Block Kit to each ``BOT_DIGEST_SLACK_CHANNELS`` channel, and,
with ``BOT_DIGEST_TEAMS`` on, an Adaptive Card (``teams_card``) to the General channel of each Teams team the app
was added to (their conversation references are stored by the Teams bot when it is added, and posted to
proactively by ``adapters.teams.channels.teams_sender``).

``DigestPoster`` wakes every minute; once the week's scheduled moment (``BOT_DIGEST_SCHEDULE`` in
``BOT_DIGEST_TIMEZONE``) has passed, it claims ``(week, channel)`` in the store and posts only if the claim is
new, so two instances (or a restart) post each week's digest once per channel.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from bot.digest import Digest, build_digest, digest_text
from bot.runtime import Runtime
from bot.schedule import parse_schedule

log = logging.getLogger(__name__)

MAX_LISTED = 10
CHECK_SECONDS = 60.0
Sender = Callable[[str, Digest], None]
"""Posts a digest to one channel (a Slack channel id, or a stored Teams reference); raises on failure."""


def _listed(lines: list[str]) -> list[str]:
    if len(lines) > MAX_LISTED:
        return [*lines[:MAX_LISTED], f"… and {len(lines) - MAX_LISTED} more"]
    return lines or ["(none)"]


def _sections(digest: Digest) -> list[tuple[str, list[str]]]:
    rate = "-" if digest.answer_rate is None else f"{digest.answer_rate:.0%}"
    return [
        (f"New evidence ({len(digest.added)})", _listed([i.title for i in digest.added])),
        (f"Re-reviewed ({len(digest.reviewed)})", _listed([f"{i.title} ({i.reviewed})" for i in digest.reviewed])),
        (
            f"Top gaps ({len(digest.gaps)})",
            _listed([f"asked {g.count}×: “{g.examples[0]}”" for g in digest.gaps]),
        ),
        ("Questions", [f"{digest.questions} asked, {rate} answered confidently"]),
    ]


def slack_blocks(digest: Digest) -> list[dict[str, Any]]:
    """Block Kit, all ``plain_text`` (gap wordings are typed by anyone: no mrkdwn, no mentions)."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": digest.title[:150]}}]
    for heading, lines in _sections(digest):
        blocks.append(
            {"type": "section", "text": {"type": "plain_text", "text": (heading + "\n" + "\n".join(lines))[:2900]}}
        )
    return blocks


def teams_card(digest: Digest) -> dict[str, Any]:
    """An Adaptive Card on 1.2, like the bot's other cards (RichTextBlock keeps gap wordings as plain text);
    ``fallbackText`` for clients that cannot render it."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": digest.title, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    for heading, lines in _sections(digest):
        body.append({"type": "TextBlock", "text": heading, "weight": "Bolder", "wrap": True, "spacing": "Medium"})
        body.append(
            {
                "type": "RichTextBlock",
                "inlines": [{"type": "TextRun", "text": "\n".join(lines)}],
            }
        )
    fallback = digest.title + "\n" + "\n".join(f"{heading}: {'; '.join(lines)}" for heading, lines in _sections(digest))
    return {"type": "AdaptiveCard", "version": "1.2", "body": body, "fallbackText": fallback[:1000]}


class DigestPoster:
    """Posts each week's digest once per channel, whichever instance gets there first."""

    def __init__(
        self,
        runtime: Runtime,
        senders: dict[str, tuple[Callable[[], list[str]], Sender]],
        claim_keys: dict[str, Callable[[str], str]] | None = None,
    ) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.schedule = parse_schedule(settings.digest_schedule, settings.digest_timezone)
        self.senders = senders
        """surface → (the channels to post to, how to post to one)."""
        self.claim_keys = claim_keys or {}
        """surface → what a target's weekly claim is keyed by (default: the target itself)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def post_due(self, now: dt.datetime | None = None) -> int:
        """Post this week's digest to every channel not yet claimed, if its time has come; how many were posted."""
        now = now or dt.datetime.now(dt.UTC)
        due = self.schedule.last_due(now)
        week = due.date().isoformat()
        digest: Digest | None = None
        posted = 0
        for surface, (targets, send) in self.senders.items():
            key = self.claim_keys.get(surface, str)
            for target in targets():
                if not self.runtime.store.claim_digest(week, f"{surface}:{key(target)}"):
                    continue
                if digest is None:
                    library = self.runtime.library
                    since = due - dt.timedelta(days=7)
                    digest = build_digest(library.kb, self.runtime.store, library.engine, since=since, now=now)
                try:
                    send(target, digest)
                    posted += 1
                    log.info("digest: posted the week of %s to a %s channel", week, surface)
                except Exception as exc:  # one channel's failure must not stop the others
                    log.error("digest: could not post to a %s channel: %s", surface, type(exc).__name__)
        return posted

    def start(self, interval: float = CHECK_SECONDS) -> DigestPoster:
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.post_due()
                except Exception:
                    log.exception("digest: check failed")

        self._thread = threading.Thread(target=loop, name="digest", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def slack_sender(client: Any) -> Sender:
    """Posts with a ``slack_sdk.WebClient`` (``chat.postMessage``: the bot must be in the channel)."""

    def send(channel: str, digest: Digest) -> None:
        client.chat_postMessage(channel=channel, text=digest_text(digest)[:3000], blocks=slack_blocks(digest))

    return send


def start_digest(runtime: Runtime, teams: Any = None, *, slack: bool = True) -> DigestPoster | None:
    """The web process's weekly digest, if any channel is configured; None otherwise. ``teams`` is the Teams
    endpoint (``adapters.teams.http.TeamsEndpoint``) when this process serves Teams: its adapter posts the card.
    ``slack=False`` (``python -m adapters.teams``) leaves Slack's channels to a process that has its token."""
    settings = runtime.settings
    senders: dict[str, tuple[Callable[[], list[str]], Sender]] = {}
    claim_keys: dict[str, Callable[[str], str]] = {}
    channels = [c.strip() for c in settings.digest_slack_channels.split(",") if c.strip()]
    if channels and slack:
        import os

        from slack_sdk import WebClient

        client = WebClient(token=os.environ.get("SLACK_BOT_TOKEN", ""), base_url=_slack_base())
        senders["slack"] = (lambda: channels, slack_sender(client))
    if settings.digest_teams and teams is None:
        log.warning("digest: BOT_DIGEST_TEAMS is on but this process does not serve Teams; not posting to Teams")
    elif settings.digest_teams:
        from adapters.teams.channels import DigestChannels, claim_key, teams_sender

        book = DigestChannels(runtime.store, teams.settings.trusts_service_url)
        send = teams_sender(teams.adapter, teams.settings.app_id, teams.settings.trusts_service_url)
        senders["teams"] = (book.references, send)
        claim_keys["teams"] = claim_key
    if not senders:
        return None
    return DigestPoster(runtime, senders, claim_keys).start()


def _slack_base() -> str:
    import os

    base = os.environ.get("SLACK_API_URL") or "https://slack.com/api/"
    return base if base.endswith("/") else base + "/"
