"""openapi.json: a valid-looking OpenAPI 3.0 contract whose gateway request model agrees with the Lambda's own checks."""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import pytest
from translator import libretranslate, limits
from translator.errors import TranslateError
from translator.payload import parse_translate_request

DOCUMENT = json.loads(
    (Path(__file__).parent.parent / "lambda" / "translate" / "openapi.json").read_text(encoding="utf-8")
)
REQUEST_SCHEMA = DOCUMENT["components"]["schemas"]["TranslateRequest"]
validate = fastjsonschema.compile({"$schema": "http://json-schema.org/draft-04/schema#", **REQUEST_SCHEMA})


def test_contract_lists_routes_and_every_error_status() -> None:
    assert DOCUMENT["openapi"].startswith("3.0")
    assert set(DOCUMENT["paths"]) >= {"/translate", "/"}
    assert set(DOCUMENT["paths"]["/translate"]["post"]["responses"]) == {
        "200",
        "400",
        "413",
        "429",
        "502",
        "503",
        "504",
    }
    assert set(DOCUMENT["paths"]) >= {"/languages", "/detect"}
    assert "Retry-After" in DOCUMENT["paths"]["/translate"]["post"]["responses"]["503"]["headers"]


def test_documented_limits_are_the_code_limits() -> None:
    assert DOCUMENT["x-limits"] == {
        "maxTextChars": limits.MAX_TEXT_CHARS,
        "maxTexts": limits.MAX_TEXTS,
        "maxTotalChars": limits.MAX_TOTAL_CHARS,
        "maxBodyBytes": limits.MAX_REQUEST_BODY_BYTES,
        "maxSentenceTokens": limits.MAX_SENTENCE_TOKENS,
    }
    assert REQUEST_SCHEMA["properties"]["texts"]["maxItems"] == limits.MAX_TEXTS


def test_request_model_is_self_contained_draft_04() -> None:
    text = json.dumps(REQUEST_SCHEMA)
    assert '"$ref"' not in text and '"const"' not in text
    assert "additionalProperties" not in REQUEST_SCHEMA  # room for LibreTranslate's q/source/target/format


@pytest.mark.parametrize(
    "body",
    [
        {"text": "Hello."},
        {"texts": ["a", "b"]},
        {"sentences": [{"query": "Hello."}]},
    ],
)
def test_gateway_and_lambda_both_accept(body) -> None:
    validate(body)
    parse_translate_request(body)


@pytest.mark.parametrize(
    "body",
    [
        {"q": "Hello.", "source": "auto", "target": "de"},
        {"q": ["a", "b"], "source": "en", "target": "de", "format": "html", "api_key": "k"},
    ],
)
def test_gateway_and_lambda_accept_libretranslate_fields(body) -> None:
    validate(body)
    libretranslate.parse_request(body)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": 3},
        {"texts": []},
        {"texts": [1]},
        {"texts": ["a"] * (limits.MAX_TEXTS + 1)},
        {"sentences": [{"q": "x"}]},
        [],
        "text",
    ],
)
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


def _against_document(schema: dict) -> object:
    """A validator for a schema of the document, with its components beside it so that references resolve."""
    return fastjsonschema.compile({**schema, "components": DOCUMENT["components"]})


def test_libretranslate_routes_are_documented_with_their_shapes() -> None:
    paths = DOCUMENT["paths"]
    translate_bodies = paths["/translate"]["post"]["requestBody"]["content"]
    assert set(translate_bodies) == {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}
    assert (
        paths["/languages"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
        == libretranslate.LANGUAGES
    )
    assert paths["/detect"]["post"]["responses"]["200"]["content"]["application/json"]["example"] == [
        libretranslate.ENGLISH
    ]
    detect_request = _against_document(
        paths["/detect"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    )
    detect_request({"q": "Hello"})  # /detect needs no target
    with pytest.raises(fastjsonschema.JsonSchemaException):
        detect_request({"text": "Hello"})
    errors = _against_document(paths["/translate"]["post"]["responses"]["400"]["content"]["application/json"]["schema"])
    errors({"error": "language pair de -> en is not supported"})
    errors({"message": "text is empty"})


def test_response_examples_match_their_schemas() -> None:
    for path, methods in DOCUMENT["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if not content:
                    continue
                check = _against_document(content["schema"])
                examples = [example["value"] for example in content.get("examples", {}).values()]
                for example in examples + ([content["example"]] if "example" in content else []):
                    try:
                        check(example)
                    except fastjsonschema.JsonSchemaException as error:
                        pytest.fail(
                            f"{method.upper()} {path} {status}: example {example} does not match its schema ({error})"
                        )


def test_the_gateway_leaves_format_to_the_lambda_so_clients_read_the_reason_in_error() -> None:
    body = {"q": "Hello", "source": "en", "target": "de", "format": "pdf"}
    validate(body)
    with pytest.raises(TranslateError, match="format 'pdf' is not supported"):
        libretranslate.parse_request(body)
