"""The glossary: shorthand is understood in questions and items; a malformed glossary is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, Engine, GlossaryError, Library, load_glossary, open_library


@pytest.fixture(scope="module")
def bundled() -> Library:
    return open_library(DEFAULT_KNOWLEDGE, DEFAULT_GLOSSARY)


def test_acronym_in_question_meets_spelled_out_title(engine: Engine) -> None:
    answer = engine.answer("fgc evidence?")
    assert answer.results[0].item.id == "family-group-conferences"
    assert "fgc → family group conference" in answer.understood


def test_synonym_in_question_meets_acronym_in_item(engine: Engine) -> None:
    assert engine.answer("do marac meetings help with domestic violence").results[0].item.id == "marac"


@pytest.mark.parametrize("question", ["CP", "DA", "cp plan", "da?"])
def test_short_acronyms_are_never_dropped_as_stop_words(engine: Engine, question: str) -> None:
    terms = engine.read(question).analysis.terms
    assert any(t.startswith("~") for t in terms), terms


@pytest.mark.parametrize(
    ("question", "concept"),
    [("RHIs after missing episodes", "~rhi"), ("how often do SGOs break down", "~sgo"), ("IROs caseloads", "~iro")],
)
def test_plural_acronyms_are_read_as_the_acronym(bundled: Library, question: str, concept: str) -> None:
    assert concept in bundled.engine.read(question).analysis.terms
    assert concept in bundled.engine.read(question.lower()).analysis.terms  # as typed in chat


def test_a_plural_typed_in_lower_case_is_an_acronym_only_when_it_is_no_word(bundled: Library) -> None:
    terms = bundled.engine.read("how many sws does a looked after kid go through").analysis.terms
    assert "~sw" in terms
    assert "~swis" not in bundled.engine.read("swiss cheese model of risk").analysis.terms  # a word of its own
    assert "~ad" not in bundled.engine.read("ads for foster carers").analysis.terms  # and a match_case form


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("SoS practice framework - any good?", "signs-of-safety"),
        ("is sofs evidence based", "signs-of-safety"),
        ("YLYC results for our children in care", "bright-spots-wellbeing-survey"),
        ("what does CSWW say about agency workers", "childrens-social-work-workforce-statistics"),
        ("IY preschool - how many sessions?", "incredible-years-preschool"),
        ("BIT research on front door decisions", "behavioural-insights-front-door-decisions"),
        ("what does the CWSA change for us", "childrens-wellbeing-and-schools-act-2026"),
    ],
)
def test_sector_shorthand_for_named_frameworks_and_releases_finds_their_item(
    bundled: Library, question: str, item: str
) -> None:
    concept = next(t for t in bundled.engine.read(question).analysis.terms if t.startswith("~"))
    assert bundled.engine.lexical.rank(question, 1)[0].item.id == item, concept


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("my TL wants a chrono by Friday", "~tl"),
        ("my TL wants a chrono by Friday", "~chronology"),
        ("the AD and SMT want a QA report", "~ad"),
        ("the AD and SMT want a QA report", "~smt"),
        ("the AD and SMT want a QA report", "~qa"),
        ("moving school in KS4", "~ks4"),
        ("a deaf dad who uses BSL", "~bsl"),
        ("mum is open to the CMHT", "~cmht"),
        ("our EDI group", "~edi"),
        ("FGDM offer in the LBP", "~letter_before_proceedings"),
        ("CAPV - he shoved her down the stairs", "~capva"),
        ("13yo lad looking after his mum who has MS", "~caring_for_mum"),
        ("LA duty to assess YCs", "~caring_for_mum"),
        ("CL NEET at 19-21 - risk factors?", "~care_leaver"),
    ],
)
def test_workplace_acronyms_are_read_as_what_they_stand_for(bundled: Library, question: str, concept: str) -> None:
    assert concept in bundled.engine.read(question).analysis.terms


def test_an_ordinary_word_written_in_lower_case_is_not_an_acronym(bundled: Library) -> None:
    assert "~ad" not in bundled.engine.read("an ad for foster carers").analysis.terms
    assert "~bit" not in bundled.engine.read("a bit of research on front door decisions").analysis.terms


def test_a_name_starting_with_what_works_is_read_whole_and_only_as_the_name(bundled: Library) -> None:
    """The words "what works" open questions and are dropped as filler, but they also start the What Works Centre's
    names: the name is read as its concept, and the words after "what works" in a question are not taken for it."""
    assert "~wwcsc" in bundled.engine.read("What Works for Children's Social Care review of supervision").analysis.terms
    assert "~wwcsc" in bundled.engine.read("the What Works Centre for Children's Social Care").analysis.terms
    for question in (
        "what changes for children's social care in the new act?",
        "what works for children's social care staff wellbeing",
        "WHAT WORKS FOR CHILDREN'S SOCIAL CARE STAFF",
    ):
        assert "~wwcsc" not in bundled.engine.read(question).analysis.terms
    assert "work" not in bundled.engine.read("What works for neglect?").analysis.terms  # still filler


def test_welsh_greetings_are_not_read_as_shorthand(bundled: Library) -> None:
    """Welsh "bore da" (good morning) ends in "da", which the glossary reads as domestic abuse."""
    for message in ("bore da all, any evidence on family group conferences?", "Prynhawn da! FGC research? Diolch"):
        terms = bundled.engine.read(message).analysis.terms
        assert "~da" not in terms and "~fgc" in terms
    assert "~da" in bundled.engine.read("DA and the toxic trio - what works?").analysis.terms


def test_a_hyphenated_prefix_is_not_shorthand(bundled: Library) -> None:
    """The concept is "re-referral"; "re" alone is "regarding", so a question regarding referrals is not about it."""
    assert "~re_referral" in bundled.engine.read("re-referral rates after early help").analysis.terms
    assert "~re_referral" not in bundled.engine.read("a question regarding referral thresholds").analysis.terms


def test_sections_and_names_are_read_however_they_are_punctuated(bundled: Library) -> None:
    for question, concept in (
        ("s.47 timescales", "~s47"),
        ("S. 20 drift", "~s20"),
        ("Family Drug & Alcohol Court outcomes", "~fdac"),
    ):
        assert concept in bundled.engine.read(question).analysis.terms, question


@pytest.mark.parametrize(
    ("message", "read_as", "not_read_as"),
    [
        ("CPS decided not to charge dad", "~cps", "~cp"),  # the Crown Prosecution Service, not child protection
        ("dad under the CMH team for psychosis", "~cmht", "~cmh"),  # not a case management hearing
        ("TF evaluation", "~tf", None),
        ("tf is going on with this caseload", None, "~tf"),  # chat, not Troubled Families
        ("gofal maeth research", "~foster_care", None),  # Welsh terms of Welsh councils
        ("plant sy'n derbyn gofal outcomes", "~cla", None),
        ("he's been shotting for an older boy", "~cce", None),
        ("sextortion of a 15 year old", "~sextortion", None),
        ("diolch, nos da", None, "~da"),
        ("PLS SEND RESEARCH ON NEGLECT", None, "~send"),
    ],
)
def test_words_that_collide_with_shorthand_are_read_as_meant(
    bundled: Library, message: str, read_as: str | None, not_read_as: str | None
) -> None:
    terms = bundled.engine.read(message).analysis.terms
    assert read_as is None or read_as in terms
    assert not_read_as is None or not_read_as not in terms


def test_an_acronym_ending_in_s_is_not_cut_to_another_form(bundled: Library) -> None:
    assert "~camhs" in bundled.engine.read("CAMHS waiting lists").analysis.terms


def test_match_case_terms_only_count_in_capitals(engine: Engine) -> None:
    assert "~send" in engine.read("SEND support").analysis.terms
    assert "~send" not in engine.read("send me the report").analysis.terms
    assert "~send" in engine.read("special educational needs and disabilities").analysis.terms


def test_only_the_one_word_forms_of_a_match_case_entry_need_capitals(bundled: Library) -> None:
    read = bundled.engine.read
    assert "~salt" not in read("add a pinch of salt").analysis.terms
    assert "~salt" in read("waiting for SALT").analysis.terms
    # its other forms of several words count however they are written
    assert "~salt" in read("the speech and language therapist said").analysis.terms
    assert "~aces" in read("one adverse childhood experience").analysis.terms
    assert "~care_leaver" in read("care leavers and homelessness").analysis.terms
    assert "~care_leaver" not in read("cl of milk").analysis.terms


def test_bundled_glossary_is_large_and_covers_the_core_acronyms() -> None:
    glossary = load_glossary(DEFAULT_GLOSSARY)
    assert len(glossary) >= 150
    terms = {e.term.lower() for e in glossary.entries} | {a.lower() for e in glossary.entries for a in e.also}
    for acronym in [
        "cin",
        "cp",
        "cpp",
        "cla",
        "lac",
        "plo",
        "s47",
        "s20",
        "sgo",
        "fgc",
        "mash",
        "lado",
        "iro",
        "uasc",
        "cse",
        "cce",
        "asye",
        "fdac",
        "mst",
        "fft",
        "marac",
        "idva",
        "camhs",
        "nrm",
    ]:
        assert acronym in terms, acronym


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("terms: [{term: FGC}]", "'means' must be non-empty text"),
        ("terms: [{term: FGC, means: x, alsoo: [y]}]", "unknown field 'alsoo' (did you mean 'also'?)"),
        (
            "terms:\n  - {term: FGC, means: family group conference}\n  - {term: fgc, means: other}\n",
            "already used by 'FGC'",
        ),
        ("words: []", "must be a mapping with a 'terms:' list"),
        ("terms: [{term: X, means: y, match_case: maybe}]", "'match_case' must be true or false"),
        ("terms: [oops", "YAML syntax error"),
    ],
)
def test_malformed_glossary_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(text)
    with pytest.raises(GlossaryError) as caught:
        load_glossary(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith("g.yaml")
