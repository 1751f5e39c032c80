"""The endpoint client with the real botocore client against the local sagemaker-runtime: answers, retries, error types."""

from __future__ import annotations

import pytest
from translator import endpoint
from translator.errors import EndpointTimeout, EndpointUnavailable, ModelFailed

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
        ("InternalFailure", ModelFailed, None, 2),
        ("InternalDependencyException", ModelFailed, None, 1),
        ("ValidationError", ModelFailed, None, 1),
    ],
)
def test_errors_map_to_typed_exceptions_after_real_retries(sagemaker_local, code, error, retry_after, calls) -> None:
    sagemaker_local.runtime.fail_next(code, count=5)
    with pytest.raises(error) as raised:
        endpoint.invoke(PAYLOAD)
    assert raised.value.retry_after == retry_after
    # botocore's standard mode retries throttling and 5xx once (2 attempts), and nothing else.
    assert sagemaker_local.runtime.invocations == calls


def test_missing_endpoint_is_unavailable_not_a_model_failure(sagemaker_local, monkeypatch) -> None:
    monkeypatch.setenv("ENDPOINT_NAME", "not-deployed-yet")
    with pytest.raises(EndpointUnavailable, match="not-deployed-yet does not exist") as raised:
        endpoint.invoke(PAYLOAD)
    assert raised.value.status == 503 and raised.value.retry_after == 60


def test_container_rejecting_the_payload_is_a_model_failure(sagemaker_local) -> None:
    with pytest.raises(ModelFailed) as raised:
        endpoint.invoke({"instances": "not a list"})
    assert raised.value.status == 502


def test_slow_endpoint_times_out_with_504(sagemaker_local, monkeypatch) -> None:
    monkeypatch.setenv("ENDPOINT_READ_TIMEOUT_SECONDS", "0.3")
    endpoint.client.cache_clear()
    sagemaker_local.runtime.delay_next(2.0, count=2)
    with pytest.raises(EndpointTimeout) as raised:
        endpoint.invoke(PAYLOAD)
    assert raised.value.status == 504 and sagemaker_local.runtime.invocations == 2


def test_unreachable_runtime_is_unavailable(sagemaker_local, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "http://127.0.0.1:9")
    endpoint.client.cache_clear()
    with pytest.raises(EndpointUnavailable, match="cannot be reached"):
        endpoint.invoke(PAYLOAD)


def test_missing_endpoint_name_is_a_clear_configuration_error(sagemaker_local, monkeypatch) -> None:
    monkeypatch.delenv("ENDPOINT_NAME")
    with pytest.raises(EndpointUnavailable, match="ENDPOINT_NAME is not set"):
        endpoint.invoke(PAYLOAD)


def test_timeouts_fit_inside_the_lambda_and_api_gateway(sagemaker_local) -> None:
    config = endpoint.client().meta.config
    worst_case = config.retries["total_max_attempts"] * (config.connect_timeout + config.read_timeout)
    assert config.retries["mode"] == "standard"
    assert worst_case < 25  # under API Gateway's 29 s
