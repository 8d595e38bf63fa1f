"""Follow-ups: a short message that only makes sense after the bot's last reply.

People chat with the bot as with a colleague. After an answer they ask about it without naming it again
("how strong is that?", "link?", "who did the study?", "tell me more"), narrow or widen it ("what about for
teenagers?", "does that apply in Wales?"), correct it ("no, I meant special guardianship") or pick from a list
in words ("the second one"). Read on their own these have no topic, or the wrong one ("in Wales" alone finds the
item on Welsh law). ``parse`` recognises them from the message's whole shape, so a question with a topic of its
own ("how strong is the evidence on FGCs?") is never taken for one; ``Conversation`` answers them from the
thread's state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from bot.browse import EFFECT_PHRASES, STRENGTH_WORDS


class Aspect(StrEnum):
    """What a follow-up asks about the item just shown."""

    STRENGTH = "strength"
    """How far the evidence can be trusted: its strength and what that means."""
    SOURCE = "source"
    """Where it comes from: who, when, where, the links."""
    SHARE = "share"
    """How to pass it on to a team."""
    DETAIL = "detail"
    """More of it: the findings."""


@dataclass(frozen=True, slots=True)
class AboutLast:
    """A question about the item just shown ("how strong is that?")."""

    aspect: Aspect


class Reading(StrEnum):
    """How a refinement relates to the last question."""

    TOGETHER = "together"
    """It points back ("does that apply in Wales?", "same for kinship carers?"): only ever read with it."""
    NARROWS = "narrows"
    """It adds a condition ("what about in Wales?", "and for teenagers?"): read with it first; on its own only
    when that finds nothing ("in Wales" alone would find the item on Welsh law)."""
    EITHER = "either"
    """It names something ("what about FGCs?", "and county lines?"): a new question or a narrower one."""


@dataclass(frozen=True, slots=True)
class Refine:
    """The last question again, narrowed or moved ("what about for dads?"); ``rest`` is what is added."""

    rest: str
    reading: Reading


@dataclass(frozen=True, slots=True)
class Narrow:
    """The last question's results, only those of a strength or effect ("only strong evidence pls")."""

    strength: str | None
    effect: str | None


@dataclass(frozen=True, slots=True)
class Correct:
    """The last answer was not what was meant, and this is ("no, I meant special guardianship"); ``none_fit``
    when it also turns down the last list ("none of these, I meant missing from education")."""

    rest: str
    none_fit: bool = False


@dataclass(frozen=True, slots=True)
class Pick:
    """An entry of the last numbered list, in words ("the second one", "number 2"); 0 is the last entry, None
    "that one" (the only entry, if there is only one)."""

    number: int | None


FollowUp = AboutLast | Refine | Correct | Pick | Narrow

_OPENER = (
    r"(?:thank you so much|thanks so much|thank you|thanks|okay|ok|k|thx|thnx|thnks|ta|cheers|diolch yn fawr|diolch|"
    r"great|cool|nice|brilliant|brill|interesting|right|hmm+|ah|oh|hiya|hi|hey|lol|soz|sorry|"
    r"and also|and|so|but|also|quick one|one more thing|lovely|perfect|fab|that's (?:really )?(?:helpful|useful|great)|"
    r"(?:do|does) (?:you|u|anyone) know(?: if| whether)?|any idea(?: if| whether)?|i was wondering(?: if| whether)?)"
)
"""Longest first: an opener that is the start of a longer one ("thanks" of "thanks so much") comes after it."""
_LEAD_IN = re.compile(
    rf"^(?:(?:(?:really|so|very) )?{_OPENER}(?:\s+(?:[a-z][a-z'-]*|x+))?\s?[,!.:;-]+\s+|{_OPENER}\s+|x+\s+)+"
)
"""Words that open a follow-up without changing it: "ok thanks, how strong is it?", "thanks Sarah, link?", "ta x
where's that from", "do you know if that was done in the UK?". A word after an opener (a name, "hun") goes with it
only when a comma or full stop follows."""
_POLITE = (
    r"(?:\s+(?:please|pls|plz|then|again|mate|hun|at all|really|actually|tho|though|or not|or what|or nah|or no|"
    r"or is it american stuff|or is it american|or american|or not really|do you think|d'you think|"
    r"would you say|in your view|x+))*"
)

