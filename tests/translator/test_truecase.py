"""Truecasing a sentence's first word by the source vocabulary's order."""

from __future__ import annotations

from translator.truecase import commonest_casing, truecase

VOCAB = {
    "<pad>": 0,
    "<unk>": 1,
    "<s>": 2,
    "</s>": 3,
    "the": 4,
    ",": 5,
    "I": 6,
    "London": 7,
    "The": 8,
    "car": 9,
    "hello": 10,
    "Hello": 11,
    "us": 12,
    "US": 13,
    "he": 14,
}


def test_commonest_casing_follows_vocabulary_order() -> None:
    assert commonest_casing("The", VOCAB) == "the"
    assert commonest_casing("I", VOCAB) == "I"
    assert commonest_casing("london", VOCAB) == "London"
    assert commonest_casing("Hello", VOCAB) == "hello"
    assert commonest_casing("US", VOCAB) == "US"  # all-caps stays: an acronym, not a capitalized word
    assert commonest_casing("Zebulon", VOCAB) == "Zebulon"


def test_truecase_only_sentence_initial_and_after_colon_or_opening_quote() -> None:
    tokens = ["The", "car", ":", "The", "car", ",", '"', "The", "car", '"', "The", "car"]
    assert truecase(tokens, VOCAB) == ["the", "car", ":", "the", "car", ",", '"', "the", "car", '"', "The", "car"]


def test_truecase_without_vocabulary_changes_nothing() -> None:
    assert truecase(["The", "car"], None) == ["The", "car"]
