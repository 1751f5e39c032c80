"""The local sagemaker-runtime over HTTP: InvokeEndpoint's wire protocol, forwarding, faults and control."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from translator.limits import INVOKE_ENDPOINT_MAX_BYTES

from scripts.local.container_stand_in import ContainerStandIn
from scripts.local.runtime_server import CONTROL_FUNCTION, DEFAULT_ENDPOINT, ERROR_STATUS, RuntimeServer

BODY = json.dumps({"instances": [{"data": "hello !"}]}).encode()


def post(url: str, path: str, body: bytes = BODY) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(
        f"{url}{path}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def runtime(runtime_server: RuntimeServer) -> RuntimeServer:
    runtime_server.reset()
    yield runtime_server
    runtime_server.reset()


def test_invoke_forwards_to_the_container(runtime: RuntimeServer) -> None:
    status, headers, body = post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations")
    assert status == 200
    assert headers["x-Amzn-Invoked-Production-Variant"] == "AllTraffic"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"predictions": [{"target": "hallo !"}]}
    assert runtime.invocations == 1


def test_unknown_endpoint_is_a_validation_error(runtime: RuntimeServer) -> None:
    status, headers, body = post(runtime.url, "/endpoints/nope/invocations")
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationError")
    assert json.loads(body)["message"] == "Endpoint nope of account 123456789012 not found."


def test_a_payload_over_invoke_endpoints_limit_is_a_validation_error(runtime: RuntimeServer) -> None:
    status, headers, body = post(
        runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations", b" " * (INVOKE_ENDPOINT_MAX_BYTES + 1)
    )
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationError")
    assert json.loads(body)["message"] == f"Request payload is larger than {INVOKE_ENDPOINT_MAX_BYTES} bytes."


def test_container_error_becomes_model_error(runtime: RuntimeServer) -> None:
    status, headers, body = post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations", b"not json")
    document = json.loads(body)
    assert (status, headers["x-amzn-ErrorType"]) == (424, "ModelError")
    assert document["OriginalStatusCode"] == 400 and "not JSON" in document["OriginalMessage"]


@pytest.mark.parametrize("code", sorted(ERROR_STATUS))
def test_injected_faults_answer_the_documented_status_then_stop(runtime: RuntimeServer, code: str) -> None:
    runtime.fail_next(code, count=1)
    status, headers, _ = post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations")
    assert (status, headers["x-amzn-ErrorType"]) == (ERROR_STATUS[code], code)
    assert post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations")[0] == 200


def test_control_over_http(runtime: RuntimeServer) -> None:
    assert post(runtime.url, "/stand-in/fail", b'{"code": "ServiceUnavailable", "count": 2}')[0] == 200
    assert [post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations")[0] for _ in range(3)] == [503, 503, 200]
    status, _, body = post(runtime.url, "/stand-in/fail", b'{"code": "Nope"}')
    assert status == 400 and "unknown error code" in json.loads(body)["message"]
    assert post(runtime.url, "/stand-in/reset", b"")[0] == 200 and runtime.invocations == 0


def test_unknown_fault_code_is_refused(runtime: RuntimeServer) -> None:
    with pytest.raises(ValueError, match="ModelError"):
        runtime.fail_next("Boom")


def test_own_instance_stops_cleanly() -> None:
    with ContainerStandIn() as container, RuntimeServer(container.url, {"other"}) as runtime:
        assert post(runtime.url, "/endpoints/other/invocations")[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{runtime.url}/endpoints/other/invocations", data=BODY, timeout=2)


def test_runs_as_a_module() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "scripts.local.runtime_server", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert result.returncode == 0 and "--container-url" in result.stdout


def _timed_posts(url: str, count: int) -> list[float]:
    """`count` invocations sent at once; the seconds until each answered."""
    import threading
    import time

    started, done = time.monotonic(), []

    def send() -> None:
        assert post(url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations", TWENTY_TOKENS)[0] == 200
        done.append(time.monotonic() - started)

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return sorted(done)


TWENTY_TOKENS = json.dumps({"instances": [{"data": " ".join(["word"] * 20)}] * 8}).encode()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_the_stand_in_takes_the_models_time_and_queues_beyond_its_workers(workers: int) -> None:
    from translator.model_speed import DEFAULT

    one_call = DEFAULT.call_seconds([20] * 8)
    with ContainerStandIn(workers=workers) as container, RuntimeServer(container.url) as runtime:
        first, second = _timed_posts(runtime.url, 2)
    assert one_call <= first < one_call + 0.4
    # One worker: the second call waits for the first. Two: both run at once.
    expected = one_call * (3 - workers)
    assert expected <= second < expected + 0.4


def test_a_call_over_the_invocation_limit_is_sagemakers_model_error() -> None:
    # SageMaker's 60 s, scaled down to 0.5 s for the test; the model made slow enough to pass it.
    from translator.model_speed import DEFAULT

    with ContainerStandIn(speed=DEFAULT.scaled(5)) as container:
        with RuntimeServer(container.url, invocation_timeout=0.5) as runtime:
            status, headers, body = post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations", TWENTY_TOKENS)
            counters = runtime.counters()
    assert (status, headers["x-amzn-ErrorType"]) == (424, "ModelError")
    assert json.loads(body)["message"].startswith(
        'Received server error (0) from primary with message "Your invocation'
    )
    assert counters == {"invocations": 1, "instances": 8, "wasted_instances": 8, "timed_out": 1}


def test_while_the_model_starts_the_endpoint_is_not_ready() -> None:
    import time

    with ContainerStandIn(startup_seconds=0.6) as container, RuntimeServer(container.url) as runtime:
        status, headers, _ = post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations")
        time.sleep(0.7)
        assert post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations")[0] == 200
    assert (status, headers["x-amzn-ErrorType"]) == (429, "ModelNotReadyException")


def test_counters_over_http(runtime: RuntimeServer) -> None:
    post(runtime.url, f"/endpoints/{DEFAULT_ENDPOINT}/invocations")
    with urllib.request.urlopen(f"{runtime.url}/stand-in/counters", timeout=10) as response:
        assert json.loads(response.read()) == {"invocations": 1, "instances": 1, "wasted_instances": 0, "timed_out": 0}


# --- A paused endpoint: DescribeEndpoint and the control function's Invoke, as the handler's botocore clients see them


@pytest.fixture
def paused_runtime(container_stand_in: ContainerStandIn) -> Iterator[RuntimeServer]:
    with RuntimeServer(
        container_stand_in.url, endpoints=set(), paused={DEFAULT_ENDPOINT}, resume_seconds=0.3
    ) as runtime:
        yield runtime


def _clients(url: str) -> tuple[Any, Any, Any]:
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    return tuple(session.client(service, endpoint_url=url) for service in ("sagemaker-runtime", "sagemaker", "lambda"))


def test_a_paused_endpoint_is_missing_to_every_api(paused_runtime: RuntimeServer) -> None:
    runtime, sagemaker, _ = _clients(paused_runtime.url)
    with pytest.raises(ClientError) as invoked:
        runtime.invoke_endpoint(EndpointName=DEFAULT_ENDPOINT, Body=BODY, ContentType="application/json")
    assert invoked.value.response["Error"] == {
        "Code": "ValidationError",
        "Message": f"Endpoint {DEFAULT_ENDPOINT} of account 123456789012 not found.",
    }
    with pytest.raises(ClientError) as described:
        sagemaker.describe_endpoint(EndpointName=DEFAULT_ENDPOINT)
    assert described.value.response["Error"]["Code"] == "ValidationException"
    assert described.value.response["Error"]["Message"] == (
        f'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/{DEFAULT_ENDPOINT}".'
    )


def test_an_event_invoke_resumes_it_once_and_it_serves_after_the_resume_time(paused_runtime: RuntimeServer) -> None:
    runtime, sagemaker, lambda_client = _clients(paused_runtime.url)
    payload = json.dumps({"action": "resume", "reason": "request"}).encode()
    for _ in range(3):
        answer = lambda_client.invoke(FunctionName=CONTROL_FUNCTION, InvocationType="Event", Payload=payload)
        assert answer["StatusCode"] == 202
    described = sagemaker.describe_endpoint(EndpointName=DEFAULT_ENDPOINT)
    assert described["EndpointStatus"] == "Creating" and described["CreationTime"].tzinfo is not None
    assert paused_runtime.control_counters()["resume_requests"] == 3
    assert paused_runtime.control_counters()["resumes_started"] == 1
    for _ in range(100):
        if sagemaker.describe_endpoint(EndpointName=DEFAULT_ENDPOINT)["EndpointStatus"] == "InService":
            break
        time.sleep(0.05)
    answer = runtime.invoke_endpoint(EndpointName=DEFAULT_ENDPOINT, Body=BODY, ContentType="application/json")
    assert json.loads(answer["Body"].read()) == {"predictions": [{"target": "hallo !"}]}


def test_the_control_function_answers_its_result_and_pauses(paused_runtime: RuntimeServer) -> None:
    _, sagemaker, lambda_client = _clients(paused_runtime.url)
    paused_runtime.endpoints.add(DEFAULT_ENDPOINT)
    answer = lambda_client.invoke(FunctionName=CONTROL_FUNCTION, Payload=json.dumps({"action": "pause"}).encode())
    assert answer["StatusCode"] == 200
    assert json.loads(answer["Payload"].read()) == {"state": "paused", "changed": True}
    with pytest.raises(ClientError):
        sagemaker.describe_endpoint(EndpointName=DEFAULT_ENDPOINT)


def test_an_unknown_function_is_not_found(paused_runtime: RuntimeServer) -> None:
    _, _, lambda_client = _clients(paused_runtime.url)
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName="other", InvocationType="Event", Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert paused_runtime.control_counters()["resume_requests"] == 0


def test_resume_and_pause_over_http(paused_runtime: RuntimeServer) -> None:
    status, _, body = post(paused_runtime.url, "/stand-in/resume", b"{}")
    assert (status, json.loads(body)) == (200, {"state": "resuming", "changed": True})
    status, _, body = post(paused_runtime.url, "/stand-in/resume", b"{}")
    assert (status, json.loads(body)) == (200, {"state": "busy", "changed": False})
    with urllib.request.urlopen(f"{paused_runtime.url}/stand-in/control", timeout=10) as response:
        assert json.loads(response.read())["endpoints"] == {DEFAULT_ENDPOINT: "Creating"}


def test_an_unknown_action_fails_the_function_not_the_invoke(paused_runtime: RuntimeServer) -> None:
    _, _, lambda_client = _clients(paused_runtime.url)
    payload = json.dumps({"action": "explode"}).encode()
    assert (
        lambda_client.invoke(FunctionName=CONTROL_FUNCTION, InvocationType="Event", Payload=payload)["StatusCode"]
        == 202
    )
    answer = lambda_client.invoke(FunctionName=CONTROL_FUNCTION, Payload=payload)
    assert answer["FunctionError"] == "Unhandled"
    assert "unknown action 'explode'" in json.loads(answer["Payload"].read())["errorMessage"]
    assert paused_runtime.control_counters()["resumes_started"] == 0
