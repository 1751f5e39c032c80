"""The routes in plain Python: each reads an Incoming, picks the dialect once and answers or refuses in it."""

from __future__ import annotations

import base64
import json
from typing import ClassVar

from translator import routes
from translator.errors import BadRequest, EndpointThrottled, Forbidden
from translator.libretranslate import LANGUAGES
from translator.routes import Incoming
from translator.service import Result

JSON = "application/json"


def _translate_for(labels: list[str]):
    """A translate_for that records the label it is asked for and upper-cases the texts."""

    def translate_for(label: str, key_name: str):
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
    def translate_for(label: str, key_name: str):
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


def test_incoming_reads_the_query_string_and_the_key_headers() -> None:
    class Headers(dict):
        def get(self, key, default=None):
            return super().get(key.lower(), default)

    class Event:
        body = None
        is_base64_encoded = False
        headers = Headers({"authorization": "DeepL-Auth-Key k1", "x-api-key": "k2"})
        multi_value_query_string_parameters: ClassVar[dict] = {"text": ["a", "b"]}

    assert Incoming.of(Event()) == Incoming(None, False, None, {"text": ["a", "b"]}, "DeepL-Auth-Key k1", "k2")


def test_fields_come_from_the_query_string_and_the_body_wins() -> None:
    assert routes.fields_of(None, {"q": ["Hi"], "target": ["de"]}) == {"q": "Hi", "target": "de"}
    assert routes.fields_of({"target": "fr"}, {"q": ["a", "b"], "target": ["de"]}) == {"q": ["a", "b"], "target": "fr"}
    # A body that is not an object stays what it is: the dialect refuses it.
    assert routes.fields_of([1], {"q": ["Hi"]}) == [1]
    assert routes.fields_of({"text": "x"}, {}) == {"text": "x"}


def test_a_post_with_every_libretranslate_field_in_the_query_string_is_translated() -> None:
    labels: list[str] = []
    query = {"q": ["Hi"], "source": ["en"], "target": ["de"], "alternatives": ["3"]}
    reply = routes.translate(Incoming(None, False, None, query), _translate_for(labels))
    assert (reply.status, reply.body) == (200, {"translatedText": "HI", "alternatives": []})
    assert labels == ["libretranslate-text"]


def test_deepl_translate_reads_form_fields_repeated_and_answers_its_shape() -> None:
    labels: list[str] = []
    form = "text=Hi&text=Bye&target_lang=de-DE&show_billed_characters=1"
    reply = routes.translate(
        Incoming(form, False, "application/x-www-form-urlencoded"), _translate_for(labels), "/v2/translate"
    )
    assert reply.status == 200
    assert reply.body == {
        "translations": [
            {"detected_source_language": "EN", "text": "HI", "billed_characters": 2},
            {"detected_source_language": "EN", "text": "BYE", "billed_characters": 3},
        ]
    }
    refused = routes.translate(Incoming("{not json", False, JSON), _translate_for(labels), "/v2/translate")
    assert refused.status == 400 and set(refused.body) == {"message"}


def _keys(valid: dict[str, str]):
    """An identify over a fixed key -> name table, recording what it was presented."""
    presented: list[str | None] = []

    def identify(key):
        presented.append(key)
        if key not in valid:
            raise Forbidden("missing" if key is None else "not valid")
        return valid[key]

    return identify, presented


