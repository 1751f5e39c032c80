"""openapi.json: a valid-looking OpenAPI 3.0 contract whose gateway request model agrees with the Lambda's own checks."""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import pytest

from translator import libretranslate, limits
from translator.errors import TranslateError
from translator.payload import parse_translate_request

DOCUMENT = json.loads((Path(__file__).parent.parent / "lambda" / "translate" / "openapi.json").read_text(encoding="utf-8"))
REQUEST_SCHEMA = DOCUMENT["components"]["schemas"]["TranslateRequest"]
validate = fastjsonschema.compile({"$schema": "http://json-schema.org/draft-04/schema#", **REQUEST_SCHEMA})


def test_contract_lists_routes_and_every_error_status() -> None:
    assert DOCUMENT["openapi"].startswith("3.0")
    assert set(DOCUMENT["paths"]) >= {"/translate", "/"}
    assert set(DOCUMENT["paths"]["/translate"]["post"]["responses"]) == {"200", "400", "413", "429", "502", "503", "504"}
    assert set(DOCUMENT["paths"]) >= {"/languages", "/detect"}
    assert "Retry-After" in DOCUMENT["paths"]["/translate"]["post"]["responses"]["503"]["headers"]


def test_documented_limits_are_the_code_limits() -> None:
    assert DOCUMENT["x-limits"] == {"maxTextChars": limits.MAX_TEXT_CHARS, "maxTexts": limits.MAX_TEXTS, "maxTotalChars": limits.MAX_TOTAL_CHARS,
                                    "maxBodyBytes": limits.MAX_BODY_BYTES, "maxSentenceTokens": limits.MAX_SENTENCE_TOKENS}
    assert REQUEST_SCHEMA["properties"]["texts"]["maxItems"] == limits.MAX_TEXTS


def test_request_model_is_self_contained_draft_04() -> None:
    text = json.dumps(REQUEST_SCHEMA)
    assert '"$ref"' not in text and '"const"' not in text
    assert "additionalProperties" not in REQUEST_SCHEMA  # room for LibreTranslate's q/source/target/format


@pytest.mark.parametrize("body", [
    {"text": "Hello."}, {"texts": ["a", "b"]}, {"sentences": [{"query": "Hello."}]},
])
def test_gateway_and_lambda_both_accept(body) -> None:
    validate(body)
    parse_translate_request(body)


@pytest.mark.parametrize("body", [
    {"q": "Hello.", "source": "auto", "target": "de"}, {"q": ["a", "b"], "source": "en", "target": "de", "format": "html", "api_key": "k"},
])
def test_gateway_and_lambda_accept_libretranslate_fields(body) -> None:
    validate(body)
    libretranslate.parse_request(body)


@pytest.mark.parametrize("body", [
    {}, {"text": ""}, {"text": 3}, {"texts": []}, {"texts": [1]}, {"texts": ["a"] * (limits.MAX_TEXTS + 1)},
    {"sentences": [{"q": "x"}]}, [], "text",
])
def test_what_the_gateway_refuses_the_lambda_refuses_too(body) -> None:
    with pytest.raises(fastjsonschema.JsonSchemaException):
        validate(body)
    with pytest.raises(TranslateError):
        parse_translate_request(body)


def test_examples_in_the_contract_are_valid() -> None:
    examples = DOCUMENT["paths"]["/translate"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for example in examples.values():
        validate(example["value"])
        (libretranslate.parse_request if "q" in example["value"] else parse_translate_request)(example["value"])
