"""Matching: from a practitioner's question to scored evidence items.

- ``lexical``   words: normalisation, glossary, typos, field-weighted coverage and phrase similarity
- ``semantic``  meaning: the bundled sentence model's cosine between the question and each item's phrases
- ``reading``   long, chatty messages split into sentences so the question is not drowned by context
- ``fusion``    one 0-100 score from both signals, and whether to answer, suggest or say nothing
- ``engine``    ``Engine``: built once per knowledge base, answers many questions
"""

from bot.matching.engine import Engine
from bot.matching.lexical import MAX_QUESTION_CHARS, Analysis, LexicalEngine

__all__ = ["MAX_QUESTION_CHARS", "Analysis", "Engine", "LexicalEngine"]