_BACK = r"(?:that|this|it|these|those|they|them|that one|this one)"
"""Words pointing back at the item just shown."""
_THING = (
    r"(?:evidence|research|study|studies|trial|trials|review|paper|report|item|finding|findings|result|results|data|"
    r"stuff|source|article|info|information|evaluation|one|summary|programme|intervention|model|approach)"
)
_THE_THING = rf"(?:{_BACK}(?:\s+{_THING})?|the\s+{_THING}|the\s+evidence\s+(?:base|for\s+{_BACK}|behind\s+{_BACK}))"
""""that", "that study", "the evidence", "the evidence for that"."""
_TRUSTED = (
    r"(?:strong|good|robust|reliable|solid|trustworthy|convincing|sound|rigorous|credible|valid|big|large|"
    r"high quality|good quality|any good|legit|proven|evidence[- ]based|peer[- ]reviewed|well evidenced)"
)
_TRIAL = (
    r"(?:rct|an rct|randomi[sz]ed|controlled|"
    r"a (?:proper|real|good|big|randomi[sz]ed|controlled) (?:study|trial|rct|evaluation))"
)

_ASPECTS: tuple[tuple[Aspect, re.Pattern[str]], ...] = (
    (
        Aspect.STRENGTH,
        re.compile(
            rf"^(?:how {_TRUSTED}(?:\s+(?:is|was|are|were))?(?:\s+{_THE_THING})?(?:\s+(?:evidence|research))?"
            rf"|(?:is|was|are|were) {_THE_THING}\s+(?:even |actually |really |genuinely )?(?:{_TRUSTED}|{_TRIAL})"
            rf"(?:\s+(?:evidence|research|study))?"
            rf"|(?:is|was) (?:there|it) (?:a|an) (?:rct|trial|randomi[sz]ed (?:controlled )?trial|control group)"
            rf"|(?:what(?:'s| is| was| are| were)?|whats) the (?:strength|quality|standard|level|grade|rating|"
            rf"methodology|method|methods|design|sample|sample size)(?: of (?:evidence|{_THE_THING}))?(?: like)?"
            rf"|(?:what(?:'s| is)|whats|how(?:'s| is)) (?:the evidence|the research|{_THE_THING}) like"
            rf"|(?:can|could|should) (?:i|we|you) (?:trust|rely on|believe|quote|cite) {_THE_THING}"
            rf"|(?:strength|quality|standard|level)(?: of (?:the )?evidence)?|evidence (?:strength|quality|level)"
            rf"|is there (?:any |good |much )?(?:evidence|research|proof) (?:that )?{_BACK} "
            rf"(?:works|helps|worked|helped)"
            rf"|(?:roughly |approximately |about )?how (?:many|much) (?:people|families|children|kids|participants|"
            rf"councils|las|women|men|mums|mothers|"
            rf"dads|fathers|parents|carers|young people|schools|sites|areas|cases)"
            rf"(?: (?:were|was|did they))?(?: (?:in|involved|studied|included))?(?: in)?(?: {_THE_THING})?"
            rf"|how sure (?:are|can) (?:we|they|you)(?: be)?(?: (?:about|of) {_THE_THING})?"
            rf"|(?:does|did|do|will|would) {_BACK} (?:actually |really |even )?(?:work|help|make a difference|"
            rf"have an effect|have any effect|do anything|change anything|improve (?:things|outcomes|anything))"
            rf"|rct|is it an rct){_POLITE}$"
        ),
    ),
    (
        Aspect.SOURCE,
        re.compile(
            rf"^(?:(?:where|who)(?:'s| is| was| does| did| are)? {_THE_THING}(?: come| coming)? from"
            rf"|(?:the )?(?:source|sources|link|links|reference|references|citation|citations|url|full report|"
            rf"original (?:study|paper|report|source))"
            rf"|(?:can|could|would) (?:you|u|i|we) (?:send|share|give|have|get|post|see|read|find)(?: me| us)? "
            rf"(?:the |a |that |its |their )?(?:link|links|source|sources|reference|references|paper|report|"
            rf"full report|original|study|research)(?: for {_BACK})?"
            rf"|(?:have you got|you got|got|any|is there|are there) (?:a |the |any )?(?:link|links|source|sources|"
            rf"reference|references)(?: (?:for|to) {_THE_THING})?(?: (?:i|we) (?:can|could) (?:read|look at|use|send|"
            rf"share|follow|check)| to (?:read|look at|share|send|check))?"
            rf"|(?:who|what)(?:'s|s| is| was| are| were) the (?:source|sources|author|authors|publisher|evaluator|"
            rf"evaluators|researcher|researchers|reference|references|citation)"
            rf"|who (?:did|wrote|ran|published|carried out|funded|commissioned|led|conducted|evaluated|is behind) "
            rf"(?:{_THE_THING}|the (?:study|research|evaluation|review|trial|report))"
            rf"|(?:when|what year) (?:was|were|is|did) (?:{_THE_THING}) (?:published|done|written|carried out|run|from|"
            rf"come out|out|released)"
            rf"|how (?:old|recent|new|up to date|current) (?:is|are|was) {_THE_THING}"
            rf"|(?:(?:is|was|are|were) {_THE_THING}|{_THE_THING} (?:is|was|are|were)) "
            rf"(?:done|carried out|run|based|published|researched) (?:in|from) (?:the )?"
            rf"(?:uk|england|wales|britain|scotland|us|usa|states|america|abroad)(?: or (?:the )?\w+)?"
            rf"|(?:is|was|are|were) {_THE_THING} (?:from )?(?:the )?(?:uk|english|british|england|welsh|wales|scottish|"
            rf"american|us|usa|from the us|from abroad|international|recent|up to date|current|new|old|out of date|"
            rf"dated|published)(?: or (?:the )?\w+)?(?:\s+(?:research|based|evidence|study|studies|data))?"
            rf"|where (?:can|do|could) (?:i|we) (?:read|find|get|see) (?:more|it|that|the (?:full|whole) "
            rf"(?:thing|report|study|paper)|the (?:study|report|paper|research))){_POLITE}$"
        ),
    ),
    (
        Aspect.SHARE,
        re.compile(
            rf"^(?:(?:can|could|how do|how can|should|may) (?:i|we|you|u) (?:share|send|forward|post|pass on|pass) "
            rf"{_BACK}(?: on)?(?: (?:with|to|in) .+)?"
            rf"|(?:share|forward|post|send) {_BACK}(?: (?:with|to|in) .+)?"
            rf"|how do (?:i|we|you) share(?: {_BACK})?|is there a share button){_POLITE}$"
        ),
    ),
    (
        Aspect.DETAIL,
        re.compile(
            rf"^(?:(?:tell|show|give) (?:me|us) more(?: (?:about|on) {_THE_THING})?"
            rf"|(?:say|explain) more(?: (?:about|on) {_THE_THING})?"
            rf"|more (?:detail|details|info|information)(?: (?:on|about) {_THE_THING})?"
            rf"|(?:any|got any) more (?:detail|details|info|information)(?: (?:on|about) {_THE_THING})?"
            rf"|(?:what|wot|wat) (?:did|do|does) {_THE_THING} (?:actually )?(?:find|show|say|conclude|recommend|"
            rf"find out|measure|look at)"
            rf"|(?:what(?:'s| are| were| was)?|whats) the (?:key |main )?(?:findings|results|outcomes|conclusions|"
            rf"headlines|key points|main points)"
            rf"|(?:key|main) (?:findings|results|points)|findings|go on|expand(?: on {_THE_THING})?"
            rf"|(?:show|open) (?:me )?(?:{_THE_THING}|the full (?:card|item|thing|version|summary))"
            rf"|(?:the )?full (?:card|item|details|version|summary)|in more detail"
            rf"|(?:can|could) (?:you|u) (?:tell|give) (?:me|us) more(?: (?:about|on) {_THE_THING})?){_POLITE}$"
        ),
    ),
)

