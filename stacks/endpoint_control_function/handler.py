"""Lambda: pause, resume or (on its schedule) auto-pause the endpoint through its CloudFormation stack."""

from __future__ import annotations

import functools
import logging
import os
from datetime import UTC, datetime
from typing import Any

import boto3

try:
    from . import control  # imported as stacks.endpoint_control_function.handler (tests)
except ImportError:  # the Lambda: this directory's files sit at the package's root
    import control  # type: ignore[no-redef]

logging.getLogger().setLevel(logging.INFO)
logger = logging.getLogger(__name__)

ACTIONS = ("pause", "resume", "check")


@functools.cache
def _client(service: str) -> Any:
    """One client per service for the life of the function's container."""
    return boto3.client(service)


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """{"action": "pause"|"resume"|"check"} -> {"state", "changed", "reason"}."""
    action = event.get("action")
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    stack_name = os.environ["STACK_NAME"]
    parameter = os.environ["PAUSED_PARAMETER"]
    logger.info("%s requested (reason: %s)", action, event.get("reason", "not given"))
    cloudformation = _client("cloudformation")
    if action == "check":
        idle_minutes = os.environ.get("IDLE_MINUTES")
        if not idle_minutes:
            return {"state": "unknown", "changed": False, "reason": "auto-pause is off (IDLE_MINUTES unset)"}
        change = control.check_idle(
            cloudformation,
            _client("sagemaker"),
            _client("cloudwatch"),
            stack_name,
            os.environ["ENDPOINT_NAME"],
            parameter=parameter,
            idle_minutes=int(idle_minutes),
            now=datetime.now(UTC),
        )
    else:
        change = control.set_paused(cloudformation, stack_name, action == "pause", parameter=parameter)
    logger.info("%s: %s", action, change)
    return change.as_dict()
