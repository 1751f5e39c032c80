"""The dialects: which API a request speaks, chosen once, and the error shape and status each answers with."""

from __future__ import annotations

import pytest
from translator.dialects import DEEPL, LIBRETRANSLATE, OURS, UNDECIDED, choose
from translator.errors import (
    BadRequest,
    EndpointPaused,
    EndpointThrottled,
    EndpointTimeout,
    EndpointUnavailable,
    Forbidden,
    ModelFailed,
    TooLarge,
)
from translator.request_body import Body
from translator.service import Result


@pytest.mark.parametrize(
    ("route", "body", "dialect"),
    [
        ("/translate", Body("application/json", {"text": "Hi"}), OURS),
        ("/translate", Body("application/json", None), OURS),
        ("/translate", Body("application/json", [1, 2]), OURS),
        ("/translate", Body("application/json", {"q": "Hi"}), LIBRETRANSLATE),
        ("/translate", Body("application/x-www-form-urlencoded", {}), LIBRETRANSLATE),
        ("/translate", Body("multipart/form-data", {"text": "Hi"}), LIBRETRANSLATE),
        ("/detect", Body("application/json", {"text": "Hi"}), LIBRETRANSLATE),
        ("/v2/translate", Body("application/x-www-form-urlencoded", {"q": "Hi"}), DEEPL),
        ("/v2/translate", Body("application/json", {"text": ["Hi"]}), DEEPL),
    ],
)
def test_the_route_the_media_type_and_the_body_choose_the_dialect(route, body, dialect) -> None:
    assert choose(route, body) is dialect


def test_fields_from_the_query_string_choose_libretranslate_for_an_empty_body() -> None:
    assert choose("/translate", Body("", None), {"q": "Hi", "target": "de"}) is LIBRETRANSLATE
    assert choose("/translate", Body("", None), {}) is OURS


@pytest.mark.parametrize(
    ("error", "ours", "libre", "deepl"),
    [
        (BadRequest("x"), 400, 400, 400),
        (Forbidden("x"), 403, 403, 403),
        (TooLarge("x"), 413, 400, 413),
        (EndpointThrottled("x"), 503, 429, 429),
        (EndpointUnavailable("x"), 503, 503, 503),
        (EndpointPaused("x"), 503, 503, 503),
        (ModelFailed("x"), 502, 500, 502),
        (EndpointTimeout("x"), 504, 500, 504),
    ],
)
def test_each_dialect_answers_an_error_in_its_own_shape_and_status(error, ours, libre, deepl) -> None:
    assert OURS.refusal(error).body == {"message": "x"} and OURS.refusal(error).status == ours
    assert LIBRETRANSLATE.refusal(error).body == {"error": "x"} and LIBRETRANSLATE.refusal(error).status == libre
    assert DEEPL.refusal(error).body == {"message": "x"} and DEEPL.refusal(error).status == deepl
    # Before the API is known, the status is the error's and both keys carry the message.
    assert UNDECIDED.refusal(error).body == {"message": "x", "error": "x"}
    assert UNDECIDED.refusal(error).status == error.status
    assert OURS.refusal(error).error is error


def test_retry_after_goes_with_temporary_errors_only() -> None:
    assert LIBRETRANSLATE.refusal(EndpointThrottled("busy")).headers == {"Retry-After": "2"}
    assert OURS.refusal(BadRequest("no")).headers == {}
    assert DEEPL.refusal(EndpointPaused("paused", retry_after=600)).headers == {
        "Retry-After": "600",
        "X-Service-State": "paused",
    }


def test_each_dialect_answers_with_the_translate_function_it_is_handed() -> None:
    calls = []

    def translate(texts, *, continuing=()):
        calls.append(list(texts))
        return Result([text.upper() for text in texts], sentences=len(texts))

    ours = OURS.parse({"texts": ["Hello\u2019s  world", "Bye"]})
    assert OURS.label(ours) == "texts"
    assert OURS.answer(ours, translate) == {"translations": ["HELLO'S WORLD", "BYE"], "sentences": 2}
    libre = LIBRETRANSLATE.parse({"q": "<p>Hi <b>there</b></p>", "source": "en", "target": "de", "format": "html"})
    assert LIBRETRANSLATE.label(libre) == "libretranslate-html"
    assert LIBRETRANSLATE.answer(libre, translate) == {"translatedText": "<p>HI <b>THERE</b></p>"}
    deepl = DEEPL.parse({"text": ["Hello", "<b>Bye</b>"], "target_lang": "de", "tag_handling": "xml"})
    assert DEEPL.label(deepl) == "deepl-xml"
    assert DEEPL.answer(deepl, translate) == {
        "translations": [
            {"detected_source_language": "EN", "text": "HELLO"},
            {"detected_source_language": "EN", "text": "<b>BYE</b>"},
        ]
    }
    # Each text reached the translate function normalized, once per request.
    assert calls == [["Hello's world", "Bye"], ["Hi", "there"], ["Hello"], ["Bye"]]


def test_deepl_refuses_a_body_that_is_not_an_object() -> None:
    with pytest.raises(BadRequest):
        DEEPL.parse([1, 2])
