"""The endpoint control function: pause, resume and the idle check against moto's CloudFormation, SageMaker, CloudWatch.

moto's CloudFormation honours a resource's Condition when it creates a stack and when an update turns the condition
true, but never deletes a resource whose condition turns false, and it names an AWS::SageMaker::Endpoint itself
(ignoring EndpointName). So the stack here carries an SNS topic under the condition (what moto does with it is
asserted), and the endpoint the functions read is created and deleted through SageMaker's own API under the stack's
name, as the real stack names it. moto also completes every update at once: the one "update in progress" answer is
given by botocore's Stubber.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from stacks.endpoint_control_function import control, handler
from stacks.names import PAUSED_PARAMETER, PAUSED_VALUES
from tests.fixtures.control_stack import (
    FUNCTION_DIR,
    STACK,
    check,
    deploy_endpoint_stack,
    in_service_since,
    parameters,
    read_state,
    record_invocations,
    resources,
    set_paused,
    updates_started,
)


def test_the_values_are_the_names_modules():
    assert (control.VALUES[False], control.VALUES[True]) == PAUSED_VALUES


def test_pause_updates_the_parameter_alone_with_the_previous_template(aws_env):
    deploy_endpoint_stack()
    template_before = boto3.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    change = set_paused(True)
    assert change == control.Change("pausing", True, f"stack update started: {PAUSED_PARAMETER}=true")
    assert parameters() == {PAUSED_PARAMETER: "true", "ModelVersion": "0123456789abcdef"}
    assert boto3.client("cloudformation").get_template(StackName=STACK)["TemplateBody"] == template_before
    assert updates_started() == 1


def test_pausing_twice_starts_one_update(aws_env):
    deploy_endpoint_stack()
    assert set_paused(True).changed
    again = set_paused(True)
    assert (again.state, again.changed) == ("paused", False)
    assert "already true" in again.reason
    assert updates_started() == 1


def test_resume_sets_the_parameter_back_and_the_conditional_resource_returns(aws_env):
    deploy_endpoint_stack(paused=True)
    assert resources() == {"AlarmsTopic"}
    change = set_paused(False)
    assert (change.state, change.changed) == ("resuming", True)
    assert parameters() == {PAUSED_PARAMETER: "false", "ModelVersion": "0123456789abcdef"}
    assert resources() == {"AlarmsTopic", "ServingTopic"}
    assert set_paused(False) == control.Change(
        "running", False, f"{PAUSED_PARAMETER} is already false (stack UPDATE_COMPLETE)"
    )


def test_concurrent_resumes_start_one_update(aws_env):
    deploy_endpoint_stack(paused=True)
    callers = 6
    barrier = threading.Barrier(callers, timeout=30)
    results: list[control.Change] = []
    errors: list[BaseException] = []

    def resume() -> None:
        cloudformation = boto3.client("cloudformation")
        barrier.wait()
        try:
            results.append(control.set_paused(cloudformation, STACK, False, parameter=PAUSED_PARAMETER))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=resume) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(results) == callers
    assert sum(result.changed for result in results) == 1
    assert {result.state for result in results} <= {"resuming", "running", "busy"}
    assert updates_started() == 1
    assert parameters()[PAUSED_PARAMETER] == "false"


def paused_stack(status: str) -> dict:
    """DescribeStacks' description of a paused endpoint stack in this status (for Stubber)."""
    return {
        "StackName": STACK,
        "StackStatus": status,
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "Parameters": [{"ParameterKey": PAUSED_PARAMETER, "ParameterValue": "true"}],
    }


def test_a_stack_being_updated_is_busy_and_not_updated():
    # moto completes updates at once, so the state CloudFormation reports during one is given by Stubber.
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    stack = paused_stack("UPDATE_IN_PROGRESS")
    with Stubber(cloudformation) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": STACK})
        change = control.set_paused(cloudformation, STACK, False, parameter=PAUSED_PARAMETER)
        stubber.assert_no_pending_responses()
    assert (change.state, change.changed) == ("busy", False)


def test_an_update_refused_because_another_runs_is_busy():
    # The race after our read: CloudFormation's own refusal (moto never refuses, its updates finish at once).
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    stack = paused_stack("UPDATE_COMPLETE")
    message = f"Stack:arn:aws:cloudformation:us-east-1:1:stack/{STACK}/x is in UPDATE_IN_PROGRESS state and can not be updated."
    with Stubber(cloudformation) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": STACK})
        stubber.add_client_error("update_stack", "ValidationError", message)
        change = control.set_paused(cloudformation, STACK, False, parameter=PAUSED_PARAMETER)
    assert (change.state, change.changed) == ("busy", False)


def test_a_stack_without_the_parameter_says_to_deploy_first(aws_env):
    deploy_endpoint_stack(parameter=False)
    with pytest.raises(control.NotPausable, match=r"has no Paused parameter .*run `make deploy` first"):
        set_paused(True)
    assert updates_started() == 0


def test_a_missing_stack_says_to_deploy_first(aws_env):
    with pytest.raises(control.ControlError, match=r"stack TranslateEndpoint is not deployed: run `make deploy` first"):
        set_paused(False)


