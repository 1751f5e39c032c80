"""openapi.json: the contract tells the truth: every route, every status and shape the handler answers with."""

from __future__ import annotations

import json

import fastjsonschema
import pytest
from translator import deepl, libretranslate, limits
from translator.errors import TranslateError
from translator.payload import parse_translate_request

from stacks.api_contract import ROUTES
from tests.fixtures.openapi_contract import DOCUMENT, against_document, assert_documented

REQUEST_SCHEMA = DOCUMENT["components"]["schemas"]["TranslateRequest"]
validate = fastjsonschema.compile({"$schema": "http://json-schema.org/draft-04/schema#", **REQUEST_SCHEMA})


def test_contract_lists_routes_and_every_error_status() -> None:
    assert DOCUMENT["openapi"].startswith("3.0")
    for path in ("/translate", "/v2/translate"):
        assert set(DOCUMENT["paths"][path]["post"]["responses"]) == {
            "200",
            "400",
            "403",
            "413",
            "429",
            "500",
            "502",
            "503",
            "504",
        }
    for path, methods in DOCUMENT["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            assert "429" in responses, f"{method} {path}: API Gateway's stage throttling can answer 429"
            assert set(responses["429"]["headers"]) == {"Retry-After"}
            if "503" in responses:
                assert set(responses["503"]["headers"]) == {"Retry-After", "X-Service-State"}


def test_the_contract_documents_exactly_the_routes_the_api_serves() -> None:
    documented = {path: frozenset(method.upper() for method in methods) for path, methods in DOCUMENT["paths"].items()}
    assert documented == ROUTES


def test_routes_that_take_a_key_document_its_403_and_where_it_goes() -> None:
    for path, method in [("/translate", "post"), ("/detect", "post"), ("/v2/translate", "post"),
                         ("/v2/languages", "get"), ("/v2/languages", "post"), ("/v2/usage", "get")]:  # fmt: skip
        operation = DOCUMENT["paths"][path][method]
        assert "403" in operation["responses"], (method, path)
        # Keys are optional (the setting api_keys): the empty requirement says a request may come without one.
        assert {} in operation["security"] and len(operation["security"]) > 1
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["libreTranslateApiKey"]["name"] == "api_key"
    assert schemes["apiKeyHeader"]["name"] == "X-Api-Key"
    assert "DeepL-Auth-Key" in schemes["deeplAuthKey"]["description"]


def test_required_fields_are_required_in_the_schemas() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    assert schemas["DeepLTranslateRequest"]["required"] == ["text", "target_lang"]
    assert schemas["LibreTranslateForm"]["required"] == ["q", "target"]
    assert schemas["LibreTranslateDetectRequest"]["required"] == ["q"]
    deepl_request = against_document(schemas["DeepLTranslateRequest"])
    deepl_request({"text": ["Hello"], "target_lang": "DE"})
    deepl.parse_request({"text": ["Hello"], "target_lang": "DE"})
    for missing in ({"text": "Hello"}, {"target_lang": "DE"}):
        with pytest.raises(fastjsonschema.JsonSchemaException):
            deepl_request(missing)
        with pytest.raises(TranslateError):
            deepl.parse_request(missing)


def test_errors_with_both_keys_match_every_error_schema_that_allows_them() -> None:
    any_error = against_document({"$ref": "#/components/schemas/AnyError"})
    for body in ({"message": "m"}, {"error": "e"}, {"message": "m", "error": "m"}):
        any_error(body)
    with pytest.raises(fastjsonschema.JsonSchemaException):
        any_error({"detail": "neither"})


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
def test_what_the_schema_refuses_the_lambda_refuses_too(body) -> None:
    with pytest.raises(fastjsonschema.JsonSchemaException):
        validate(body)
    with pytest.raises(TranslateError):
        parse_translate_request(body)


def test_examples_in_the_contract_are_valid() -> None:
    examples = DOCUMENT["paths"]["/translate"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for example in examples.values():
        validate(example["value"])
        (libretranslate.parse_request if "q" in example["value"] else parse_translate_request)(example["value"])


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
    detect_request = against_document(
        paths["/detect"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    )
    detect_request({"q": "Hello"})  # /detect needs no target
    with pytest.raises(fastjsonschema.JsonSchemaException):
        detect_request({"text": "Hello"})
    errors = against_document(paths["/translate"]["post"]["responses"]["400"]["content"]["application/json"]["schema"])
    errors({"error": "language pair de -> en is not supported"})
    errors({"message": "text is empty"})
    errors({"message": "the request body is not valid JSON", "error": "the request body is not valid JSON"})


def test_response_examples_match_their_schemas() -> None:
    for path, methods in DOCUMENT["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if not content:
                    continue
                check = against_document(content["schema"])
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


def test_assert_documented_fails_an_undocumented_status_and_a_wrong_body() -> None:
    def response(status: int, body: object, headers: dict | None = None) -> dict:
        return {
            "statusCode": status,
            "body": json.dumps(body),
            "multiValueHeaders": {"Content-Type": ["application/json"], **{k: [v] for k, v in (headers or {}).items()}},
        }

    assert_documented("POST", "/v2/translate", response(400, {"message": "Value for 'target_lang' not supported."}))
    assert_documented("GET", "/nope", response(404, {"anything": 1}))  # API Gateway's to answer
    with pytest.raises(pytest.fail.Exception, match="does not document"):
        assert_documented("POST", "/v2/translate", response(418, {"message": "teapot"}))
    with pytest.raises(pytest.fail.Exception, match="breaks its schema"):
        assert_documented("POST", "/v2/translate", response(400, {"error": "LibreTranslate's shape"}))
    with pytest.raises(AssertionError, match="X-Service-State"):
        assert_documented("POST", "/v2/translate", response(400, {"message": "x"}, {"X-Service-State": "paused"}))
