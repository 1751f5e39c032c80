"""DeepL's API, LibreTranslate's query-string requests and API keys through the real handler, against the local
sagemaker-runtime and stand-in model (and moto's Secrets Manager for the keys); every answer checked against the
contract (openapi.json)."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime
from urllib.parse import urlencode

import boto3
import pytest
from translator import api_keys, usage

from stacks.api_contract import ROUTES
from tests.fixtures.openapi_contract import assert_documented, documented_calls
from tests.fixtures.sagemaker_local import rest_event

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
KEY = "team-key-0123456789"


@pytest.fixture
def call_api(call_api):
    """The handler, with every response checked against the contract."""
    return documented_calls(call_api)


@pytest.fixture
def api(sagemaker_local, call_api):
    """The handler pointed at the local stand-ins, keys off, usage counted in memory from zero."""
    usage.reset()
    api_keys.reset()
    yield call_api
    usage.reset()
    api_keys.reset()


@pytest.fixture
def with_query(sagemaker_local, translate_handler, lambda_context):
    """Call the handler with fields in the query string (and any body), as API Gateway hands them over."""

    def call(method: str, path: str, query: list[tuple[str, str]], body: str | None = None, **kwargs) -> dict:
        event = rest_event(method, path, body, **kwargs)
        multi: dict[str, list[str]] = {}
        for name, value in query:
            multi.setdefault(name, []).append(value)
        event["queryStringParameters"] = {name: values[-1] for name, values in multi.items()}
        event["multiValueQueryStringParameters"] = multi
        response = translate_handler.handler(event, lambda_context)
        assert_documented(method, path, response)
        response["json"] = json.loads(response["body"])
        return response

    return call


@pytest.fixture
def keys_on(aws_env, sagemaker_local, monkeypatch):
    """API keys on: a secret in moto's Secrets Manager holding the key "team"; usage in memory."""
    client = boto3.client("secretsmanager", endpoint_url=aws_env.url)
    created = datetime(2026, 12, 1, tzinfo=UTC)
    text = api_keys.secret_text({"team": api_keys.entry(KEY, created)})
    secret = client.create_secret(Name="translate-api-keys", SecretString=text)["ARN"]
    # sagemaker_local points every other client at the runtime stand-in; Secrets Manager alone goes to moto.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", aws_env.url)
    monkeypatch.setenv(api_keys.SECRET_ENV, secret)
    usage.reset()
    api_keys.reset()
    yield secret
    usage.reset()
    api_keys.reset()


# --- DeepL API v2 ------------------------------------------------------------------------------------------------------


def test_deepl_json_with_a_text_list(api) -> None:
    response = api("POST", "/v2/translate", {"text": ["Hello, world!", "Thank you."], "target_lang": "DE"})
    assert response["statusCode"] == 200
    assert response["json"] == {
        "translations": [
            {"detected_source_language": "EN", "text": "Hallo, Welt!"},
            {"detected_source_language": "EN", "text": "Danke du."},
        ]
    }


def test_deepl_form_with_text_repeated_and_a_regional_lowercase_target(api) -> None:
    body = urlencode(
        [("text", "Good morning."), ("text", "Thank you."), ("target_lang", "de-de"), ("source_lang", "en")]
    )
    response = api("POST", "/v2/translate", body, headers=FORM)
    assert [item["text"] for item in response["json"]["translations"]] == ["Gut Morgen.", "Danke du."]


def test_deepl_fields_in_the_query_string_of_an_empty_post(with_query) -> None:
    response = with_query("POST", "/v2/translate", [("text", "Thank you."), ("target_lang", "DE")])
    assert response["statusCode"] == 200
    assert response["json"]["translations"][0]["text"] == "Danke du."


def test_deepl_html_keeps_the_markup(api) -> None:
    response = api(
        "POST", "/v2/translate", {"text": ["<p>Hello, <b>world</b>!</p>"], "target_lang": "DE", "tag_handling": "html"}
    )
    assert response["json"]["translations"][0]["text"] == "<p>Hallo, <b>Welt</b>!</p>"


