"""Recall-first redaction of personal data in practitioner questions and log records.

Practitioners paste children's names, NHS numbers, addresses and phone numbers into questions, and
nothing identifying may reach a log or a store unredacted. Off-the-shelf tools miss UK identifiers or
backtrack catastrophically (RELIABILITY.md section 0, item 5), so this module is a short list of
linear-time patterns plus ``phonenumbers``. When in doubt it redacts: a lost digit in a log costs
nothing, a leaked NHS number cannot be taken back.

Linear time is a design rule, not an accident: every unbounded repetition is possessive or anchored
by a look-behind that stops a scan from restarting inside the run it has just rejected, and
decisions that need a second look (is this token really a reference?) are made in Python on the
match, so a rejected candidate never costs a re-scan.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import traceback
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers

from bot import welsh
from bot.datafile import pairs
from bot.english import is_word, zipf
from bot.text import clean_unicode

__all__ = ["STEPS", "RedactingFilter", "install_log_redaction", "redact", "without_personal_details"]

_EMAIL = "[email]"
_PHONE = "[phone]"
_NHS = "[NHS number]"
_NINO = "[NI number]"
_POSTCODE = "[postcode]"
_DOB = "[date of birth]"
_DATE = "[date]"
_ADDRESS = "[address]"
_REFERENCE = "[reference]"
_NAME = "[name]"


def _one_of(words: str) -> str:
    """Compile a word list into a trie-shaped alternation, e.g. ``mum|mummy`` -> ``mum(?:my)?``.

    A flat alternation of ~90 cue words is tried branch by branch at every word boundary, which made
    the name step the slowest on 20 KB of text; as a trie, at most one branch survives each character.
    Spaces in a word match any single whitespace character.
    """
    tree: dict[str, Any] = {}
    for word in words.split("|"):
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [(r"\s" if ch == " " else re.escape(ch)) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return (body if len(branches) > 1 else "(?:" + body + ")") + "?"
        return body

    return "(?:" + build(tree) + ")"


# --------------------------------------------------------------------------- e-mail

_SLACK_MAILTO = re.compile(r"<mailto:[^<>|]*+(?:\|[^<>]*+)?>", re.IGNORECASE)
# The look-behind forbids starting inside a run of local-part characters, so a 20 KB run without
# an "@" is scanned once, not once per position. "jo @ example.org" (spaced) needs a dotted domain.
_EMAIL_RE = re.compile(
    r"(?<![\w.%+'-])[\w.%+'-]++"
    r"(?:@[\w-]++(?:\.[\w-]++)*+|(?:\s@\s?+|@\s)[\w-]++(?:\.[\w-]++)++(?<=[A-Za-z]{2}))"
)


def _redact_email(text: str) -> str:
    """Slack wraps addresses as ``<mailto:a@b|a@b>``; remove the whole wrapper, then bare addresses."""
    if "@" not in text:
        return text
    text = _SLACK_MAILTO.sub(_EMAIL, text)
    return _EMAIL_RE.sub(_EMAIL, text)


# --------------------------------------------------------------------------- pupil numbers

_UPN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]\d{11}[A-Za-z0-9](?![A-Za-z0-9])")


def _redact_upn(text: str) -> str:
    """Unique Pupil Numbers: a check letter, 11 digits and a digit or letter (13 characters)."""
    return _UPN_RE.sub(_REFERENCE, text)


# --------------------------------------------------------------------------- NHS numbers

_NHS_CUED = re.compile(
    r"\bNHS(?:\s*+(?:number|nbr|num|no|#)(?![a-z]))?+\.?+(?:\s++(?:is|was))?+\s*+[:#=.-]?+\s*+"
    r"\d(?:[ .-]?\d){8,10}(?!\d)",
    re.IGNORECASE,
)
_NHS_SPACED = re.compile(r"(?<![\d+])(?<!\+44 )(?<!\(0\) )(?<!\(0\))[1-9]\d\d[ .-]\d{3}[ .-]\d{4}(?!\d)")
_NHS_COMPACT = re.compile(r"(?<![\d+])(?<!\+44 )[1-9]\d{9}(?!\d)")


def _nhs_check_ok(digits: str) -> bool:
    """Mod-11 check, used only to choose the label: typos are still redacted (Presidio's mistake)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _compact_nhs(match: re.Match[str]) -> str:
    """A bare 10-digit run is an NHS number if its check digit fits, otherwise some other reference."""
    return _NHS if _nhs_check_ok(match.group()) else _REFERENCE


def _redact_nhs(text: str) -> str:
    """NHS numbers glued to or following "NHS" (any grouping, 9-11 digits), then 3-3-4 and compact."""
    text = _NHS_CUED.sub(_NHS, text)
    text = _NHS_SPACED.sub(_NHS, text)
    return _NHS_COMPACT.sub(_compact_nhs, text)


# --------------------------------------------------------------------------- National Insurance

_NINO_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<prefix>[A-Za-z]{2})(?P<sep>[ -]?)\d{2}[ -]?\d{2}[ -]?\d{2}"
    r"(?P<suffix>[ -]?[A-Da-d](?![A-Za-z0-9]))?+(?![\dA-Za-z])"
)
_SHORT_WORDS = frozenset(
    {"am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my", "no"}
    | {"of", "on", "or", "so", "to", "up", "us", "vs", "we"}
)


def _nino(match: re.Match[str]) -> str:
    """Keep "aged 10 to 12 14 16"-style runs: lower-case spaced prefixes need the suffix letter."""
    prefix = match.group("prefix")
    if prefix.islower() and match.group("sep") and (not match.group("suffix") or prefix in _SHORT_WORDS):
        return match.group()
    return _NINO


def _redact_nino(text: str) -> str:
    """NI numbers: two letters, six digits (optionally in pairs), optional suffix A-D, any case."""
    return _NINO_RE.sub(_nino, text)