_REFINE = re.compile(
    r"^(?:(?:and|but|ok|okay|so)\s+)?(?:what|how|wot) about\s+(?P<open>.+)$"
    r"|^(?:and|also|but)\s+(?P<and>(?:for|with|in|on|about|if|when|at)\s+.+)$"
    r"|^(?:and|also)\s+(?P<bare>[^\s]+(?:\s+[^\s]+){0,2})$"
    r"|^(?:any|anything|is there anything|got anything)\s+(?P<any>(?:for|with|in|about)\s+.+)$"
)
"""A follow-up that may narrow the last question or ask a new one: "what about FGCs?" or "what about dads?"."""
_REFINE_BACK = re.compile(
    r"^(?:(?:is|are|was|does|do|would|will|could|can) (?:that|this|it|the same|these|those|they|this one|that one|"
    r"the evidence|the research|the findings)\s+"
    r"(?:also |still |even )?(?:apply|applies|work|works|hold|count|help|be true|true|the same|relevant|used|"
    r"be used|happen|exist|available|done|carry over|transfer)"
    r"\s+(?:to|for|in|with|on|at|across|among)\s+(?P<back>.+)"
    r"|(?:same|the same|ditto|similar)(?: thing| question| evidence)? (?:for|with|in|about|on) (?P<same>.+)"
    r"|(?:any|anything|is there anything|got anything|is there any)(?: similar| like that| like this| the same)"
    r"(?: (?:for|with|in|on|about))? (?P<similar>.+)"
    r"|(?:is there|are there|have you got|got|any) (?:a |an |any )?(?P<thing>.+?) (?:on|for|about|from) "
    r"(?:that|this|it|them|those))$"
)
"""A follow-up that points back at the last question: it is read together with it."""

