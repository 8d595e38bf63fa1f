"""The engine, as a practitioner meets it: paraphrases, shorthand, typos, chat, and things it cannot answer."""

from __future__ import annotations

import pytest

from bot import Engine, KnowledgeItem, Link, english
from bot.matching import MAX_QUESTION_CHARS, LexicalEngine, lexical
from bot.text import stem, without_chat_markup, without_mail_furniture, words_of


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("does group supervision actually help social workers?", "group-supervision"),  # paraphrase
        ("do grp supervision sessions help", "group-supervision"),  # texting shorthand
        ("does supervison in groups work", "group-supervision"),  # typo
        ("family group conferencing before care", "family-group-conferences"),  # synonym form
        ("what works 4 neglect assessment", "graded-care-profile"),  # "4" for "for"
        (
            "Hi all, quick one - I'm on duty and a colleague asked me whether MARAC actually keeps "
            "victims of domestic abuse safer, anyone know?",
            "marac",
        ),  # chatty
        ("ＦＧＣ evi\u200bdence", "family-group-conferences"),  # full-width and zero-width characters
        (
            "how good is the behavior of the graded care profile for neglect",
            "graded-care-profile",
        ),  # US spelling
    ],
)
def test_finds_the_right_item_confidently(engine: Engine, question: str, expected: str) -> None:
    answer = engine.answer(question)
    assert answer.results, f"no confident answer; suggestions: {answer.suggestions}"
    assert answer.results[0].item.id == expected


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather tomorrow",
        "can you book me a table for lunch",
        "how do I reset my password",
        "who won the football last night",
        "asdfghjkl qwerty",
    ],
)
def test_out_of_scope_questions_get_no_confident_answer(engine: Engine, question: str) -> None:
    assert engine.answer(question).results == ()


def test_scores_are_on_one_scale_and_suggestions_only_come_without_results(engine: Engine) -> None:
    for question in ["fgc", "supervision", "neglect tools", "care", "the"]:
        answer = engine.answer(question)
        for match in (*answer.results, *answer.suggestions):
            assert 0.0 <= match.score <= 100.0
        assert not (answer.results and answer.suggestions)
        if answer.results:
            assert all(m.score >= engine.confident_score for m in answer.results)
        # A suggestion scores at least the suggestion bar, or shares enough words for the lexical signal to
        # offer it (a near miss in words whose meaning is not close).
        assert all(
            m.score >= engine.suggest_score or m.item.id in _lexically_near(engine, question)
            for m in answer.suggestions
        )


def _lexically_near(engine: Engine, question: str) -> set[str]:
    return {m.item.id for m in engine.lexical.rank(question, 10) if m.score >= lexical.SUGGEST_SCORE}


def test_one_everyday_word_in_common_is_not_enough_for_a_confident_answer(engine: Engine) -> None:
    everyday = engine.answer("care")
    assert everyday.results == () and everyday.suggestions
    # the words alone score it well (once, lexical alone answered "care" with confidence), yet it is only offered
    assert engine.lexical.rank("care", 1)[0].score >= lexical.CONFIDENT_SCORE
    assert engine.answer("neglect").results  # one uncommon word is enough
    assert engine.answer("fgc").results  # so is one glossary term


def test_everyday_words_alone_are_answered_only_when_they_are_an_items_own_question() -> None:
    items = [
        KnowledgeItem(
            id="science",
            title="Science of using science",
            summary="A review of what helps decision makers use research.",
            questions=("science of using science findings",),
            links=(Link("s", "https://example.org/"),),
        ),
        KnowledgeItem(
            id="duty",
            title="Calling the out-of-hours duty team",
            summary="When and how to reach the emergency duty team.",
            links=(Link("s", "https://example.org/"),),
        ),
    ]
    engine = Engine(items)
    assert [m.item.id for m in engine.answer("science of using science findings?").results] == ["science"]
    calling = engine.answer("can you tell me who's calling me")  # "call" is all it shares with an item
    assert calling.results == () and [m.item.id for m in calling.suggestions] == ["duty"]


