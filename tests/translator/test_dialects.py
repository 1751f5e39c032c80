"""The dialects: which API a request speaks, chosen once, and the error shape and status each answers with."""

from __future__ import annotations

import pytest
from translator.dialects import LIBRETRANSLATE, OURS, UNDECIDED, choose
from translator.errors import BadRequest, EndpointThrottled, EndpointUnavailable, ModelFailed, TooLarge
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
    ],
)
def test_the_route_the_media_type_and_the_body_choose_the_dialect(route, body, dialect) -> None:
    assert choose(route, body) is dialect


@pytest.mark.parametrize(
    ("error", "ours", "libre"),
    [
        (BadRequest("x"), 400, 400),
        (TooLarge("x"), 413, 400),
        (EndpointThrottled("x"), 503, 429),
        (EndpointUnavailable("x"), 503, 503),
        (ModelFailed("x"), 502, 502),
    ],
)
def test_each_dialect_answers_an_error_in_its_own_shape_and_status(error, ours, libre) -> None:
    assert OURS.refusal(error).body == {"message": "x"} and OURS.refusal(error).status == ours
    assert LIBRETRANSLATE.refusal(error).body == {"error": "x"} and LIBRETRANSLATE.refusal(error).status == libre
    # Before the API is known, the status is the error's and both keys carry the message.
    assert UNDECIDED.refusal(error).body == {"message": "x", "error": "x"}
    assert UNDECIDED.refusal(error).status == error.status
    assert OURS.refusal(error).error is error


def test_retry_after_goes_with_temporary_errors_only() -> None:
    assert LIBRETRANSLATE.refusal(EndpointThrottled("busy")).headers == {"Retry-After": "2"}
    assert OURS.refusal(BadRequest("no")).headers == {}


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
    # Each text reached the translate function normalized, once per request.
    assert calls == [["Hello's world", "Bye"], ["Hi", "there"]]