# --------------------------------------------------------------------------- dates

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?+"
)
_DAY = r"\d{1,2}+(?:st|nd|rd|th)?+(?![\dA-Za-z])"
_YEAR = r"(?:\d{4}|'?\d{2})(?!\d)"
_SEP = r"[\s,/.-]{1,3}+"
_NUMERIC_DATE = re.compile(
    r"(?<![\d/-])(?<!\d\.)"
    r"(?:\d{1,2}(?P<s1>[/.-])\d{1,2}(?P=s1)(?:\d{4}|\d{2})|\d{4}(?P<s2>[/.-])\d{1,2}(?P=s2)\d{1,2})"
    r"(?![\d/]|[.-]\d)"
)
_WORD_DATE = re.compile(
    rf"(?<!\w)(?:(?:the\s)?{_DAY}{_SEP}(?:of\s)?{_MONTH}{_SEP}{_YEAR}"
    rf"|{_MONTH}{_SEP}(?:the\s)?{_DAY}{_SEP}{_YEAR})",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(r"\b(?:born|dob|d\.o\.b|date of birth|birth ?date|birthday)\b", re.IGNORECASE)
_DOB_PARTIAL = re.compile(
    rf"(?P<cue>\b(?:born|dob|d\.o\.b\.?|date of birth|birth ?date|birthday)\b\.?+"
    rf"(?:\s(?:is|was|on|the))*+\s?[:-]?\s?)"
    rf"(?P<date>(?:the\s)?{_DAY}{_SEP}(?:of\s)?{_MONTH}(?:{_SEP}'?\d\d(?!\d))?|{_MONTH}{_SEP}(?:the\s)?{_DAY}"
    rf"|\d{{1,2}}[/.-]\d{{1,2}}(?![\d/.-]))",
    re.IGNORECASE,
)
_DOB_MONTH_YEAR = re.compile(
    rf"(?P<cue>\b(?:dob|d\.o\.b\.?|date of birth|birth ?date)\b\.?+(?:\s(?:is|was))?+\s?[:-]?\s?)"
    rf"(?P<date>{_MONTH}{_SEP}{_YEAR})",
    re.IGNORECASE,
)


def _date_label(match: re.Match[str]) -> str:
    """Label a full date as a date of birth when a birth cue sits just before it."""
    window = match.string[max(0, match.start() - 32) : match.start()]
    return _DOB if _DOB_CUE.search(window) else _DATE


def _cued_partial(match: re.Match[str]) -> str:
    """A birthday without a year ("born on 3rd May") still narrows a child down; keep only the cue."""
    return match.group("cue") + _DOB


def _redact_dates(text: str) -> str:
    """Every full date goes (numeric and in words); partial dates only after a birth cue."""
    text = _NUMERIC_DATE.sub(_date_label, text)
    text = _WORD_DATE.sub(_date_label, text)
    text = _DOB_MONTH_YEAR.sub(_cued_partial, text)
    return _DOB_PARTIAL.sub(_cued_partial, text)


# --------------------------------------------------------------------------- references

_REF_CUES = _one_of(
    "mosaic|lcs|eclipse|liquidlogic|carefirst|case|file|ref|reference|referral|record"
    "|client|person|pupil|upn|uln|urn|crn|cin|id"
)
_REF_CUED = re.compile(
    rf"(?P<cue>\b{_REF_CUES}\b"
    r"(?:\s*+(?:number|num|no|reference|ref|id|#)(?![a-z]))?+\.?+\s*+[:#=-]?+\s*+)"
    r"(?P<tok>[A-Za-z0-9][\w/.:-]*+(?:\s\d[\d/-]*+)*+)",
    re.IGNORECASE,
)
_REF_PREFIXED = re.compile(r"(?<![\w/-])[A-Z]{1,6}(?:[-/]\d++){1,4}(?![\w/-])")
_MIXED_CODE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z]*+\d)[A-Za-z0-9]++")
_YEARISH = re.compile(r"(?:19|20)\d\d")
_DIGIT_RUN = re.compile(r"(?<!\d)\d{6,}+")


def _looks_like_reference(token: str) -> bool:
    """A case number has several digits; a bare year ("case 2019") or "s47" does not count."""
    digits = sum(ch.isdigit() for ch in token)
    if _YEARISH.fullmatch(token):
        return False
    if digits >= 4:
        return True
    return digits >= 3 and any(ch.isalpha() or ch in "/-" for ch in token)


def _cued_reference(match: re.Match[str]) -> str:
    """Redact the token after a cue word, keeping the cue and any sentence punctuation."""
    token = match.group("tok")
    core = token.rstrip(".:/-")
    if not _looks_like_reference(core):
        return match.group()
    return match.group("cue") + _REFERENCE + token[len(core) :]


def _prefixed_reference(match: re.Match[str]) -> str:
    """``LCS-445566`` and ``AB/2023/0042`` are references; ``COVID-19`` and ``PLO-2019`` are not."""
    groups = re.split(r"[-/]", match.group())[1:]
    digits = sum(len(g) for g in groups)
    if digits < 4 or (len(groups) == 1 and _YEARISH.fullmatch(groups[0])):
        return match.group()
    return _REFERENCE


def _mixed_code(match: re.Match[str]) -> str:
    """Court and system numbers such as ``ZW21C00456`` mix letters with five or more digits."""
    token = match.group()
    if sum(ch.isdigit() for ch in token) >= 5 and any(ch.isalpha() for ch in token):
        return _REFERENCE
    return token


def _redact_references(text: str) -> str:
    """Case, file and system references (Mosaic, LCS, Eclipse), with or without a cue word."""
    text = _REF_CUED.sub(_cued_reference, text)
    text = _REF_PREFIXED.sub(_prefixed_reference, text)
    return _MIXED_CODE.sub(_mixed_code, text)


def _redact_digit_runs(text: str) -> str:
    """Any run of six or more digits left over is some identifier; no evidence question needs one."""
    return _DIGIT_RUN.sub(_REFERENCE, text)


# --------------------------------------------------------------------------- postcodes

_POSTCODE_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d[A-Za-z\d]?\s?\d(?P<inward>[A-Za-z]{2})(?![A-Za-z0-9])")
_ORDINALS = frozenset({"st", "nd", "rd", "th"})


def _postcode(match: re.Match[str]) -> str:
    """Keep "s20 3rd" and "KS2 1st": a section or key stage followed by an ordinal is not a postcode."""
    return match.group() if match.group("inward") in _ORDINALS else _POSTCODE


def _redact_postcodes(text: str) -> str:
    """UK postcodes in upper or lower case, with or without the space before the inward code."""
    return _POSTCODE_RE.sub(_postcode, text)


# --------------------------------------------------------------------------- phone numbers

# A candidate run of digits and phone punctuation. The look-behind stops a run being re-entered.
_PHONE_RUN = re.compile(r"(?<![\d+(])[+(]{0,2}\d[\d ()./-]*+")
_PHONE_MAX_RUN = 64
_PHONE_MATCHER_BUDGET = 48
_YEARS_ONLY = re.compile(r"(?:(?:19|20)\d\d[^\d]*+)++")


def _phone_like(raw: str, digits: int) -> bool:
    """A match is kept if it is dialled like a UK number (0, +, brackets) or is long enough anyway."""
    return digits >= 7 and (raw[0] in "+0(" or digits >= 10)


