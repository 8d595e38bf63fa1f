"""The platform-neutral dialogue every surface shares: a message in, a ``Reply`` out.

Adapters (Slack, Teams) and the console turn a user's message into ``Conversation.handle(text, user)``
and render the ``Reply`` natively. The conversation knows the commands (help, themes, theme NAME, show ID,
more, none of these), small talk, and how to turn an ``Answer`` into a card, a "did you mean", or a kind
no-match reply. It never talks to a platform.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from threading import Lock

from rapidfuzz import fuzz, process

from bot import messages
from bot.answer import Answer, Match
from bot.knowledge import KnowledgeItem
from bot.matching import MAX_QUESTION_CHARS, Engine
from bot.recording import Recorder
from bot.text import clean_unicode


class Kind(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NO_MATCH = "no_match"
    HELP = "help"
    THEMES = "themes"
    THEME = "theme"
    ITEM = "item"
    MORE = "more"
    SMALL_TALK = "small_talk"
    NOTICE = "notice"
    FEEDBACK = "feedback"


@dataclass(frozen=True)
class Reply:
    """What the bot says back. ``text`` is the lead sentence (also the plain-text fallback); the rest is
    structure each surface lays out in its own way."""

    kind: Kind
    text: str
    item: KnowledgeItem | None = None
    """The card (ANSWER and ITEM)."""
    see_also: tuple[KnowledgeItem, ...] = ()
    choices: tuple[Match, ...] = ()
    """Suggestions (DID_YOU_MEAN), further results (MORE) or items of a theme (THEME, score 0)."""
    themes: tuple[tuple[str, int], ...] = ()
    answer: Answer | None = None
    notices: tuple[str, ...] = ()
    """Extra lines to show with the reply: the question was shortened, an urgent safeguarding pointer."""
    question_id: str | None = None
    """The stored question this reply answers, for feedback buttons (None when nothing was recorded)."""

    @property
    def offers_feedback(self) -> bool:
        return self.kind in (Kind.ANSWER, Kind.ITEM) and self.item is not None


@dataclass
class _Session:
    question: str = ""
    ranked: list[Match] = field(default_factory=list)
    shown: int = 0
    question_id: str | None = None
    choices: tuple[str, ...] = ()
    """Ids of the last numbered list shown (suggestions, more, a theme), so "2" opens the second."""
    answered: str | None = None
    """Id of the item last shown as an answer, while a typed "yes"/"no" would be feedback on it."""


_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|morning|afternoon|yo)"
    r"(?: there| all| bot| everyone)?[!. ]*$"
)
_THANKS = re.compile(
    r"^(?:thanks|thank you|thank u|thx|ty|cheers|ta|great|brilliant|perfect|lovely|ok|okay)"
    r"(?: (?:very much|so much|a lot|loads|mate|again))?[!. ]*$"
)
_BYE = re.compile(r"^(?:bye|goodbye|see you|see ya|cya)[!. ]*$")
_URGENT = re.compile(
    r"\b(?:immediate(?:ly)? (?:risk|danger)|in danger|at risk (?:right )?now|right now|tonight|"
    r"(?:has|have|just) disclosed|disclosure|being (?:abused|hurt|hit|beaten)|sexually abused|"
    r"(?:hit|hurt|beat|burn|strangled?|kick)(?:s|ed|ing)? (?:her|him|them|the (?:child|baby|kid))|"
    r"bruis(?:e|es|ed|ing)|injur(?:y|ies|ed)|suicid\w*|kill (?:her|him|them|myself|herself|himself)|"
    r"self[- ]harm(?:ing)? (?:now|tonight)|missing (?:now|tonight)|urgent(?:ly)?|emergency)\b"
)
_NONE_OF_THESE = re.compile(r"^(?:none|none of (?:these|them|those)|neither|nope|no)[!. ]*$")
_HELPFUL = re.compile(r"^(?:y|yes|yep|yeah|helpful|useful|that helped|that helps|it helped|\+1|👍)[!. ]*$")
_NOT_HELPFUL = re.compile(
    r"^(?:n|no|nope|not helpful|unhelpful|not useful|not really|👎)"
    r"(?:\s*[,:;.!-]\s*|\s+(?:because\s+)?|$)(?P<reason>.*)$",
    re.DOTALL,
)


MORE_RESULTS = 20
"""How many further results are kept per question for "more"."""
MAX_REASON_CHARS = 1000
"""A feedback reason is stored up to this length."""


class Conversation:
    """One per process; keeps each user's last question (for "more") in a bounded LRU."""

    def __init__(
        self,
        engine: Engine,
        *,
        research_lead: str = "",
        limit: int = 3,
        recorder: Recorder | None = None,
        max_sessions: int = 10_000,
    ) -> None:
        self.engine = engine
        """Replaced whole on a knowledge reload; each reply reads it once, so it never mixes two indexes."""
        self.research_lead = research_lead
        self.limit = limit
        self.recorder = recorder
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._max_sessions = max_sessions
        self._lock = Lock()

    # --- entry point -----------------------------------------------------------------------------------

    def handle(self, message: str, user: str = "console", surface: str = "console") -> Reply:
        """Answer one message from ``user`` on ``surface`` (console, slack, teams)."""
        engine = self.engine
        text = clean_unicode(message[: MAX_QUESTION_CHARS * 4])
        lowered = text.lower().strip(" ?!.")
        word, _, rest = lowered.partition(" ")
        if not lowered:
            return Reply(Kind.HELP, messages.EMPTY_QUESTION)
        if lowered in ("help", "?", "h", "commands", "what can you do", "how does this work"):
            return Reply(Kind.HELP, messages.HELP)
        if lowered in ("themes", "topics", "theme", "list themes", "browse"):
            return self.themes(engine)
        if word in ("theme", "topic") and rest:
            return self.theme(engine, rest, user=user)
        if word in ("show", "open", "item") and rest and len(rest.split()) == 1:
            return self.show(engine, rest, user=user, surface=surface)
        if lowered in ("more", "next", "more please", "show more"):
            return self.more(user)
        if lowered.isdigit():
            return self._pick(engine, int(lowered), user=user, surface=surface)
        session = self._session(user)
        if session is not None and session.answered:
            if _HELPFUL.match(lowered):
                return self.feedback(
                    question_id=session.question_id, item_id=session.answered, helpful=True, user=user, surface=surface
                )
            typed = _NOT_HELPFUL.match(text.strip())
            if typed and not text.rstrip().endswith("?"):  # "no, what about kinship care?" is a new question
                reason = typed.group("reason").strip()
                return self.feedback(
                    question_id=session.question_id,
                    item_id=session.answered,
                    helpful=False,
                    reason=reason,
                    user=user,
                    surface=surface,
                )
        if _NONE_OF_THESE.match(lowered) and session is not None:
            return self.none_of_these(user, surface=surface)
        if _GREETING.match(lowered):
            return Reply(Kind.SMALL_TALK, messages.GREETING_REPLY)
        if _THANKS.match(lowered):
            return Reply(Kind.SMALL_TALK, messages.THANKS_REPLY)
        if _BYE.match(lowered):
            return Reply(Kind.SMALL_TALK, messages.BYE_REPLY)
        return self.ask(engine, message, user=user, surface=surface)

    # --- questions -------------------------------------------------------------------------------------

    def ask(self, engine: Engine, question: str, *, user: str, surface: str) -> Reply:
        answer = engine.answer(question, limit=self.limit, further=MORE_RESULTS)
        shown = list(answer.results) or list(answer.suggestions)
        notices = self._notices(answer)
        question_id = self.recorder.question(surface=surface, user=user, answer=answer) if self.recorder else None
        session = self._session_for(user, fresh=True)
        session.question, session.ranked, session.shown = answer.question, [*shown, *answer.further], len(shown)
        session.question_id, session.choices = question_id, tuple(m.item.id for m in answer.suggestions)
        session.answered = answer.results[0].item.id if answer.results else None
        if answer.results:
            best, *others = answer.results
            return Reply(
                Kind.ANSWER,
                messages.ANSWER_LEAD,
                item=best.item,
                see_also=tuple(m.item for m in others[:2]),
                answer=answer,
                notices=notices,
                question_id=question_id,
            )
        if answer.suggestions:
            return Reply(
                Kind.DID_YOU_MEAN,
                messages.DID_YOU_MEAN,
                choices=answer.suggestions,
                answer=answer,
                notices=notices,
                question_id=question_id,
            )
        if not answer.has_topic:
            return Reply(Kind.NOTICE, messages.NO_TOPIC, answer=answer, notices=notices, question_id=question_id)
        return Reply(
            Kind.NO_MATCH,
            messages.no_match(self.research_lead),
            answer=answer,
            notices=notices,
            question_id=question_id,
        )

    def _notices(self, answer: Answer) -> tuple[str, ...]:
        notices = []
        if _URGENT.search(answer.question.lower()):
            notices.append(messages.URGENT)
        if answer.truncated:
            notices.append(messages.SHORTENED.format(chars=MAX_QUESTION_CHARS))
        if answer.understood and (answer.results or answer.suggestions):
            notices.append(messages.UNDERSTOOD.format(what="; ".join(answer.understood)))
        return tuple(notices)

    def more(self, user: str) -> Reply:
        session = self._session(user)
        if session is None or not session.question:
            return Reply(Kind.NOTICE, messages.NOTHING_TO_CONTINUE)
        page = session.ranked[session.shown : session.shown + self.limit]
        page = [m for m in page if m.score >= self.engine.suggest_score]  # same scale for every index
        if not page:
            return Reply(Kind.NOTICE, messages.NO_MORE)
        session.shown += len(page)
        session.choices, session.answered = tuple(m.item.id for m in page), None
        return Reply(Kind.MORE, messages.MORE_LEAD.format(question=_short(session.question)), choices=tuple(page))

    def _pick(self, engine: Engine, number: int, *, user: str, surface: str) -> Reply:
        """A number typed after a numbered list opens that entry."""
        session = self._session(user)
        if session is None or not 1 <= number <= len(session.choices):
            return Reply(Kind.NOTICE, messages.NO_SUCH_CHOICE)
        return self.show(engine, session.choices[number - 1], user=user, surface=surface)

    def none_of_these(self, user: str, surface: str = "console", *, question_id: str | None = None) -> Reply:
        """The user rejected every suggestion: record the question as a gap for the curators.

        Buttons pass the ``question_id`` they were drawn for; a typed "none" uses the user's last question.
        """
        session = self._session(user)
        if question_id is None and session is not None:
            question_id = session.question_id
        if session is not None:
            session.answered = None
        if self.recorder and question_id:
            self.recorder.none_of_these(question_id=question_id, surface=surface, user=user)
        return Reply(Kind.NO_MATCH, " ".join((messages.GAP_RECORDED, messages.no_match(self.research_lead))))

    # --- feedback and sharing --------------------------------------------------------------------------

    def feedback(
        self,
        *,
        question_id: str | None,
        item_id: str,
        helpful: bool,
        user: str,
        surface: str,
        reason: str = "",
        event_id: str | None = None,
    ) -> Reply:
        """A helpful / not helpful verdict on ``item_id`` (a button, or "yes"/"no" typed after an answer)."""
        session = self._session(user)
        if session is not None and session.answered == item_id:
            session.answered = None
        if self.recorder:
            self.recorder.feedback(
                question_id=question_id,
                item_id=item_id,
                helpful=helpful,
                reason=reason[:MAX_REASON_CHARS],
                surface=surface,
                user=user,
                event_id=event_id,
            )
        thanks = messages.FEEDBACK_THANKS_REASON if (not helpful and reason.strip()) else messages.FEEDBACK_THANKS
        return Reply(Kind.FEEDBACK, thanks)

    def share(self, item_id: str, *, user: str, surface: str, event_id: str | None = None) -> Reply:
        """An item a user is posting into a channel: the card to post (ITEM), recorded as a share."""
        item = self.item(item_id)
        if item is None:
            return Reply(Kind.NOTICE, messages.UNKNOWN_ITEM.format(name=_short(item_id)))
        if self.recorder:
            self.recorder.share(item_id=item.id, surface=surface, user=user, event_id=event_id)
        return Reply(Kind.ITEM, item.title, item=item)

    def item(self, item_id: str) -> KnowledgeItem | None:
        """The item with this id in the current index, or None."""
        wanted = item_id.strip().lower()
        return self.engine.by_id.get(wanted)

    def recently_reviewed(self, limit: int = 5) -> tuple[KnowledgeItem, ...]:
        """Items most recently reviewed by a curator, newest first (App Home, an empty Teams search)."""
        reviewed = sorted((i for i in self.engine.items if i.reviewed), key=lambda i: (i.reviewed, i.id), reverse=True)
        return tuple(reviewed[:limit])

    # --- browsing --------------------------------------------------------------------------------------

    def themes(self, engine: Engine | None = None) -> Reply:
        counts = _theme_counts((engine or self.engine).items)
        if not counts:
            return Reply(Kind.NOTICE, messages.NO_THEMES)
        return Reply(Kind.THEMES, messages.THEMES_LEAD, themes=tuple(counts.items()))

    def theme(self, engine: Engine, name: str, *, user: str = "console") -> Reply:
        counts = _theme_counts(engine.items)
        wanted = name.strip().lower()
        found = next((t for t in counts if t.lower() == wanted), None)
        if found is None and counts:
            best = process.extractOne(wanted, list(counts), scorer=fuzz.WRatio, score_cutoff=70)
            found = best[0] if best else None
        if found is None:
            return Reply(
                Kind.THEMES,
                f"{messages.UNKNOWN_THEME.format(name=_short(name))} {messages.THEMES_LEAD}",
                themes=tuple(counts.items()),
            )
        items = sorted((i for i in engine.items if found in i.themes), key=lambda i: i.title.lower())
        session = self._session_for(user)
        session.choices, session.answered = tuple(i.id for i in items), None
        return Reply(Kind.THEME, messages.THEME_LEAD.format(theme=found), choices=tuple(Match(i, 0.0) for i in items))

    def show(self, engine: Engine, item_id: str, *, user: str = "console", surface: str = "console") -> Reply:
        wanted = item_id.strip().lower()
        by_id = engine.by_id
        item = by_id.get(wanted)
        if item is None:
            close = process.extract(wanted, list(by_id), scorer=fuzz.WRatio, score_cutoff=60, limit=3)
            choices = tuple(Match(by_id[c], round(float(s), 1)) for c, s, _ in close)
            return Reply(
                Kind.DID_YOU_MEAN if choices else Kind.NOTICE,
                messages.UNKNOWN_ITEM.format(name=_short(item_id)),
                choices=choices,
            )
        session = self._session(user)
        if session is not None:
            session.answered = item.id
        return Reply(Kind.ITEM, item.title, item=item)

    # --- sessions --------------------------------------------------------------------------------------

    def _session_for(self, user: str, *, fresh: bool = False) -> _Session:
        """The user's session (a new one when ``fresh`` or missing), kept in a bounded LRU."""
        with self._lock:
            session = None if fresh else self._sessions.get(user)
            if session is None:
                session = self._sessions[user] = _Session()
            self._sessions.move_to_end(user)
            while len(self._sessions) > self._max_sessions:
                self._sessions.popitem(last=False)
            return session

    def _session(self, user: str) -> _Session | None:
        with self._lock:
            return self._sessions.get(user)


def _theme_counts(items: tuple[KnowledgeItem, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        for theme in item.themes:
            counts[theme] = counts.get(theme, 0) + 1
    return dict(sorted(counts.items()))


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
