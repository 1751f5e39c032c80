"""LibreTranslate's API over our one pair: its /translate fields and refusals, its answer, /detect and /languages."""

from __future__ import annotations

import pytest
from translator import libretranslate
from translator.errors import BadRequest, TooLarge
from translator.libretranslate import ENGLISH, LibreRequest, detect, parse_request
from translator.limits import MAX_TEXT_CHARS, MAX_TEXTS, MAX_TOTAL_CHARS
from translator.service import Result


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"q": " Hi  there ", "target": "de"}, LibreRequest(["Hi there"], False, True, "text")),
        (
            {"q": ["A", "B"], "source": "EN", "target": " De ", "api_key": "k"},
            LibreRequest(["A", "B"], True, False, "text"),
        ),
        ({"q": "<b>Hi</b>  ", "target": "de", "format": "HTML"}, LibreRequest(["<b>Hi</b>  "], False, True, "html")),
        ({"q": "Hi", "target": "de", "format": ""}, LibreRequest(["Hi"], False, True, "text")),
    ],
)
def test_the_fields_give_texts_whether_q_was_a_list_auto_and_format(fields, expected) -> None:
    assert parse_request(fields) == expected


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"target": "de"}, "missing q parameter"),
        ({"q": "Hi", "target": "fr"}, "language pair auto -> fr is not supported"),
        ({"q": "Hi", "source": "de", "target": "de"}, "language pair de -> de"),
        ({"q": "Hi"}, "auto -> (none)"),
        ({"q": "Hi", "target": 7}, "target must be a language code"),
        ({"q": "Hi", "target": "de", "format": 1}, "format must be a string"),
        ({"q": "Hi", "target": "de", "format": "markdown"}, "format 'markdown' is not supported"),
        ({"q": [], "target": "de"}, "q is an empty list"),
        ({"q": ["Hi"] * (MAX_TEXTS + 1), "target": "de"}, f"at most {MAX_TEXTS} are allowed"),
        ({"q": ["Hi", ""], "target": "de"}, "q[1] is empty"),
        ({"q": 3, "target": "de"}, "q must be a string"),
    ],
)
def test_a_request_outside_the_pair_or_the_fields_is_refused_saying_why(fields, words) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_request(fields)
    assert words in refused.value.message


def test_a_text_over_the_limit_is_too_large() -> None:
    with pytest.raises(TooLarge, match="q has"):
        parse_request({"q": "a" * (MAX_TEXT_CHARS + 1), "target": "de"})


def test_the_answer_mirrors_q_and_names_english_only_when_the_source_was_auto() -> None:
    def translate(texts, *, continuing=()):
        return Result([text.upper() for text in texts])

    single = libretranslate.translate(parse_request({"q": "Hi", "source": "en", "target": "de"}), translate)
    assert single == {"translatedText": "HI"}
    listed = libretranslate.translate(parse_request({"q": ["a", "b"], "target": "de"}), translate)
    assert listed == {"translatedText": ["A", "B"], "detectedLanguage": [ENGLISH, ENGLISH]}


def test_detect_says_english_for_any_q_and_refuses_without_one() -> None:
    assert detect({"q": "Bonjour"}) == [{"confidence": 100.0, "language": "en"}]
    assert detect({"q": ["a", "b"]}) == [ENGLISH]
    for document, words in [(None, "missing q"), ({}, "missing q"), ([1], "JSON object"), ({"q": 1}, "q must be")]:
        with pytest.raises(BadRequest, match=words):
            detect(document)


def test_languages_name_the_one_pair() -> None:
    assert [(language["code"], language["targets"]) for language in libretranslate.LANGUAGES] == [
        ("en", ["de"]),
        ("de", []),
    ]


def _upper(texts, *, continuing=()):
    return Result([text.upper() for text in texts], sentences=len(texts))


def test_alternatives_asked_for_are_empty_lists_and_must_be_a_count() -> None:
    one = libretranslate.parse_request({"q": "Hi", "source": "en", "target": "de", "alternatives": "2"})
    assert libretranslate.translate(one, _upper) == {"translatedText": "HI", "alternatives": []}
    many = libretranslate.parse_request({"q": ["Hi", "Bye"], "source": "en", "target": "de", "alternatives": 1})
    assert libretranslate.translate(many, _upper) == {"translatedText": ["HI", "BYE"], "alternatives": [[], []]}
    none = libretranslate.parse_request({"q": "Hi", "source": "en", "target": "de", "alternatives": 0})
    assert libretranslate.translate(none, _upper) == {"translatedText": "HI"}
    for wrong in ("many", "-1"):
        with pytest.raises(BadRequest, match="alternatives"):
            libretranslate.parse_request({"q": "Hi", "target": "de", "alternatives": wrong})


def test_frontend_settings_say_what_this_server_offers() -> None:
    settings = libretranslate.frontend_settings(keys_required=True)
    assert settings["apiKeys"] is settings["keyRequired"] is True
    assert settings["charLimit"] == MAX_TOTAL_CHARS
    assert (settings["suggestions"], settings["filesTranslation"], settings["supportedFilesFormat"]) == (
        False,
        False,
        [],
    )
    assert settings["language"]["target"] == {"code": "de", "name": "German"}
    assert libretranslate.frontend_settings(keys_required=False)["keyRequired"] is False