def _fallback_phone(run: str) -> str:
    """Without the library's verdict, redact any long digit run that is not a list of years."""
    digits = sum(ch.isdigit() for ch in run)
    if digits < 10 or _YEARS_ONLY.fullmatch(run):
        return run
    end = max(i for i, ch in enumerate(run) if ch.isdigit()) + 1
    label = _PHONE if run[0] in "+0(" else _REFERENCE
    return label + run[end:]


def _redact_phones(text: str) -> str:
    """Phone numbers via ``phonenumbers`` (region GB, POSSIBLE leniency) on short candidate runs.

    The library costs ~0.1 ms per candidate, so it sees at most ``_PHONE_MATCHER_BUDGET`` runs of at
    most ``_PHONE_MAX_RUN`` characters per call; anything beyond that is judged by shape alone
    (redacted if it has ten or more digits), which keeps hostile input fast without losing recall.
    """
    budget = [_PHONE_MATCHER_BUDGET]

    def replace(match: re.Match[str]) -> str:
        run = match.group()
        if sum(ch.isdigit() for ch in run) < 7:
            return run
        if len(run) > _PHONE_MAX_RUN or budget[0] <= 0:
            return _fallback_phone(run)
        budget[0] -= 1
        out: list[str] = []
        pos = 0
        matcher = phonenumbers.PhoneNumberMatcher(run, "GB", leniency=phonenumbers.Leniency.POSSIBLE, max_tries=8)
        for found in matcher:
            raw: str = found.raw_string
            if _phone_like(raw, sum(ch.isdigit() for ch in raw)):
                out.append(run[pos : found.start])
                out.append(_PHONE)
                pos = found.end
        if not out:
            return _fallback_phone(run)
        out.append(run[pos:])
        return "".join(out)

    return _PHONE_RUN.sub(replace, text)


# --------------------------------------------------------------------------- addresses

_CAP_WORD = r"[A-Z][a-z'’]*+(?:-[A-Z]?[a-z]++)*+"
_SUFFIX = _one_of(
    "road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|court|ct|gardens"
    "|gdns|grove|place|pl|terrace|tce|walk|square|sq|mews|row|hill|rise|view|parade|green|park"
    "|vale|gate|wharf|fields|heights|croft|chase|mead|meadow|meadows|mount|yard|approach|villas"
    "|cottages|estate|broadway|boulevard|circus|wynd|brae|quay|esplanade|promenade|passage|end"
)
_LOWER_SUFFIX = _one_of("road|street|avenue|lane|close|drive|crescent|court|gardens|grove|place|terrace|mews|walk")
_FLAT = r"(?:(?i:flat|apartment|apt|unit|room)\.?\s?\d{1,4}[A-Za-z]?,?\s?)?"
_HOUSE = r"\d{1,4}[A-Za-z]?(?:-\d{1,4})?,?\s"
_ADDRESS_CAP = re.compile(rf"(?<![\w£$€.,/-]){_FLAT}{_HOUSE}(?:{_CAP_WORD}\s){{1,4}}(?i:{_SUFFIX})\b")
_ADDRESS_LOWER = re.compile(
    rf"(?P<cue>\b(?:at|on|address(?:\sis)?:?|lives|living)\s)"
    rf"(?P<addr>{_FLAT}{_HOUSE}(?:[a-z'’]++\s){{1,3}}{_LOWER_SUFFIX})\b",
    re.IGNORECASE,
)
_ADDRESS_CUED = re.compile(
    rf"(?P<cue>\b(?i:lives|living|live|stays|staying|resides|residing|address)"
    rf"(?:\s(?i:at|on|in|to|is))?:?\s(?:the\s)?)"
    rf"(?P<addr>(?:{_CAP_WORD},?\s){{1,4}}(?i:{_SUFFIX}))\b"
)


def _cued_address(match: re.Match[str]) -> str:
    """Keep the cue ("lives at"), drop the street."""
    return match.group("cue") + _ADDRESS


def _redact_addresses(text: str) -> str:
    """House number + street name + suffix, optionally after "flat 3,"; bare streets only after a cue.

    Lower-case addresses need a cue ("at 14 acacia avenue") so that "a 5 year old street child" stays.
    """
    text = _ADDRESS_CAP.sub(_ADDRESS, text)
    text = _ADDRESS_LOWER.sub(_cued_address, text)
    return _ADDRESS_CUED.sub(_cued_address, text)


# --------------------------------------------------------------------------- names