def test_state_reads_parameter_endpoint_instances_and_last_request(aws_env):
    deploy_endpoint_stack()
    create_since = in_service_since()
    now = create_since + timedelta(hours=2)
    record_invocations(now - timedelta(minutes=50))
    record_invocations(now - timedelta(minutes=20))
    state = read_state(now, timedelta(days=1))
    assert state.state == "running" and not state.paused
    assert (state.endpoint_status, state.instance_count, state.instance_type) == ("InService", 1, "ml.m4.xlarge")
    assert state.in_service_since == create_since
    assert now - timedelta(minutes=21) <= state.last_request <= now - timedelta(minutes=19)


def test_state_of_a_paused_stack_has_no_endpoint(aws_env):
    deploy_endpoint_stack(paused=True)
    state = read_state(datetime.now(UTC), None)
    assert (state.state, state.endpoint_status, state.instance_count, state.last_request) == ("paused", None, 0, None)


def test_last_request_ignores_minutes_without_invocations_and_outside_the_window(aws_env):
    now = datetime.now(UTC)
    record_invocations(now - timedelta(minutes=10), count=0)
    record_invocations(now - timedelta(minutes=40))
    cloudwatch = boto3.client("cloudwatch")
    assert control.last_request(cloudwatch, STACK, now=now, window=timedelta(minutes=30)) is None
    found = control.last_request(cloudwatch, STACK, now=now, window=timedelta(days=7))
    assert now - timedelta(minutes=41) <= found <= now - timedelta(minutes=39)


def test_idle_long_enough_pauses(aws_env):
    deploy_endpoint_stack()
    now = in_service_since() + timedelta(minutes=45)
    record_invocations(now - timedelta(minutes=35))
    change = check(now, idle_minutes=30)
    assert (change.state, change.changed) == ("pausing", True)
    assert change.reason.startswith("idle for 30 minutes")
    assert parameters()[PAUSED_PARAMETER] == "true"


def test_a_recent_request_keeps_it_running(aws_env, caplog):
    deploy_endpoint_stack()
    now = in_service_since() + timedelta(minutes=45)
    record_invocations(now - timedelta(minutes=10))
    with caplog.at_level("INFO"):
        change = check(now, idle_minutes=30)
    assert (change.state, change.changed) == ("running", False)
    assert "within 30 minutes" in change.reason and "within 30 minutes" in caplog.text
    assert parameters()[PAUSED_PARAMETER] == "false"


def test_an_endpoint_just_in_service_is_given_the_idle_time_first(aws_env):
    deploy_endpoint_stack()
    change = check(in_service_since() + timedelta(minutes=29), idle_minutes=30)
    assert (change.changed, change.reason) == (False, "in service for less than 30 minutes")
    assert parameters()[PAUSED_PARAMETER] == "false"


def test_an_endpoint_not_in_service_is_left_alone(aws_env):
    deploy_endpoint_stack(endpoint=False)
    change = check(datetime.now(UTC) + timedelta(days=1))
    assert (change.changed, change.reason) == (False, "endpoint is absent, not InService")


def test_a_paused_endpoint_is_not_checked_further(aws_env):
    deploy_endpoint_stack(paused=True)
    change = check(datetime.now(UTC))
    assert (change.state, change.changed) == ("paused", False)
    assert updates_started() == 0


@pytest.fixture
def function_env(aws_env, monkeypatch):
    monkeypatch.setenv("STACK_NAME", STACK)
    monkeypatch.setenv("ENDPOINT_NAME", STACK)
    monkeypatch.setenv("PAUSED_PARAMETER", PAUSED_PARAMETER)
    monkeypatch.delenv("IDLE_MINUTES", raising=False)
    handler._client.cache_clear()
    yield
    handler._client.cache_clear()


def test_handler_pauses_and_resumes(function_env):
    deploy_endpoint_stack()
    assert handler.handler({"action": "pause"}) == {
        "state": "pausing",
        "changed": True,
        "reason": "stack update started: Paused=true",
    }
    assert handler.handler({"action": "pause"})["changed"] is False
    answer = handler.handler({"action": "resume", "reason": "request"})
    assert (answer["state"], answer["changed"]) == ("resuming", True)
    assert json.loads(json.dumps(answer)) == answer


def test_handler_check_without_idle_minutes_does_nothing(function_env):
    deploy_endpoint_stack()
    answer = handler.handler({"action": "check"})
    assert answer["changed"] is False and "IDLE_MINUTES" in answer["reason"]
    assert updates_started() == 0


def test_handler_check_with_idle_minutes_leaves_a_fresh_endpoint(function_env, monkeypatch):
    monkeypatch.setenv("IDLE_MINUTES", "15")
    deploy_endpoint_stack()
    answer = handler.handler({"action": "check"})
    assert answer == {"state": "running", "changed": False, "reason": "in service for less than 15 minutes"}


def test_handler_refuses_an_unknown_action(function_env):
    with pytest.raises(ValueError, match="action must be one of pause, resume, check"):
        handler.handler({"action": "destroy"})


def test_the_function_imports_from_its_own_directory_alone(tmp_path):
    # The Lambda is bundled from this directory alone: handler must import with nothing else of the project.
    code = "import handler; print(handler.control.__name__, callable(handler.handler))"
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(FUNCTION_DIR)!r}); {code}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["control", "True"]
