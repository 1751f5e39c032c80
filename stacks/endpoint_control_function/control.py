"""Pause and resume the endpoint through its stack's parameter, read its state, and pause it when idle (boto3 only).

Used by the endpoint control function (bundled from this directory alone) and by `make pause|resume|status`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)

# The parameter's values (stacks/names.py PAUSED_VALUES holds the same pair; tests/stacks check they agree).
VALUES = {False: "false", True: "true"}
# The endpoint stack declares IAM resources and may use transforms: an update must acknowledge both.
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
# The endpoint's single production variant, named here for the stack (stacks/endpoint.py) and for the idle check's
# CloudWatch dimension alike.
VARIANT_NAME = "AllTraffic"
# CloudWatch answers at most 1,440 data points per request: the period grows with the window looked at.
MAX_DATAPOINTS = 1440
# What CloudFormation answers an UpdateStack that changes nothing.
NO_UPDATES = "No updates are to be performed"

# The states reported: what the parameter asks for, and whether CloudFormation is still getting there.
RUNNING, PAUSED, PAUSING, RESUMING, BUSY = "running", "paused", "pausing", "resuming", "busy"


class ControlError(RuntimeError):
    """The endpoint can't be paused or resumed; the message says what to do."""


class NotPausable(ControlError):
    """The stack has no Paused parameter (deployed before pausing existed, or not yet deployed)."""


@dataclass(frozen=True)
class Change:
    """What a pause, resume or idle check did: the state it leaves, whether it started an update, and why."""

    state: str
    changed: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EndpointState:
    """The endpoint as deployed: its stack's parameter, the stack's and endpoint's status, instances, last request."""

    paused: bool
    stack_status: str
    endpoint_status: str | None
    instance_count: int
    instance_type: str | None
    in_service_since: datetime | None
    last_request: datetime | None

    @property
    def state(self) -> str:
        """running, paused, or pausing/resuming while CloudFormation gets there."""
        if self.stack_status.endswith("_IN_PROGRESS"):
            return PAUSING if self.paused else RESUMING
        return PAUSED if self.paused else RUNNING


def describe_stack(cloudformation: Any, stack_name: str) -> dict[str, Any]:
    """The stack as DescribeStacks gives it; ControlError saying to deploy when it does not exist."""
    try:
        return cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            raise ControlError(f"stack {stack_name} is not deployed: run `make deploy` first") from None
        raise


def _parameters(stack: dict[str, Any], parameter: str) -> dict[str, str]:
    values = {item["ParameterKey"]: item.get("ParameterValue", "") for item in stack.get("Parameters", [])}
    if parameter not in values:
        raise NotPausable(
            f"stack {stack['StackName']} has no {parameter} parameter (deployed before pausing existed): "
            "run `make deploy` first"
        )
    return values


def _is_paused(values: dict[str, str], parameter: str) -> bool:
    return values[parameter].strip().lower() == VALUES[True]


def set_paused(cloudformation: Any, stack_name: str, paused: bool, *, parameter: str) -> Change:
    """Set the stack's Paused parameter with an update that keeps the template and every other value; idempotent."""
    stack = describe_stack(cloudformation, stack_name)
    values = _parameters(stack, parameter)
    status = stack["StackStatus"]
    moving = PAUSING if paused else RESUMING
    settled = PAUSED if paused else RUNNING
    if _is_paused(values, parameter) == paused:
        state = moving if status.endswith("_IN_PROGRESS") else settled
        return Change(state, False, f"{parameter} is already {VALUES[paused]} (stack {status})")
    if status.endswith("_IN_PROGRESS"):
        return Change(BUSY, False, f"stack {stack_name} is {status}: try again when it has finished")
    update = [{"ParameterKey": key, "UsePreviousValue": True} for key in values if key != parameter]
    update.append({"ParameterKey": parameter, "ParameterValue": VALUES[paused]})
    try:
        cloudformation.update_stack(
            StackName=stack_name, UsePreviousTemplate=True, Parameters=update, Capabilities=list(CAPABILITIES)
        )
    except ClientError as error:
        message = str(error)
        if NO_UPDATES in message:
            # Another caller set the same value between our read and our update.
            return Change(settled, False, f"{parameter} was set to {VALUES[paused]} meanwhile")
        if "_IN_PROGRESS state" in message:
            # Another caller's update started between our read and ours: CloudFormation runs one at a time.
            return Change(BUSY, False, f"stack {stack_name} is being updated: try again when it has finished")
        raise
    return Change(moving, True, f"stack update started: {parameter}={VALUES[paused]}")