def test_specific_words_the_item_lacks_count_against_it_and_unseen_words_are_counted_apart(engine: Engine) -> None:
    lexical_engine = engine.lexical

    def missing(question: str) -> float:
        return lexical_engine.missing_words(lexical_engine.read(question), "group-supervision")

    assert missing("group supervision evidence") == 0.0
    assert missing("does group supervision help social workers") == 0.0
    assert missing("neglect in group supervision") > 0.5  # the base knows neglect; this item does not mention it
    unseen = lexical_engine.read("group supervision with theraplay")
    assert lexical_engine.missing_words(unseen, "group-supervision") == 0.0  # never seen anywhere: unknown_words
    assert lexical_engine.unknown_words(unseen) == pytest.approx(1.0)
    # a number is a detail of the question (an age, a year), not what it is about
    with_age = lexical_engine.unknown_words(lexical_engine.read("group supervision for a 14 year old"))
    without = lexical_engine.unknown_words(lexical_engine.read("group supervision for a year old"))
    assert with_age - without == pytest.approx(english.EVERYDAY_WEIGHT)
    year_9s = lexical_engine.unknown_words(lexical_engine.read("group supervision for year 9s at 8am"))
    assert year_9s - lexical_engine.unknown_words(lexical_engine.read("group supervision for year")) == pytest.approx(
        2 * english.EVERYDAY_WEIGHT
    )
    # so is a place: where the asker works, not a topic the base lacks, and never a typo ("conwy" is not "conway")
    in_conwy = lexical_engine.read("group supervision in conwy")
    assert in_conwy.analysis.corrections == ()
    assert lexical_engine.unknown_words(in_conwy) - lexical_engine.unknown_words(
        lexical_engine.read("group supervision in")
    ) == pytest.approx(english.EVERYDAY_WEIGHT)
    # "evidenced" frames the question as "evidence" does
    assert lexical_engine.unknown_words(lexical_engine.read("is group supervision well evidenced")) == (
        lexical_engine.unknown_words(lexical_engine.read("is group supervision well"))
    )
    # "how many", "quite" frame a question too: they name nothing it is about
    assert lexical_engine.read("how many kids get group supervision, quite a lot?").analysis.terms == (
        lexical_engine.read("kids get group supervision").analysis.terms
    )


def test_a_contraction_is_read_as_its_words_not_as_an_unseen_word(engine: Engine) -> None:
    lexical_engine = engine.lexical
    for written, spelt_out in (("who've", "who have"), ("whove", "who have"), ("shouldn't", "should not")):
        question = "is group supervision good for staff {} had a hard year"
        unknown = lexical_engine.unknown_words(lexical_engine.read(question.format(written)))
        assert unknown == lexical_engine.unknown_words(lexical_engine.read(question.format(spelt_out)))
    assert (
        "we are rubbish at group supervision"
        in lexical_engine.read("we're rubbish at group supervision").analysis.plain
    )


def test_a_common_english_word_is_not_corrected_as_a_typo(engine: Engine) -> None:
    pools = engine.answer("are the pools open")  # "pools" is one letter from "tools" in an item
    assert pools.understood == () and pools.results == ()
    assert engine.answer("does group supervison help").understood == ("supervison → supervision",)


def test_only_corrections_to_the_bases_own_words_are_echoed_and_each_reading_once(engine: Engine) -> None:
    """A word respelt as an everyday word the base lacks changed nothing that was found and is most often a name
    no list knows ("hodan says ..." is not "hogan"): the reply does not echo it. The correction still counts."""
    read = engine.lexical.read("hodan says she wants group supervison")
    assert ("supervison", "supervision") in read.analysis.corrections
    assert engine.answer("hodan says she wants group supervison").understood == ("supervison → supervision",)
    twice = engine.answer("fgc evidence - is there fgc research?").understood
    assert twice == ("fgc → family group conference",)


