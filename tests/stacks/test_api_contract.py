"""stacks/api_contract.py: the API's promises as plain values (error bodies, CORS headers, the function's environment)."""

import pytest

from stacks.api_contract import (
    CORS_ALLOW_HEADERS,
    ECHO_ORIGIN,
    METRICS_NAMESPACE,
    POWERTOOLS_SERVICE_NAME,
    ROUTES,
    VALIDATED_BODIES,
    gateway_cors_headers,
    gateway_error_body,
    lambda_environment,
)
from stacks.settings import settings_from_files


def test_gateway_errors_speak_both_dialects():
    assert gateway_error_body("Too many") == {"message": "Too many", "error": "Too many"}


@pytest.mark.parametrize(
    ("origins", "request_origin", "allowed"),
    [
        (("*",), "https://a.example", "*"),
        (("https://a.example",), "https://b.example", "https://a.example"),
        (("https://a.example", "https://b.example"), "https://b.example", "https://b.example"),
        (("https://a.example", "https://b.example"), None, ECHO_ORIGIN),
    ],
)
def test_gateway_cors_allows_the_one_origin_or_echoes_the_callers(origins, request_origin, allowed):
    headers = gateway_cors_headers(origins, request_origin)
    assert headers["Access-Control-Allow-Origin"] == allowed
    assert headers["Access-Control-Allow-Headers"] == ",".join(CORS_ALLOW_HEADERS)
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert headers["Access-Control-Expose-Headers"] == "Retry-After,X-Service-State"
    assert headers["Vary"] == "Origin"


def test_the_functions_environment_names_endpoint_bucket_vocabulary_and_powertools():
    settings = settings_from_files({"cors_origins": "https://a.example,https://b.example"})
    environment = lambda_environment(
        settings,
        endpoint_name="ep",
        model_bucket="bucket",
        source_vocabulary_key="m/v/vocab.src.json",
        log_level="DEBUG",
    )
    assert environment["ENDPOINT_NAME"] == "ep"
    assert environment["MODEL_BUCKET"] == "bucket"
    assert environment["SOURCE_VOCABULARY_KEY"] == "m/v/vocab.src.json"
    assert environment["CORS_ORIGINS"] == "https://a.example,https://b.example"
    assert environment["POWERTOOLS_SERVICE_NAME"] == POWERTOOLS_SERVICE_NAME
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == METRICS_NAMESPACE
    assert environment["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert settings.model_speed_environment().items() <= environment.items()


def test_the_routes_serve_deepls_and_libretranslates_clients():
    assert ROUTES["/v2/translate"] == {"POST"}
    assert ROUTES["/v2/languages"] == ROUTES["/v2/usage"] == {"GET", "POST"}
    assert ROUTES["/frontend/settings"] == {"GET"}
    assert {"/translate", "/languages", "/detect", "/suggest", "/translate_file"} <= set(ROUTES)


def test_no_body_is_validated_by_the_gateway_so_query_string_requests_reach_the_lambda():
    # A LibreTranslate client's POST with every field in the query string has an empty body, which a body model
    # refuses; the Lambda checks every body and answers in the client's own error shape.
    assert VALIDATED_BODIES == frozenset()


def test_cors_lets_browsers_send_every_apis_key_header():
    assert {"Authorization", "X-Api-Key"} <= set(CORS_ALLOW_HEADERS)
