"""The everyday-English word list: read from the packaged file, and its two measures behave as documented."""

from __future__ import annotations

from bot import english


def test_the_list_is_read_and_orders_words_by_how_everyday_they_are() -> None:
    table = english.frequencies()
    assert len(table) > 20_000
    assert english.zipf("the") > english.zipf("call") > english.zipf("neglect") > 0.0
    assert english.zipf("xqzvbnm") == 0.0  # not English: treated as uncommon


def test_common_words_are_words_not_typos() -> None:
    assert english.is_common("finish") and english.is_common("rains")
    assert not english.is_common("supervison") and not english.is_common("evidnce")


def test_everyday_words_weigh_less_and_say_less_than_uncommon_ones() -> None:
    assert english.specificity(0.0) == english.specificity(english.SPECIFIC_ZIPF) == 1.0
    assert english.specificity(english.zipf("the")) == english.EVERYDAY_WEIGHT
    assert 1.0 > english.specificity(english.zipf("morning")) > english.EVERYDAY_WEIGHT
    assert english.information(0.0) == english.MAX_INFORMATION
    assert english.information(english.zipf("call")) < 4.0 < english.information(english.zipf("neglect"))


def test_words_of_british_chat_are_everyday_words() -> None:
    # rare in the frequency list, everyday in a UK practitioner's message: not a sign of an unseen topic
    for word in ("daft", "knackered", "gutted", "fortnight", "mardy"):
        assert english.zipf(word) >= english.CHAT_WORD_ZIPF and english.specificity(english.zipf(word)) < 0.7, word
    assert english.zipf("the") > english.CHAT_WORD_ZIPF  # a word the list rates commoner keeps its own rating


def test_places_in_england_and_wales_are_words_and_ordinary_words_in_their_names_are_not_places() -> None:
    # council names the frequency list lacks or rates rare: never a typo ("conwy" is not "conway")
    for place in ("conwy", "wrexham", "ceredigion", "torfaen", "hartlepool", "knowsley", "medway", "calderdale"):
        assert english.is_word(place) and place in english.places(), place
    for word in ("north", "city", "reading", "forest", "port", "sea"):  # read as the English words they are
        assert word not in english.places(), word


def test_rare_real_words_are_words_and_common_misspellings_are_not() -> None:
    # rarer than the frequency list reaches, but real: never a typo to "correct"
    for word in ("remand", "niggle", "brolly", "dozing", "paediatrician", "caseload"):
        assert english.is_word(word), word
    # a real word with a prefix or an ending the list lacks
    for word in ("reoffending", "deregistering", "triaging", "nonabusive"):
        assert english.is_word(word), word
    for typo in ("thier", "recieve", "evidance", "actaully", "untill", "safegaurding"):
        assert not english.is_word(typo), typo


def test_a_mistyped_everyday_word_is_respelt_one_slip_away() -> None:
    assert english.respelt("wnats") == "wants"
    assert english.respelt("thier") == "their"
    assert english.respelt("evidance") == "evidence"
    assert english.respelt("isuse") == "issue"  # the commonest word one slip away
    assert english.respelt("remand") is None  # a real word
    assert english.respelt("theraplay") is None  # two slips from "therapy": a word of its own


def test_the_shipped_word_list_carries_its_source_and_licence() -> None:
    header = [line for line in english.WORDS_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    text = "\n".join(header)
    assert "SymSpell" in text and "MIT" in text and "CC BY 3.0" in text
    assert len(english.words()) > 80_000