@pytest.mark.parametrize(
    ("body", "status", "start"),
    [
        ({"text": ["Hi"], "target_lang": "FR"}, 400, "Value for 'target_lang' not supported."),
        ({"text": ["Hi"]}, 400, "Parameter 'target_lang' not specified."),
        ({"target_lang": "DE"}, 400, "Parameter 'text' not specified."),
        ({"text": ["a" * 5001], "target_lang": "DE"}, 413, "text has 5001 characters"),
        ("{not json", 400, "the request body is not valid JSON"),
    ],
)
def test_deepl_errors_have_deepls_shape_and_status(api, body, status, start) -> None:
    response = api("POST", "/v2/translate", body, headers=JSON)
    assert response["statusCode"] == status
    assert set(response["json"]) == {"message"} and response["json"]["message"].startswith(start)


def test_deepl_throttling_is_429_with_retry_after(api, sagemaker_local) -> None:
    sagemaker_local.runtime.fail_next("ThrottlingException", count=5)
    response = api("POST", "/v2/translate", {"text": ["Hello"], "target_lang": "DE"})
    assert (response["statusCode"], response["multiValueHeaders"]["Retry-After"]) == (429, ["2"])
    assert set(response["json"]) == {"message"}


def test_deepl_languages_by_type_in_the_query_or_a_get_form_body(api, with_query) -> None:
    assert api("GET", "/v2/languages")["json"] == [{"language": "EN", "name": "English"}]
    target = [{"language": "DE", "name": "German", "supports_formality": False}]
    assert with_query("GET", "/v2/languages", [("type", "target")])["json"] == target
    # The official library sends type=target as a form body of a GET.
    assert api("GET", "/v2/languages", "type=target", headers=FORM)["json"] == target
    assert api("POST", "/v2/languages", "type=target", headers=FORM)["json"] == target
    refused = with_query("GET", "/v2/languages", [("type", "glossary")])
    assert refused["statusCode"] == 400 and "'type'" in refused["json"]["message"]


def test_deepl_usage_counts_translated_characters(api) -> None:
    assert api("GET", "/v2/usage")["json"] == {"character_count": 0, "character_limit": 1_000_000_000_000}
    api("POST", "/v2/translate", {"text": ["Thank you.", "Hello"], "target_lang": "DE"})
    api("POST", "/translate", {"q": "Good morning.", "target": "de"})
    # Keys off: every caller is "anonymous", and every API's translations count.
    assert api("POST", "/v2/usage")["json"]["character_count"] == len("Thank you.Hello") + len("Good morning.")


# --- LibreTranslate in full -------------------------------------------------------------------------------------------


def test_libretranslate_every_field_in_the_query_string_of_an_empty_post(with_query) -> None:
    query = [("q", "Thank you."), ("source", "en"), ("target", "de"), ("format", "text"), ("api_key", "")]
    response = with_query("POST", "/translate", query)
    assert (response["statusCode"], response["json"]) == (200, {"translatedText": "Danke du."})
    # An empty JSON object, or a JSON content type with no body at all, reads the query string the same way.
    assert with_query("POST", "/translate", query, "{}", headers=JSON)["json"] == {"translatedText": "Danke du."}
    assert with_query("POST", "/translate", query, None, headers=JSON)["json"] == {"translatedText": "Danke du."}


def test_libretranslate_query_string_errors_are_its_own(with_query) -> None:
    response = with_query("POST", "/translate", [("q", "Hello"), ("target", "fr")])
    assert response["statusCode"] == 400 and set(response["json"]) == {"error"}


def test_libretranslate_alternatives_are_an_empty_list(api) -> None:
    one = api("POST", "/translate", {"q": "Thank you.", "source": "en", "target": "de", "alternatives": 3})
    assert one["json"] == {"translatedText": "Danke du.", "alternatives": []}
    many = api(
        "POST",
        "/translate",
        urlencode([("q", "Hello"), ("q", "Thank you."), ("target", "de"), ("alternatives", "2")]),
        headers=FORM,
    )
    assert many["json"]["alternatives"] == [[], []]
    assert "alternatives" not in api("POST", "/translate", {"q": "Hello", "target": "de", "alternatives": 0})["json"]


