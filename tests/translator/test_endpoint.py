"""The endpoint client with the real botocore client against the local sagemaker-runtime: answers, retries, error types."""

from __future__ import annotations

import gc
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest
from translator import endpoint
from translator.errors import EndpointTimeout, EndpointUnavailable, ModelFailed
from translator.plan import ANSWER_MARGIN_SECONDS, Deadline

PAYLOAD = {"instances": [{"data": "hello , world !"}]}


def test_invoke_returns_the_containers_answer(sagemaker_local) -> None:
    assert endpoint.invoke(PAYLOAD) == {"predictions": [{"target": "hallo , Welt !"}]}
    assert sagemaker_local.runtime.invocations == 1


def test_one_client_per_cold_start(sagemaker_local) -> None:
    assert endpoint.client() is endpoint.client()
    assert endpoint.client().meta.endpoint_url == sagemaker_local.runtime.url


def test_a_single_transient_fault_is_retried_by_botocore(sagemaker_local) -> None:
    sagemaker_local.runtime.fail_next("ServiceUnavailable", count=1)
    assert endpoint.invoke(PAYLOAD)["predictions"][0]["target"] == "hallo , Welt !"
    assert sagemaker_local.runtime.invocations == 2


@pytest.mark.parametrize(
    ("code", "error", "retry_after", "calls"),
    [
        ("ThrottlingException", EndpointUnavailable, 2, 2),
        ("ModelNotReadyException", EndpointUnavailable, 30, 1),
        ("ServiceUnavailable", EndpointUnavailable, 10, 2),
        ("ModelError", ModelFailed, None, 1),
        # The endpoint may have started the work before failing: not sent again.
        ("InternalFailure", ModelFailed, None, 1),
        ("InternalDependencyException", ModelFailed, None, 1),
        ("ValidationError", ModelFailed, None, 1),
    ],
)
def test_errors_map_to_typed_exceptions_after_real_retries(sagemaker_local, code, error, retry_after, calls) -> None:
    sagemaker_local.runtime.fail_next(code, count=5)
    with pytest.raises(error) as raised:
        endpoint.invoke(PAYLOAD)
    assert raised.value.retry_after == retry_after
    # Only answers that mean the model never saw the call are sent once more.
    assert sagemaker_local.runtime.invocations == calls


def test_missing_endpoint_is_unavailable_not_a_model_failure(sagemaker_local, monkeypatch) -> None:
    # DescribeEndpoint cannot be asked (nothing listens there): the answer says only what InvokeEndpoint said.
    # Paused and starting endpoints: tests/translator/test_paused.py.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", "http://127.0.0.1:9")
    monkeypatch.setenv("ENDPOINT_NAME", "not-deployed-yet")
    with pytest.raises(EndpointUnavailable, match="not-deployed-yet does not exist") as raised:
        endpoint.invoke(PAYLOAD)
    assert raised.value.status == 503 and raised.value.retry_after == 60


def test_container_rejecting_the_payload_is_a_model_failure(sagemaker_local) -> None:
    with pytest.raises(ModelFailed) as raised:
        endpoint.invoke({"instances": "not a list"})
    assert raised.value.status == 502


def test_slow_endpoint_times_out_with_504_and_is_not_asked_twice(sagemaker_local) -> None:
    sagemaker_local.runtime.delay_next(2.0, count=2)
    with pytest.raises(EndpointTimeout) as raised:
        endpoint.invoke(PAYLOAD, deadline=Deadline.after(ANSWER_MARGIN_SECONDS + 0.5))
    # botocore's standard mode would have sent it again after the read timeout: the work done twice.
    assert raised.value.status == 504 and sagemaker_local.runtime.invocations == 1


def test_no_retry_that_cannot_finish_in_time(sagemaker_local) -> None:
    sagemaker_local.runtime.fail_next("ThrottlingException", count=1)
    with pytest.raises(EndpointUnavailable):
        endpoint.invoke(PAYLOAD, deadline=Deadline.after(ANSWER_MARGIN_SECONDS + 5), expected_seconds=10)
    assert sagemaker_local.runtime.invocations == 1


def test_no_call_starts_without_time_left(sagemaker_local) -> None:
    with pytest.raises(EndpointTimeout, match="no time was left"):
        endpoint.invoke(PAYLOAD, deadline=Deadline.after(ANSWER_MARGIN_SECONDS - 0.1))
    assert sagemaker_local.runtime.invocations == 0


def test_unreachable_runtime_is_unavailable(sagemaker_local, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "http://127.0.0.1:9")
    endpoint.reset()
    with pytest.raises(EndpointUnavailable, match="cannot be reached"):
        endpoint.invoke(PAYLOAD)


def test_missing_endpoint_name_is_a_clear_configuration_error(sagemaker_local, monkeypatch) -> None:
    monkeypatch.delenv("ENDPOINT_NAME")
    with pytest.raises(EndpointUnavailable, match="ENDPOINT_NAME is not set"):
        endpoint.invoke(PAYLOAD)


def test_botocore_never_retries_and_the_read_timeout_follows_the_deadline(sagemaker_local) -> None:
    config = endpoint.client(3.0).meta.config
    assert config.retries["total_max_attempts"] == 1 and config.read_timeout == 3.0
    assert endpoint.client(3.0) is endpoint.client(3.0)


@pytest.mark.parametrize(("left", "timeout"), [(24.9, 24.0), (1.0, 1.0), (0.9, 0.75), (0.2, 0.0)])
def test_read_timeouts_round_down_to_whole_seconds(left, timeout) -> None:
    assert endpoint.rounded_read_timeout(left) == timeout


def test_clients_made_from_many_threads_at_once_are_one_per_timeout(sagemaker_local) -> None:
    threads = 8
    start = threading.Barrier(threads, timeout=10)

    def make(index: int):
        start.wait()
        return endpoint.client(float(index % 2 + 1))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        clients = list(pool.map(make, range(threads), timeout=30))
    # Made one at a time from one session: threads asking for the same timeout get the same client.
    assert len({id(made) for made in clients}) == 2
    assert all(made.meta.endpoint_url == sagemaker_local.runtime.url for made in clients)


def test_a_warm_function_keeps_a_bounded_number_of_clients(sagemaker_local) -> None:
    alive = [weakref.ref(endpoint.client(float(seconds))) for seconds in range(1, 3 * endpoint.MAX_CLIENTS)]
    gc.collect()
    assert sum(ref() is not None for ref in alive) == endpoint.MAX_CLIENTS
