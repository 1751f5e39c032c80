"""make pause / resume / status's library: the endpoint stack's parameter through a session, and waiting, on moto."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest

from scripts.aws import pausing
from stacks.names import PAUSED_PARAMETER
from tests.fixtures.control_stack import (
    STACK,
    deploy_endpoint_stack,
    parameters,
    updates_started,
)


def session() -> boto3.Session:
    return boto3.Session(region_name="us-east-1")


class FakeClock:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pause_and_resume_set_the_endpoint_stacks_parameter(aws_env):
    deploy_endpoint_stack()
    assert pausing.set_paused(session(), True).state == "pausing"
    assert parameters()[PAUSED_PARAMETER] == "true"
    assert pausing.paused_now(session()) is True
    assert pausing.set_paused(session(), False).state == "resuming"
    assert pausing.paused_now(session()) is False
    assert updates_started() == 2


def test_an_undeployed_stack_is_one_line_saying_to_deploy(aws_env):
    with pytest.raises(pausing.PausingError, match=rf"^stack {STACK} is not deployed: run `make deploy` first$"):
        pausing.set_paused(session(), True)
    assert pausing.paused_now(session()) is None


def test_a_stack_from_before_pausing_says_to_deploy(aws_env):
    deploy_endpoint_stack(parameter=False)
    with pytest.raises(pausing.PausingError, match="no Paused parameter"):
        pausing.set_paused(session(), False)
    assert pausing.paused_now(session()) is None


def test_read_state_finds_the_endpoint_by_the_stacks_output(aws_env):
    deploy_endpoint_stack()
    state = pausing.read_state(session(), now=datetime.now(UTC))
    assert (state.state, state.endpoint_status, state.instance_count) == ("running", "InService", 1)
    assert state.last_request is None


def test_read_state_of_an_undeployed_stack_is_a_pausing_error(aws_env):
    with pytest.raises(pausing.PausingError, match="make deploy"):
        pausing.read_state(session(), now=datetime.now(UTC))


def test_waiting_for_a_running_endpoint_returns_at_once(aws_env):
    deploy_endpoint_stack()
    clock = FakeClock()
    seen: list[float] = []
    state = pausing.wait_for(
        session(), False, progress=lambda _, minutes: seen.append(minutes), clock=clock, sleep=clock.sleep
    )
    assert state.endpoint_status == "InService"
    assert seen == [] and clock.sleeps == []


def test_waiting_for_a_paused_endpoint_ends_when_it_is_gone(aws_env):
    deploy_endpoint_stack(paused=True)
    clock = FakeClock()
    state = pausing.wait_for(session(), True, progress=lambda *_: None, clock=clock, sleep=clock.sleep)
    assert state.state == "paused" and state.endpoint_status is None


def test_waiting_is_bounded_and_reports_progress(aws_env):
    # Resumed in moto (the update finishes at once) but no endpoint appears: the wait must give up, not hang.
    deploy_endpoint_stack(endpoint=False)
    clock = FakeClock()
    seen: list[tuple[str, float]] = []
    with pytest.raises(pausing.PausingError, match="still running after 3 minutes; `make status` shows its progress"):
        pausing.wait_for(
            session(),
            False,
            progress=lambda state, minutes: seen.append((state.state, minutes)),
            limit_minutes=3,
            poll_seconds=60,
            clock=clock,
            sleep=clock.sleep,
        )
    assert seen == [("running", 0.0), ("running", 1.0), ("running", 2.0), ("running", 3.0)]
    assert clock.sleeps == [60, 60, 60]


def test_a_failed_update_stops_the_wait():
    state = pausing.EndpointState(
        paused=False,
        stack_status="UPDATE_ROLLBACK_COMPLETE",
        endpoint_status=None,
        instance_count=0,
        instance_type=None,
        in_service_since=None,
        last_request=None,
    )
    with pytest.raises(pausing.PausingError, match="UPDATE_ROLLBACK_COMPLETE: the CloudFormation console's Events"):
        pausing._arrived(state, False)
