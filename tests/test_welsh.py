"""Questions typed in Welsh are read in English: their terms of children's social care as the English they mean."""

from __future__ import annotations

import pytest

from bot import DEFAULT_GLOSSARY, DEFAULT_KNOWLEDGE, Library, open_library
from bot.english import is_word
from bot.redact import redact
from bot.welsh import TERMS_FILE, in_english, is_welsh


@pytest.fixture(scope="module")
def bundled() -> Library:
    return open_library(DEFAULT_KNOWLEDGE, DEFAULT_GLOSSARY)


def test_no_welsh_form_is_an_english_word_and_each_has_one_meaning() -> None:
    forms = [line.split("\t")[0] for line in TERMS_FILE.read_text(encoding="utf-8").splitlines() if "\t" in line]
    assert len(forms) == len(set(forms))
    single = [f for f in forms if " " not in f and "-" not in f]
    assert single and not [f for f in single if is_word(f)]


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("beth yw'r dystiolaeth am esgeulustod?", "evidence neglect?"),
        ("oes ymchwil am blant sy’n derbyn gofal?", "research looked after children?"),
        ("any evidence on esgeulustod", "any evidence on neglect"),  # a term in an English sentence
        ("a water treatment plant", "a water treatment plant"),  # "plant" is Welsh only in a Welsh message
        ("Beth is 14 and in care", "Beth is 14 and in care"),  # an English message keeps its words
    ],
)
def test_welsh_terms_are_read_in_english(text: str, english: str) -> None:
    assert in_english(text)[0] == english


def test_a_message_is_welsh_by_the_words_only_welsh_has() -> None:
    assert is_welsh("oes unrhyw ymchwil")
    assert not is_welsh("am I right that the plant is closed")


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("oes tystiolaeth am gynadleddau grŵp teulu?", "family-group-conferences"),
        ("ymchwil ar ofalwyr ifanc", "young-carers-research"),
        ("beth sy'n gweithio gyda rhieni sy'n camddefnyddio sylweddau?", "parental-substance-misuse-interventions"),
        ("gweithwyr cymdeithasol mewn ysgolion", "social-workers-in-schools"),
    ],
)
def test_a_question_in_welsh_finds_the_evidence(bundled: Library, question: str, item: str) -> None:
    answer = bundled.engine.answer(question)
    assert answer.results and answer.results[0].item.id == item


def test_the_reply_says_how_welsh_was_read_and_its_framing_words_are_no_names(bundled: Library) -> None:
    answer = bundled.engine.answer("beth yw'r dystiolaeth am esgeulustod?")
    assert "esgeulustod → neglect" in answer.understood
    assert any("neglect" in theme for theme in (answer.results or answer.suggestions)[0].item.themes)
    assert redact("beth yw'r dystiolaeth am esgeulustod?") == "beth yw'r dystiolaeth am esgeulustod?"
    assert redact("beth yw'r dystiolaeth i Gethin Jones, 12 oed?") == "beth yw'r dystiolaeth i [name], 12 oed?"
