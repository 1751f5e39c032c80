"""The local API Gateway: proxy events, proxy results, routes, validation, CORS and its own errors, with a recording handler."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from scripts.local.api_gateway import (
    INTEGRATION_TIMEOUT_MESSAGE,
    INVALID_BODY_MESSAGE,
    LocalApiGateway,
    request_body_validator,
)
from stacks.api_contract import ROUTES, VALIDATED_BODIES, gateway_error_body
from tests.fixtures.local_api import (
    http_call,
)

# --- API Gateway's side, with a handler that records what it was given -------------------------------------------


class RecordingHandler:
    """A Lambda handler that keeps each event and answers with a configurable proxy result."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.result: Any = {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        assert context.get_remaining_time_in_millis() > 0
        self.events.append(event)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def post_raw(url: str, body: bytes | str, content_type: str | None) -> int:
    """POST exactly this body and Content-Type (none at all when None, which urllib would not allow); return the status."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST", parts.path, body=body, headers={"Content-Type": content_type} if content_type else {}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


# The validation mechanism under test, whichever routes the deployed API validates (api_contract.VALIDATED_BODIES).
VALIDATED = frozenset({("POST", "/translate")})


@pytest.fixture
def recorder() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def gateway(recorder: RecordingHandler) -> Iterator[LocalApiGateway]:
    with LocalApiGateway(recorder, cors_origins=("https://a.example", "https://b.example"), body_validator=request_body_validator(),
                         validated_bodies=VALIDATED, access_log=False) as server:  # fmt: skip
        yield server


def test_request_becomes_a_rest_proxy_event(gateway: LocalApiGateway, recorder: RecordingHandler) -> None:
    reply = http_call(
        "POST",
        f"{gateway.base_url}translate?a=1&a=2&b=x",
        json.dumps({"text": "Hello."}),
        {"Content-Type": "application/json", "X-Thing": "one", "User-Agent": "tests"},
    )
    assert reply.status == 200
    assert reply.headers["x-amzn-RequestId"]
    (event,) = recorder.events
    assert event["resource"] == "/translate"
    assert event["path"] == "/translate"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["X-Thing"] == "one"
    assert event["multiValueHeaders"]["X-Thing"] == ["one"]
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["pathParameters"] is None
    assert json.loads(event["body"]) == {"text": "Hello."}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["httpMethod"] == "POST"
    assert context["resourcePath"] == "/translate"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "tests"
    assert context["requestId"] == reply.headers["x-amzn-RequestId"]
    assert context["stage"]


def test_binary_media_type_body_is_base64_and_empty_query_is_none(
    gateway: LocalApiGateway, recorder: RecordingHandler
) -> None:
    # multipart/form-data is the API's binary media type (stacks/api_contract.py): its bytes reach the Lambda base64-encoded, exactly.
    raw = b'--b\r\nContent-Disposition: form-data; name="q"\r\n\r\n' + bytes(range(256)) + b"\r\n--b--\r\n"
    assert (
        http_call("POST", f"{gateway.base_url}detect", raw, {"Content-Type": "multipart/form-data; boundary=b"}).status
        == 200
    )
    (event,) = recorder.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


@pytest.mark.parametrize(
    "content_type", ["application/octet-stream", "text/plain", "application/x-www-form-urlencoded", None]
)
def test_other_bodies_reach_the_lambda_as_utf8_text(
    gateway: LocalApiGateway, recorder: RecordingHandler, content_type: str | None
) -> None:
    # Not a binary media type: the body is UTF-8 text, and bytes that are not UTF-8 turn into U+FFFD, as on API Gateway.
    raw = "café ".encode() + b"\xff\xfe"
    assert post_raw(f"{gateway.base_url}detect", raw, content_type) == 200
    (event,) = recorder.events
    assert event["isBase64Encoded"] is False
    assert event["body"] == "café \ufffd\ufffd"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "q=Hello&source=en&target=de"),
        (
            "multipart/form-data; boundary=b",
            '--b\r\nContent-Disposition: form-data; name="q"\r\n\r\nHello\r\n--b--\r\n',
        ),
        ("text/plain", "not json"),
    ],
    ids=["urlencoded", "multipart", "text"],
)
def test_bodies_without_a_request_model_pass_through_unvalidated(
    gateway: LocalApiGateway, recorder: RecordingHandler, content_type: str, body: str
) -> None:
    # The request model is for application/json only; API Gateway does not validate a body of a type with no model.
    reply = http_call("POST", f"{gateway.base_url}translate", body, {"Content-Type": content_type})
    assert reply.status == 200, reply.body
    assert len(recorder.events) == 1


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "APPLICATION/JSON", None])
def test_json_bodies_are_validated_whatever_the_spelling(
    gateway: LocalApiGateway, recorder: RecordingHandler, content_type: str | None
) -> None:
    # A missing Content-Type counts as application/json, like API Gateway; parameters and case do not matter.
    assert post_raw(f"{gateway.base_url}translate", '{"txt": "Hello"}', content_type) == 400
    assert (
        post_raw(
            f"{gateway.base_url}translate", '{"q": ["Hello", "Bye"], "source": "en", "target": "de"}', content_type
        )
        == 200
    )
    assert len(recorder.events) == 1


def test_proxy_result_becomes_the_http_response(gateway: LocalApiGateway, recorder: RecordingHandler) -> None:
    recorder.result = {
        "statusCode": 201,
        "headers": {"Content-Type": "application/octet-stream", "X-One": "1"},
        "multiValueHeaders": {"X-Many": ["a", "b"]},
        "body": base64.b64encode(b"\x00\xffbinary").decode(),
        "isBase64Encoded": True,
    }
    reply = http_call("GET", gateway.base_url)
    assert reply.status == 201
    assert reply.body == b"\x00\xffbinary"
    assert reply.headers["X-One"] == "1"
    assert reply.headers.get_all("X-Many") == ["a", "b"]


@pytest.mark.parametrize(
    "failure",
    [
        RuntimeError("boom"),
        {"statusCode": "200"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "*", "isBase64Encoded": True},
    ],
    ids=["raises", "status-not-int", "body-not-string", "bad-base64"],
)
def test_a_failing_handler_is_a_502_like_api_gateway(
    gateway: LocalApiGateway, recorder: RecordingHandler, failure: Any
) -> None:
    recorder.result = failure
    reply = http_call("GET", gateway.base_url, headers={"Origin": "https://b.example"})
    assert reply.status == 502
    assert reply.json() == gateway_error_body("Internal server error")
    assert reply.headers["Access-Control-Allow-Origin"] == "https://b.example"


class SlowHandler(RecordingHandler):
    """A handler that answers only once released (or after 10 s): longer than the gateway under test waits."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.finished = threading.Event()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.release.wait(timeout=10)
        try:
            return super().__call__(event, context)
        finally:
            self.finished.set()


