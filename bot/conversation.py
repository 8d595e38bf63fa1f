"""The platform-neutral dialogue every surface shares: a message in, a ``Reply`` out.

Adapters (Slack, Teams) and the console turn a user's message into ``Conversation.handle(text, user,
surface, thread=...)`` and render the ``Reply`` natively. The conversation knows the commands (help, themes,
theme NAME, show ID, more, none of these), small talk, and how to turn an ``Answer`` into a card, a "did you
mean", or a kind no-match reply. It never talks to a platform.

Follow-ups ("more", a number, a typed yes/no, "none of these") need the thread's last answer. That state is
kept by a ``StateKeeper`` per surface, thread (a Slack channel and thread, a Teams conversation; empty for the
console) and user: the store when there is one, so every instance behind a load balancer sees it, else a
bounded in-memory ``MemoryState``. Both hold the same JSON (item ids, scores, a question id and the redacted
question) and forget it ``STATE_HOURS`` after the last message.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from threading import Lock

from rapidfuzz import fuzz, process

from bot import browse as browsing
from bot import followups, messages, smalltalk
from bot.answer import Answer, Match
from bot.knowledge import KnowledgeItem, theme_counts
from bot.matching import MAX_QUESTION_CHARS, Engine
from bot.recording import STATE_HOURS, Recorder, StateKeeper
from bot.redact import redact
from bot.text import clean_unicode

log = logging.getLogger(__name__)


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


QUESTION_CHARS_KEPT = 200
"""The (redacted) question is kept this long in a thread's state, for the lead line of "more"."""