def test_what_a_mail_client_adds_is_not_read_as_the_question(engine: Engine) -> None:
    pasted = (
        "FW: evidence request\n> Hi,\n> do family group conferences stop children coming into care?\n"
        "> Kind regards,\n> Jo Bloggs\n> Senior Practitioner\n\nSent from my iPhone"
    )
    assert without_mail_furniture(pasted).split() == (
        "evidence request Hi, do family group conferences stop children coming into care?".split()
    )
    assert without_mail_furniture("On Tue, 3 Dec 2026 at 09:14, Dan Smith wrote: > marac evidence?").split() == [
        "marac",
        "evidence?",
    ]
    signed = "does group supervision help Thanks, Jo | Senior Practitioner | 07700 900123"
    assert without_mail_furniture(signed).split() == "does group supervision help".split()
    # a sign-off line followed by another question keeps it
    assert "marac" in without_mail_furniture("fgc evidence?\nThanks\nand marac?")
    answer = engine.answer(pasted)
    assert [m.item.id for m in answer.results][:1] == ["family-group-conferences"]


def test_emoji_shortcodes_and_struck_through_text_are_not_read(engine: Engine) -> None:
    """ ":sos:" is an emoji, not Signs of Safety; "~~x~~" is taken back by its writer."""
    assert without_chat_markup("@Evidence Bot :sos: MARAC evidence").split() == "@Evidence Bot MARAC evidence".split()
    assert without_chat_markup("~~group supervision~~ marac?").split() == ["marac?"]
    assert without_chat_markup("meeting at 10:30:00, kids aged 5~7") == "meeting at 10:30:00, kids aged 5~7"
    struck = engine.answer("~~group supervision~~ marac evidence?")
    assert [m.item.id for m in struck.results][:1] == ["marac"]


def test_a_mistyped_everyday_word_is_read_as_meant_and_is_not_an_unseen_word(engine: Engine) -> None:
    lexical_engine = engine.lexical
    typed = lexical_engine.read("does group supervision actaully help, my team wnats to try it")
    assert ("actaully", "actually") in typed.analysis.corrections and ("wnats", "wants") in typed.analysis.corrections
    assert "actually" in typed.analysis.plain and lexical_engine.unknown_words(typed) == 0.0
    # an uncommon word two slips from an everyday one is a word of its own, not a typo: it stays unseen
    unseen = lexical_engine.read("does group supervision help with theraplay")
    assert unseen.analysis.corrections == () and lexical_engine.unknown_words(unseen) == pytest.approx(1.0)
    # the base's own vocabulary is still tried first, but never at more slips than an everyday word
    assert lexical_engine.read("does group supervison help").analysis.corrections == (("supervison", "supervision"),)
    assert ("evidance", "evidence") in lexical_engine.read("any evidance on group supervision").analysis.corrections
    # a rare real word is not a typo of a word in the base
    assert lexical_engine.read("remand and group supervision").analysis.corrections == ()


def test_subset_effect_does_not_make_a_one_word_question_a_perfect_match() -> None:
    # rapidfuzz's token_set_ratio gives 100 whenever one side's words are a subset of the other's.
    items = [
        KnowledgeItem(
            id="long",
            title="Supervision of newly qualified social workers in their first year",
            summary="About supervision.",
            links=(Link("s", "https://example.org/"),),
        ),
        KnowledgeItem(
            id="other",
            title="Court skills",
            summary="About courts.",
            links=(Link("s", "https://example.org/"),),
        ),
    ]
    [match] = LexicalEngine(items).rank("supervision", 1)
    assert match.item.id == "long" and match.score < 80


def test_matches_explain_themselves(engine: Engine) -> None:
    best = engine.answer("fgc evidence?").results[0]
    assert any("title" in reason for reason in best.why)
    assert any("family group conference" in reason for reason in best.why)
    typo = engine.answer("does supervison in groups work").results[0]
    assert any("(spelling)" in reason for reason in typo.why)


def test_a_huge_message_is_capped_answered_and_flagged(engine: Engine) -> None:
    question = "does group supervision help? " + "blah " * 8000  # ~40,000 characters
    answer = engine.answer(question)
    assert answer.truncated and len(answer.question) <= MAX_QUESTION_CHARS
    assert answer.results[0].item.id == "group-supervision"


