"""Pause and resume the deployed endpoint through its stack's Paused parameter, read its state, wait for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import describe_error
from stacks.endpoint_control_function import control
from stacks.endpoint_control_function.control import BUSY, Change, EndpointState
from stacks.names import ENDPOINT_OUTPUT, ENDPOINT_STACK, ENDPOINT_START_MINUTES, PAUSED_PARAMETER

# BUSY, Change and EndpointState are the control module's, re-exported for the commands (which import libraries only).
__all__ = ["BUSY", "Change", "EndpointState", "PausingError", "paused_now", "read_state", "set_paused", "wait_for"]

# How far back `make status` looks for the last request (CloudWatch keeps one-minute data for 15 days).
LOOK_BACK = timedelta(days=14)
# `make resume --wait`: poll every 30 s, give up well after a typical start (SageMaker can take 15 minutes or more).
WAIT_POLL_SECONDS = 30
WAIT_LIMIT_MINUTES = 3 * ENDPOINT_START_MINUTES
FAILED_STATUSES = ("ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED", "UPDATE_FAILED")


class PausingError(RuntimeError):
    """Pausing, resuming or reading the endpoint's state failed; the message says why and what to do."""


def set_paused(session: boto3.Session, paused: bool) -> Change:
    """Ask CloudFormation to pause (remove) or resume (create) the endpoint; changes nothing when already so."""
    try:
        cloudformation = session.client("cloudformation")
        return control.set_paused(cloudformation, ENDPOINT_STACK, paused, parameter=PAUSED_PARAMETER)
    except control.ControlError as error:
        raise PausingError(str(error)) from None
    except (ClientError, BotoCoreError) as error:
        verb = "pause" if paused else "resume"
        raise PausingError(f"could not {verb} the endpoint ({describe_error(error)})") from None


def read_state(session: boto3.Session, *, now: datetime, window: timedelta | None = LOOK_BACK) -> EndpointState:
    """The endpoint's state as deployed; the last request is looked for within window (None: not looked for)."""
    try:
        cloudformation = session.client("cloudformation")
        stack = control.describe_stack(cloudformation, ENDPOINT_STACK)
        outputs = {item["OutputKey"]: item.get("OutputValue") for item in stack.get("Outputs", [])}
        # The endpoint is named after its stack; the output says so for stacks deployed before that too.
        endpoint_name = outputs.get(ENDPOINT_OUTPUT) or ENDPOINT_STACK
        return control.state(
            cloudformation,
            session.client("sagemaker"),
            session.client("cloudwatch"),
            ENDPOINT_STACK,
            endpoint_name,
            parameter=PAUSED_PARAMETER,
            now=now,
            window=window,
        )
    except control.ControlError as error:
        raise PausingError(str(error)) from None
    except (ClientError, BotoCoreError) as error:
        raise PausingError(f"could not read the endpoint's state ({describe_error(error)})") from None


def paused_now(session: boto3.Session) -> bool | None:
    """Whether the deployed endpoint stack is paused; None when it isn't deployed, has no parameter or can't be read."""
    try:
        stack = session.client("cloudformation").describe_stacks(StackName=ENDPOINT_STACK)["Stacks"][0]
    except (ClientError, BotoCoreError):
        return None
    values = {item["ParameterKey"]: item.get("ParameterValue") for item in stack.get("Parameters", [])}
    if PAUSED_PARAMETER not in values:
        return None
    return values[PAUSED_PARAMETER] == control.VALUES[True]


def _arrived(state: EndpointState, paused: bool) -> bool:
    if state.stack_status.endswith("_IN_PROGRESS"):
        return False
    if state.stack_status in FAILED_STATUSES:
        raise PausingError(
            f"stack {ENDPOINT_STACK} is {state.stack_status}: the CloudFormation console's Events tab says why"
        )
    if paused:
        return state.endpoint_status is None
    if state.endpoint_status == "Failed":
        raise PausingError("the endpoint failed to start: its CloudWatch logs and the stack's events say why")
    return state.endpoint_status == "InService"


def wait_for(
    session: boto3.Session,
    paused: bool,
    *,
    progress: Callable[[EndpointState, float], None],
    limit_minutes: float = WAIT_LIMIT_MINUTES,
    poll_seconds: float = WAIT_POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> EndpointState:
    """Poll until the endpoint is paused (gone) or running (InService); progress gets each state and minutes waited."""
    start = clock()
    while True:
        state = read_state(session, now=datetime.now(UTC), window=None)
        minutes = (clock() - start) / 60
        if _arrived(state, paused):
            return state
        progress(state, minutes)
        if minutes >= limit_minutes:
            raise PausingError(
                f"the endpoint is still {state.state} after {limit_minutes:g} minutes; `make status` shows its progress"
            )
        sleep(poll_seconds)
