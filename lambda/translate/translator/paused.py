"""A missing endpoint explained: paused to save cost, starting again, or not deployed; wakes it when allowed."""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from translator.errors import EndpointPaused, EndpointStarting, EndpointUnavailable, TranslateError

LOG = logging.getLogger(__name__)
# Set by the stack (stacks/api_contract.py lambda_environment): how long a start takes, and who starts one.
START_SECONDS_VARIABLE = "ENDPOINT_START_SECONDS"
CONTROL_FUNCTION_VARIABLE = "ENDPOINT_CONTROL_FUNCTION"
DEFAULT_START_SECONDS = 600
# A client told "starting" comes back no sooner than this, unless a whole start is quicker (the local stand-in's).
MIN_STARTING_RETRY_SECONDS = 30
# The control function is idempotent, but each call costs a CloudFormation request: one per execution environment
# per this many seconds is enough, however many requests arrive while the endpoint starts.
WAKE_INTERVAL_SECONDS = 60
# The event the control function resumes the endpoint on (stacks/endpoint_control_function/).
WAKE_EVENT = {"action": "resume", "reason": "request"}
# SageMaker's endpoint states in which the endpoint is on its way to serving.
_STARTING_STATES = frozenset({"Creating", "Updating", "SystemUpdating"})
# DescribeEndpoint's answer for an endpoint that does not exist: ValidationException, 'Could not find endpoint "..."'.
_NOT_FOUND_CODE = "ValidationException"
_NOT_FOUND_TEXT = "could not find endpoint"

# When DescribeEndpoint can't answer (throttled: its rate is low, and clients retry a 503), this environment's last
# verdict stands for this long, so clients keep the paused or starting answer (and its X-Service-State).
VERDICT_KEPT_SECONDS = 300

_wake_lock = threading.Lock()
_last_wake: float | None = None
# This environment's last verdict: (monotonic time, "paused" or "starting", monotonic time it should be up).
_verdict: tuple[float, str, float] | None = None


def start_seconds() -> int:
    """How long the endpoint typically takes to start (ENDPOINT_START_SECONDS; 600 when unset or unreadable)."""
    try:
        return max(1, int(os.environ.get(START_SECONDS_VARIABLE, DEFAULT_START_SECONDS)))
    except ValueError:
        return DEFAULT_START_SECONDS


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


def paused_error() -> EndpointPaused:
    """The answer while the endpoint is paused and nothing starts it."""
    total = start_seconds()
    return EndpointPaused(
        f"the translation service is paused to save cost; its owner resumes it with `make resume` ({_minutes(total)})",
        retry_after=total,
    )


def starting_error(seconds_left: float) -> EndpointStarting:
    """The answer while the endpoint starts, with a Retry-After of the time it has left (bounded below)."""
    total = start_seconds()
    retry_after = max(math.ceil(seconds_left), min(MIN_STARTING_RETRY_SECONDS, total))
    return EndpointStarting(f"starting the model, {_minutes(retry_after)}; try again then", retry_after=retry_after)


def missing_endpoint(name: str) -> TranslateError:
    """What to answer when InvokeEndpoint says `name` does not exist: DescribeEndpoint tells paused from starting."""
    from translator.endpoint import control_client

    try:
        described = control_client("sagemaker").describe_endpoint(EndpointName=name)
    except ClientError as error:
        details = error.response.get("Error", {})
        if details.get("Code") == _NOT_FOUND_CODE and _NOT_FOUND_TEXT in details.get("Message", "").lower():
            return _remembered(_wake_or_paused())
        LOG.warning("DescribeEndpoint %s failed: %s", name, error)
        return _last_verdict() or _not_deployed(name)
    except BotoCoreError as error:
        # No answer (e.g. no permission to reach it): the last verdict, else what InvokeEndpoint said, no more.
        LOG.warning("DescribeEndpoint %s failed: %s", name, error)
        return _last_verdict() or _not_deployed(name)
    status = described.get("EndpointStatus", "")
    if status in _STARTING_STATES:
        return _remembered(starting_error(start_seconds() - _seconds_since(described.get("CreationTime"))))
    if status == "Deleting":
        # Being paused right now: gone in a moment. Not a wake (the control function would find the stack busy and
        # nobody would hear it): come back in a minute, when a request can start it again.
        return EndpointPaused("the translation service is pausing to save cost; try again in a minute", retry_after=60)
    if status == "InService":
        # It came up between the two calls.
        return EndpointUnavailable("the translation model has just started; try again", retry_after=2)
    return EndpointUnavailable(f"the translation endpoint is {status or 'not ready'}; try again later", retry_after=60)


def _remembered(error: EndpointPaused) -> EndpointPaused:
    global _verdict
    now = time.monotonic()
    with _wake_lock:
        _verdict = (now, error.state, now + (error.retry_after or 0 if error.state == "starting" else 0))
    return error


def _last_verdict() -> EndpointPaused | None:
    """This environment's last paused or starting verdict, if recent: what to answer when SageMaker can't be asked."""
    with _wake_lock:
        verdict = _verdict
    if verdict is None or time.monotonic() - verdict[0] > VERDICT_KEPT_SECONDS:
        return None
    if verdict[1] == "starting":
        return starting_error(verdict[2] - time.monotonic())
    return paused_error()


def _not_deployed(name: str) -> EndpointUnavailable:
    return EndpointUnavailable(f"the translation endpoint {name} does not exist (yet); try again later", retry_after=60)


def _seconds_since(moment: object) -> float:
    if isinstance(moment, datetime):
        return max(0.0, time.time() - moment.timestamp())
    return 0.0


def _wake_or_paused() -> EndpointPaused:
    """Start the endpoint when wake on request is on (at most once a minute from here); say what the client waits for."""
    function = os.environ.get(CONTROL_FUNCTION_VARIABLE)
    if not function:
        return paused_error()
    global _last_wake
    with _wake_lock:
        now = time.monotonic()
        if _last_wake is not None and now - _last_wake < WAKE_INTERVAL_SECONDS:
            # Started moments ago; CloudFormation has not created the endpoint yet.
            return starting_error(start_seconds() - (now - _last_wake))
        if not _invoke_resume(function):
            return paused_error()
        _last_wake = now
    return starting_error(start_seconds())


def _invoke_resume(function: str) -> bool:
    from translator.endpoint import control_client

    try:
        control_client("lambda").invoke(
            FunctionName=function, InvocationType="Event", Payload=json.dumps(WAKE_EVENT).encode()
        )
    except (BotoCoreError, ClientError) as error:
        LOG.error("could not ask %s to resume the endpoint: %s", function, error)
        return False
    LOG.info("asked %s to resume the endpoint", function)
    return True


def reset() -> None:
    """Forget when this environment last woke the endpoint (tests)."""
    global _last_wake, _verdict
    with _wake_lock:
        _last_wake = _verdict = None
