"""Text handling shared by matching, the glossary and redaction.

Chat text arrives with full-width characters, zero-width joiners, non-breaking spaces, the odd lone
surrogate, American spellings and texting shorthand. Everything that reads a question first passes it
through ``clean_unicode`` so the same text always looks the same (and a regex cannot be dodged with an
invisible character); the engine then turns it into *terms* with ``terms_of``: lower case, British
spelling, shorthand expanded, stop words dropped, words stemmed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_unicode(text: str) -> str:
    """NFKC-normalise, drop format characters (zero-width and bidi marks) and lone surrogates, fold spaces.

    Control characters (NUL and friends) become spaces; lone surrogates become U+FFFD. The result can
    always be encoded as UTF-8, so it is safe to store and to log.
    """
    text = _SURROGATES.sub("\ufffd", text)
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":
            continue
        out.append(" " if cat in ("Cc", "Cs") else ch)
    return _SPACES.sub(" ", "".join(out)).strip()


# --- pasted mail -------------------------------------------------------------------------------------

_MAIL_FURNITURE = re.compile(
    r"\b(?:sent from (?:my )?(?:iphone|ipad|android(?: phone)?|samsung(?: galaxy)?(?: smartphone)?|galaxy|mobile|phone|"
    r"outlook(?: for (?:ios|android))?)"
    r"|get outlook for (?:ios|android)"
    r"|on (?:mon|tue|wed|thu|fri|sat|sun|\d{1,2} [a-z]{3})[^\n]{0,80}?\bwrote:\s*(?:> ?)*"
    r"|-{2,} ?(?:original|forwarded) message ?-{2,})"
    r"|^[ \t]*(?:(?:fw|fwd|re) ?: ?)+"
    r"|^[ \t]*(?:> ?)+"
    r"|^[ \t]*(?:from|sent|to|cc|date) ?:[^\n]*?(?=\bsubject ?:|$)"
    r"|^[ \t]*subject ?: ?",
    re.IGNORECASE | re.MULTILINE,
)
"""What a mail client adds to a pasted or forwarded message: "Sent from my iPhone", "On Tue, 3 Dec ... wrote:",
quote marks, "FW:", header lines. Read as words, it is a second topic ("sent", "phone") beside the question."""
_SIGN_OFF_LINE = re.compile(
    r"^[ \t]*(?:thanks|thank you|many thanks|thanks in advance|kind regards|regards|best wishes|best|cheers|ta|"
    r"warm regards|all the best|diolch(?: yn fawr)?)[ \t]*[,.!]?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE = re.compile(
    r"\b(?:thanks|thank you|many thanks|kind regards|regards|best wishes|cheers)[,.!]?\s+[^?\n|]*\|[^?\n]*$",
    re.IGNORECASE,
)
"""A one-line signature with its parts set apart by bars: "Thanks, Jo Bloggs | Senior Practitioner | 07700 900123"."""


def without_mail_furniture(text: str) -> str:
    """The message without what a mail client or a signature adds: after a sign-off on a line of its own
    ("Kind regards,") the rest (the name, job title and phone number under it) goes too, unless it asks something."""
    text = _MAIL_FURNITURE.sub(" ", text)
    sign_off = _SIGN_OFF_LINE.search(text)
    if sign_off is not None and sign_off.start() > 0 and "?" not in text[sign_off.end() :]:
        text = text[: sign_off.start()]
    signature = _SIGNATURE.search(text)
    return text[: signature.start()] if signature is not None and text[: signature.start()].strip() else text


_EMOJI_CODE = re.compile(r"(?<![\w:]):(?=[a-z0-9_+'-]*[a-z])[a-z0-9_+'-]{2,40}:(?![\w:])")
"""An emoji typed as a shortcode in Slack or Teams (":thinking_face:", ":sos:"), which names no topic."""
_STRUCK = re.compile(r"~~[^~\n]{1,200}~~|(?<![\w~])~[^~\n]{1,200}~(?![\w~])")
"""Struck-through text ("~~signs of safety~~" in Markdown, "~signs of safety~" in Slack): taken back by its writer."""


def without_chat_markup(text: str) -> str:
    """The message without emoji shortcodes and struck-through text: ":sos: county lines" is about county lines."""
    if ":" in text:
        text = _EMOJI_CODE.sub(" ", text)
    return _STRUCK.sub(" ", text) if "~" in text else text


# --- words -------------------------------------------------------------------------------------------

# Chat filler removed as whole phrases before splitting into words ("quick one", "does anyone know"). "What works"
# opens a question ("what works for neglect?") but also starts names ("What Works for Children's Social Care", "What
# Works Centre"): with a capital on "Works" alone it is a name and stays, so the glossary's form of the name is not cut
# down to "for children's social care", which would then be read in "what changes for children's social care".
_FILLER_PHRASES = re.compile(
    r"\b(?:quick (?:one|question|q)|just (?:wondering|checking)|i was wondering|i'?m wondering|"
    r"does anyone know|do you know|can you tell me|could you tell me|can you help|could you help|"
    r"any ideas|help me find|i need to know|i want to know|what (?-i:works|WORKS)|is there any|are there any|"
    r"what is the|what's the|whats the|thank you|thanks a lot|many thanks|good (?:morning|afternoon|evening)|"
    # greetings and thanks in Welsh, common in Welsh councils whatever the language of the message ("bore da"
    # would otherwise be read as "domestic abuse")
    r"bore da|prynhawn da|noswaith dda|nos da|da iawn|iechyd da|shwmae|diolch yn fawr|diolch|hwyl fawr|"
    # the label left when a date of birth is removed ("DOB [date of birth]")
    r"d\.?o\.?b)\b(?!['’])",  # not the start of a word with an apostrophe ("quick q's": one reading of it)
    re.IGNORECASE,
)

# Texting and note-taking shorthand that is not specific to social care (that lives in the glossary).
SHORTHAND: dict[str, str] = {
    "u": "you",
    "r": "are",
    "ur": "your",
    "kids": "children",
    "kid": "child",
    "kiddies": "children",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
    "grp": "group",
    "grps": "groups",
    "govt": "government",
    "gov": "government",
    "mgmt": "management",
    "mgr": "manager",
    "dept": "department",
    "abt": "about",
    "wat": "what",
    "wot": "what",
    "b4": "before",
    "ppl": "people",
    "bc": "because",
    "cos": "because",
    "coz": "because",
    "esp": "especially",
    "info": "information",
    "stats": "statistics",
    "eval": "evaluation",
    "evals": "evaluations",
    "evid": "evidence",
    "prog": "programme",
    "progs": "programmes",
    "w": "with",
    "wrt": "regarding",
    "re": "regarding",
    "approx": "approximately",
    "yrs": "years",
    "yr": "year",
    "mths": "months",
    "tho": "though",
    "thru": "through",
    "vs": "versus",
    "v": "versus",
    "n": "and",
    "nd": "and",
    "intervs": "interventions",
    "interv": "intervention",
    "supervsn": "supervision",
    "mtg": "meeting",
    "mtgs": "meetings",
    "assmt": "assessment",
    "assmts": "assessments",
    "sw's": "social workers",
    "fam": "family",
    "grad": "graduate",
    "grads": "graduates",
    "postgrad": "postgraduate",
    "postgrads": "postgraduates",
    "meds": "medication",
    "uni": "university",
    "indy": "independent",
    "diff": "difference",
    "org": "organisation",
    "orgs": "organisations",
    "nos": "numbers",
    "tx": "treatment",
    "appt": "appointment",
    "appts": "appointments",
    "indep": "independent",
    "wk": "week",
    "wks": "weeks",
    "hrs": "hours",
    "shd": "should",
    "wld": "would",
    "cld": "could",
    "prolly": "probably",
    "defo": "definitely",
    "obvs": "obviously",
    "poss": "possible",
    "tmrw": "tomorrow",
    "owt": "anything",
    "yoot": "youth",
    "yute": "youth",
    "paed": "paediatrician",
    "paeds": "paediatricians",
    "tldr": "in short",
    "nowt": "nothing",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "dunno": "do not know",
    "kinda": "kind of",
    "sorta": "sort of",
    "cuz": "because",
    "bcos": "because",
    "any1": "anyone",
    "some1": "someone",
    "every1": "everyone",
    "2day": "today",
    "tbh": "to be honest",
    "imo": "in my opinion",
    "atm": "at the moment",
    "rly": "really",
    "q": "question",
    "qs": "questions",
    # everyday words for people
    "lad": "boy",
    "lads": "boys",
    "lass": "girl",
    "lasses": "girls",
    "nan": "grandmother",
    "nana": "grandmother",
    "nanna": "grandmother",
    "gran": "grandmother",
}

# American -> British spellings the sector writes; -ize/-yze endings are handled by rule below.
SPELLINGS: dict[str, str] = {
    "behavior": "behaviour",
    "behaviors": "behaviours",
    "behavioral": "behavioural",
    "center": "centre",
    "centers": "centres",
    "program": "programme",
    "programs": "programmes",
    "color": "colour",
    "neighborhood": "neighbourhood",
    "neighborhoods": "neighbourhoods",
    "favor": "favour",
    "labor": "labour",
    "honor": "honour",
    "counselor": "counsellor",
    "counselors": "counsellors",
    "counseling": "counselling",
    "defense": "defence",
    "offense": "offence",
    "offenses": "offences",
    "license": "licence",
    "pediatric": "paediatric",
    "pediatrician": "paediatrician",
    "fetal": "foetal",
    "mom": "mum",
    "moms": "mums",
    "mommy": "mummy",
    "catalog": "catalogue",
    "dialog": "dialogue",
    "modeling": "modelling",
    "traveling": "travelling",
    "enrollment": "enrolment",
    "fulfill": "fulfil",
    "judgment": "judgement",
    "judgments": "judgements",
    "aging": "ageing",
    "gray": "grey",
    "practice's": "practice",
    "practise": "practice",
    "practised": "practiced",
    "analyzed": "analysed",
    "mold": "mould",
    "skeptical": "sceptical",
    "esthetic": "aesthetic",
    "anemia": "anaemia",
    "kindergarten": "nursery",
    "daycare": "nursery",
    "day-care": "nursery",
}
_IZE = re.compile(r"^(\w{3,})(iz|yz)(e|es|ed|ing|ation|ations|er|ers)$")
_IZE_KEEP = frozenset(
    {
        "size",
        "sizes",
        "sized",
        "prize",
        "prizes",
        "seize",
        "seized",
        "seizes",
        "seizing",
        "capsize",
        "maize",
        "baize",
        "citizen",
        "citizens",
        "downsize",
        "downsized",
    }
)

STOP_WORDS = frozenset(
    """
    a abit about above actually after afternoon again against all also am an and any anybody anyone anything
    are aren arent as ask asked asking asks at basically be because been before being below best better
    between bit both btw but by came can cannot cant cheers come comes coming could couldn couldnt currently d
    data did didn didnt do does doesn doesnt doing don dont down during each effective effectiveness else etc
    evening ever every everyone evidence few find finding findings folks for from further fyi genuine
    genuinely get gets getting give given gives go goes going gone good got guys had has hasn hasnt have haven
    havent having he hear heard hello help helped helpful helping helps her here heres hers herself hes hey hi
    him himself his hiya honestly how i id if ill im in into is isn isnt it its itself ive just keep keeps
    kept kind kinds know last let lets like literature ll look looking lot lots m made make makes making many may
    maybe me mean means meant might mine more morning most much must my myself need needs new next no nor not
    now o of off on once one ones only or other our ours ourselves out over own paper papers perhaps please
    pointers probably put putting question quick quite random re real really recently report reports research
    researches s said same say says see seem seemed seems shall she shes should shouldn shouldnt show shows so
    some somebody someone something soon sort studied studies study such sure t ta tbh team tell than thank
    thanks that thats the their theirs them themselves then there theres these they theyd theyre theyve thing
    things think thinking thinks this those thought through to today too tried tries try trying type types
    under until up upon us use used useful using ve very via want wanted wanting wants was wasn wasnt we wed
    week weeks well went were weren weve what whats when where whether which while who whom whose why will
    with within without won wonder wondered wondering wont work worked working works would wouldn wouldnt y
    yes yesterday yet you youd your youre yours yourself yourselves youve
    aint couldve hadnt hows itll mightnt mightve mustnt mustve neednt shant shouldve thatll theyll whatre wheres
    whos whove wouldve yall youll
    evidenced evidences evidencing evidential researched researching
    hmm hmmm hm mm mmm erm errm um umm uh uhh ah ahh oh ooh eh ok okay oops
    """.split()
)
"""Words that frame a question rather than name its topic. In an evidence bot "evidence", "research" and
"does it work" carry no information: every item is evidence about what works. Glossary forms are never
treated as stop words (see ``Glossary``), so short acronyms such as CP, EH or DA always survive. Contractions
typed without their apostrophe ("whove", "shouldve") are here too; with it, they are spelt out ("who have").
Interjections ("hmm", "erm", "oh ok") are here so that a message of nothing else has no topic: it is not
searched, and the answer before it can still be followed up."""

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_AGE = re.compile(r"^(\d{1,2})(yo|yos|yro|yrold|yrolds|yr|yrs)$")
"""An age or a span written as chat shorthand: "14yo" is read as "14 year old", "3yrs" as "3 years"."""
_AGE_AFTER_NUMBER = frozenset({"yo", "yos", "yro", "yrold", "yrolds"})
"""Age shorthand written apart from its number ("14 yo")."""
_SECTION = re.compile(r"(?<![\w'’])(?:[sS](?:ec)?\.? ?|[sS]ection)(\d{1,3})\b")
"""A section of an Act written with a full stop or a space, or run together ("s.47", "S. 20", "sec 17",
"section47"), as "s47"."""
_AMPERSAND = re.compile(r"\s&\s")
"""An ampersand between words is "and" ("Safe & Together", "drug & alcohol court")."""
_AGE_WORDS = frozenset({"age", "aged", "ages"})
SHOUTED_WORDS = 5
"""A message of at least this many words with no lower-case letter is read as if its capitals were not there."""
_BEFORE_DAD = frozenset({"me", "my", "yer", "your", "his", "her", "their", "our"})
"""Words before "da" when it means "dad", as in much of the north, Scotland and Ireland ("me da", "her da"):
typed in lower case after them it is not DA (domestic abuse)."""
_MUM = frozenset({"mam", "mum", "ma", "mom", "mammy", "mummy"})


def _in_context(
    word: str, out: list[tuple[str, bool]], n: int, *, possessive: bool, caps: bool, apart: set[int]
) -> str:
    """A word that means something else beside its neighbours: a lone "4" between words is "for" ("support 4
    families", not "Osian, 4 and 6" or "aged 4 or 5"), "da" after "me" or "her" is "dad" (``_means_dad``), and "pa"
    after an amount is per year ("38k pa", "£20 pa"), not a personal adviser."""
    if word == "4" and 0 < n < len(out) - 1 and out[n - 1][0].isalpha() and out[n + 1][0].isalpha():
        as_number = n in apart or n + 1 in apart or out[n - 1][0] in _AGE_WORDS
        return "4" if as_number or (n + 2 < len(out) and out[n + 2][0].isdigit()) else "for"
    if word == "da" and not caps and _means_dad(out, n, possessive):
        return "dad"
    if word == "pa" and not caps and n > 0 and any(ch.isdigit() for ch in out[n - 1][0]):
        return "per year"
    return word


def _means_dad(out: list[tuple[str, bool]], n: int, possessive: bool) -> bool:
    """Whether "da" (in lower case) at ``out[n]`` is "dad": after "me", "her"... or a possessive ("the bairn's da"),
    after "mam and", or itself possessive ("da's back on the scene"), which DA, domestic abuse, is not."""
    before = out[n - 1][0] if n > 0 else ""
    if possessive or before in _BEFORE_DAD or before.endswith("'s"):
        return True
    return before in ("and", "n") and n > 1 and out[n - 2][0] in _MUM


_stemmer = Stemmer.Stemmer("english")


# Plurals the stemmer leaves apart ("children" and "child" must meet).
_IRREGULAR = {
    "children": "child",
    "childrens": "child",
    "kids": "kid",
    "people": "person",
    "men": "man",
    "women": "woman",
    "wives": "wife",
    "lives": "life",
    "babies": "baby",
    "families": "family",
}

# Words the stemmer cuts back to a word of another meaning ("mindfulness" -> "mind", "careful" -> "care"),
# which would match "Mind of My Own" or every item about care. They keep a stem of their own, as Lucene's
# StemmerOverrideFilter does.
_OWN_STEM = {
    "mindful": "mindful",
    "mindfully": "mindful",
    "mindfulness": "mindful",
    "careful": "careful",
    "carefully": "careful",
    "carefulness": "careful",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem of one lower-case word, cached: questions reuse a small vocabulary."""
    own = _OWN_STEM.get(word)
    return own if own is not None else str(_stemmer.stemWord(_IRREGULAR.get(word, word)))


@lru_cache(maxsize=65536)
def british(word: str) -> str:
    """Map one lower-case American spelling to the British one the evidence base uses."""
    mapped = SPELLINGS.get(word)
    if mapped:
        return mapped
    if word in _IZE_KEEP:
        return word
    m = _IZE.match(word)
    if m:
        return m.group(1) + ("is" if m.group(2) == "iz" else "ys") + m.group(3)
    return word


_CONTRACTION = re.compile(r"^([a-z0-9]+?)(n't|'ve|'ll|'re|'d|'m)$")
_CONTRACTED = {"n't": "not", "'ve": "have", "'ll": "will", "'re": "are", "'d": "would", "'m": "am"}
_NEGATED = {"wo": "will", "ca": "can", "sha": "shall", "ai": "is"}
"""Negations whose stem is not the word: "won't", "can't", "shan't", "ain't"."""
_WOULD = frozenset("i you he she it we they who that there what".split())
"""Words whose "'d" is "would" (or "had"); after any other word it makes a verb of it ("NFA'd")."""


def _without_contraction(word: str) -> str:
    """A contraction spelt out ("who've" -> "who have", "mightn't" -> "might not", "dad'll" -> "dad will"): the
    lexical engine then sees stop words instead of a run-together non-word such as "whove", and the sentence
    model reads "we are rubbish at", not "were rubbish at". Any other apostrophe is dropped ("O'Brien")."""
    found = _CONTRACTION.match(word)
    if found is None:
        return word.replace("'", "")
    base, ending = found.groups()
    if ending == "n't":
        base = _NEGATED.get(base, base)
    elif ending == "'d" and base not in _WOULD:
        return base  # "NFA'd", "LADO'd": shorthand made a verb, not "would"
    return f"{base} {_CONTRACTED[ending]}"


def words_of(text: str) -> list[tuple[str, bool]]:
    """Split cleaned text into lower-case words, each with whether it was written in capitals (two or more
    capital letters, so "ACEs" and "PuP" count).

    Possessives are dropped ("child's" -> "child"), hyphens split ("looked-after" -> "looked", "after"; a one- or
    two-letter prefix such as "re-" is no shorthand), American spellings and texting shorthand mapped, a few words
    read by their neighbours (``_in_context``), sections of Acts joined ("s.47" -> "s47") and "&" read as "and".
    Filler phrases ("quick one", "does anyone know", greetings in Welsh) are removed first. A message typed all in
    capitals has no word in capitals.
    """
    text = _SECTION.sub(r"s\1", _AMPERSAND.sub(" and ", text.replace("tl;dr", "tldr").replace("TL;DR", "tldr")))
    raw = [(m.group(0), m.start()) for m in re.finditer(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", text)]
    # a message typed all in capitals ("PLS SEND RESEARCH ON NEGLECT") says nothing by its capitals: "SEND" there is
    # the verb, not special educational needs
    shouted = len(raw) >= SHOUTED_WORDS and not any(ch.islower() for ch in text)
    lowered = _FILLER_PHRASES.sub(" ", " ".join(w.replace("’", "'") for w, _ in raw)).lower()
    # Re-align capitals with the filtered words: rebuild from the original sequence, skipping removed ones.
    kept = lowered.split()
    out: list[tuple[str, bool]] = []
    prefixes: set[int] = set()
    """Positions in ``out`` of one- and two-letter words joined by a hyphen to the next: a prefix ("re-referral",
    "u-turn"), not shorthand ("re" for "regarding", "u" for "you")."""
    apart: set[int] = set()
    """Positions in ``out`` of words with punctuation before them ("Osian, 4 and 6": that "4" is an age)."""
    i, previous_end = 0, 0
    for original, start in raw:
        low = original.lower().replace("’", "'")
        if i < len(kept) and kept[i] == low:
            end = start + len(original)
            if len(low) <= 2 and text[end : end + 1] == "-" and text[end + 1 : end + 2].isalnum():
                prefixes.add(len(out))
            if text[previous_end:start].strip():
                apart.add(len(out))
            out.append((low, not shouted and sum(c.isupper() for c in original) >= 2))
            i += 1
        previous_end = start + len(original)
    result: list[tuple[str, bool]] = []
    for n, (word, caps) in enumerate(out):
        possessive = word.endswith("'s")
        if possessive:
            word = word[:-2]
        elif "'" in word:
            word = _without_contraction(word)
        word = _in_context(word, out, n, possessive=possessive, caps=caps, apart=apart)
        age = _AGE.match(word)
        if age:
            word = f"{age.group(1)} {SHORTHAND.get(age.group(2), 'year old')}"
        elif word in _AGE_AFTER_NUMBER and n > 0 and out[n - 1][0].isdigit():
            word = "year old"
        if n not in prefixes:
            word = SHORTHAND.get(word, word)
        for part in word.split():
            result.append((british(part), caps))
    return result