# A capitalised word that is not an acronym: "FGC" and "MASH" fail because an inner capital must be
# followed by a lower-case letter (McDonald, O'Brien and Jean-Luc pass).
_NAME_TOKEN = r"[A-ZÀ-ÖØ-ÞĀ-ž](?:[a-zß-öø-ÿĀ-ž]|['’-](?=[A-Za-zÀ-ž])|[A-ZÀ-ÖØ-Þ](?=[a-zß-öø-ÿ]))++\b"
_MORE_NAMES = rf"(?:\s(?P<n2>{_NAME_TOKEN})(?:\s(?P<n3>{_NAME_TOKEN}))?)?"
_TITLE_RE = re.compile(rf"\b(?P<cue>(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s)(?P<n1>{_NAME_TOKEN}){_MORE_NAMES}")
_RELATIONS = _one_of(
    "called|named|name is|name's|known as|aka|goes by|nicknamed"
    "|mum|mummy|mom|mother|dad|daddy|father|stepdad|step-dad|stepmum|step-mum|stepfather|step-father"
    "|stepmother|step-mother|child|son|daughter|baby|brother|sister|half-brother|half-sister|sibling|twin"
    "|nan|nana|nanna|nanny|gran|granny|grandma|grandmother|grandad|granddad|grandpa|grandfather"
    "|carer|partner|boyfriend|girlfriend|husband|wife|ex-partner|aunt|auntie|aunty|uncle|cousin"
    "|niece|nephew|stepson|stepdaughter|stepbrother|stepsister|boy|girl|toddler|infant|teenager"
    "|young person|yp|pupil|foster child|neighbour|friend"
)
_CUE_RE = re.compile(rf"(?P<cue>\b(?i:{_RELATIONS})(?:,\s?|:\s?|\s-\s|\s\(|\s))(?P<n1>{_NAME_TOKEN}){_MORE_NAMES}")
_AGED_RE = re.compile(
    rf"(?P<cue>\b(?i:year old|years old|year-old|yr old|yrs old|yo|y/o)\s)(?P<n1>{_NAME_TOKEN}){_MORE_NAMES}"
)
"""A name after an age ("our 9 year old Tesfay"), where a nationality or other description is as likely ("a 15 year
old Eritrean boy", "a 9 year old Deaf child"): only a word no list knows, or a given name, is taken."""
_AGE_RE = re.compile(
    rf"(?<![\w'’-])(?P<n1>{_NAME_TOKEN})(?:\s(?P<n2>{_NAME_TOKEN}))?"
    r"(?P<rest>,?\s?\((?:aged?\s)?\d{1,2}(?:\s?(?:yrs?|years?|yo|y/o|months?|mths?))?\)"
    r"|,?\s(?i:aged?)\s\d{1,2}\b)"
)
_BARE_AGE = re.compile(r",?\s(?:1[0-7]|[1-9])(?:\s?(?:yo|y/o|yrs?|yrs? old|years? old))?(?=[,;)]|\s+\S|\s*$)")
"""A child's age typed straight after a name ("Yonas 15 who ...", "Tomos 10 ADHD", "Osian, 4"): with a word no list
knows before it, the word is a name."""
_STATED_AGE = re.compile(
    r"\s(?:is|was|turns|turned|who's|who is)\s(?:aged?\s|only\s|just\s)?(?:1[0-8]|[1-9])(?!\d|:|\.\d)"
)
"""An age stated straight after a word ("yonas is 16", "Chidi is 18 and ..."): with a word no list knows before
it, or a given name, the word is a name."""
_AGE_AFTER = re.compile(
    r",?\s(?:aged?\s)?(?:1[0-8]|[1-9])\b(?![:.]\d)|\s?\((?:aged?\s)?\d{1,2}\)|\s(?:is|was)\s\d{1,2}\b"
)
"""An age straight after a word ("smith aged 14", "smith, 14", "smith (14)", "smith is 14")."""
_TITLES = frozenset({"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"})
_NOT_NAMES = frozenset(
    """
    The A An This That These Those It Its He She They We You I My Our Your His Her Their Them Him Is Are
    Was Were Be Been Has Have Had Do Does Did And Or But If When What Why How Who Whom Whose Where Which
    Will Would Can Could Should Shall May Might Must Not No Yes Any All Some Each Every Both Either
    Neither None Other Another Such Same So Then There Here Also Just Only Even Still Yet Now Today
    Please Thanks Thank Hi Hello Dear Re About After Before During For From In Into On Of Off Out Over
    Under Up Down With Without Within At By To As Than Via Per Since Until Because Though Although
    While Whilst Whether Again Never Always Often New Old Young Little Big Small Large First Second
    Third Last Next Sir Dame Lord Lady Prof Professor Rev Judge Justice Officer Sergeant Inspector
    Nurse Doctor Midwife Worker Workers Manager Practitioner Practitioners Teacher Head Headteacher
    Mum Mummy Dad Daddy Mother Mothers Father Fathers Son Sons Daughter Daughters Child Children Baby
    Babies Brother Sister Siblings Nan Gran Grandma Grandad Carer Carers Partner Partners Parent Parents
    Family Families Boy Boys Girl Girls People Person Kid Kids Infant Toddler Teenager Adult Adults
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April June July
    August September October November December Christmas Easter Ramadan Eid Diwali Day Week Month
    Year Years Term England English Wales Welsh Scotland Scottish Ireland Irish Northern Britain
    British Europe European America American Asian African Black White Muslim Christian Jewish Catholic
    Roma Traveller Travellers Gypsy Protection Sexual Criminal Exploitation Abuse Neglect Death Deaths
    Poverty Benefit Benefits Trust Support Care Centre Centres Minder Minders Minding Development Health
    Welfare Safeguarding Practice Review Reviews Panel Services Service Social Mental Looked Friendly
    Focused Centred Led Rights Commissioner Maintenance Arrangements Tax Line Guarantee Bereavement
    Trafficking Labour Marriage Agency Agencies Organisation Organisations Organization Partnership
    Partnerships Allowance Steps Box Bonds Clinic Room Group Groups Tongue Nurse Lead Professional
    Professionals Signs Mockingbird Lifelong Links Staying Close Pause Reclaim Hidden Harm Team Early
    Help Strengthening Functional Multisystemic Video Circle Safe Caring Dads Mums Project Incredible
    Triple Solihull Restorative Contextual Return Step Frontline Firstline Think Reading Rethink Positive
    Strong Stronger Building Better Healthy Home Start Sure Troubled Supporting Makaton Brighter Empower
    Freedom Inside Moving Bright Trauma Attachment Theraplay Dyadic Parenting Nurture Pathways Advocacy
    Independent Intensive Edge Breaking Break Divert Youth Whole Systemic Motivational Cognitive
    Dialectical Mentalization Mentalisation Sensory Play Friends Forest Kinship Special Guardianship
    Adoption Fostering Foster Residential Secure Regional National Local County City Council Borough
    Ofsted Barnardo's Coram Nuffield Foundation Institute University College School Schools Academy
    Nursery Hospital Board Court Courts Tribunal Act Bill Report Guidance Framework Standards Code
    Strategy Plan Plans Programme Program Scheme Initiative Model Approach Method Pathway Tool Toolkit
    Assessment Scale Questionnaire Index Survey Study Trial Evaluation Conference Conferencing Meeting
    Working Together Keeping Education Hub Hubs Home-Start Section Part Table Figure Chapter Stage Key
    Level Tier Grade Class Cohort Wave Phase Round Unit Ward Police Probation Prison Housing Benefit
    """.split()
)


def _is_name(word: str | None) -> bool:
    """Possessive "'s" is ignored when checking the stop list ("Sarah's" is a name, "Children's" not)."""
    if not word:
        return False
    for suffix in ("'s", "’s"):
        word = word.removesuffix(suffix)
    return word not in _NOT_NAMES and word not in _TITLES


_COMMON_WORD = 3.5
"""Zipf frequency from which a capitalised word after a cue that no name list holds is an ordinary word ("the
Cafcass child Impact Assessment"), not a name."""


def _name_after_cue(match: re.Match[str]) -> str:
    """Redact up to three capitalised words after a cue, stopping at the first stop-listed one or the first
    common English word that is no name ("child Impact Assessment").

    A stop-listed first word ("called Mockingbird", "child Protection") means there is no name at all.
    """
    end = match.start()
    for group in ("n1", "n2", "n3"):
        word = match.group(group)
        if not _is_name(word):
            break
        low = word.lower().removesuffix("'s").removesuffix("’s")
        if not _flags(low) and zipf(low) >= _COMMON_WORD:
            break
        end = match.end(group)
    if end == match.start():
        return match.group()
    offset = match.start()
    return match.group("cue") + _NAME + match.group()[end - offset :]