def test_empty_and_stop_word_only_questions_return_nothing(engine: Engine) -> None:
    for question in ["", "   ", "?!", "what is the", "does it work?"]:
        answer = engine.answer(question)
        assert answer.results == () and answer.suggestions == ()


def test_an_engine_over_no_items_answers_nothing() -> None:
    assert Engine([]).answer("fgc").outcome == "none"


def test_words_the_stemmer_would_turn_into_other_words_keep_their_own_meaning() -> None:
    assert stem("mindfulness") == stem("mindful") != stem("mind")  # not "Mind of My Own"
    assert stem("carefully") == stem("careful") != stem("care")
    assert stem("neglectful") == stem("neglect")  # the stemmer still joins the rest


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("my 14yo", ["my", "14", "year", "old"]),
        ("a 16 yo in resi", ["a", "16", "year", "old", "in", "resi"]),
        ("15yos", ["15", "year", "old"]),
        ("a 2yrs wait", ["a", "2", "years", "wait"]),
        ("the lad and his nan", ["the", "boy", "and", "his", "grandmother"]),
        ("yo team", ["yo", "team"]),  # a greeting, not an age
        ("who've we're she'd", ["who", "have", "we", "are", "she", "would"]),
        ("mightn't won't can't", ["might", "not", "will", "not", "can", "not"]),
        ("dad'll O'Brien", ["dad", "will", "obrien"]),
        ("it was NFA'd", ["it", "was", "nfa"]),
        ("birth fam, grads and mum's meds", ["birth", "family", "graduates", "and", "mum", "medication"]),
        (
            "agency nos, any diff across orgs, dad's tx",
            ["agency", "numbers", "any", "difference", "across", "organisations", "dad", "treatment"],
        ),
        ("daft q tbh - any1 know", ["daft", "question", "to", "be", "honest", "anyone", "know"]),
        ("re: re-referral after a u-turn", ["regarding", "re", "referral", "after", "a", "u", "turn"]),  # prefixes
        ("s.47 or S. 20, not it's 20", ["s47", "or", "s20", "not", "it", "20"]),  # sections of an Act
        ("Family Drug & Alcohol Court", ["family", "drug", "and", "alcohol", "court"]),
        ("sec 47, section47", ["s47", "s47"]),
        ("paed appt, £20 pa from a trust", ["paediatrician", "appointment", "20", "per", "year", "from", "a", "trust"]),
        ("the bairn's da, her mam and da", ["the", "bairn", "dad", "her", "mam", "and", "dad"]),
        (
            "Osian, 4 and 6, support 4 kids aged 4 or 5",
            ["osian", "4", "and", "6", "support", "for", "children", "aged", "4", "or", "5"],
        ),
        ("tl;dr: the yoot", ["in", "short", "the", "youth"]),
        (
            "me da's on the drink, owt on that? DA too",
            ["me", "dad", "on", "the", "drink", "anything", "on", "that", "da", "too"],
        ),
    ],
)
def test_ages_contractions_and_everyday_words_for_people_are_read_plainly(written: str, read_as: list[str]) -> None:
    assert [word for word, _ in words_of(written)] == read_as


def test_a_message_typed_all_in_capitals_says_nothing_by_its_capitals() -> None:
    assert not any(caps for _, caps in words_of("PLS SEND RESEARCH ON NEGLECT"))  # the verb, not SEND
    assert words_of("SEND support in schools")[0] == ("send", True)


def test_a_name_written_with_a_capital_mid_sentence_is_no_typo(engine: Engine) -> None:
    assert engine.lexical.read("teens using Kooth for support").analysis.corrections == ()  # not "booth"
    assert engine.lexical.read("teens using kooth for supervison").analysis.corrections != ()
    # two letters swapped in the base's own word is still a typo, capital or not
    assert engine.lexical.read("does Group Supervsiion help").analysis.corrections == (("supervsiion", "supervision"),)
