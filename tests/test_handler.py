"""The translate Lambda through real API Gateway REST proxy events, against the local sagemaker-runtime and stand-in model."""

from __future__ import annotations

import io
import json
import logging
import string
from pathlib import Path

import handler
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from translator.limits import MAX_BODY_BYTES, MAX_TEXT_CHARS, MAX_TEXTS, MAX_TOTAL_CHARS

from tests.fixtures.sagemaker_local import rest_event

ORIGIN = "https://translate.example.org"


def header(response: dict, name: str) -> str | None:
    values = response["multiValueHeaders"].get(name)
    return values[0] if values else None


@pytest.fixture
def api(sagemaker_local, call_api, monkeypatch):
    """The handler with CORS for one configured origin, pointed at the local stand-ins."""
    monkeypatch.setenv("CORS_ORIGINS", f"{ORIGIN},http://localhost:8000")
    handler._app.cache_clear()
    yield call_api
    handler._app.cache_clear()


def test_hello_world_reads_like_german(api, sagemaker_local) -> None:
    response = api("POST", "/translate", {"text": "Hello, world!"})
    assert response["statusCode"] == 200
    assert response["json"] == {"translation": "Hallo, Welt!", "sentences": 1}


def test_sentences_are_translated_in_one_endpoint_call(api, sagemaker_local) -> None:
    text = "Mr. Smith has a car. The car is red! Is it fast? It costs $3.14 a day."
    response = api("POST", "/translate", {"text": text})
    assert (
        response["json"]["translation"]
        == "Mr. Smith hat ein Auto. Die Auto ist rot! Ist es schnell? Es costs $3.14 ein Tag."
    )
    assert response["json"]["sentences"] == 4
    assert sagemaker_local.runtime.invocations == 1


def test_texts_keep_their_order(api) -> None:
    response = api("POST", "/translate", {"texts": ["Good morning.", "Thank you.", "I love you, too."]})
    assert response["json"] == {"translations": ["Gut Morgen.", "Danke du.", "Ich liebe du, auch."], "sentences": 3}


def test_workshop_shape_still_works(api) -> None:
    response = api(
        "POST", "/translate", {"sentences": [{"query": "can you drive a car?"}, {"query": "I want to watch a movie."}]}
    )
    assert response["json"] == {
        "predictions": [{"target": "Kann du fahren ein Auto?"}, {"target": "Ich will zu sehen ein Film."}]
    }


def test_line_breaks_survive(api) -> None:
    # A blank line (a paragraph break) stays one.
    assert (
        api("POST", "/translate", {"text": "Hello.\n\nGood night.\nBye."})["json"]["translation"]
        == "Hallo.\n\nGut Nacht.\nTschüss."
    )


def test_unknown_words_come_back_through_attention(api) -> None:
    assert (
        api("POST", "/translate", {"text": "I love Quokkas in Zurich."})["json"]["translation"]
        == "Ich liebe Quokkas in Zurich."
    )


def test_base64_encoded_body(api) -> None:
    response = api("POST", "/translate", json.dumps({"text": "Hello, world!"}), base64_encoded=True)
    assert response["json"]["translation"] == "Hallo, Welt!"


def test_long_sentence_is_split_at_a_clause_boundary_not_truncated(api, sagemaker_local) -> None:
    text = ", ".join(["the dog is good"] * 20) + "."  # 99 tokens
    translation = api("POST", "/translate", {"text": text})["json"]["translation"]
    assert translation.count("Hund") == 20
    assert sagemaker_local.runtime.invocations == 1


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ("{not json", 400, "not valid JSON"),
        ("", 400, "body is empty"),
        ("[1, 2]", 400, "must be a JSON object"),
        ({}, 400, "no text given"),
        ({"txt": "Hello"}, 400, "unknown field(s): txt"),
        ({"text": ""}, 400, "text is empty"),
        ({"text": " \n\x00 "}, 400, "text is empty"),
        ({"text": 42}, 400, "text must be a string, not a number"),
        ({"text": None}, 400, "text must be a string, not null"),
        ({"text": "a", "texts": ["b"]}, 400, "give only one of text, texts"),
        ({"texts": []}, 400, "non-empty list"),
        ({"texts": ["ok", 3]}, 400, "texts[1] must be a string"),
        ({"texts": ["a"] * (MAX_TEXTS + 1)}, 400, f"at most {MAX_TEXTS}"),
        ({"sentences": [{"q": "x"}]}, 400, 'sentences[0] must be an object {"query"'),
        ({"text": "a" * (MAX_TEXT_CHARS + 1)}, 413, f"at most {MAX_TEXT_CHARS}"),
        (
            {"texts": ["a" * MAX_TEXT_CHARS] * (MAX_TOTAL_CHARS // MAX_TEXT_CHARS + 1)},
            413,
            f"at most {MAX_TOTAL_CHARS}",
        ),
        ({"text": "a" * (MAX_BODY_BYTES + 1)}, 413, f"over {MAX_BODY_BYTES} bytes"),
        ({"text": " ".join(["word"] * 70)}, 413, "more than 60 words"),
    ],
)
def test_bad_requests_get_one_clear_message_with_cors(api, sagemaker_local, body, status, needle) -> None:
    response = api("POST", "/translate", body, headers={"Origin": ORIGIN})
    assert response["statusCode"] == status
    assert needle in response["json"]["message"]
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN
    assert "Traceback" not in response["body"]
    assert sagemaker_local.runtime.invocations == 0