_TRAILING = re.compile(r"(?:\s+(?:though|tho|then|too|as well|also|please|pls|instead))+$")

_LEVELS = "|".join(sorted((*STRENGTH_WORDS, *EFFECT_PHRASES), key=len, reverse=True))
_NARROW = re.compile(
    rf"^(?:(?:only|just)\s+(?:the\s+)?(?:ones?\s+|items?\s+|stuff\s+|studies\s+|research\s+|evidence\s+)?"
    rf"(?:with\s+|that (?:has|have|had|show|shows|found)\s+)?(?P<a>{_LEVELS})"
    rf"(?:\s+(?:evidence|ones?|studies|research|items|results|effects?|stuff))?(?:\s+only)?"
    rf"|(?P<b>{_LEVELS})(?:\s+(?:evidence|ones?|studies|research|items|stuff))?\s+only"
    rf"|(?:any|are there any|is there any|anything)(?: with| that (?:has|have|had|show|shows|found))?"
    rf"\s+(?P<c>{_LEVELS})"
    rf"(?:\s+(?:evidence|ones?|studies|research))?(?: (?:on|for|about) (?:that|this|it))?)"
    r"(?:\s+(?:please|pls|plz|thanks))?$"
)
"""Only the last results of one strength or effect: "only strong evidence pls", "just the ones with no effect"."""

_NONE_FIT = re.compile(r"^(?:none of (?:these|them|those)|none|neither(?: of them)?)\b[,.!:;-]*\s*")
_CORRECT = re.compile(
    r"^(?:(?:(?:no|nope|nah|sorry|oops|not that|not that one|wrong one|my bad|actually)[,.!:;-]*\s+)+"
    r"i (?:meant|mean|was asking about|was after|wanted|was wanting|want|need|needed|was looking for)"
    r"|(?:[\w'-]+[,.!:;-]*\s+){0,3}?i (?:meant|was asking about|was on about))"
    r"(?:\s+(?:evidence|research|stuff|something|anything|info|information|the one|the thing))?"
    r"(?:\s+(?:on|about|for|re|regarding))?\s+(?P<rest>.+)$"
    r"|^(?:no|not that|not that one|wrong one)[,.!:;-]*\s+(?:the one|the thing|something|the evidence|the research)"
    r"\s+(?:on|about|for|re|regarding)\s+(?P<about>.+)$"
)

_ORDINALS = {
    "first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3, "3rd": 3, "three": 3,
    "fourth": 4, "4th": 4, "four": 4, "fifth": 5, "5th": 5, "five": 5, "last": 0, "bottom": 0, "top": 1,
}  # fmt: skip
_PICK = re.compile(
    r"^(?:(?:ok|okay|yes|yeah|yep|go with|i'll take|id like|i'd like|can i see|can i have|show me|open|let's see)\s+)?"
    r"(?:the\s+)?(?:(?:number|num|no\.?|option|item|choice|#)\s*)?"
    rf"(?P<n>\d{{1,2}}|{'|'.join(_ORDINALS)})"
    r"(?:\s+(?:one|option|item|choice|on the list|in the list))?(?:\s+(?:please|pls|plz|thanks))?$"
    r"|^(?:(?:yeah|yes|yep|ok|okay)\s+)?(?:that|this) one(?:\s+(?:please|pls|plz|thanks))?$"
)