def _name_after_age(match: re.Match[str]) -> str:
    """ "our 9 year old Tesfay": the capitalised word after the age is a name when no list knows it as a word."""
    n1 = match.group("n1").lower().removesuffix("'s").removesuffix("’s")
    flags = _flags(n1)
    if not _is_name(match.group("n1")) or not (_unlisted(n1) or ("g" in flags and "w" not in flags)):
        return match.group()
    return _name_after_cue(match)


def _name_before_age(match: re.Match[str]) -> str:
    """Catch "Tyler (7)" and "Tyler Smith, aged 7": an age names a child as surely as a cue word does."""
    n1, n2 = match.group("n1"), match.group("n2")
    if n2 is not None and _is_name(n2):
        keep = match.group()[: match.start("n2") - match.start()] if not _is_name(n1) else ""
        return keep + _NAME + match.group("rest")
    if n2 is None and _is_name(n1):
        return _NAME + match.group("rest")
    return match.group()


_ANY_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ž]")


def _redact_names(text: str) -> str:
    """Names after cues (titles, relations, "called", ages), then names without a cue (``_redact_free_names``)."""
    if _ANY_CAPITAL.search(text):
        text = _TITLE_RE.sub(_name_after_cue, text)
        text = _CUE_RE.sub(_name_after_cue, text)
        text = _AGED_RE.sub(_name_after_age, text)
        text = _AGE_RE.sub(_name_before_age, text)
    return _redact_free_names(text)


# --------------------------------------------------------------------------- names without a cue word

NAMES_FILE = Path(__file__).parent / "data" / "person_names.tsv"
_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
_LETTERS = "A-Za-zÀ-ÖØ-öø-ÿĀ-ž"
# A word (with inner apostrophes and hyphens: O'Connor, Lily-Mae, Jayden's) or a placeholder such as "[name]".
_TOKEN = re.compile(rf"\[[a-zA-Z ]{{3,20}}\]|[{_LETTERS}]++(?:['’-][{_LETTERS}]++)*+(?:(?<=s)['’](?![{_LETTERS}]))?+")
_COMPOUND = re.compile(rf"[{_LETTERS}]+(?:-[{_LETTERS}]+)+")
_VOCAB_WORD = re.compile(rf"[{_LETTERS}]++(?:['’][{_LETTERS}]++)?+")
_URL = re.compile(r"https?://\S++")
_POSSESSIVE = ("'s", "’s", "'", "’")
_SENTENCE_END = frozenset('.?!:;\n"“”•*>([')
_JOINERS = frozenset({" ", " - ", " – ", ", ", " and ", " & ", " or ", "/", " / "})
_BESIDE = re.compile(r"\s?[-–,:;(]?\s?\(?")  # what may separate a name from an identifier placeholder
_FAMILY_WORDS = frozenset(
    "family families household children kids twins siblings boys girls brothers sisters parents lot clan".split()
)
_LOWER_NOT_NAMES = frozenset(w.lower() for w in _NOT_NAMES) | {
    "help", "helps", "support", "advice", "evidence", "research", "studies", "study", "programme", "model",
}  # fmt: skip
_SECTOR_NAMES = frozenset(
    "munro macalister laming lundy narey featherstone firmin bowlby winnicott ainsworth bronfenbrenner maslow"
    " crittenden marmot mockingbird barnardo barnardos coram casey bywaters hackett masson".split()
)
"""Reviews, authors and models practitioners name that the evidence base may not spell out; never redacted,
and neither is a first name just before one ("Eileen Munro", "Josh MacAlister")."""
_PLACES = frozenset(
    """
    london leeds bradford sheffield manchester liverpool birmingham bristol newcastle sunderland gateshead
    durham darlington hartlepool middlesbrough stockton redcar cleveland northumberland cumbria cumberland
    lancashire blackpool blackburn preston bolton bury oldham rochdale salford stockport tameside trafford wigan
    wirral knowsley sefton halton warrington cheshire yorkshire york hull wakefield kirklees calderdale barnsley
    rotherham doncaster lincoln lincolnshire nottingham nottinghamshire derby derbyshire leicester leicestershire
    rutland northampton northamptonshire coventry solihull dudley sandwell walsall wolverhampton stoke
    staffordshire shropshire telford wrekin herefordshire worcestershire warwickshire gloucestershire swindon
    wiltshire somerset devon cornwall plymouth torbay exeter dorset bournemouth poole hampshire southampton
    portsmouth isle wight berkshire reading slough windsor maidenhead wokingham bracknell oxford oxfordshire
    buckingham buckinghamshire milton keynes bedford bedfordshire luton hertfordshire essex southend thurrock
    suffolk norfolk norwich cambridge cambridgeshire peterborough kent medway surrey sussex brighton hove
    croydon hackney camden islington lambeth southwark lewisham greenwich bexley bromley sutton merton
    wandsworth kingston richmond hounslow hillingdon ealing brent harrow barnet enfield haringey waltham redbridge
    havering barking dagenham newham westminster kensington chelsea hammersmith fulham tower hamlets
    cardiff swansea newport wrexham gwynedd powys ceredigion pembrokeshire carmarthenshire glasgow edinburgh
    aberdeen dundee belfast derry
    """.split()
)
"""Councils and cities: how practitioners name where evidence comes from ("What did Leeds find?")."""
_LONGEST_NAME = 30
"""Letters in the longest word taken for a name by what is said around it (a longer one is not a name)."""
_MAX_LOWER_GIVEN = 3.0
"""A lower-case given name with an age stated after it ("osian is 14") counts below this Zipf frequency only (not
"the baba is 6 weeks")."""
_MAX_COMMON = 5.0
"""A lower-case surname after a lower-case given name ("sarah hall") counts below this Zipf frequency only."""


