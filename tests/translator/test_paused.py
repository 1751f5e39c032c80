"""translator/paused.py with the real botocore clients against the local stand-in's InvokeEndpoint, DescribeEndpoint
and Lambda Invoke: paused, waking, starting, and one resume for many requests."""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from translator import endpoint, paused
from translator.errors import SERVICE_STATE_HEADER, EndpointPaused, EndpointStarting, EndpointUnavailable

from scripts.local.runtime_server import CONTROL_FUNCTION, DEFAULT_ENDPOINT, RuntimeServer

PAYLOAD = {"instances": [{"data": "hello !"}]}
# What the fixture paused_runtime (tests/fixtures/local_api.py) sets, as the stack does.
START_SECONDS = 600


@pytest.fixture
def waking_runtime(paused_runtime: RuntimeServer, monkeypatch: pytest.MonkeyPatch) -> RuntimeServer:
    """The paused stand-in with wake on request (ENDPOINT_CONTROL_FUNCTION set)."""
    monkeypatch.setenv("ENDPOINT_CONTROL_FUNCTION", CONTROL_FUNCTION)
    return paused_runtime


def _refusal() -> EndpointUnavailable:
    with pytest.raises(EndpointUnavailable) as raised:
        endpoint.invoke(PAYLOAD)
    return raised.value


def test_a_paused_endpoint_says_so_and_how_it_comes_back(paused_runtime: RuntimeServer) -> None:
    error = _refusal()
    assert type(error) is EndpointPaused and error.status == 503
    assert "paused to save cost" in error.message and "make resume" in error.message
    assert "about 10 minutes" in error.message
    assert error.headers() == {"Retry-After": str(START_SECONDS), SERVICE_STATE_HEADER: "paused"}
    # Nobody asked the control function: wake on request is off.
    assert paused_runtime.control_counters()["resume_requests"] == 0


def test_wake_on_request_starts_the_endpoint_and_says_it_is_starting(waking_runtime: RuntimeServer) -> None:
    error = _refusal()
    assert type(error) is EndpointStarting
    assert error.message.startswith("starting the model, about 10 minutes")
    assert error.headers() == {"Retry-After": str(START_SECONDS), SERVICE_STATE_HEADER: "starting"}
    assert waking_runtime.control_counters()["resume_requests"] == 1
    assert waking_runtime.control_counters()["resumes_started"] == 1


def test_once_resumed_the_endpoint_translates(waking_runtime: RuntimeServer) -> None:
    _refusal()
    for _ in range(100):
        if waking_runtime.control_counters()["endpoints"][DEFAULT_ENDPOINT] == "InService":
            break
        time.sleep(0.05)
    assert endpoint.invoke(PAYLOAD) == {"predictions": [{"target": "hallo !"}]}


@pytest.mark.parametrize(("started_ago", "retry_after"), [(200, 400), (590, 30), (5000, 30)])
def test_a_creating_endpoint_answers_the_time_it_has_left(
    paused_runtime: RuntimeServer, started_ago: float, retry_after: int
) -> None:
    paused_runtime.resume_seconds = 3600
    paused_runtime.control("resume")
    asked = time.time()
    paused_runtime.creating[DEFAULT_ENDPOINT] = asked - started_ago
    error = _refusal()
    took = time.time() - asked
    assert type(error) is EndpointStarting
    # The time left (rounded up, so a second may pass between the two clocks), at least 30 s; less whatever the
    # refusal itself took on a busy machine.
    assert max(30, retry_after - math.ceil(took)) <= error.retry_after <= retry_after + 1
    assert error.headers()[SERVICE_STATE_HEADER] == "starting"


def test_concurrent_requests_start_one_resume(waking_runtime: RuntimeServer) -> None:
    waking_runtime.resume_seconds = 3600
    threads = 8
    start = threading.Barrier(threads, timeout=10)

    def ask(_: int) -> EndpointUnavailable:
        start.wait()
        return _refusal()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        errors = list(pool.map(ask, range(threads), timeout=60))
    assert {type(error) for error in errors} == {EndpointStarting}
    assert waking_runtime.control_counters()["resume_requests"] == 1
    assert waking_runtime.control_counters()["resumes_started"] == 1


def test_within_the_minute_no_second_wake_after_it_one_more(
    waking_runtime: RuntimeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waking_runtime.resume_seconds = 3600
    _refusal()
    # CloudFormation has not created the endpoint yet: DescribeEndpoint still finds nothing.
    waking_runtime.creating.clear()
    assert type(_refusal()) is EndpointStarting
    assert waking_runtime.control_counters()["resume_requests"] == 1
    # A minute later it is asked again (the control function is idempotent: a stack already updating is "busy").
    monkeypatch.setattr(paused, "WAKE_INTERVAL_SECONDS", 0)
    assert type(_refusal()) is EndpointStarting
    assert waking_runtime.control_counters()["resume_requests"] == 2


def test_a_control_function_that_cannot_be_invoked_leaves_the_paused_answer(
    paused_runtime: RuntimeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENDPOINT_CONTROL_FUNCTION", "no-such-function")
    error = _refusal()
    assert type(error) is EndpointPaused
    assert paused_runtime.control_counters()["resumes_started"] == 0


def test_an_endpoint_in_service_between_the_two_calls_is_retried_soon(paused_runtime: RuntimeServer) -> None:
    # InvokeEndpoint's answer came before the endpoint was in service; DescribeEndpoint's after.
    paused_runtime.endpoints.add("just-started")
    assert paused.missing_endpoint("just-started").retry_after == 2
    assert type(paused.missing_endpoint("just-started")) is EndpointUnavailable


@pytest.mark.parametrize(("variable", "seconds"), [("90", 90), ("", 600), ("ten", 600)])
def test_start_seconds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, variable: str, seconds: int) -> None:
    monkeypatch.setenv("ENDPOINT_START_SECONDS", variable)
    assert paused.start_seconds() == seconds


def test_a_start_quicker_than_the_floor_is_not_padded(monkeypatch: pytest.MonkeyPatch) -> None:
    # The local stand-in resumes in seconds: its clients need not wait 30 s.
    monkeypatch.setenv("ENDPOINT_START_SECONDS", "3")
    assert paused.starting_error(0).retry_after == 3
    assert paused.starting_error(0).message.startswith("starting the model, about 1 minute;")


def test_a_throttled_describe_keeps_the_last_verdict(paused_runtime: RuntimeServer) -> None:
    from botocore.stub import Stubber

    assert type(_refusal()) is EndpointPaused
    # The stand-in can't throttle DescribeEndpoint; botocore's Stubber answers as SageMaker does when throttled.
    with Stubber(endpoint.control_client("sagemaker")) as stubber:
        stubber.add_client_error("describe_endpoint", "ThrottlingException", "Rate exceeded", 400)
        error = _refusal()
        stubber.assert_no_pending_responses()
    assert type(error) is EndpointPaused
    assert error.headers()[SERVICE_STATE_HEADER] == "paused"


def test_a_throttled_describe_with_no_verdict_yet_says_what_invoke_said(paused_runtime: RuntimeServer) -> None:
    from botocore.stub import Stubber

    with Stubber(endpoint.control_client("sagemaker")) as stubber:
        stubber.add_client_error("describe_endpoint", "ThrottlingException", "Rate exceeded", 400)
        error = _refusal()
    assert type(error) is EndpointUnavailable and "does not exist (yet)" in error.message