def test_libretranslate_frontend_settings_suggest_and_files(api) -> None:
    settings = api("GET", "/frontend/settings")["json"]
    assert settings["keyRequired"] is False and settings["apiKeys"] is False
    assert settings["charLimit"] == 10000 and settings["suggestions"] is False
    assert settings["language"] == {
        "source": {"code": "en", "name": "English"},
        "target": {"code": "de", "name": "German"},
    }
    suggest = api("POST", "/suggest", {"q": "Hi", "s": "Hallo", "source": "en", "target": "de"})
    assert (suggest["statusCode"], suggest["json"]) == (403, {"error": "Suggestions are disabled on this server."})
    assert api("POST", "/translate_file", "")["statusCode"] == 403


def test_every_route_of_the_contract_is_served_by_the_handler(api) -> None:
    for path, methods in ROUTES.items():
        for method in methods:
            response = api(method, path, headers=JSON)
            assert response["statusCode"] != 404, (method, path, response["body"])


# --- API keys ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def log_lines(translate_handler):
    """The handler's JSON log lines (Powertools keeps the stdout it saw at import: a second handler listens)."""
    stream = io.StringIO()
    listener = logging.StreamHandler(stream)
    listener.setFormatter(translate_handler.logger.registered_formatter)
    logging.getLogger(translate_handler.logger.name).addHandler(listener)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger(translate_handler.logger.name).removeHandler(listener)


def test_keys_on_each_api_reads_its_key_and_refuses_in_its_own_403(keys_on, call_api, log_lines) -> None:
    # Without a key: each API's own 403 shape.
    ours = call_api("POST", "/translate", {"text": "Hello"})
    assert ours["statusCode"] == 403 and set(ours["json"]) == {"message"}
    libre = call_api("POST", "/translate", {"q": "Hello", "target": "de"})
    assert libre["statusCode"] == 403 and set(libre["json"]) == {"error"}
    deepl = call_api("POST", "/v2/translate", {"text": ["Hello"], "target_lang": "DE"})
    assert deepl["statusCode"] == 403 and set(deepl["json"]) == {"message"}
    assert call_api("GET", "/v2/usage")["statusCode"] == 403
    assert call_api("GET", "/v2/languages")["statusCode"] == 403
    assert call_api("GET", "/v2/glossary-language-pairs")["statusCode"] == 403
    assert call_api("POST", "/detect", {"q": "Hello"})["statusCode"] == 403
    wrong = call_api("POST", "/translate", {"text": "Hello"}, headers={"Authorization": "Bearer wrong"})
    assert wrong["statusCode"] == 403 and "not valid" in wrong["json"]["message"]
    # Routes a client reads first need no key.
    assert call_api("GET", "/languages")["statusCode"] == 200
    assert call_api("GET", "/frontend/settings")["json"]["keyRequired"] is True

    # With the key, where each API's clients send it.
    assert (
        call_api("POST", "/translate", {"text": "Hello"}, headers={"Authorization": f"Bearer {KEY}"})["statusCode"]
        == 200
    )
    assert call_api("POST", "/translate", {"text": "Hello"}, headers={"X-Api-Key": KEY})["statusCode"] == 200
    assert call_api("POST", "/translate", {"q": "Hello", "target": "de", "api_key": KEY})["statusCode"] == 200
    deepl_header = {"Authorization": f"DeepL-Auth-Key {KEY}"}
    assert (
        call_api("POST", "/v2/translate", {"text": ["Hello"], "target_lang": "DE"}, headers=deepl_header)["statusCode"]
        == 200
    )
    logs = log_lines()
    translated = [line for line in logs if line.get("message") == "translated"]
    assert [line["api_key"] for line in translated] == ["team"] * 4
    assert KEY not in json.dumps(logs)
    usage_reply = call_api("GET", "/v2/usage", headers=deepl_header)
    assert usage_reply["json"]["character_count"] == 4 * len("Hello")
    assert call_api("GET", "/v2/languages", headers=deepl_header)["statusCode"] == 200
    assert call_api("POST", "/detect", {"q": "Hello", "api_key": KEY})["statusCode"] == 200


def test_deepl_glossary_lists_are_empty(api) -> None:
    assert api("GET", "/v2/glossary-language-pairs")["json"] == {"supported_languages": []}
    assert api("GET", "/v2/glossaries")["json"] == {"glossaries": []}