@dataclass
class _Session:
    """One thread's state between messages; saved as JSON after every change (``to_json``)."""

    question: str = ""
    """The last question, redacted and cut to ``QUESTION_CHARS_KEPT``."""
    ranked: list[tuple[str, float]] = field(default_factory=list)
    """(item id, score) of everything ranked for it: shown first, then the rest, for "more"."""
    shown: int = 0
    question_id: str | None = None
    choices: tuple[str, ...] = ()
    """Ids of the last numbered list shown (suggestions, more, a theme), so "2" opens the second."""
    answered: str | None = None
    """Id of the item last shown as an answer, while a typed "yes"/"no" would be feedback on it."""
    about: str | None = None
    """Id of the last card shown (an answer or an opened item): what "how strong is that?" asks about."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "q": self.question,
                "r": [[item_id, score] for item_id, score in self.ranked],
                "n": self.shown,
                "qid": self.question_id,
                "c": list(self.choices),
                "a": self.answered,
                "b": self.about,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> _Session | None:
        """The state saved by ``to_json``, or None if it is not that (a newer or damaged row)."""
        try:
            data = json.loads(text)
            return cls(
                question=str(data["q"]),
                ranked=[(str(item_id), float(score)) for item_id, score in data["r"]],
                shown=int(data["n"]),
                question_id=str(data["qid"]) if data["qid"] else None,
                choices=tuple(str(c) for c in data["c"]),
                answered=str(data["a"]) if data["a"] else None,
                about=str(data["b"]) if data.get("b") else None,  # absent from states saved before follow-ups
            )
        except (ValueError, TypeError, KeyError):
            return None


class MemoryState:
    """A ``StateKeeper`` for a conversation without a store (the ``ask`` command, tests): one process only,
    at most ``max_sessions`` threads (least recently used forgotten first), each for ``STATE_HOURS``."""

    def __init__(self, max_sessions: int = 10_000, *, hours: float = STATE_HOURS) -> None:
        self._states: OrderedDict[tuple[str, str, str], tuple[float, str]] = OrderedDict()
        self._max = max_sessions
        self._seconds = hours * 3600
        self._lock = Lock()

    def load_state(self, *, surface: str, thread: str, user: str) -> str | None:
        with self._lock:
            found = self._states.get((surface, thread, user))
            if found is None or time.monotonic() - found[0] > self._seconds:
                return None
            return found[1]

    def save_state(self, *, surface: str, thread: str, user: str, state: str) -> bool:
        key = (surface, thread, user)
        with self._lock:
            self._states[key] = (time.monotonic(), state)
            self._states.move_to_end(key)
            while len(self._states) > self._max:
                self._states.popitem(last=False)
        return True


NEW_WORDS = 0.3
"""A condition this much of whose words the base has never seen ("for horses": 0.6; "for under 10s": 0.2; see
``Engine.unknown_words``), and which finds nothing close on its own, is about something the base lacks."""

MORE_RESULTS = 20
"""How many further results are kept per question for "more"."""
MAX_REASON_CHARS = 1000
"""A feedback reason is stored up to this length."""


class Conversation:
    """One per process; each thread's state (for follow-ups) is kept by ``state`` (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        *,
        research_lead: str = "",
        limit: int = 3,
        recorder: Recorder | None = None,
        state: StateKeeper | None = None,
        max_sessions: int = 10_000,
    ) -> None:
        self.engine = engine
        """Replaced whole on a knowledge reload; each reply reads it once, so it never mixes two indexes."""
        self.research_lead = research_lead
        self.limit = limit
        self.recorder = recorder
        self.state: StateKeeper = state if state is not None else MemoryState(max_sessions)

    # --- entry point -----------------------------------------------------------------------------------

    def handle(self, message: str, user: str = "console", surface: str = "console", *, thread: str = "") -> Reply:
        """Answer one message from ``user`` on ``surface`` (console, slack, teams) in ``thread``: the platform's
        conversation or thread id, which keeps a DM's follow-ups apart from a channel thread's."""
        engine = self.engine
        where = _Where(surface, thread, user)
        text = clean_unicode(message[: MAX_QUESTION_CHARS * 4])
        lowered = text.lower().strip(" ?!.")
        word, _, rest = lowered.partition(" ")
        if not lowered:
            return Reply(Kind.HELP, messages.EMPTY_QUESTION)
        if smalltalk.HELP.match(lowered):
            return Reply(Kind.HELP, messages.HELP)
        if smalltalk.THEMES.match(lowered):
            return self.themes(engine)
        wanted = browsing.parse(lowered)
        if wanted is not None and wanted.narrows:
            return self.browse(engine, wanted, where)
        if word in ("theme", "topic") and rest:
            return self.theme(engine, rest, user=user, surface=surface, thread=thread)
        if word in ("show", "open", "item") and rest and len(rest.split()) == 1:
            return self.show(engine, rest, user=user, surface=surface, thread=thread)
        if smalltalk.MORE.match(lowered):
            return self.more(user, surface, thread=thread)
        follow = followups.parse(text)
        if isinstance(follow, followups.Pick):
            return self._pick(engine, follow.number, where)
        session = self._load(where)
        if session is not None and session.answered:
            judged = self._judge(engine, text, lowered, follow, where, session)
            if judged is not None:
                return judged
        elif (
            session is not None
            and session.choices
            and session.question_id
            and not isinstance(follow, followups.Correct)
        ):
            rejected = self._reject_list(engine, text, lowered, where, session)
            if rejected is not None:
                return rejected
        if follow is not None:
            followed = self._follow_up(engine, message, follow, where, session)
            if followed is not None:
                return followed
        if smalltalk.praises(lowered):  # "helpful thanks" with no answer waiting for a verdict
            return Reply(Kind.SMALL_TALK, messages.THANKS_REPLY)
        if smalltalk.NONE_OF_THESE.match(lowered) and session is not None:
            return self.none_of_these(user, surface=surface, thread=thread)
        if smalltalk.GREETING.match(lowered):
            return Reply(Kind.SMALL_TALK, messages.GREETING_REPLY)
        if smalltalk.THANKS.match(lowered) or smalltalk.thanks_only(lowered):
            return Reply(Kind.SMALL_TALK, messages.THANKS_REPLY)
        if smalltalk.BYE.match(lowered):
            return Reply(Kind.SMALL_TALK, messages.BYE_REPLY)
        return self.ask(engine, message, user=user, surface=surface, thread=thread)

    def _judge(
        self,
        engine: Engine,
        text: str,
        lowered: str,
        follow: followups.FollowUp | None,
        where: _Where,
        session: _Session,
    ) -> Reply | None:
        """A verdict typed on the answer just shown, recorded as feedback; None when the message is not one.

        "no, I meant X" is a verdict (not helpful, the message as its reason) and a question, answered; so is
        "no, child criminal exploitation" when its reason finds another item with confidence. "no, what about
        kinship care?" is only a question."""
        verdict = smalltalk.verdict(text, lowered, follow)
        if verdict is None or session.answered is None:
            return None
        helpful, reason = verdict
        shown = session.answered
        thanks = self.feedback(
            question_id=session.question_id,
            item_id=shown,
            helpful=helpful,
            reason=reason,
            user=where.user,
            surface=where.surface,
            thread=where.thread,
        )
        if isinstance(follow, followups.Correct):
            return self._correct(engine, follow, where)
        meant = None if helpful else self._meant(engine, reason, shown)
        return self._reply(meant, where, notices=(messages.FEEDBACK_THANKS,)) if meant is not None else thanks

    def _reject_list(self, engine: Engine, text: str, lowered: str, where: _Where, session: _Session) -> Reply | None:
        """ "hmm not quite" after "did you mean": none of these fit (recorded as a gap); a reason that finds an
        item with confidence on its own ("no, group supervision") is answered too."""
        verdict = smalltalk.verdict(text, lowered, None)
        if verdict is None or verdict[0]:
            return None
        gap = self.none_of_these(where.user, surface=where.surface, thread=where.thread)
        meant = self._meant(engine, verdict[1], None)
        return self._reply(meant, where, notices=(messages.GAP_RECORDED,)) if meant is not None else gap

    def _meant(self, engine: Engine, reason: str, shown: str | None) -> Answer | None:
        """The answer to the reason given with a "no" ("no, child criminal exploitation"), when it is a question of
        its own: one answered with confidence by another item than ``shown``."""
        if not reason:
            return None
        meant = engine.answer(reason, limit=self.limit, further=MORE_RESULTS)
        return meant if meant.results and meant.results[0].item.id != shown else None

    def _follow_up(
        self,
        engine: Engine,
        message: str,
        follow: followups.FollowUp,
        where: _Where,
        session: _Session | None,
    ) -> Reply | None:
        """A follow-up answered from the thread's state; None when there is nothing to follow (ask it as written)."""
        if isinstance(follow, followups.Correct):  # "no, I meant special guardianship": answer what was meant
            listed = session is not None and bool(session.choices) and not session.answered  # "did you mean"
            if (follow.none_fit or listed) and session is not None and session.question_id and self.recorder:
                self.recorder.none_of_these(question_id=session.question_id, surface=where.surface, user=where.user)
            return self._correct(engine, follow, where)
        if isinstance(follow, followups.AboutLast):
            return self._about(engine, follow.aspect, where, session)
        if session is None:
            return None
        if isinstance(follow, followups.Narrow) and (session.question or session.choices):
            return self._narrow(engine, follow, where, session)
        if isinstance(follow, followups.Refine) and session.question:
            return self._refine(engine, message, follow, where, session)
        return None

    # --- questions -------------------------------------------------------------------------------------

    def ask(self, engine: Engine, question: str, *, user: str, surface: str, thread: str = "") -> Reply:
        answer = engine.answer(question, limit=self.limit, further=MORE_RESULTS)
        return self._reply(answer, _Where(surface, thread, user))

    def _reply(self, answer: Answer, where: _Where, *, notices: tuple[str, ...] = ()) -> Reply:
        """The reply to ``answer``, recorded, and the thread's state for its follow-ups.

        A message with no topic ("hmm") keeps the state, so the answer before it can still be followed up."""
        shown = list(answer.results) or list(answer.suggestions)
        notices = notices + self._notices(answer)
        user, surface = where.user, where.surface
        question_id = self.recorder.question(surface=surface, user=user, answer=answer) if self.recorder else None
        if answer.results or answer.suggestions or answer.has_topic:
            session = _Session(
                question=redact(answer.question[: QUESTION_CHARS_KEPT * 4])[:QUESTION_CHARS_KEPT],
                ranked=[(m.item.id, m.score) for m in (*shown, *answer.further)],
                shown=len(shown),
                question_id=question_id,
                # an answer's card and its "see also" are a list too: "the second one" opens the first see-also
                choices=tuple(
                    m.item.id for m in (answer.suggestions or (answer.results if len(answer.results) > 1 else ()))
                ),
                answered=answer.results[0].item.id if answer.results else None,
                about=answer.results[0].item.id if answer.results else None,
            )
            self._save(where, session)
        themes = (answer.theme,) if answer.theme else ()  # a broad question: its theme, one tap away
        if answer.results:
            best, *others = answer.results
            return Reply(
                Kind.ANSWER,
                messages.ANSWER_LEAD,
                item=best.item,
                see_also=tuple(m.item for m in others[:2]),
                themes=themes,
                answer=answer,
                notices=notices,
                question_id=question_id,
            )
        if answer.suggestions:
            return Reply(
                Kind.DID_YOU_MEAN,
                messages.DID_YOU_MEAN,
                choices=answer.suggestions,
                themes=themes,
                answer=answer,
                notices=notices,
                question_id=question_id,
            )
        if not answer.has_topic:
            return Reply(Kind.NOTICE, messages.NO_TOPIC, answer=answer, notices=notices, question_id=question_id)
        return Reply(
            Kind.NO_MATCH,
            messages.no_match(self.research_lead),
            themes=themes,
            answer=answer,
            notices=notices,
            question_id=question_id,
        )

    # --- follow-ups ------------------------------------------------------------------------------------

    def _correct(self, engine: Engine, follow: followups.Correct, where: _Where) -> Reply:
        return self.ask(engine, follow.rest, user=where.user, surface=where.surface, thread=where.thread)

    def _about(self, engine: Engine, aspect: followups.Aspect, where: _Where, session: _Session | None) -> Reply:
        """A question about the card just shown ("how strong is that?", "link?"): that card in full, led by
        the answer to it; a typed verdict after it is feedback on it."""
        item = engine.by_id.get(session.about) if session is not None and session.about else None
        if session is None or item is None:
            which = session is not None and bool(session.choices)
            return Reply(Kind.NOTICE, messages.ABOUT_WHICH if which else messages.ABOUT_NOTHING)
        if session.answered != item.id:
            session.answered = item.id
            self._save(where, session)
        if aspect is followups.Aspect.STRENGTH:
            lead = messages.ABOUT_STRENGTH.format(verdict=messages.strength_verdict(item.evidence))
        elif aspect is followups.Aspect.SOURCE:
            source = messages.source_line(item.evidence)
            lead = messages.ABOUT_SOURCE.format(source=source) if source else messages.ABOUT_SOURCE_LINKS
        elif aspect is followups.Aspect.SHARE:
            lead = messages.ABOUT_SHARE
        else:
            lead = messages.ABOUT_DETAIL
        return Reply(Kind.ITEM, lead, item=item, question_id=session.question_id)

    def _narrow(self, engine: Engine, follow: followups.Narrow, where: _Where, session: _Session) -> Reply:
        """ "only strong evidence pls": the last question's results (as far as "more" would go) of that strength
        or effect, numbered."""
        wanted = browsing.Filter(strength=follow.strength, effect=follow.effect)
        if session.question:
            ids = [item_id for item_id, score in session.ranked if score >= engine.suggest_score]
        else:  # a theme or a filtered list: its own items
            ids = list(session.choices)
        kept = browsing.keep((i for i in map(engine.by_id.get, ids) if i is not None), wanted)
        what = messages.filter_label(strength=follow.strength, effect=follow.effect)
        question = _short(session.question)
        if not kept:
            nothing = messages.NOTHING_NARROWED if session.question else messages.NOTHING_NARROWED_LIST
            return Reply(Kind.NOTICE, nothing.format(question=question, what=what.lower()))
        session.choices, session.answered, session.about = tuple(i.id for i in kept), None, None
        self._save(where, session)
        narrowed = messages.NARROWED if session.question else messages.NARROWED_LIST
        lead = narrowed.format(what=what, question=question)
        return Reply(Kind.THEME, lead, choices=tuple(Match(i, 0.0) for i in kept))

    def _refine(
        self, engine: Engine, message: str, follow: followups.Refine, where: _Where, session: _Session
    ) -> Reply:
        """ "what about for dads?" after a question: read with it, or alone when that is surer.

        What is added that finds nothing close on its own ("what about dolphins?") is not in the base, however
        surely the last question's own words find its item again: the reply is the one for it alone. Otherwise,
        one that points back ("does that apply in Wales?") is read with the last question. One that adds a
        condition ("and for teenagers?") is read with it, and alone only when that finds nothing sure. One that
        names something ("what about FGCs?") is read both ways: alone wins when it is surer (both scores are the
        calibrated chance the answer is right) or when the reading with the last question only finds the item
        already shown. When that item is still the closest, the reply says so rather than showing its card again."""
        together = engine.answer(f"{session.question} {follow.rest}", limit=self.limit, further=MORE_RESULTS)
        alone = engine.answer(message, limit=self.limit, further=MORE_RESULTS)
        names_new = follow.reading is followups.Reading.EITHER or engine.unknown_words(follow.rest) >= NEW_WORDS
        if alone.has_topic and not (alone.results or alone.suggestions) and names_new:
            return self._reply(alone, where)
        best_together = together.results[0] if together.results else None
        best_alone = alone.results[0] if alone.results else None
        reading = follow.reading
        if best_together is None:
            return self._reply(together if reading is followups.Reading.TOGETHER else alone, where)
        if (
            best_alone is not None
            and reading is followups.Reading.EITHER
            and (best_alone.score >= best_together.score or best_together.item.id == session.about)
        ):
            return self._reply(alone, where)  # "what about criminal exploitation?" after sexual exploitation
        if best_together.item.id == session.about:
            recorder = self.recorder
            recorded = recorder.question(surface=where.surface, user=where.user, answer=together) if recorder else None
            session.choices = (best_together.item.id,)
            session.question_id = recorded or session.question_id
            self._save(where, session)
            return Reply(
                Kind.MORE,
                messages.STILL_CLOSEST.format(what=_short(redact(follow.rest), 60)),
                choices=(best_together,),
                answer=together,
                question_id=recorded,
            )
        notice = messages.FOLLOW_UP.format(question=_short(session.question))
        return self._reply(together, where, notices=(notice,))

    def _notices(self, answer: Answer) -> tuple[str, ...]:
        notices = []
        if smalltalk.URGENT.search(answer.question.lower()):
            notices.append(messages.URGENT)
        if answer.truncated:
            notices.append(messages.SHORTENED.format(chars=MAX_QUESTION_CHARS))
        if answer.not_covered:
            names = " or ".join(f"“{name}”" for name in answer.not_covered)
            notices.append(messages.NOT_COVERED.format(names=names))
        if answer.understood and (answer.results or answer.suggestions):
            notices.append(messages.UNDERSTOOD.format(what="; ".join(answer.understood)))
        if answer.theme:
            notices.append(messages.BROAD_THEME.format(theme=answer.theme[0], count=answer.theme[1]))
        return tuple(notices)

    def more(self, user: str, surface: str = "console", *, thread: str = "") -> Reply:
        """The next page of results for the thread's last question."""
        where = _Where(surface, thread, user)
        session = self._load(where)
        if session is None or not session.question:
            return Reply(Kind.NOTICE, messages.NOTHING_TO_CONTINUE)
        engine = self.engine
        rest = session.ranked[session.shown :]
        page: list[Match] = []
        for item_id, score in rest:
            if len(page) == self.limit:
                break
            session.shown += 1
            item = engine.by_id.get(item_id)  # an item removed by a reload since is skipped
            if item is not None and score >= engine.suggest_score:  # same scale for every index
                page.append(Match(item, score))
        if not page:
            return Reply(Kind.NOTICE, messages.NO_MORE)
        session.choices, session.answered, session.about = tuple(m.item.id for m in page), None, None
        self._save(where, session)
        return Reply(Kind.MORE, messages.MORE_LEAD.format(question=_short(session.question)), choices=tuple(page))

    def _pick(self, engine: Engine, number: int | None, where: _Where) -> Reply:
        """A number typed after a numbered list opens that entry ("the last one": 0; "that one": None, the only
        entry)."""
        session = self._load(where)
        if session is not None and not session.choices and session.about:
            return Reply(Kind.NOTICE, messages.NO_LIST)
        if session is None or not session.choices:
            return Reply(Kind.NOTICE, messages.NO_SUCH_CHOICE)
        if number is None:
            if len(session.choices) > 1:
                return Reply(Kind.NOTICE, messages.ABOUT_WHICH)
            number = 1
        if not 0 <= number <= len(session.choices):
            return Reply(Kind.NOTICE, messages.NO_SUCH_ENTRY.format(count=len(session.choices)))
        return self._show(engine, session.choices[number - 1], where, session)

    def none_of_these(
        self, user: str, surface: str = "console", *, question_id: str | None = None, thread: str = ""
    ) -> Reply:
        """The user rejected every suggestion: record the question as a gap for the curators.

        Buttons pass the ``question_id`` they were drawn for; a typed "none" uses the thread's last question.
        """
        where = _Where(surface, thread, user)
        session = self._load(where)
        if question_id is None and session is not None:
            question_id = session.question_id
        if session is not None and session.answered is not None:
            session.answered = None
            self._save(where, session)
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
        thread: str = "",
    ) -> Reply:
        """A helpful / not helpful verdict on ``item_id`` (a button, or "yes"/"no" typed after an answer)."""
        where = _Where(surface, thread, user)
        session = self._load(where)
        if session is not None and session.answered == item_id:
            session.answered = None  # feedback is given once per answer
            self._save(where, session)
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
        counts = theme_counts((engine or self.engine).items)
        if not counts:
            return Reply(Kind.NOTICE, messages.NO_THEMES)
        return Reply(Kind.THEMES, messages.THEMES_LEAD, themes=tuple(counts.items()))

    def browse(self, engine: Engine, wanted: browsing.Filter, where: _Where) -> Reply:
        """Items filtered by theme or topic, strength and effect ("strong evidence on supervision"), numbered."""
        found = browsing.select(engine, wanted)
        what = browsing.describe(wanted, found.theme)
        if not found.items:
            return Reply(Kind.NOTICE, messages.NOTHING_FILTERED.format(what=_short(what)))
        session = _Session(choices=tuple(i.id for i in found.items))  # a list of its own: no question to continue
        self._save(where, session)
        return Reply(Kind.THEME, f"{_short(what, 200)}:", choices=tuple(Match(i, 0.0) for i in found.items))

    def suggested_prompts(self, limit: int = 4) -> tuple[tuple[str, str], ...]:
        """Up to ``limit`` (title, message) first questions: an example question from each of the largest themes,
        then "Browse the themes" (Slack's agent view shows up to four when someone opens the app)."""
        engine = self.engine
        counts = theme_counts(engine.items)
        prompts: list[tuple[str, str]] = []
        for theme in sorted(counts, key=lambda t: (-counts[t], t)):
            if len(prompts) >= limit - 1:
                break
            asked = {m for _, m in prompts}
            candidates = [q for i in engine.items if theme in i.themes for q in i.questions if q not in asked]
            if candidates:  # a whole question reads best as a first prompt: "Does ... ?" over "fdac evidence"
                question = min(candidates, key=lambda q: (not q.endswith("?"), not 35 <= len(q) <= 75, len(q), q))
                question = question[:1].upper() + question[1:]
                prompts.append((_short(question, 75), question))
        if limit > 0:
            prompts.append((messages.BROWSE_THEMES_PROMPT, "themes"))
        return tuple(prompts[:limit])

    def theme(
        self, engine: Engine, name: str, *, user: str = "console", surface: str = "console", thread: str = ""
    ) -> Reply:
        counts = theme_counts(engine.items)
        found = browsing.find_theme(list(counts), name)
        if found is None:
            return Reply(
                Kind.THEMES,
                f"{messages.UNKNOWN_THEME.format(name=_short(name))} {messages.THEMES_LEAD}",
                themes=tuple(counts.items()),
            )
        items = sorted((i for i in engine.items if found in i.themes), key=lambda i: i.title.lower())
        where = _Where(surface, thread, user)
        session = _Session(choices=tuple(i.id for i in items))  # a list of its own: no question to continue
        self._save(where, session)
        return Reply(Kind.THEME, messages.THEME_LEAD.format(theme=found), choices=tuple(Match(i, 0.0) for i in items))

    def show(
        self, engine: Engine, item_id: str, *, user: str = "console", surface: str = "console", thread: str = ""
    ) -> Reply:
        where = _Where(surface, thread, user)
        return self._show(engine, item_id, where, self._load(where))

    def _show(self, engine: Engine, item_id: str, where: _Where, session: _Session | None) -> Reply:
        """The card for ``item_id`` (or close ids); while it is on screen, a typed yes/no is feedback on it."""
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
        session = session if session is not None else _Session()
        if session.answered != item.id or session.about != item.id:
            session.answered = session.about = item.id
            self._save(where, session)
        return Reply(Kind.ITEM, item.title, item=item)

    # --- state -----------------------------------------------------------------------------------------

    def _load(self, where: _Where) -> _Session | None:
        try:
            saved = self.state.load_state(surface=where.surface, thread=where.thread, user=where.user)
        except Exception:  # a keeper must not raise; if one does, the message is still answered
            log.exception("could not read the conversation state")
            return None
        return _Session.from_json(saved) if saved else None

    def _save(self, where: _Where, session: _Session) -> None:
        try:
            self.state.save_state(surface=where.surface, thread=where.thread, user=where.user, state=session.to_json())
        except Exception:
            log.exception("could not save the conversation state")


@dataclass(frozen=True, slots=True)
class _Where:
    """Whose state, and which: the surface, the conversation or thread on it, and the user."""

    surface: str
    thread: str
    user: str


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
