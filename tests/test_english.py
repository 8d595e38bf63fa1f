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