def test_invalid_base64_is_a_400(sagemaker_local, lambda_context) -> None:
    event = rest_event("POST", "/translate", None)
    event.update(body="abc", isBase64Encoded=True)
    response = handler.handler(event, lambda_context)
    assert response["statusCode"] == 400 and "not valid base64" in json.loads(response["body"])["message"]


@pytest.mark.parametrize(
    ("code", "status", "retry_after"),
    [
        ("ModelError", 502, None),
        ("InternalFailure", 502, None),
        ("ThrottlingException", 503, "2"),
        ("ModelNotReadyException", 503, "30"),
        ("ServiceUnavailable", 503, "10"),
    ],
)
def test_endpoint_errors_map_to_gateway_statuses(api, sagemaker_local, code, status, retry_after) -> None:
    sagemaker_local.runtime.fail_next(code, count=5)
    response = api("POST", "/translate", {"text": "Hello."}, headers={"Origin": ORIGIN})
    assert response["statusCode"] == status
    assert header(response, "Retry-After") == retry_after
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN
    assert response["json"]["message"]


def test_missing_endpoint_is_503_with_retry_after(api, monkeypatch) -> None:
    monkeypatch.setenv("ENDPOINT_NAME", "gone")
    response = api("POST", "/translate", {"text": "Hello."})
    assert (response["statusCode"], header(response, "Retry-After")) == (503, "60")
    assert "gone does not exist" in response["json"]["message"]


def test_slow_endpoint_is_504(api, sagemaker_local, monkeypatch) -> None:
    from translator import endpoint

    monkeypatch.setenv("ENDPOINT_READ_TIMEOUT_SECONDS", "0.3")
    endpoint.client.cache_clear()
    sagemaker_local.runtime.delay_next(2.0, count=2)
    response = api("POST", "/translate", {"text": "Hello."}, headers={"Origin": ORIGIN})
    assert response["statusCode"] == 504 and "in time" in response["json"]["message"]
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN


def test_cors_only_for_configured_origins_and_preflight(api) -> None:
    other = api("POST", "/translate", {"text": "Hello."}, headers={"Origin": "https://evil.example"})
    assert other["statusCode"] == 200 and header(other, "Access-Control-Allow-Origin") is None
    second = api("POST", "/translate", {"text": "Hello."}, headers={"Origin": "http://localhost:8000"})
    assert header(second, "Access-Control-Allow-Origin") == "http://localhost:8000"
    preflight = api("OPTIONS", "/translate", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert preflight["statusCode"] == 204
    assert header(preflight, "Access-Control-Allow-Origin") == ORIGIN
    assert "POST" in header(preflight, "Access-Control-Allow-Methods")
    assert "Content-Type" in header(preflight, "Access-Control-Allow-Headers")


def test_page_and_unknown_routes(api) -> None:
    page = api("GET", "/")
    assert page["statusCode"] == 200 and header(page, "Content-Type").startswith("text/html")
    assert page["body"] == (Path(handler.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    missing = api("GET", "/nope", headers={"Origin": ORIGIN})
    assert missing["statusCode"] == 404 and "POST /translate" in missing["json"]["message"]
    assert header(missing, "Access-Control-Allow-Origin") == ORIGIN


def test_logs_are_structured_with_request_id_and_no_user_text(api) -> None:
    # Powertools keeps the stdout it saw at import: listen with its own JSON formatter on a second handler.
    stream = io.StringIO()
    listener = logging.StreamHandler(stream)
    listener.setFormatter(handler.logger.registered_formatter)
    logging.getLogger(handler.logger.name).addHandler(listener)
    secret = "Quokkas enjoy Zurich"
    try:
        api("POST", "/translate", {"text": f"{secret}. Hello."})
        # Refusals too: their messages quote the text ("it starts: ..."), the logs must not.
        refused = api("POST", "/translate", {"text": " ".join([secret] * 25)})
        assert refused["statusCode"] == 413 and "Quokkas" in refused["json"]["message"]
        assert api("POST", "/translate", {"text": "Hi", secret: 1})["statusCode"] == 400
    finally:
        logging.getLogger(handler.logger.name).removeHandler(listener)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    translated = next(record for record in records if record.get("message") == "translated")
    assert translated["sentences"] == 2 and translated["endpoint_calls"] == 1
    assert {"correlation_id", "function_request_id", "endpoint_ms", "total_ms"} <= set(translated)
    assert all(secret not in json.dumps(record) and "Quokkas" not in json.dumps(record) for record in records)


def test_without_vocabulary_requests_still_work(api, monkeypatch, tmp_path) -> None:
    from translator import vocab

    monkeypatch.setenv("SOURCE_VOCABULARY_FILE", str(tmp_path / "vocab.src.json"))  # no such file
    vocab.reset()
    assert api("POST", "/translate", {"text": "Hello, world!"})["json"]["translation"] == "Hallo, Welt!"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.fixed_dictionaries({"text": st.text(max_size=300)}).map(json.dumps),
    st.fixed_dictionaries(
        {"texts": st.lists(st.text(alphabet=string.printable + "äöü“”…—\u200b", max_size=80), max_size=5)}
    ).map(json.dumps),
    st.fixed_dictionaries({"sentences": st.lists(st.fixed_dictionaries({"query": json_values}), max_size=3)}).map(
        json.dumps
    ),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, encoded=st.booleans())
def test_no_body_makes_the_handler_crash_or_answer_5xx(api, body, encoded) -> None:
    response = api("POST", "/translate", body, base64_encoded=encoded)
    assert response["statusCode"] in (200, 400, 413), response["body"]
    document = json.loads(response["body"])
    assert ("message" in document) == (response["statusCode"] != 200)
