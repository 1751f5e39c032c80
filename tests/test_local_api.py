"""The local API: API Gateway's proxy events and answers, end to end over HTTP to the stand-in model, and its command line."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from scripts.local.api_gateway import INVALID_BODY_MESSAGE, LocalApiGateway, request_body_validator
from scripts.local.proxy_event import is_binary
from scripts.local.runtime_server import DEFAULT_ENDPOINT
from scripts.local_api import STAND_IN_NOTICE
from stacks.api_contract import gateway_error_body
from stacks.settings import settings_from_files
from tests.fixtures.local_api import (
    LOCAL_API,
    REPO_ROOT,
    LocalApiProcess,
    clean_env,
    http_call,
    post_json,
    start_local_api,
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


@pytest.fixture
def recorder() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def gateway(recorder: RecordingHandler) -> Iterator[LocalApiGateway]:
    with LocalApiGateway(recorder, cors_origins=("https://a.example", "https://b.example"), body_validator=request_body_validator(),
                         access_log=False) as server:  # fmt: skip
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
    ("content_type", "binary"),
    [
        ("multipart/form-data", True),
        ("Multipart/Form-Data; boundary=x", True),
        ("multipart/mixed", False),
        ("", False),
        (None, False),
    ],
)
def test_binary_media_types_match_on_the_media_type(content_type: str | None, binary: bool) -> None:
    assert is_binary(content_type) is binary
    assert is_binary("image/png", ["image/*"]) and is_binary("application/json", ["*/*"])


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
    with LocalApiGateway(recorder, body_validator=validator, access_log=False) as server:
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
    with LocalApiGateway(recorder, body_validator=_failing_validator(error), access_log=False) as server:
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


# --- End to end: HTTP -> local API -> real handler -> sagemaker-runtime stand-in -> container stand-in ------------------


def test_translate_end_to_end(stand_in_api: LocalApiProcess) -> None:
    reply = post_json(stand_in_api.translate_url, {"text": "I love you, too."}, {"Origin": "https://site.example"})
    assert reply.status == 200, reply.body
    assert reply.json()["translation"] == "Ich liebe du, auch."
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["X-Stand-In"] == STAND_IN_NOTICE


def test_translate_many_texts_end_to_end(stand_in_api: LocalApiProcess) -> None:
    reply = post_json(stand_in_api.translate_url, {"texts": ["Good morning.", "The cat is black."]})
    assert reply.status == 200, reply.body
    assert reply.json()["translations"] == ["Gut Morgen.", "Die Katze ist schwarz."]


def test_preflight_end_to_end(stand_in_api: LocalApiProcess) -> None:
    reply = http_call(
        "OPTIONS",
        stand_in_api.translate_url,
        headers={"Origin": "https://site.example", "Access-Control-Request-Method": "POST"},
    )
    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]


def test_validation_end_to_end(stand_in_api: LocalApiProcess) -> None:
    reply = post_json(stand_in_api.translate_url, {"words": "Hello"}, {"Origin": "https://site.example"})
    assert reply.status == 400
    assert reply.json() == gateway_error_body(INVALID_BODY_MESSAGE)
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_deeply_nested_json_end_to_end(stand_in_api: LocalApiProcess) -> None:
    reply = http_call(
        "POST", stand_in_api.translate_url, '{"text": ' + DEEP + "}", {"Content-Type": "application/json"}
    )
    assert reply.status == 400
    assert reply.json() == gateway_error_body(INVALID_BODY_MESSAGE)
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_handler_refusal_end_to_end(stand_in_api: LocalApiProcess) -> None:
    # Valid for the gateway's schema or not, an empty text is the handler's to refuse, with its own message.
    reply = post_json(stand_in_api.translate_url, {"text": "   "})
    assert reply.status == 400
    assert reply.json()["message"]
    assert reply.json()["message"] != "Internal server error"


def test_web_page_end_to_end(stand_in_api: LocalApiProcess) -> None:
    reply = http_call("GET", stand_in_api.base_url)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert b"<textarea" in reply.body


def test_unknown_route_and_outside_stage_end_to_end(stand_in_api: LocalApiProcess) -> None:
    assert http_call("GET", stand_in_api.base_url + "nothing").status == 403
    assert http_call("GET", stand_in_api.base_url.removesuffix("prod/")).status == 403


@pytest.mark.parametrize(
    ("code", "status"), [("ModelError", 502), ("ServiceUnavailable", 503), ("ValidationError", 502)]
)
def test_endpoint_errors_reach_the_client_as_messages(stand_in_api: LocalApiProcess, code: str, status: int) -> None:
    stand_in_api.fail_next(code, count=5)
    reply = post_json(stand_in_api.translate_url, {"text": "Hello."}, {"Origin": "https://site.example"})
    assert reply.status == status
    assert reply.json()["message"]
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


# --- The command line -------------------------------------------------------------------------------------------------


def test_command_line_starts_says_what_it_is_and_stops_cleanly_on_ctrl_c() -> None:
    running = start_local_api("--stand-in", "--port", "0")
    reply = post_json(running.translate_url, {"text": "Thank you."})
    status, out, err = running.stop()
    assert reply.status == 200 and reply.json()["translation"] == "Danke du."
    assert status == 0
    assert running.base_url.startswith("http://127.0.0.1:") and running.base_url.count("/") == 3
    assert f"stand-in model: {STAND_IN_NOTICE}" in out
    assert f"LibreTranslate clients: base URL {running.base_url}" in out
    assert "Stopped." in out
    assert '"POST /translate HTTP/1.1" 200' in err
    assert "Traceback" not in err


def _run_expecting_failure(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run([sys.executable, str(LOCAL_API), *args], cwd=REPO_ROOT, env=env or clean_env(), capture_output=True,
                          text=True, encoding="utf-8", timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert "Traceback" not in done.stderr
    return done.returncode, done.stderr


def test_command_line_refuses_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, err = _run_expecting_failure("--stand-in", "--port", str(port))
    assert status == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_command_line_refuses_a_bad_setting() -> None:
    status, err = _run_expecting_failure("--stand-in", "-c", "cors_origins=not an origin")
    assert status == 2
    assert "cors_origins" in err


def test_command_line_without_a_deployed_endpoint_says_what_to_do(aws_env: Any) -> None:
    env = {**clean_env(), "AWS_ENDPOINT_URL": aws_env.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    status, err = _run_expecting_failure("--port", "0", env=env)
    assert status == 2
    assert "TranslateEndpoint" in err and "--stand-in" in err


def test_command_line_with_a_deployed_endpoint_uses_the_stacks_outputs(
    aws_env: Any, runtime_server: Any, stand_in_vocab_dir: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # "Deployed" here: the endpoint name and bucket come from the caller; sagemaker-runtime is the local wire-protocol server, S3 is moto.
    # moto's server logs each request through werkzeug; another module may have quietened that logger for the whole session.
    caplog.set_level(logging.INFO, logger="werkzeug")
    prefix = settings_from_files().model_prefix
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="model-bucket")
    for name in ("vocab.src.json", "vocab.trg.json"):
        s3.put_object(Bucket="model-bucket", Key=prefix + name, Body=(stand_in_vocab_dir / name).read_bytes())
    outputs = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ModelBucketName": {"Value": "model-bucket"}},
    }
    boto3.client("cloudformation").create_stack(StackName="TranslateModelBucket", TemplateBody=json.dumps(outputs))
    env = {**clean_env(), "AWS_ENDPOINT_URL": aws_env.url, "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": runtime_server.url,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    running = start_local_api("--endpoint-name", DEFAULT_ENDPOINT, "--port", "0", "--quiet", env=env)
    try:
        reply = post_json(running.translate_url, {"text": "Thank you."})
    finally:
        status, out, err = running.stop()
    assert reply.status == 200, reply.body
    assert reply.json()["translation"] == "Danke du."
    assert "X-Stand-In" not in reply.headers
    assert f"SageMaker endpoint {DEFAULT_ENDPOINT}" in out
    assert status == 0 and "Traceback" not in err
    # The vocabulary came from the bucket named by the stack output, under the settings' model prefix.
    assert f"GET /model-bucket/{prefix}vocab.src.json" in caplog.text
