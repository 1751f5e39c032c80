"""What make status says, and the cost figures it (and make deploy) shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from scripts.aws import cost
from scripts.aws import endpoint_state as status
from scripts.aws.pausing import EndpointState
from stacks.names import ENDPOINT_START_MINUTES

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def endpoint_state(**changes) -> EndpointState:
    default = EndpointState(
        paused=False,
        stack_status="UPDATE_COMPLETE",
        endpoint_status="InService",
        instance_count=1,
        instance_type="ml.m4.xlarge",
        in_service_since=NOW - timedelta(days=1),
        last_request=NOW - timedelta(hours=2, minutes=5),
    )
    return replace(default, **changes)


def test_a_running_endpoint_shows_its_fleet_cost_and_last_request():
    lines = status.report(endpoint_state(), region="us-east-1", now=NOW)
    assert lines == [
        "state: running (stack UPDATE_COMPLETE, endpoint InService)",
        "instances: 1 x ml.m4.xlarge",
        "cost: about 0.28 USD per hour, 6.72 per day, 204.40 per month (on-demand prices in us-east-1)",
        "last request: 2 h 5 min ago (2026-12-03 09:55 UTC)",
        "`make pause` removes the endpoint (and its bill) until `make resume`",
    ]


def test_a_paused_endpoint_costs_nothing_and_says_how_to_resume():
    state = endpoint_state(paused=True, endpoint_status=None, instance_count=0, instance_type=None, last_request=None)
    lines = status.report(state, region="eu-west-1", now=NOW)
    assert lines[0] == "state: paused (stack UPDATE_COMPLETE, endpoint absent)"
    assert lines[1:4] == [
        "instances: none",
        "cost: 0 USD per hour (no instance runs)",
        "last request: none in the last 14 days",
    ]
    assert lines[4] == f"`make resume` starts it again (about {ENDPOINT_START_MINUTES} minutes)"


def test_an_endpoint_being_removed_still_costs_until_it_is_gone():
    state = endpoint_state(paused=True, stack_status="UPDATE_IN_PROGRESS", endpoint_status="Deleting", instance_count=2)
    lines = status.report(state, region="us-east-1", now=NOW)
    assert lines[0] == "state: pausing (stack UPDATE_IN_PROGRESS, endpoint Deleting)"
    assert lines[2].startswith("cost: about 0.56 USD per hour")


@pytest.mark.parametrize(
    "delta,text",
    [
        (timedelta(seconds=30), "0 min ago"),
        (timedelta(minutes=59), "59 min ago"),
        (timedelta(days=3, hours=1, minutes=2), "3 d 1 h 2 min ago"),
        (timedelta(days=1), "1 d 0 min ago"),
    ],
)
def test_ago(delta, text):
    assert status.ago(NOW - delta, NOW) == text


def test_cost_figures_add_up_over_a_day_and_a_730_hour_month():
    figures = cost.endpoint_cost("ml.m4.xlarge", 2)
    assert (round(figures.hourly, 2), round(figures.daily, 2), round(figures.monthly, 2)) == (0.56, 13.44, 408.8)
    assert cost.endpoint_cost("ml.p3.2xlarge", 1) is None
    assert cost.endpoint_cost("ml.p3.2xlarge", 0) == cost.Cost(0.0)


def test_an_unknown_price_or_another_region_points_at_the_pricing_page():
    assert cost.cost_line("ml.c5.xlarge", 1, "us-east-1") == (
        "cost: unknown (see the SageMaker pricing page for ml.c5.xlarge in us-east-1)"
    )
    assert cost.cost_line("ml.m4.xlarge", 1, "eu-central-1").endswith(
        "(us-east-1 prices; eu-central-1 differs: see the SageMaker pricing page)"
    )


def test_the_auto_pause_example_counts_the_idle_wait():
    text = cost.auto_pause_example("ml.m4.xlarge", 1, idle_minutes=60, hours_used_per_day=2)
    # 3 hours a day x 0.28 USD x 730/24 days.
    assert text == (
        "with auto-pause after 60 idle minutes and 2 hours of use a day, "
        "about 25.55 USD per month (the endpoint runs about 3.0 hours a day)"
    )
    assert cost.auto_pause_example("ml.c5.xlarge", 1, idle_minutes=60, hours_used_per_day=2) is None