def _fold(word: str) -> str:
    """ "zoë" -> "zoe", as the name list also holds accent-free spellings."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


@cache
def person_names() -> dict[str, str]:
    """Lower-case given name or surname -> flags (g given, s surname, f frequent, w also an English word)."""
    return dict(pairs(NAMES_FILE))


def _vocabulary_sources() -> list[Path]:
    """The bundled evidence base and glossary, and any other directory or glossary the settings name."""
    sources = [_KNOWLEDGE]
    for variable in ("BOT_KNOWLEDGE_DIR", "BOT_GLOSSARY"):
        if os.environ.get(variable):
            sources.append(Path(os.environ[variable]))
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files.extend(sorted(source.rglob("*.yaml")))
        elif source.is_file():
            files.append(source)
    return files


@cache
def evidence_vocabulary() -> tuple[frozenset[str], frozenset[str], frozenset[tuple[str, str]]]:
    """Words the evidence base and glossary use, which are how practitioners ask and are never redacted.

    Returns (every word in lower case, words written capitalised there, adjacent capitalised pairs). A
    capitalised word that is also a given name ("Harriet" of an author "Harriet Ward") is protected only
    in its pair, so a child called Harriet is still redacted; "Munro" and "Mockingbird" are protected alone.
    """
    words: set[str] = set()
    capitalised: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    names = person_names()
    for path in _vocabulary_sources():
        try:
            text = _URL.sub(" ", path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        for line in text.splitlines():
            words.update(compound.lower() for compound in _COMPOUND.findall(line))  # "tri-borough"
            previous = ""
            for match in _VOCAB_WORD.finditer(line):
                word = match.group()
                for suffix in _POSSESSIVE:
                    word = word.removesuffix(suffix)
                low = word.lower()
                words.add(low)
                if word[0].isupper():
                    flags = names.get(low, "")
                    if "g" not in flags or "w" in flags or word.isupper():  # "Love" of "Built on Love"
                        capitalised.add(low)
                    if previous and line[match.start() - 1] == " ":
                        pairs.add((previous, low))
                    previous = low
                else:
                    previous = ""
    return frozenset(words), frozenset(capitalised | _SECTOR_NAMES | _PLACES), frozenset(pairs)


class _Word:
    """One token of a question and what is known about it."""

    __slots__ = ("base", "cap", "end", "flags", "low", "lower", "name", "placeholder", "start", "starts_sentence")

    def __init__(self, match: re.Match[str], text: str, previous_end: int) -> None:
        self.start, self.end = match.span()
        token = match.group()
        self.placeholder = token[0] == "["
        base = token
        for suffix in _POSSESSIVE:
            if base.endswith(suffix) and len(base) > len(suffix) + 1:
                base = base[: -len(suffix)]
                break
        self.base = base
        self.low = base.lower()
        self.cap = base[0].isupper() and not base.isupper()
        self.lower = base.islower()
        gap = text[previous_end : self.start]
        self.starts_sentence = (previous_end == 0 and not gap.strip()) or any(ch in _SENTENCE_END for ch in gap)
        self.flags = "" if self.placeholder else _flags(self.low)
        self.name = False


def _flags(low: str) -> str:
    """Flags of a word, of its accent-free spelling, or (hyphenated) the union of its parts' flags."""
    names = person_names()
    flags = names.get(low)
    if flags is None and not low.isascii():
        flags = names.get(_fold(low))
    if flags is not None:
        return flags
    if "-" in low:
        parts = [names.get(part, "") for part in low.split("-")]
        if any(p and "w" not in p for p in parts):
            return "".join(sorted(set("".join(parts)) - {"w"}))
    return ""


def _seed(word: _Word, before: _Word | None, after: _Word | None, text: str) -> bool:
    """Is this word a name on its own evidence (the name list, a possessive, a family word, an identifier)?"""
    _, capitalised, _ = evidence_vocabulary()
    flags = word.flags
    if word.cap:
        possessive = word.base != text[word.start : word.end]
        if "s" in flags and word.base not in _NOT_NAMES and _family_name(word, before, after, text):
            return True  # a surname, even one that is a word or an author's: "the Khan family", "the Brown children"
        if word.low in capitalised or word.base in _TITLES:
            return False
        if word.base in _NOT_NAMES:
            return ("s" in flags and _family_name(word, before, after, text)) or ("g" in flags and possessive)
        if flags and "w" not in flags:
            return True
        if "g" in flags and (possessive or (not word.starts_sentence and not _title_case(before, word, after, text))):
            return True  # "Grace", "Will" capitalised mid-sentence (not in "Parent Assessment Manual"); "Lily's"
        unknown = not flags and zipf(word.low) == 0.0
        if unknown and (possessive or _family_name(word, before, after, text)):
            return True  # possessive ("Okafor's") or "the Osei household"
        if unknown and _BARE_AGE.match(text, word.end):
            return True  # an age straight after: "for Yonas 15 who came here alone"
        if _STATED_AGE.match(text, word.end) and (_unlisted(word.low) or ("g" in flags and "w" not in flags)):
            return True  # "Yonas is 16 and ..."
        # two unknown capitalised words: "Hamdi Warsame"; opening a sentence, neither may be a word or a place of
        # any list ("Ynys Môn, young carers")
        if (
            unknown
            and after is not None
            and _unknown_capitalised(after, capitalised)
            and (not word.starts_sentence or (_unlisted(word.low) and _unlisted(after.low)))
        ):
            return text[word.end : after.start] == " "
        beside = _beside_identifier(before, word, text) or _beside_identifier(word, after, text)
        return beside and ((unknown and not is_word(word.low)) or "g" in flags)  # "[date of birth] - Liam"
    if word.lower and len(word.low) >= 3:
        if word.low in capitalised or word.low in _LOWER_NOT_NAMES:
            return False
        if _family_name(word, before, after, text):
            return ("s" in flags and "w" not in flags) or (not flags and zipf(word.low) == 0.0)
        words, _, _ = evidence_vocabulary()
        if word.low in words:
            return False
        possessive = word.base != text[word.start : word.end]
        stated_age = _STATED_AGE.match(text, word.end) is not None
        if possessive or stated_age:  # only then is a word no list knows looked up
            unknown = not flags and _unlisted(word.low)
            if unknown and possessive:
                return True  # a possessive no list knows: "ionut's attendance"
            given = "g" in flags and "w" not in flags and zipf(word.low) < _MAX_LOWER_GIVEN
            if (unknown or given) and stated_age:
                return True  # "yonas is 16 and from eritrea"
        return "g" in flags and "f" in flags and "w" not in flags
    return False


def _unlisted(low: str) -> bool:
    """Neither an English word, a chat word nor a place of any list (``english.is_word``), nor a word of the
    evidence base typed with two letters swapped ("cihldren's"): "ionut", not "nain"."""
    if len(low) > _LONGEST_NAME or zipf(low) > 0.0 or is_word(low):
        return False
    words, _, _ = evidence_vocabulary()
    return not any(low[:n] + low[n + 1] + low[n] + low[n + 2 :] in words for n in range(len(low) - 1))


def _title_case(before: _Word | None, word: _Word, after: _Word | None, text: str) -> bool:
    """Is the word one of a run of capitalised English words ("Parent Assessment Manual")?"""
    for other, gap in (
        (before, text[before.end : word.start] if before else ""),
        (after, text[word.end : after.start] if after else ""),
    ):
        if other is not None and gap == " " and other.cap and not other.flags and zipf(other.low) > 0.0:
            return True
        if other is not None and gap == " " and other.cap and other.base in _NOT_NAMES:
            return True
    return False


