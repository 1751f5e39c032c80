"""The routes in plain Python: each reads an Incoming, picks the dialect once and answers or refuses in it."""

from __future__ import annotations

import base64
import json

from translator import routes
from translator.errors import BadRequest, EndpointThrottled
from translator.libretranslate import LANGUAGES
from translator.routes import Incoming
from translator.service import Result

JSON = "application/json"


def _translate_for(labels: list[str]):
    """A translate_for that records the label it is asked for and upper-cases the texts."""

    def translate_for(label: str):
        labels.append(label)
        return lambda texts, *, continuing=(): Result([text.upper() for text in texts], sentences=len(texts))

    return translate_for


def test_translate_answers_each_dialect_with_the_translate_function_for_its_label() -> None:
    labels: list[str] = []
    ours = routes.translate(Incoming(json.dumps({"text": "Hi"}), False, JSON), _translate_for(labels))
    assert (ours.status, ours.body) == (200, {"translation": "HI", "sentences": 1})
    form = base64.b64encode(b"q=Hi&target=de").decode()
    libre = routes.translate(Incoming(form, True, "application/x-www-form-urlencoded"), _translate_for(labels))
    assert (libre.status, libre.body) == (
        200,
        {"translatedText": "HI", "detectedLanguage": {"confidence": 100.0, "language": "en"}},
    )
    assert labels == ["text", "libretranslate-text"]


def test_translate_refuses_in_the_shape_of_the_dialect_it_has_chosen() -> None:
    labels: list[str] = []
    unreadable = routes.translate(Incoming("{not json", False, JSON), _translate_for(labels))
    assert unreadable.status == 400 and set(unreadable.body) == {"message", "error"}
    ours = routes.translate(Incoming(json.dumps({"texts": []}), False, JSON), _translate_for(labels))
    assert ours.status == 400 and set(ours.body) == {"message"} and isinstance(ours.error, BadRequest)
    libre = routes.translate(Incoming(json.dumps({"q": "Hi", "target": "fr"}), False, JSON), _translate_for(labels))
    assert libre.status == 400 and set(libre.body) == {"error"}
    assert labels == []


def test_translate_turns_an_endpoint_error_into_the_dialects_refusal() -> None:
    def translate_for(label: str):
        def translate(texts, *, continuing=()):
            raise EndpointThrottled("busy")

        return translate

    reply = routes.translate(Incoming(json.dumps({"q": "Hi", "target": "de"}), False, JSON), translate_for)
    assert (reply.status, reply.body, reply.headers) == (429, {"error": "busy"}, {"Retry-After": "2"})


def test_detect_answers_english_or_refuses_in_libretranslates_shape() -> None:
    assert routes.detect(Incoming(json.dumps({"q": "Hallo"}), False, JSON)).body == [
        {"confidence": 100.0, "language": "en"}
    ]
    refused = routes.detect(Incoming(None, False, JSON))
    assert refused.status == 400 and set(refused.body) == {"error"}


def test_languages_not_found_and_internal_error() -> None:
    assert routes.languages().body == LANGUAGES
    missing = routes.not_found("DELETE", "/translate")
    assert missing.status == 404 and missing.body["message"] == missing.body["error"]
    assert "no route DELETE /translate" in missing.body["message"] and routes.SERVED in missing.body["message"]
    failed = routes.internal_error("req-123")
    assert failed.status == 500 and failed.body == {
        "message": "internal error; quote request id req-123",
        "error": "internal error; quote request id req-123",
    }


def test_incoming_reads_body_encoding_and_content_type_from_the_event() -> None:
    class Headers(dict):
        def get(self, key, default=None):
            return super().get(key.lower(), default)

    class Event:
        body = "q=Hi"
        is_base64_encoded = False
        headers = Headers({"content-type": "application/x-www-form-urlencoded"})

    assert Incoming.of(Event()) == Incoming("q=Hi", False, "application/x-www-form-urlencoded")