def _endpoint(sagemaker: Any, endpoint_name: str) -> dict[str, Any] | None:
    try:
        return sagemaker.describe_endpoint(EndpointName=endpoint_name)
    except ClientError as error:
        # SageMaker's answer for an endpoint that does not exist (paused, or not created yet).
        if "Could not find endpoint" in str(error):
            return None
        raise


def _instance_type(sagemaker: Any, endpoint: dict[str, Any]) -> str | None:
    try:
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    except ClientError:
        return None
    variants = config.get("ProductionVariants") or [{}]
    return variants[0].get("InstanceType")


def last_request(cloudwatch: Any, endpoint_name: str, *, now: datetime, window: timedelta) -> datetime | None:
    """When the endpoint was last invoked within the window (the start of its period), from CloudWatch; None if none."""
    seconds = max(60, int(window.total_seconds()))
    period = max(60, math.ceil(seconds / MAX_DATAPOINTS / 60) * 60)
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName="Invocations",
        Dimensions=[{"Name": "EndpointName", "Value": endpoint_name}, {"Name": "VariantName", "Value": VARIANT_NAME}],
        StartTime=now - timedelta(seconds=seconds),
        EndTime=now,
        Period=period,
        Statistics=["Sum"],
    )
    times = [point["Timestamp"] for point in answer.get("Datapoints", []) if point.get("Sum", 0) > 0]
    return max(times) if times else None


def state(
    cloudformation: Any,
    sagemaker: Any,
    cloudwatch: Any,
    stack_name: str,
    endpoint_name: str,
    *,
    parameter: str,
    now: datetime,
    window: timedelta | None,
) -> EndpointState:
    """The endpoint's state: parameter, stack status, endpoint status, instances, last request in the window (if any)."""
    stack = describe_stack(cloudformation, stack_name)
    values = _parameters(stack, parameter)
    endpoint = _endpoint(sagemaker, endpoint_name)
    in_service = endpoint is not None and endpoint.get("EndpointStatus") == "InService"
    return EndpointState(
        paused=_is_paused(values, parameter),
        stack_status=stack["StackStatus"],
        endpoint_status=endpoint.get("EndpointStatus") if endpoint else None,
        instance_count=sum(v.get("CurrentInstanceCount", 0) for v in endpoint.get("ProductionVariants", []))
        if endpoint
        else 0,
        instance_type=_instance_type(sagemaker, endpoint) if endpoint else None,
        in_service_since=endpoint.get("LastModifiedTime") if in_service else None,
        last_request=None if window is None else last_request(cloudwatch, endpoint_name, now=now, window=window),
    )


def check_idle(
    cloudformation: Any,
    sagemaker: Any,
    cloudwatch: Any,
    stack_name: str,
    endpoint_name: str,
    *,
    parameter: str,
    idle_minutes: int,
    now: datetime,
) -> Change:
    """Pause when the endpoint has served nothing for idle_minutes since it came into service; log why or why not."""
    idle = timedelta(minutes=idle_minutes)
    current = state(
        cloudformation, sagemaker, cloudwatch, stack_name, endpoint_name, parameter=parameter, now=now, window=idle
    )
    change = _idle_verdict(current, idle, now)
    if change is None:
        change = set_paused(cloudformation, stack_name, True, parameter=parameter)
        change = Change(change.state, change.changed, f"idle for {idle_minutes} minutes: {change.reason}")
    logger.info("auto-pause check: %s (changed=%s): %s", change.state, change.changed, change.reason)
    return change


def _idle_verdict(current: EndpointState, idle: timedelta, now: datetime) -> Change | None:
    """Why the endpoint must stay as it is, or None when it has been idle long enough to pause."""
    minutes = int(idle.total_seconds() // 60)
    if current.state != RUNNING:
        return Change(current.state, False, f"not running (stack {current.stack_status})")
    if current.endpoint_status != "InService" or current.in_service_since is None:
        return Change(current.state, False, f"endpoint is {current.endpoint_status or 'absent'}, not InService")
    if now - current.in_service_since < idle:
        return Change(current.state, False, f"in service for less than {minutes} minutes")
    if current.last_request is not None:
        return Change(
            current.state, False, f"last request at {current.last_request.isoformat()}, within {minutes} minutes"
        )
    return None
