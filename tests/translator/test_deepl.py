"""DeepL API v2's field rules, answers, language lists and usage over our one language pair."""

from __future__ import annotations

import pytest
from translator import deepl
from translator.errors import BadRequest, TooLarge
from translator.limits import MAX_TEXT_CHARS, MAX_TEXTS
from translator.service import Result


def _upper(texts, *, continuing=()):
    return Result([text.upper() for text in texts], sentences=len(texts))


@pytest.mark.parametrize("target", ["DE", "de", "De", "DE-DE", "de-at", " DE "])
def test_target_lang_de_and_its_regional_forms_in_any_case(target) -> None:
    assert deepl.parse_request({"text": "Hi", "target_lang": target}).texts == ["Hi"]


@pytest.mark.parametrize("source", ["EN", "en", " En "])
def test_source_lang_en_in_any_case(source) -> None:
    assert deepl.parse_request({"text": "Hi", "target_lang": "DE", "source_lang": source}).texts == ["Hi"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target_lang": "DE"}, "Parameter 'text' not specified."),
        ({"text": [], "target_lang": "DE"}, "Parameter 'text' not specified."),
        ({"text": "Hi"}, "Parameter 'target_lang' not specified."),
        ({"text": "Hi", "target_lang": "FR"}, "Value for 'target_lang' not supported."),
        ({"text": "Hi", "target_lang": "EN-US"}, "Value for 'target_lang' not supported."),
        ({"text": "Hi", "target_lang": 3}, "Value for 'target_lang' not supported."),
        ({"text": "Hi", "target_lang": "DE", "source_lang": "FR"}, "Value for 'source_lang' not supported."),
        ({"text": "Hi", "target_lang": "DE", "tag_handling": "markdown"}, "Value for 'tag_handling' not supported."),
        ({"text": "Hi", "target_lang": "DE", "split_sentences": "2"}, "Value for 'split_sentences' not supported."),
        ({"text": "Hi", "target_lang": "DE", "formality": "more"}, "'formality' is not supported"),
        ({"text": ["Hi", 3], "target_lang": "DE"}, "text[1] must be a string"),
        ({"text": ["Hi"] * (MAX_TEXTS + 1), "target_lang": "DE"}, "Too many texts"),
    ],
)
def test_what_deepl_refuses_is_refused_in_its_words_naming_what_is_allowed(fields, message) -> None:
    with pytest.raises(BadRequest) as raised:
        deepl.parse_request(fields)
    assert raised.value.message.startswith(message)
    if "target_lang' not supported" in message:
        assert "DE" in raised.value.message.removeprefix(message)


def test_an_over_long_text_is_413() -> None:
    with pytest.raises(TooLarge):
        deepl.parse_request({"text": "a" * (MAX_TEXT_CHARS + 1), "target_lang": "DE"})


def test_prefer_formality_and_preserve_formatting_are_accepted() -> None:
    fields = {"text": "Hi", "target_lang": "DE", "formality": "prefer_less", "preserve_formatting": "1"}
    assert deepl.parse_request(fields).texts == ["Hi"]


def test_nonewlines_joins_a_texts_lines_and_the_default_keeps_them() -> None:
    assert deepl.parse_request({"text": "One\ntwo", "target_lang": "DE", "split_sentences": "nonewlines"}).texts == [
        "One two"
    ]
    assert deepl.parse_request({"text": "One\ntwo", "target_lang": "DE"}).texts == ["One\ntwo"]


def test_the_answer_has_deepls_shape_with_billed_characters_when_asked() -> None:
    request = deepl.parse_request({"text": ["Hi", "Bye"], "target_lang": "DE", "show_billed_characters": True})
    assert deepl.translate(request, _upper) == {
        "translations": [
            {"detected_source_language": "EN", "text": "HI", "billed_characters": 2},
            {"detected_source_language": "EN", "text": "BYE", "billed_characters": 3},
        ]
    }
    plain = deepl.parse_request({"text": "Hi", "target_lang": "DE"})
    assert deepl.translate(plain, _upper) == {"translations": [{"detected_source_language": "EN", "text": "HI"}]}


@pytest.mark.parametrize("tags", ["html", "xml"])
def test_tag_handling_keeps_the_markup_and_translates_the_text(tags) -> None:
    request = deepl.parse_request(
        {"text": '<p class="x">Hello <b>world</b></p>', "target_lang": "DE", "tag_handling": tags}
    )
    assert deepl.translate(request, _upper)["translations"][0]["text"] == '<p class="x">HELLO <b>WORLD</b></p>'


def test_xml_translates_every_element_html_leaves_code_as_written() -> None:
    # XML has no "code" element of its own: DeepL translates all of its text; HTML's <code> is code.
    markup = "<doc><title>Run fast</title><code>Run fast</code></doc>"
    xml = deepl.parse_request({"text": markup, "target_lang": "DE", "tag_handling": "xml"})
    html = deepl.parse_request({"text": markup, "target_lang": "DE", "tag_handling": "html"})
    assert (
        deepl.translate(xml, _upper)["translations"][0]["text"]
        == "<doc><title>RUN FAST</title><code>RUN FAST</code></doc>"
    )
    assert (
        deepl.translate(html, _upper)["translations"][0]["text"]
        == "<doc><title>RUN FAST</title><code>Run fast</code></doc>"
    )


@pytest.mark.parametrize("ignore", [["keep"], "keep", "other, keep"])
def test_ignore_tags_leave_their_text_as_written(ignore) -> None:
    request = deepl.parse_request(
        {
            "text": "<p>Hello <keep>Name</keep> <x id='1'></x></p>",
            "target_lang": "DE",
            "tag_handling": "xml",
            "ignore_tags": ignore,
        }
    )
    assert (
        deepl.translate(request, _upper)["translations"][0]["text"] == "<p>HELLO <keep>Name</keep> <x id='1'></x></p>"
    )


def test_ignore_tags_must_be_names() -> None:
    with pytest.raises(BadRequest, match="'ignore_tags'"):
        deepl.parse_request({"text": "<p>Hi</p>", "target_lang": "DE", "tag_handling": "xml", "ignore_tags": [1]})


def test_languages_by_type() -> None:
    assert deepl.languages({}) == [{"language": "EN", "name": "English"}]
    assert deepl.languages({"type": "source"}) == [{"language": "EN", "name": "English"}]
    assert deepl.languages({"type": "TARGET"}) == [{"language": "DE", "name": "German", "supports_formality": False}]
    with pytest.raises(BadRequest, match="'type'"):
        deepl.languages({"type": "glossary"})


def test_usage_reports_deepl_pros_unlimited() -> None:
    assert deepl.usage(7) == {"character_count": 7, "character_limit": 10**12}
