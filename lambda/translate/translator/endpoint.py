"""The SageMaker endpoint client: a read timeout from the time left, a retry only of work that never started."""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from functools import lru_cache

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from translator.errors import EndpointThrottled, EndpointTimeout, EndpointUnavailable, ModelFailed, TranslateError
from translator.plan import MAX_READ_TIMEOUT_SECONDS, Deadline

# A short call to a control plane (DescribeEndpoint, an asynchronous Lambda invoke): it must not eat the request's time.
CONTROL_READ_TIMEOUT_SECONDS = 3.0

CONNECT_TIMEOUT_SECONDS = 2.0
# One attempt per botocore call: its standard mode would retry a read timeout, making the endpoint do the same work
# twice while the first attempt still runs. invoke() retries itself, and only what never reached the model.
MAX_ATTEMPTS = 2
RETRY_BACKOFF_SECONDS = 0.5
# Read timeouts are rounded down to whole seconds (quarter seconds below one), so that a warm function's calls share
# a handful of clients; the least recently used beyond this many are dropped.
_TIMEOUT_STEP_SECONDS = 1.0
_SHORT_TIMEOUT_STEP_SECONDS = 0.25
MAX_CLIENTS = 8
_MISSING_ENDPOINT = re.compile(r"Endpoint .+ not found", re.IGNORECASE)
# How long a client should wait before trying again, by sagemaker-runtime error code.
_RETRY_AFTER = {"ThrottlingException": 2, "ModelNotReadyException": 30, "ServiceUnavailable": 10}
# Answers that mean the model never got the request: sending it again does not do the same work twice.
_NOT_STARTED = frozenset({"ThrottlingException", "ServiceUnavailable"})


# service.py calls from several threads at once; boto3's sessions are not thread-safe (two threads creating clients
# race), so clients come from one session of this module, created one at a time under this lock. The session is
# created with the first client (reading the environment takes a few ms, which the import need not pay).
_lock = threading.Lock()
_session: boto3.session.Session | None = None


def client(read_timeout: float = MAX_READ_TIMEOUT_SECONDS):
    """A sagemaker-runtime client with this read timeout (honours AWS_ENDPOINT_URL[_SAGEMAKER_RUNTIME]); one per value."""
    with _lock:
        return _client(read_timeout)


def control_client(
    service_name: str,
    *,
    attempts: int = 1,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    read_timeout: float = CONTROL_READ_TIMEOUT_SECONDS,
):
    """A client of another service (sagemaker, lambda, secretsmanager, dynamodb) from the same session, short timeouts
    and `attempts` tries per call; one per set of arguments."""
    with _lock:
        return _control_client(service_name, attempts, connect_timeout, read_timeout)


def reset() -> None:
    """Forget the clients and their session, so the next client reads the environment again (tests change it)."""
    global _session
    with _lock:
        _client.cache_clear()
        _control_client.cache_clear()
        _session = None


def _shared_session() -> boto3.session.Session:
    global _session
    if _session is None:
        # Lambda sets AWS_DEFAULT_REGION; a local run may have only AWS_REGION, which botocore alone ignores.
        _session = boto3.session.Session(region_name=os.environ.get("AWS_REGION") or None)
    return _session


@lru_cache(maxsize=MAX_CLIENTS)
def _client(read_timeout: float):
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    return _shared_session().client("sagemaker-runtime", config=config)


@lru_cache(maxsize=MAX_CLIENTS)
def _control_client(service_name: str, attempts: int, connect_timeout: float, read_timeout: float):
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": attempts},
    )
    return _shared_session().client(service_name, config=config)


def rounded_read_timeout(seconds: float) -> float:
    """The read timeout for `seconds` left: rounded down to whole seconds, or to quarter seconds below one."""
    step = _TIMEOUT_STEP_SECONDS if seconds >= _TIMEOUT_STEP_SECONDS else _SHORT_TIMEOUT_STEP_SECONDS
    return math.floor(seconds / step) * step


def invoke(payload: dict, *, deadline: Deadline | None = None, expected_seconds: float = 0.0) -> dict:
    """Send one seq2seq JSON request to ENDPOINT_NAME before `deadline`; return the parsed JSON answer.

    A call refused before the model saw it (throttled, unavailable, no connection) is sent once more when the
    predicted `expected_seconds` still fit after a short pause; a call that timed out is never sent again.
    """
    name = os.environ.get("ENDPOINT_NAME")
    if not name:
        raise EndpointUnavailable("the service is not configured: ENDPOINT_NAME is not set", retry_after=60)
    deadline = deadline or Deadline.of(None)
    body = json.dumps(payload, ensure_ascii=False).encode()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return _invoke_once(name, body, deadline)
        except _NotStarted as refused:
            if attempt == MAX_ATTEMPTS or deadline.available() < RETRY_BACKOFF_SECONDS + expected_seconds:
                raise refused.error from refused.__cause__
            time.sleep(RETRY_BACKOFF_SECONDS)
    raise AssertionError("unreachable: the last attempt returns or raises")


class _NotStarted(Exception):
    """The endpoint refused the call before the model started on it."""

    def __init__(self, error: TranslateError) -> None:
        super().__init__(error.message)
        self.error = error


def _invoke_once(name: str, body: bytes, deadline: Deadline) -> dict:
    read_timeout = rounded_read_timeout(deadline.read_timeout())
    if read_timeout <= 0:
        raise EndpointTimeout("no time was left to ask the translation model; try a shorter text")
    try:
        response = client(read_timeout).invoke_endpoint(
            EndpointName=name, Body=body, ContentType="application/json", Accept="application/json"
        )
        answer_body = response["Body"].read()
    except ClientError as error:
        mapped = _mapped(error, name)
        if error.response.get("Error", {}).get("Code") in _NOT_STARTED:
            raise _NotStarted(mapped) from error
        raise mapped from error
    except ReadTimeoutError as error:
        raise EndpointTimeout(
            "the translation model did not answer in time; try a shorter text or try again"
        ) from error
    except (ConnectTimeoutError, EndpointConnectionError) as error:
        unreachable = EndpointUnavailable("the translation endpoint cannot be reached right now", retry_after=10)
        raise _NotStarted(unreachable) from error
    except BotoConnectionError as error:
        # The connection broke after the request was sent: the model may be working on it, so no second attempt.
        raise EndpointUnavailable("the translation endpoint cannot be reached right now", retry_after=10) from error
    except BotoCoreError as error:
        raise ModelFailed(f"calling the translation endpoint failed: {type(error).__name__}") from error
    try:
        answer = json.loads(answer_body)
    except ValueError as error:
        raise ModelFailed("the translation model answered something that is not JSON") from error
    if not isinstance(answer, dict):
        raise ModelFailed("the translation model answered JSON that is not an object")
    return answer


def _mapped(error: ClientError, name: str) -> TranslateError:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    if code in _RETRY_AFTER:
        kind = EndpointThrottled if code == "ThrottlingException" else EndpointUnavailable
        return kind(
            f"the translation endpoint is busy or not ready ({code}); try again later", retry_after=_RETRY_AFTER[code]
        )
    if code == "ValidationError" and _MISSING_ENDPOINT.search(message):
        # Paused to save cost, starting again, or never deployed: DescribeEndpoint tells them apart.
        from translator import paused

        return paused.missing_endpoint(name)
    if code == "ModelError" and "timed out" in message:
        return EndpointTimeout("the translation model did not answer within SageMaker's 60 s; try a shorter text")
    if code == "ModelError":
        return ModelFailed("the translation model failed on this request")
    return ModelFailed(f"the translation endpoint answered an error ({code or 'unknown'})")
