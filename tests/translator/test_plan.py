"""Planning a request's calls: instances per call, calls at once, the predicted time, the deadline."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from translator.limits import GATEWAY_TIMEOUT_SECONDS
from translator.model_speed import DEFAULT
from translator.plan import (
    ANSWER_MARGIN_SECONDS,
    GATEWAY_UNMEASURED_SECONDS,
    MAX_INSTANCES_PER_CALL,
    MAX_READ_TIMEOUT_SECONDS,
    Deadline,
    plan,
)


def test_one_endpoint_serves_one_call_at_a_time_so_calls_run_one_after_another() -> None:
    lengths = [8] * 200
    planned = plan(lengths, DEFAULT)
    assert planned.lanes == 1
    assert [len(call.indices) for call in planned.calls] == [64, 64, 64, 8]
    assert planned.seconds == pytest.approx(sum(call.seconds for call in planned.calls))
    assert sorted(index for call in planned.calls for index in call.indices) == list(range(200))


def test_several_calls_at_once_when_the_endpoint_serves_several() -> None:
    lengths = [20] * 100
    one, three = plan(lengths, DEFAULT), plan(lengths, replace(DEFAULT, concurrent_calls=3))
    assert three.lanes == 3 and len(three.calls) == 3
    assert all(len(call.indices) % DEFAULT.batch_sentences == 0 for call in three.calls[:-1])
    assert three.seconds < one.seconds / 2


def test_like_lengths_go_together_and_no_call_is_over_the_bound() -> None:
    lengths = [3, 50, 4, 48, 5, 47] * 30
    planned = plan(lengths, DEFAULT)
    assert max(len(call.indices) for call in planned.calls) <= MAX_INSTANCES_PER_CALL
    spreads = [max(lengths[i] for i in call.indices) - min(lengths[i] for i in call.indices) for call in planned.calls]
    assert min(spreads) <= 2
    unsorted = sum(DEFAULT.call_seconds(lengths[start : start + 64]) for start in range(0, len(lengths), 64))
    assert planned.seconds < unsorted


def test_an_empty_request_has_no_calls() -> None:
    assert plan([], DEFAULT).calls == () and plan([], DEFAULT).seconds == 0


def test_the_deadline_keeps_a_margin_and_bounds_the_read_timeout() -> None:
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 10_000

    deadline = Deadline.of(Context())
    assert 10 - ANSWER_MARGIN_SECONDS - 0.5 < deadline.available() <= 10 - ANSWER_MARGIN_SECONDS
    assert Deadline.after(500).read_timeout() == MAX_READ_TIMEOUT_SECONDS
    assert Deadline(time.monotonic() - 1).read_timeout() == 0


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 27_000


def test_a_cold_starts_init_comes_off_api_gateways_window() -> None:
    warm = Deadline.of(_Context())
    cold = Deadline.of(_Context(), init_seconds=5.0)
    gateway_left = GATEWAY_TIMEOUT_SECONDS - GATEWAY_UNMEASURED_SECONDS - 5.0
    assert gateway_left - ANSWER_MARGIN_SECONDS - 0.5 < cold.available() <= gateway_left - ANSWER_MARGIN_SECONDS
    # A warm request has the function's own 27 s, which end before the gateway's.
    assert 27 - ANSWER_MARGIN_SECONDS - 0.5 < warm.available() <= 27 - ANSWER_MARGIN_SECONDS
