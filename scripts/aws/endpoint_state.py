"""What make status says about the endpoint (state, instances, cost now, time since the last request)."""

from __future__ import annotations

from datetime import UTC, datetime

from scripts.aws.cost import cost_line
from scripts.aws.pausing import LOOK_BACK
from stacks.endpoint_control_function.control import PAUSED, PAUSING, RESUMING, RUNNING, EndpointState
from stacks.names import ENDPOINT_START_MINUTES

NEXT_STEP = {
    RUNNING: "`make pause` removes the endpoint (and its bill) until `make resume`",
    PAUSED: f"`make resume` starts it again (about {ENDPOINT_START_MINUTES} minutes)",
    PAUSING: "CloudFormation is removing the endpoint",
    RESUMING: f"CloudFormation is starting the endpoint (about {ENDPOINT_START_MINUTES} minutes in all)",
}


def ago(then: datetime, now: datetime) -> str:
    """How long ago, in days, hours and minutes: '2 h 5 min ago'."""
    minutes = max(0, int((now - then).total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
    return " ".join(part for part in parts if part) + " ago"


def report(state: EndpointState, *, region: str, now: datetime) -> list[str]:
    """The lines `make status` prints."""
    endpoint = state.endpoint_status or "absent"
    fleet = f"{state.instance_count} x {state.instance_type}" if state.instance_count else "none"
    if state.last_request is not None:
        when = state.last_request.astimezone(UTC)
        last = f"{ago(when, now)} ({when:%Y-%m-%d %H:%M} UTC)"
    else:
        last = f"none in the last {LOOK_BACK.days} days"
    return [
        f"state: {state.state} (stack {state.stack_status}, endpoint {endpoint})",
        f"instances: {fleet}",
        cost_line(state.instance_type, state.instance_count, region),
        f"last request: {last}",
        NEXT_STEP[state.state],
    ]
