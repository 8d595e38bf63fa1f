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
import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

import phonenumbers

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
_AGE_RE = re.compile(
    rf"(?<![\w'’-])(?P<n1>{_NAME_TOKEN})(?:\s(?P<n2>{_NAME_TOKEN}))?"
    r"(?P<rest>,?\s?\((?:aged?\s)?\d{1,2}(?:\s?(?:yrs?|years?|yo|y/o|months?|mths?))?\)"
    r"|,?\s(?i:aged?)\s\d{1,2}\b)"
)
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


def _name_after_cue(match: re.Match[str]) -> str:
    """Redact up to three capitalised words after a cue, stopping at the first stop-listed one.

    A stop-listed first word ("called Mockingbird", "child Protection") means there is no name at all.
    """
    end = match.start()
    for group in ("n1", "n2", "n3"):
        if not _is_name(match.group(group)):
            break
        end = match.end(group)
    if end == match.start():
        return match.group()
    offset = match.start()
    return match.group("cue") + _NAME + match.group()[end - offset :]


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
    """Names are found only next to cues (titles, relations, "called", ages): free-text names are not."""
    if not _ANY_CAPITAL.search(text):
        return text
    text = _TITLE_RE.sub(_name_after_cue, text)
    text = _CUE_RE.sub(_name_after_cue, text)
    return _AGE_RE.sub(_name_before_age, text)


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
