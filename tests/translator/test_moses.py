"""Moses tokenizing of English, detokenizing of German, and sentence capitals."""

from __future__ import annotations

import pytest
from translator.moses import capitalize_first, detokenize_german, tokenize_english


def test_tokenize_english_is_unescaped_moses() -> None:
    assert tokenize_english("Hello, A&B <x> don't!") == ["Hello", ",", "A", "&", "B", "<", "x", ">", "don", "'t", "!"]
    assert tokenize_english("It costs $3.14.") == ["It", "costs", "$", "3.14", "."]


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        ("hallo , Welt !", "hallo, Welt!"),
        ('er sagte : " ich weiß es nicht " .', 'er sagte: "ich weiß es nicht".'),
        ("„ ja “ , sagte er .", "„ja“, sagte er."),
        ("das kostet 3,14 € ( ungefähr ) .", "das kostet 3,14 € (ungefähr)."),
        ("es kostet 5 € pro Tag , 10 % mehr .", "es kostet 5 € pro Tag, 10% mehr."),
    ],
)
def test_detokenize_german(tokens: str, expected: str) -> None:
    assert detokenize_german(tokens.split()) == expected


def test_capitalize_first_skips_leading_punctuation() -> None:
    assert capitalize_first("hallo, Welt!") == "Hallo, Welt!"
    assert capitalize_first('"ja", sagte er.') == '"Ja", sagte er.'
    assert capitalize_first("42.") == "42."


@pytest.mark.parametrize(
    "sentence,kept",
    [
        ("Visit https://example.com/path?a=1&b=2 today.", "https://example.com/path?a=1&b=2"),
        ("Write to john.doe@example.com, please.", "john.doe@example.com"),
        ("We meet at 10:30 tomorrow.", "10:30"),
        ("Call +49 30 1234.", "+49"),
        ("See www.example.org.", "www.example.org"),
    ],
)
def test_urls_addresses_times_and_prefixes_stay_one_token(sentence, kept):
    tokens = tokenize_english(sentence)
    assert kept in tokens
    assert tokens[-1] in {".", "today", "please", "tomorrow"} or tokens[-2:] == [kept, "."]


def test_sentence_final_period_is_split_from_a_url():
    assert tokenize_english("See www.example.org.")[-2:] == ["www.example.org", "."]
    assert tokenize_english("Mr. Smith paid 3.50 dollars.") == ["Mr.", "Smith", "paid", "3.50", "dollars", "."]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("der Hund bellt.", "Der Hund bellt."),
        ('"das Auto" ist rot.', '"Das Auto" ist rot.'),
        ("10km ist weit.", "10km ist weit."),
        ("3rd Platz.", "3rd Platz."),
        ("iPhone ist teuer.", "iPhone ist teuer."),
        ("eBay verkauft.", "eBay verkauft."),
        ("https://example.com ist gut.", "https://example.com ist gut."),
        ("ﬁsch.", "Fisch."),
        ("", ""),
        ("...", "..."),
    ],
)
def test_only_an_all_lower_case_first_word_is_capitalized(text, expected):
    assert capitalize_first(text) == expected


def test_a_run_of_emoji_is_one_symbol_and_arrows_inside_urls_stay():
    assert tokenize_english("lol \U0001f602\U0001f602\U0001f602") == ["lol", "\U0001f602\U0001f602\U0001f602"]
    assert "https://example.com/a\u2192b" in tokenize_english("see https://example.com/a\u2192b now")