@pytest.mark.parametrize(
    ("function_timeout", "integration_timeout", "status", "message"),
    [
        # Our deployment: the function's timeout ends first, Lambda stops it, API Gateway answers its failure.
        (0.5, 29.0, 502, "Internal server error"),
        # A function allowed longer than the gateway waits: API Gateway's integration timeout.
        (29.0, 0.5, 504, INTEGRATION_TIMEOUT_MESSAGE),
    ],
)
def test_a_handler_that_overruns_is_answered_like_api_gateway_and_its_result_dropped(
    function_timeout: float, integration_timeout: float, status: int, message: str
) -> None:
    slow = SlowHandler()
    with LocalApiGateway(slow, cors_origins=("https://a.example",), access_log=False,
                         function_timeout=function_timeout, integration_timeout=integration_timeout) as server:  # fmt: skip
        started = time.monotonic()
        reply = http_call("GET", server.base_url, headers={"Origin": "https://a.example"})
        assert time.monotonic() - started < 5
        assert (reply.status, reply.json()) == (status, gateway_error_body(message))
        assert reply.headers["Access-Control-Allow-Origin"] == "https://a.example"
        slow.release.set()
        assert slow.finished.wait(timeout=10)
        # The late answer went nowhere; the next request gets its own.
        slow.result = {"statusCode": 201, "body": "{}"}
        assert http_call("GET", server.base_url).status == 201


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "nowhere"), ("GET", "translate"), ("DELETE", ""), ("POST", "translate/extra")]
)
def test_unknown_routes_are_missing_authentication_token(
    gateway: LocalApiGateway, recorder: RecordingHandler, method: str, path: str
) -> None:
    reply = http_call(method, gateway.base_url + path, headers={"Origin": "https://a.example"})
    assert reply.status == 403
    assert reply.json() == gateway_error_body("Missing Authentication Token")
    assert reply.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert reply.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert recorder.events == []


