"""Our POST /translate contract: the three accepted shapes, their refusals, the total limit and the answer's shape."""

from __future__ import annotations

import pytest
from translator.errors import BadRequest, TooLarge
from translator.limits import MAX_TEXT_CHARS, MAX_TEXTS, MAX_TOTAL_CHARS
from translator.payload import TranslateRequest, check_text, check_total, parse_translate_request, response_body


@pytest.mark.parametrize(
    ("document", "shape", "texts"),
    [
        ({"text": "  Hello\u2019s  world "}, "text", ["Hello's world"]),
        ({"texts": ["One", "Two"]}, "texts", ["One", "Two"]),
        ({"sentences": [{"query": "One"}, {"query": "Two"}]}, "sentences", ["One", "Two"]),
    ],
)
def test_each_accepted_shape_gives_its_texts_in_order_normalized(document, shape, texts) -> None:
    assert parse_translate_request(document) == TranslateRequest(shape, texts)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (None, "empty"),
        (["Hello"], "must be a JSON object"),
        ({}, "no text given"),
        ({"text": "Hi", "texts": ["Hi"]}, "give only one of text, texts"),
        ({"text": "Hi", "q": "Hi"}, "unknown field(s): q"),
        ({"texts": []}, '"texts" must be a non-empty list'),
        ({"texts": "Hi"}, '"texts" must be a non-empty list'),
        ({"texts": ["Hi"] * (MAX_TEXTS + 1)}, f"at most {MAX_TEXTS}"),
        ({"texts": ["Hi", 3]}, "texts[1] must be a string, not a number"),
        ({"text": None}, "text must be a string, not null"),
        ({"text": " \u0000 "}, "text is empty"),
        ({"sentences": [{"query": "Hi"}, {"text": "Hi"}]}, "sentences[1] must be an object"),
        ({"sentences": [{"query": True}]}, "sentences[0].query must be a string, not a boolean"),
    ],
)
def test_a_body_outside_the_contract_is_refused_saying_why(document, words) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_translate_request(document)
    assert words in refused.value.message


def test_a_text_over_the_per_text_limit_is_too_large_and_named() -> None:
    with pytest.raises(TooLarge, match=r"texts\[0\] has"):
        parse_translate_request({"texts": ["a" * (MAX_TEXT_CHARS + 1)]})
    assert check_text("a" * MAX_TEXT_CHARS, "text") == "a" * MAX_TEXT_CHARS


def test_check_total_refuses_only_over_the_per_request_limit() -> None:
    check_total(["a" * (MAX_TOTAL_CHARS // 2)] * 2)
    with pytest.raises(TooLarge, match=f"{MAX_TOTAL_CHARS + 1} characters together"):
        check_total(["a" * (MAX_TOTAL_CHARS // 2)] * 2 + ["a"])


def test_the_answer_comes_in_the_shape_the_client_asked_in() -> None:
    text, texts, sentences = (TranslateRequest(shape, ["x"]) for shape in ("text", "texts", "sentences"))
    assert response_body(text, ["Hallo"], sentences=1) == {"translation": "Hallo", "sentences": 1}
    assert response_body(texts, ["A", "B"], sentences=2) == {"translations": ["A", "B"], "sentences": 2}
    # The workshop's shape has no room for details: they are left out.
    assert response_body(sentences, ["A", "B"], sentences=2) == {"predictions": [{"target": "A"}, {"target": "B"}]}
