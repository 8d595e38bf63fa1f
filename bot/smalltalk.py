"""What a short message says besides a question: a greeting, thanks, a request for help or the themes, "more", an
urgent concern, or a verdict on the answer just shown ("brill ta", "useless", "no, I meant MARAC").

``Conversation`` reads these before it asks the engine anything, so small talk is never searched as a topic and a
verdict is recorded as feedback on the answer it is about.
"""

from __future__ import annotations

import re

from bot import followups

GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|morning|afternoon|yo)"
    r"(?: there| all| bot| everyone)?[!. ]*$"
)
THANKS = re.compile(
    r"^(?:(?:brill|brilliant|great|perfect|lovely|fab|ace|amazing|ok|okay)[,!. ]+)?"
    r"(?:thanks|thank you|thank u|thx|ty|cheers|ta|great|brill|brilliant|perfect|lovely|fab|ace|amazing|ok|okay"
    r"|many thanks|kind regards|regards|best wishes|diolch(?: yn fawr)?)"
    r"(?: (?:very much|so much|a lot|loads|mate|again|all))?[!. ]*$"
)
HELP = re.compile(
    r"^(?:\?|h|help|help(?: me)? please|help me|commands|what can you do|how does this work|how do(?:es)? (?:i|we) use "
    r"(?:this|you|it|the bot)|what can you help (?:me )?with|can you help(?: me)?|what (?:do|can) you do|"
    r"what are you|who are you|who made you|are you (?:a )?(?:real|human|a person|a bot|ai|a real person)|"
    r"what is this|what's this|what is this bot|how do i ask)$"
)
"""Asking about the bot itself rather than the evidence: the help text says what it is and what to type."""
THEMES = re.compile(
    r"^(?:themes|topics|theme|browse|list (?:themes|topics)|"
    r"(?:show|list) (?:me )?(?:the |your |all )?(?:themes|topics)|"
    r"what (?:themes|topics)(?: do you| can you)?(?: cover| have| know about)?|what (?:do|can) you cover)$"
)
MORE = re.compile(r"^(?:more+|moar|next|more please|show more|show me more|more results|any more|anymore)$")
"""The next page of results ("moreee" too)."""
BYE = re.compile(r"^(?:bye|goodbye|see you|see ya|cya)[!. ]*$")
URGENT = re.compile(
    r"\b(?:immediate(?:ly)? (?:risk|danger)|in danger|at risk (?:right )?now|right now|tonight|"
    r"(?:has|have|just) disclosed|disclosure|being (?:abused|hurt|hit|beaten)|sexually abused|"
    r"(?:hit|hurt|beat|burn|strangled?|kick)(?:s|ed|ing)? (?:her|him|them|the (?:child|baby|kid))|"
    r"bruis(?:e|es|ed|ing)|injur(?:y|ies|ed)|suicid\w*|kill (?:her|him|them|myself|herself|himself)|"
    r"self[- ]harm(?:ing)? (?:now|tonight)|missing (?:now|tonight)|urgent(?:ly)?|emergency)\b"
)
NONE_OF_THESE = re.compile(r"^(?:none|none of (?:these|them|those)|neither|nope|no)[!. ]*$")
_THANKED = r"(?:(?:thanks|thank you|cheers|ta|brill|great|perfect)[,!. ]+)?"
HELPFUL = re.compile(
    rf"^{_THANKED}(?:y|yes|yep|yeah|helpful|useful|that helped|that helps|it helped|\+1|👍"
    r"|(?:that|this|it)(?:'?s| is| was) (?:really |very |so |super )?(?:helpful|useful|spot on|just what i needed)"
    r"|(?:really|very|super|so) (?:helpful|useful)|spot on|just what i needed)"
    r"(?:[,!. ]+(?:thanks|thank you|cheers|ta))?[!. ]*$"
)
"""Said after an answer: the answer helped ("that's really useful, thanks")."""
_PRAISE = frozenset(
    "helpful useful perfect great brilliant brill lovely fab fabulous ace amazing excellent superb ideal handy "
    "spot-on exactly good nice".split()
)
_THANKS_WORDS = frozenset("thanks thank ta cheers thx thnx thnks ty diolch".split())
_PRAISE_FILLER = frozenset(
    "thanks thank you u ta cheers thx thnx thnks ty diolch yn fawr so very really super much loads a lot that that's "
    "thats this it it's its is was just what i needed wanted was after spot on one stuff for me mate hun babe babes "
    "love pet x xx xxx again all everyone oh wow ok okay yes yeah yep that'll do will".split()
)
"""A message made only of these words and at least one ``_PRAISE`` word says the answer helped ("brill ta",
"great, exactly what i needed", "thank you so much, really useful")."""
NOT_HELPFUL = re.compile(
    r"^(?:not (?:really |quite |exactly )?what i (?:needed|wanted|was after|was looking for|asked|asked for|meant)"
    r"|n|no|nope|nah|not helpful|unhelpful|not useful|not really|👎|useless|meh|rubbish|no good|not quite"
    r"|(?:hmm+|erm+|um+|mm+)[,. ]+not (?:quite|really)"
    r"|(?:that|this|it)(?:'?s| is| was)(?: not|n'?t) (?:helpful|useful|relevant|right|it|quite right|"
    r"what i (?:needed|wanted|asked|meant|was asking|was after))"
    r"|(?:that|this|it) (?:wasn'?t|isn'?t|doesn'?t help|didn'?t help) ?(?:helpful|useful|relevant|right|it|"
    r"what i (?:needed|wanted|asked|meant|was asking|was after))?"
    r"|not what i (?:needed|wanted|was after|was looking for|asked|asked for|meant)|not relevant|wrong (?:one|answer))"
    r"(?:\s*[,:;.!-]\s*|\s+(?:because\s+)?|$)(?P<reason>.*)$",
    re.DOTALL | re.IGNORECASE,
)
DATED = re.compile(r"^(?:(?:a |bit |a bit |too |very |rather |quite |abit )?(?:out of date|outdated|old|dated))\b")
"""An answer judged out of date: not helpful, and the whole message is the reason."""


def verdict(text: str, lowered: str, follow: followups.FollowUp | None) -> tuple[bool, str] | None:
    """(helpful, reason) when a message typed after an answer judges it, else None."""
    if isinstance(follow, followups.Correct):
        return False, text.strip()
    if HELPFUL.match(lowered) or praises(lowered):
        return True, ""
    if DATED.match(lowered):
        return False, text.strip()
    typed = NOT_HELPFUL.match(text.strip())
    if typed and not text.rstrip().endswith("?"):  # "no, what about kinship care?" is a new question
        return False, typed.group("reason").strip()
    return None


_PRAISE_PHRASES = re.compile(r"\b(?:spot on|bang on|that'?ll do|that will do|does the (?:job|trick)|nailed it)\b")


def thanks_only(lowered: str) -> bool:
    """ "ta babes 😘", "cheers hun x", "diolch yn fawr": thanks, and nothing else to answer."""
    words = re.findall(r"[\w'+-]+", lowered)
    return any(w in _THANKS_WORDS for w in words) and all(w in _PRAISE_FILLER for w in words)


def praises(lowered: str) -> bool:
    words = re.findall(r"[\w'+-]+|👍", _PRAISE_PHRASES.sub(" spot-on ", lowered))
    return bool(words) and any(w in _PRAISE for w in words) and all(w in _PRAISE or w in _PRAISE_FILLER for w in words)