def _unknown_capitalised(word: _Word, capitalised: frozenset[str]) -> bool:
    """A capitalised word that is neither a listed name, an English word nor the evidence base's."""
    return (
        word.cap
        and not word.flags
        and word.low not in capitalised
        and word.base not in _NOT_NAMES
        and zipf(word.low) == 0.0
    )


def _family_name(word: _Word, before: _Word | None, after: _Word | None, text: str) -> bool:
    """ "the Thompson family", "the Osei household", "the Hendersons" (a capitalised plural after "the")."""
    if before is None or before.low != "the" or text[before.end : word.start] != " ":
        return False
    if after is not None and after.low in _FAMILY_WORDS and text[word.end : after.start] == " ":
        return True
    return word.cap and word.base.endswith("s") and "s" in _flags(word.low[:-1]) and "w" not in _flags(word.low[:-1])


def _beside_identifier(left: _Word | None, right: _Word | None, text: str) -> bool:
    """Two tokens next to each other, one of them an identifier placeholder ("[date of birth] - Liam")."""
    if left is None or right is None or left.placeholder == right.placeholder:
        return False
    return _BESIDE.fullmatch(text[left.end : right.start]) is not None


def _joins(word: _Word, other: _Word, text: str, pairs: frozenset[tuple[str, str]]) -> bool:
    """May ``other``, next to the name ``word``, be part of the same name or a name beside it?"""
    gap = text[min(word.end, other.end) : max(word.start, other.start)]
    if gap not in _JOINERS or other.placeholder or other.name:
        return False
    if (word.low, other.low) in pairs or (other.low, word.low) in pairs:
        return False
    _, capitalised, _ = evidence_vocabulary()
    if other.cap:
        if other.base in _TITLES or other.low in _SECTOR_NAMES:
            return False
        if other.base in _NOT_NAMES:  # "Demi Foster", "Will Bradshaw"; not "Jayden Family Centre"
            return gap == " " and other.low not in capitalised and ("s" in other.flags or "g" in other.flags)
        if other.low in capitalised:  # an author's surname the base names: joins as a surname, or as a given name
            return (gap == " " and "s" in other.flags) or (gap != " " and "g" in other.flags)  # "Ava and Mason"
        return gap == " " or bool(other.flags) or zipf(other.low) == 0.0  # "Jack and Ellie", not "Jack and Social"
    if other.lower and word.lower and gap == " " and other.end > word.end:
        if "s" in other.flags and _AGE_AFTER.match(text, other.end):
            return True  # "kayden smith aged 14": a surname, even one an author of the base shares
        words, _, _ = evidence_vocabulary()
        if other.low in words or other.low in _LOWER_NOT_NAMES:
            return False
        if "s" in other.flags and zipf(other.low) < _MAX_COMMON:
            return True  # "sarah jones"
        return not other.flags and zipf(other.low) == 0.0 and len(other.low) >= 3
    return False


def _redact_free_names(text: str) -> str:
    """Names without a cue word: from the name list, possessives, "the X family" and beside identifiers.

    Each word is judged on its own first (a known given name or surname that is not also an English word;
    a given name that is, capitalised mid-sentence; an unknown capitalised word that is possessive, before
    "family" or next to an identifier placeholder; a frequent given name in lower case), then names spread
    to their neighbours ("Liam O'Connor", "Jack and Ellie", "amira patel"). The evidence base's own words
    ("Munro", "Mockingbird", "Lifelong Links") are never redacted. One pass over the words: linear time.
    """
    words: list[_Word] = []
    previous_end = 0
    for match in _TOKEN.finditer(text):
        words.append(_Word(match, text, previous_end))
        previous_end = match.end()
    if not words:
        return text
    _, _, pairs = evidence_vocabulary()
    found = False
    framing = welsh.FRAMING if welsh.is_welsh(text) else frozenset()  # "beth yw'r ..." is no name
    for i, word in enumerate(words):
        if word.placeholder or (word.lower and word.low in framing):
            continue
        before = words[i - 1] if i else None
        after = words[i + 1] if i + 1 < len(words) else None
        if _seed(word, before, after, text):
            word.name = found = True
    if not found:
        return text
    for order in (range(len(words)), range(len(words) - 1, -1, -1)):  # spread right, then left
        for i in order:
            word = words[i]
            if not word.name:
                continue
            for step in (-1, 1):
                j = i + step
                if 0 <= j < len(words) and words[j].low in ("and", "or") and words[j].lower:
                    j += step  # "Jack and Ellie": the conjunction is a token of its own
                if 0 <= j < len(words) and _joins(word, words[j], text, pairs):
                    words[j].name = True
    for left, right in itertools.pairwise(words):  # a pair the evidence base uses; "Eileen Munro"
        if text[left.end : right.start] != " ":
            continue
        if (left.low, right.low) in pairs or (left.name and right.low in _SECTOR_NAMES):
            left.name = right.name = False
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(words):
        if not words[i].name:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and words[j + 1].name and text[words[j].end : words[j + 1].start] == " ":
            j += 1
        out.append(text[pos : words[i].start])
        out.append(_NAME)
        pos = words[j].end
        i = j + 1
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------- pipeline

_SECRET = "[secret]"
_CREDENTIAL = re.compile(
    r"\b(?:xox[abeoprs]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]{8,}+"  # Slack bot, user, app and refresh tokens
    r"|\beyJ[A-Za-z0-9_-]{8,}+\.[A-Za-z0-9_-]++\.[A-Za-z0-9_-]*+"  # JSON Web Tokens (Bot Framework bearer tokens)
    r"|(?<=[Pp]assword=)[^\s&;,]++"  # password= in URLs and connection strings
    r"|(?<=://)[^\s/:@]++:[^\s/@]++(?=@)"  # user:password@ in URLs
)


def _redact_credentials(text: str) -> str:
    """Tokens and passwords are not personal data, but a log or a store must never hold them either."""
    return _CREDENTIAL.sub(_SECRET, text)


STEPS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("credential", _redact_credentials),
    ("email", _redact_email),
    ("upn", _redact_upn),
    ("nhs", _redact_nhs),
    ("nino", _redact_nino),
    ("date", _redact_dates),
    ("reference", _redact_references),
    ("postcode", _redact_postcodes),
    ("phone", _redact_phones),
    ("digits", _redact_digit_runs),
    ("address", _redact_addresses),
    ("name", _redact_names),
)
"""Redaction steps in order; earlier steps claim digits first so that labels come out right
(a date is not taken for a phone number, an NHS number not for a reference). Exposed for tests."""

