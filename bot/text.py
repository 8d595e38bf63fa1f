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


# --- words -------------------------------------------------------------------------------------------

# Chat filler removed as whole phrases before splitting into words ("quick one", "does anyone know").
_FILLER_PHRASES = re.compile(
    r"\b(?:quick (?:one|question|q)|just (?:wondering|checking)|i was wondering|i'?m wondering|"
    r"does anyone know|do you know|can you tell me|could you tell me|can you help|could you help|"
    r"any ideas|help me find|i need to know|i want to know|what works|is there any|are there any|"
    r"what is the|what's the|whats the|thank you|thanks a lot|many thanks|good (?:morning|afternoon|evening))\b"
)

# Texting and note-taking shorthand that is not specific to social care (that lives in the glossary).
SHORTHAND: dict[str, str] = {
    "u": "you",
    "r": "are",
    "ur": "your",
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
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "anyone",
        "anything",
        "are",
        "aren",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "couldn",
        "did",
        "didn",
        "do",
        "does",
        "doesn",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "else",
        "etc",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "has",
        "hasn",
        "have",
        "haven",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn",
        "it",
        "its",
        "itself",
        "just",
        "know",
        "let",
        "like",
        "ll",
        "lot",
        "lots",
        "may",
        "me",
        "might",
        "mine",
        "more",
        "most",
        "much",
        "must",
        "my",
        "myself",
        "need",
        "needs",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "please",
        "re",
        "really",
        "same",
        "say",
        "see",
        "seem",
        "shall",
        "she",
        "should",
        "shouldn",
        "so",
        "some",
        "something",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "things",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "want",
        "was",
        "wasn",
        "we",
        "well",
        "were",
        "weren",
        "what",
        "whats",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "won",
        "would",
        "wouldn",
        "yes",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "d",
        "m",
        "ve",
        "y",
        "o",
        "hi",
        "hello",
        "hey",
        "hiya",
        "morning",
        "afternoon",
        "evening",
        "thanks",
        "thank",
        "cheers",
        "ta",
        "team",
        "guys",
        "folks",
        "quick",
        "question",
        "wondering",
        "tell",
        "show",
        "find",
        "looking",
        "look",
        "ask",
        "asking",
        "anybody",
        "somebody",
        "someone",
        "everyone",
        "pointers",
        "evidence",
        "research",
        "researches",
        "study",
        "studies",
        "studied",
        "finding",
        "findings",
        "literature",
        "paper",
        "papers",
        "report",
        "reports",
        "data",
        "show",
        "shows",
        "work",
        "works",
        "working",
        "worked",
        "help",
        "helps",
        "helped",
        "helping",
        "helpful",
        "effective",
        "effectiveness",
        "useful",
        "good",
        "best",
        "better",
        "use",
        "using",
        "used",
        "actually",
        "say",
        "says",
        "said",
        "kind",
        "kinds",
        "sort",
        "type",
        "types",
    ]
)
"""Words that frame a question rather than name its topic. In an evidence bot "evidence", "research" and
"does it work" carry no information: every item is evidence about what works. Glossary forms are never
treated as stop words (see ``Glossary``), so short acronyms such as CP, EH or DA always survive."""

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
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


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem of one lower-case word, cached: questions reuse a small vocabulary."""
    return str(_stemmer.stemWord(_IRREGULAR.get(word, word)))


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


def words_of(text: str) -> list[tuple[str, bool]]:
    """Split cleaned text into lower-case words, each with whether it was written in capitals (two or more
    capital letters, so "ACEs" and "PuP" count).

    Possessives are dropped ("child's" -> "child"), hyphens split ("looked-after" -> "looked", "after"),
    American spellings and texting shorthand mapped, and a lone "4" between words read as "for"
    ("what works 4 neglect"). Filler phrases ("quick one", "does anyone know") are removed first.
    """
    raw = [(m.group(0), m.start()) for m in re.finditer(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", text)]
    lowered = _FILLER_PHRASES.sub(" ", " ".join(w.lower().replace("’", "'") for w, _ in raw))
    # Re-align capitals with the filtered words: rebuild from the original sequence, skipping removed ones.
    kept = lowered.split()
    out: list[tuple[str, bool]] = []
    i = 0
    for original, _ in raw:
        low = original.lower().replace("’", "'")
        if i < len(kept) and kept[i] == low:
            out.append((low, sum(c.isupper() for c in original) >= 2))
            i += 1
    result: list[tuple[str, bool]] = []
    for n, (word, caps) in enumerate(out):
        if word.endswith("'s"):
            word = word[:-2]
        elif "'" in word:
            word = word.replace("'", "")
        if word == "4" and 0 < n < len(out) - 1 and out[n - 1][0].isalpha() and out[n + 1][0].isalpha():
            word = "for"
        word = SHORTHAND.get(word, word)
        for part in word.split():
            result.append((british(part), caps))
    return result