def test_preflight_is_answered_by_the_gateway_like_the_cdk_mock(
    gateway: LocalApiGateway, recorder: RecordingHandler
) -> None:
    headers = {
        "Origin": "https://b.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    reply = http_call("OPTIONS", f"{gateway.base_url}translate", headers=headers)
    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert set(reply.headers["Access-Control-Allow-Methods"].split(",")) == {"GET", "POST", "OPTIONS"}
    assert "Content-Type" in reply.headers["Access-Control-Allow-Headers"].split(",")
    assert reply.headers["Vary"] == "Origin"
    # An origin that is not allowed gets the first allowed one, which the browser then refuses.
    stranger = http_call(
        "OPTIONS", f"{gateway.base_url}translate", headers={**headers, "Origin": "https://evil.example"}
    )
    assert stranger.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert recorder.events == []


DEEP = "[" * 100_000 + "]" * 100_000


# Deeper than Python's recursion limit too: parsing must still end in API Gateway's answer, not a dropped connection.
@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"txt": "Hello"}', "", DEEP, '{"text": ' + DEEP + "}"],
    ids=["not-json", "array", "unknown-field", "empty", "deep-array", "deep-in-text"],
)
def test_invalid_bodies_are_refused_before_the_lambda(
    gateway: LocalApiGateway, recorder: RecordingHandler, body: str
) -> None:
    if gateway.body_validator is None:
        pytest.fail(
            "lambda/translate/openapi.json (components.schemas.TranslateRequest) is missing: nothing to validate against"
        )
    reply = http_call(
        "POST",
        f"{gateway.base_url}translate",
        body,
        {"Content-Type": "application/json", "Origin": "https://a.example"},
    )
    assert reply.status == 400
    assert reply.json() == gateway_error_body(INVALID_BODY_MESSAGE)
    assert reply.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert reply.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert recorder.events == []


def _failing_validator(error: Exception) -> Any:
    def validate(document: Any) -> None:
        raise error

    return validate


def test_a_fault_in_the_server_is_logged_not_swallowed(
    recorder: RecordingHandler, capsys: pytest.CaptureFixture[str]
) -> None:
    validator = _failing_validator(RuntimeError("validator bug\nsecond line"))
    with LocalApiGateway(recorder, body_validator=validator, validated_bodies=VALIDATED, access_log=False) as server:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            post_raw(f"{server.base_url}translate", '{"text": "Hello."}', "application/json")
    # socketserver reports the fault before it closes the socket, so the line is there once the client sees the close.
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert "LocalApiGateway: request from 127.0.0.1:" in lines[0]
    assert "RuntimeError: validator bug second line" in lines[0]


@pytest.mark.parametrize(
    "error",
    [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "Connection reset by peer")],
    ids=["broken-pipe", "reset"],
)
def test_a_client_that_hung_up_is_not_logged(
    recorder: RecordingHandler, capsys: pytest.CaptureFixture[str], error: Exception
) -> None:
    with LocalApiGateway(
        recorder, body_validator=_failing_validator(error), validated_bodies=VALIDATED, access_log=False
    ) as server:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            post_raw(f"{server.base_url}translate", '{"text": "Hello."}', "application/json")
    assert capsys.readouterr().err == ""


def test_stage_prefix_is_served_and_stripped(recorder: RecordingHandler) -> None:
    with LocalApiGateway(recorder, stage="prod", access_log=False) as server:
        assert server.base_url.endswith("/prod/")
        assert http_call("GET", server.base_url).status == 200
        assert recorder.events[0]["path"] == "/"
        assert recorder.events[0]["requestContext"]["path"] == "/prod/"
        assert http_call("GET", server.url + "/").status == 403


def test_every_route_of_the_contract_reaches_the_lambda(recorder: RecordingHandler) -> None:
    with LocalApiGateway(recorder, access_log=False) as server:
        assert server.validated_bodies == VALIDATED_BODIES
        for path, methods in ROUTES.items():
            for method in sorted(methods):
                reply = http_call(method, server.url + path, b"{}" if method == "POST" else None)
                assert reply.status == 200, (method, path)
                assert (recorder.events[-1]["httpMethod"], recorder.events[-1]["resource"]) == (method, path)
    assert len(recorder.events) == sum(len(methods) for methods in ROUTES.values())


def test_a_post_with_its_fields_in_the_query_string_reaches_the_lambda(recorder: RecordingHandler) -> None:
    # LibreTranslate clients send every field in the query string of a POST with an empty body; the deployed API's
    # body validation (the contract's VALIDATED_BODIES) must let it through.
    with LocalApiGateway(recorder, body_validator=request_body_validator(), access_log=False) as server:
        reply = http_call("POST", f"{server.base_url}translate?q=Hello+world.&source=en&target=de", b"")
    assert reply.status == 200
    (event,) = recorder.events
    assert event["queryStringParameters"] == {"q": "Hello world.", "source": "en", "target": "de"}
    assert event["body"] is None