def test_each_dialect_reads_the_key_where_its_clients_send_it() -> None:
    identify, presented = _keys({"k": "team"})
    recorded: list[tuple[str, int]] = []

    def record(name, characters):
        recorded.append((name, characters))

    def call(incoming, route="/translate"):
        return routes.translate(incoming, _translate_for([]), route, identify=identify, record=record)

    assert call(Incoming('{"text": "Hello"}', False, JSON, authorization="Bearer k")).status == 200
    assert call(Incoming('{"text": "Hello"}', False, JSON, x_api_key="k")).status == 200
    assert call(Incoming('{"q": "Hi", "target": "de", "api_key": "k"}', False, JSON)).status == 200
    deepl_header = Incoming('{"text": ["Hey"], "target_lang": "DE"}', False, JSON, authorization="DeepL-Auth-Key k")
    assert call(deepl_header, "/v2/translate").status == 200
    assert (
        call(
            Incoming(None, False, None, {"text": ["Hey"], "target_lang": ["DE"], "auth_key": ["k"]}), "/v2/translate"
        ).status
        == 200
    )
    assert presented == ["k"] * 5
    # Usage is recorded after each success, with the source texts' characters.
    assert recorded == [("team", 5), ("team", 5), ("team", 2), ("team", 3), ("team", 3)]


def test_a_missing_or_wrong_key_gets_each_apis_own_403_and_nothing_is_recorded() -> None:
    identify, _ = _keys({"k": "team"})
    recorded: list = []

    def call(incoming, route="/translate"):
        return routes.translate(
            incoming, _translate_for([]), route, identify=identify, record=lambda *args: recorded.append(args)
        )

    ours = call(Incoming('{"text": "Hello"}', False, JSON, authorization="Bearer wrong"))
    assert (ours.status, ours.body) == (403, {"message": "not valid"})
    libre = call(Incoming('{"q": "Hi", "target": "de"}', False, JSON))
    assert (libre.status, libre.body) == (403, {"error": "missing"})
    # The key is checked before the fields: a caller without one learns nothing from a 400.
    deepl = call(Incoming('{"text": []}', False, JSON, authorization="Bearer k"), "/v2/translate")
    assert (deepl.status, deepl.body) == (403, {"message": "missing"})
    assert recorded == []
    assert routes.detect(Incoming('{"q": "Hi"}', False, JSON), identify).status == 403
    assert routes.deepl_languages(Incoming(None, False, None), identify).body == {"message": "missing"}
    assert routes.deepl_usage(Incoming(None, False, None), identify, count=lambda name: 1).status == 403


def test_deepl_languages_and_usage() -> None:
    identify, _ = _keys({"k": "team"})
    key = "DeepL-Auth-Key k"
    source = routes.deepl_languages(Incoming(None, False, None, authorization=key), identify)
    assert source.body == [{"language": "EN", "name": "English"}]
    target = routes.deepl_languages(
        Incoming("type=target", False, "application/x-www-form-urlencoded", authorization=key), identify
    )
    assert target.body == [{"language": "DE", "name": "German", "supports_formality": False}]
    wrong = routes.deepl_languages(Incoming(None, False, None, {"type": ["both"]}, key), identify)
    assert wrong.status == 400 and "type" in wrong.body["message"]
    counted = routes.deepl_usage(
        Incoming(None, False, None, authorization=key), identify, count={"team": 42}.__getitem__
    )
    assert counted.body == {"character_count": 42, "character_limit": 1_000_000_000_000}


def test_frontend_settings_and_disabled_features(monkeypatch) -> None:
    monkeypatch.delenv("API_KEYS_SECRET", raising=False)
    settings = routes.frontend_settings().body
    assert settings["apiKeys"] is False and settings["keyRequired"] is False
    assert settings["suggestions"] is False and settings["supportedFilesFormat"] == []
    monkeypatch.setenv("API_KEYS_SECRET", "arn:aws:secretsmanager:us-east-1:123456789012:secret:keys")
    assert routes.frontend_settings().body["keyRequired"] is True
    suggest = routes.disabled("suggest")
    assert (suggest.status, suggest.body) == (403, {"error": "Suggestions are disabled on this server."})


def test_our_own_api_reads_the_body_only_so_a_query_string_is_no_unknown_field() -> None:
    reply = routes.translate(Incoming(json.dumps({"text": "Hi"}), False, JSON, {"v": ["2"]}), _translate_for([]))
    assert (reply.status, reply.body) == (200, {"translation": "HI", "sentences": 1})