_DIGIT_KINDS = frozenset({"upn", "nhs", "nino", "date", "reference", "postcode", "phone", "digits"})
_ANY_DIGIT = re.compile(r"\d")


_PLACEHOLDERS = re.compile(
    "|".join(
        re.escape(p)
        for p in (_SECRET, _EMAIL, _PHONE, _NHS, _NINO, _POSTCODE, _DOB, _DATE, _ADDRESS, _REFERENCE, _NAME)
    )
)


def without_personal_details(text: str) -> str:
    """The text with personal details removed outright (not labelled), for matching and grouping.

    A name or an NHS number is never what a question is about, but left in it reads as unknown words that
    pull every score down; a placeholder such as "[name]" would do the same.
    """
    return " ".join(_PLACEHOLDERS.sub(" ", redact(text)).split())


def redact(text: str) -> str:
    """Return ``text`` cleaned (``clean_unicode``) with every identifier replaced by a placeholder.

    Idempotent: placeholders contain no digits or capitalised words, so redacting twice changes nothing.
    """
    out = clean_unicode(text)
    has_digit = _ANY_DIGIT.search(out) is not None  # most steps need a digit; skip them cheaply if none
    for kind, step in STEPS:
        if has_digit or kind not in _DIGIT_KINDS:
            out = step(out)
    return out


# --------------------------------------------------------------------------- logging

_MARK = "_pii_redacting"
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_WITHHELD = "[log message withheld: it could not be redacted]"


def _redact_lines(text: str) -> str:
    """Redact a traceback frame line by line so the indentation and layout survive."""
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        lines.append(line[: len(line) - len(stripped)] + redact(stripped) if stripped else line)
    return "\n".join(lines)


def _redact_exception(exc_info: Any) -> str:
    """Format and redact a traceback: frames line by line, exception messages as whole blocks.

    A message is redacted as one block so that a name or number split over two lines is still caught.
    """
    chunks = []
    for chunk in traceback.format_exception(*exc_info):
        if chunk.startswith((" ", "\n")):
            chunks.append(_redact_lines(chunk))
        else:
            chunks.append(redact(chunk) + "\n")
    return "".join(chunks).rstrip("\n")


def _redact_record(record: logging.LogRecord) -> None:
    """Format the message first, then redact it, so identifiers in ``args`` cannot slip through.

    The traceback is rendered and redacted into ``exc_text`` and ``exc_info`` is dropped, so a formatter
    that formats ``exc_info`` itself has nothing raw left to print. String ``extra=`` fields are
    redacted too. Redaction is idempotent, so a record seen by several layers is merely re-checked.
    """
    try:
        message = record.getMessage()
    except Exception:
        # A broken record (wrong number of args, bad __str__) is still emitted, redacted.
        try:
            message = f"{record.msg!s} (log args: {record.args!r})"
        except Exception:
            message = _WITHHELD
    try:
        record.msg = redact(message)
    except Exception:
        record.msg = _WITHHELD
    record.args = None
    if "message" in record.__dict__:
        record.message = record.msg
    try:
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = _redact_exception(record.exc_info)
        elif record.exc_text:
            record.exc_text = _redact_lines(record.exc_text)
    except Exception:
        record.exc_text = "[traceback withheld: it could not be redacted]"
    record.exc_info = None
    try:
        if record.stack_info:
            record.stack_info = _redact_lines(record.stack_info)
    except Exception:
        record.stack_info = None
    for key, value in list(record.__dict__.items()):
        if key in _STANDARD_ATTRS or value is None or isinstance(value, bool):
            continue
        # An extra keeps its type unless its text holds an identifier (an int NHS number, a dict
        # with a name in it): then a JSON formatter gets the redacted text instead.
        try:
            text = value if isinstance(value, str) else str(value)
            redacted = redact(text)
            if redacted != text or isinstance(value, str):
                record.__dict__[key] = redacted
        except Exception:
            record.__dict__[key] = _WITHHELD


def _redact_record_safely(record: logging.LogRecord) -> None:
    """Never let redaction raise into logging; withhold the message if even redaction fails."""
    try:
        _redact_record(record)
    except Exception:
        with contextlib.suppress(Exception):
            record.msg, record.args, record.exc_info, record.exc_text = _WITHHELD, None, None, None


class RedactingFilter(logging.Filter):
    """A handler filter that redacts each record in place before it is formatted; it never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact and let the record through: losing a log line would hide errors, leaking it is worse."""
        _redact_record_safely(record)
        return True


def _attach(handler: logging.Handler) -> None:
    """Add one ``RedactingFilter`` to ``handler`` unless it already has one."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())


def _wrap_factory(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Wrap a record factory so every record is redacted the moment a logger creates it."""
    if getattr(factory, _MARK, False):
        return factory

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _redact_record_safely(record)
        return record

    setattr(make_record, _MARK, True)
    return make_record


def install_log_redaction() -> None:
    """Make every log record redacted before any handler formats it; safe to call more than once.

    Three layers, because libraries add handlers and loggers whenever they like:

    1. a ``RedactingFilter`` on every handler that exists now (root, every named logger including
       third-party ones such as ``slack_bolt``, and ``logging.lastResort``);
    2. the record factory is wrapped, so records from any logger, including loggers and handlers
       created later, are redacted at creation; ``logging.setLogRecordFactory`` is wrapped too, so a
       library that installs its own factory afterwards is wrapped in turn;
    3. ``logging.Logger.addHandler`` is wrapped so handlers added later also get the filter. The
       factory alone is not enough: ``extra=`` fields are set after it runs, and records rebuilt by
       ``logging.makeLogRecord`` (socket and queue receivers) get their message after it runs.

    ``exc_info`` is dropped from redacted records (its text survives, redacted, in ``exc_text``).
    """
    handlers: list[logging.Handler] = list(logging.root.handlers)
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            handlers.extend(logger.handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        _attach(handler)

    set_factory = logging.setLogRecordFactory
    if not getattr(set_factory, _MARK, False):

        def set_redacting_factory(factory: Callable[..., logging.LogRecord]) -> None:
            set_factory(_wrap_factory(factory))

        setattr(set_redacting_factory, _MARK, True)
        logging.setLogRecordFactory = set_redacting_factory
    logging.setLogRecordFactory(logging.getLogRecordFactory())

    add_handler = logging.Logger.addHandler
    if not getattr(add_handler, _MARK, False):

        def add_redacting_handler(self: logging.Logger, hdlr: logging.Handler) -> None:
            _attach(hdlr)
            add_handler(self, hdlr)

        setattr(add_redacting_handler, _MARK, True)
        logging.Logger.addHandler = add_redacting_handler  # type: ignore[method-assign]