_WORDS = (
    "evidence research strong study studies published source sources findings reference references reliable "
    "robust trial randomised sample conclude evaluation quality strength"
).split()
"""Words of the follow-up patterns; a misspelling of one (five letters or more) is read as it ("evidnce")."""
_SHORTHAND = {
    "hw": "how",
    "wot": "what",
    "wat": "what",
    "wht": "what",
    "wots": "what's",
    "wats": "what's",
    "da": "the",
    "u": "you",
    "ur": "your",
    "gd": "good",
    "tht": "that",
    "dat": "that",
    "moar": "more",
}
MAX_CONDITION_WORDS = 5
"""A condition longer than this ("anything for mums who've had several babies removed, to break the cycle?") is
a question in its own right, so it is also read alone."""
_NOT_WORDS = re.compile(r"[?]|[^\w\s'&/().,:;£%+#-]")
"""Question marks, emoji and other symbols: "Is it UK? or US?", "TA 😘" are read without them (an exclamation mark
is read as a comma first)."""
_PREPOSITION = re.compile(r"^(?:for|in|with|at|on|among|amongst|across|when|if|where|during|after|before|outside)\s")


def parse(text: str) -> FollowUp | None:
    """The follow-up ``text`` is, or None when it is a message of its own.

    What a refinement or a correction adds is returned as the user wrote it, capitals and all, so the names in it
    are found and removed like any question's before it is stored or repeated back."""
    written = text.replace("’", "'").replace("‘", "'").replace("!", ",")  # "Thanks Jo! Was that an RCT?"
    written = " ".join(_NOT_WORDS.sub(" ", written).split()).strip(" .,")
    if not written or len(written) > 200:
        return None
    typed = written.lower()
    if len(typed) != len(written):  # a rare letter whose lower case is longer: the casing cannot be mapped back
        written = typed
    plain = _LEAD_IN.sub("", typed).strip(" .,") or typed
    spelt = " ".join(_respelt(word) for word in plain.split())
    if (pick := _PICK.match(spelt)) is not None:
        n = pick.group("n")
        return Pick(None if n is None else int(n) if n.isdigit() else _ORDINALS[n])
    if (refine := _REFINE.match(typed)) is not None:  # before the lead-in goes: "and for teenagers?"
        return _refine(_cased(written, typed, typed, refine))
    for aspect, pattern in _ASPECTS:
        if pattern.match(spelt):
            return AboutLast(aspect)
    if (narrow := _NARROW.match(spelt)) is not None:
        level = next(g for g in narrow.groups() if g)
        return Narrow(strength=STRENGTH_WORDS.get(level), effect=EFFECT_PHRASES.get(level))
    none_fit = _NONE_FIT.match(plain)
    after_none = plain[none_fit.end() :] if none_fit else plain
    if (correct := _CORRECT.match(after_none)) is not None:
        rest = _cased(written, typed, after_none, correct).strip(" ,.")
        return Correct(rest, none_fit=none_fit is not None) if rest else None
    if (back := _REFINE_BACK.match(plain)) is not None:
        rest = _TRAILING.sub("", _cased(written, typed, plain, back)).strip(" ,.")
        if re.fullmatch(rf"(?:(?:more|other|any|some|the|proper|actual|real|good)\s+)*{_THING}", rest.lower()):
            return AboutLast(Aspect.DETAIL)  # "is there any research on it?": the card is the research
        reading = Reading.TOGETHER if len(rest.split()) <= MAX_CONDITION_WORDS else Reading.EITHER
        return Refine(rest, reading)
    if (refine := _REFINE.match(plain)) is not None:
        return _refine(_cased(written, typed, plain, refine))
    return None


def _cased(written: str, typed: str, part: str, found: re.Match[str]) -> str:
    """The text of ``found``'s group (matched in ``part``, a stretch of ``typed``) as ``written``."""
    group = next(n for n, g in enumerate(found.groups(), 1) if g)
    start = typed.find(part) + found.start(group)
    return written[start : start + found.end(group) - found.start(group)]


def _refine(added: str) -> Refine:
    rest = _TRAILING.sub("", added).strip(" ,.")
    narrows = _PREPOSITION.match(rest.lower() + " ") and len(rest.split()) <= MAX_CONDITION_WORDS
    return Refine(rest, Reading.NARROWS if narrows else Reading.EITHER)


def _respelt(word: str) -> str:
    if word in _SHORTHAND:
        return _SHORTHAND[word]
    if len(word) < 5 or word in _WORDS or not word.isalpha():
        return word
    best = process.extractOne(word, _WORDS, scorer=fuzz.ratio, score_cutoff=85)
    return best[0] if best else word
