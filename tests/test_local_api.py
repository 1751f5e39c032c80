"""The local API command: end to end over HTTP to the real handler and the stand-in model, and its command line."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
from typing import Any

import boto3
import pytest

from scripts.local.container_stand_in import STAND_IN_NOTICE
from scripts.local.runtime_server import DEFAULT_ENDPOINT
from scripts.staging.versions import record_in_service
from stacks.model_versions import source_vocabulary_key
from stacks.names import SOURCE_VOCABULARY_FILE
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

# JSON nested deeper than Python's recursion limit.
DEEP = "[" * 100_000 + "]" * 100_000
# A model version as staging computes it, and the one the endpoint stack recorded before it.
VERSION, PREVIOUS = "0123456789abcdef", "fedcba9876543210"


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
    # The gateway validates no bodies (VALIDATED_BODIES is empty: LibreTranslate clients may send every field in the
    # query string with an empty body); the function refuses an unknown body in its own shape.
    reply = post_json(stand_in_api.translate_url, {"words": "Hello"}, {"Origin": "https://site.example"})
    assert reply.status == 400
    assert list(reply.json()) == ["message"]
    assert reply.json()["message"].startswith("unknown field(s): words; send one of")
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_deeply_nested_json_end_to_end(stand_in_api: LocalApiProcess) -> None:
    reply = http_call(
        "POST",
        stand_in_api.translate_url,
        '{"text": ' + DEEP + "}",
        {"Content-Type": "application/json", "Origin": "https://site.example"},
    )
    assert reply.status == 400
    # Before the API is known, both keys: either kind of client reads the message.
    message = reply.json()["message"]
    assert message.startswith("the request body nests JSON too deeply")
    assert reply.json() == {"message": message, "error": message}
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
    assert '"POST /translate" 200' in err
    assert "Traceback" not in err


def _run_expecting_failure(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run([sys.executable, *LOCAL_API, *args], cwd=REPO_ROOT, env=env or clean_env(), capture_output=True,
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


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--paused",), "use them with --stand-in"),
        (("--wake", "--endpoint-name", "x"), "use them with --stand-in"),
        (("--stand-in", "--paused", "--resume-seconds", "-1"), "--resume-seconds -1.0 is not allowed"),
    ],
)
def test_command_line_refuses_a_paused_endpoint_without_the_stand_in(args: tuple[str, ...], said: str) -> None:
    status, err = _run_expecting_failure(*args, "--port", "0")
    assert status == 2
    assert said in err


def test_command_line_without_a_deployed_endpoint_says_what_to_do(aws_env: Any) -> None:
    env = {**clean_env(), "AWS_ENDPOINT_URL": aws_env.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    status, err = _run_expecting_failure("--port", "0", env=env)
    assert status == 2
    assert "TranslateEndpoint" in err and "--stand-in" in err


# A user sets the region as the CDK CLI reads it (AWS_REGION, as the README says) or as boto3 does.
@pytest.mark.parametrize("region_variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_command_line_with_a_deployed_endpoint_uses_the_stacks_outputs(
    aws_env: Any, runtime_server: Any, stand_in_vocab_dir: Any, caplog: pytest.LogCaptureFixture, region_variable: str
) -> None:
    # "Deployed" here: the endpoint name and bucket come from the caller; sagemaker-runtime is the local wire-protocol server, S3 is moto.
    # moto's server logs each request through werkzeug; another module may have quietened that logger for the whole session.
    caplog.set_level(logging.INFO, logger="werkzeug")
    prefix = settings_from_files().model_prefix
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="model-bucket")
    for version in (PREVIOUS, VERSION):
        key = source_vocabulary_key(prefix, version)
        s3.put_object(Bucket="model-bucket", Key=key, Body=(stand_in_vocab_dir / SOURCE_VOCABULARY_FILE).read_bytes())
        record_in_service(s3, "model-bucket", prefix, version)
    outputs = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ModelBucketName": {"Value": "model-bucket"}},
    }
    boto3.client("cloudformation").create_stack(StackName="TranslateModelBucket", TemplateBody=json.dumps(outputs))
    env = {**clean_env(), "AWS_ENDPOINT_URL": aws_env.url, "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": runtime_server.url,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", region_variable: "us-east-1"}  # fmt: skip
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
    # The vocabulary came from the bucket named by the stack output: the version in service's, not the previous one's.
    assert f"GET /model-bucket/{source_vocabulary_key(prefix, VERSION)}" in caplog.text
    assert f"GET /model-bucket/{source_vocabulary_key(prefix, PREVIOUS)}" not in caplog.text
    assert "warning" not in err


def test_the_stand_in_ignores_the_users_region_and_profile() -> None:
    # Regions that disagree, one that does not exist, and a profile that does not exist: none of it reaches the stand-in.
    env = {**clean_env(), "AWS_REGION": "eu-nowhere-9", "AWS_DEFAULT_REGION": "ap-elsewhere-1", "AWS_PROFILE": "absent"}
    running = start_local_api("--stand-in", "--port", "0", "--quiet", env=env)
    try:
        reply = post_json(running.translate_url, {"text": "Thank you."})
    finally:
        status, _, err = running.stop()
    assert reply.status == 200 and reply.json()["translation"] == "Danke du.", reply.body
    assert status == 0 and "Traceback" not in err
