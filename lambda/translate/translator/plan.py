"""Plan a request's invoke_endpoint calls against the time it has: instances per call, calls at once, the prediction."""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from translator.limits import GATEWAY_TIMEOUT_SECONDS
from translator.model_speed import ModelSpeed

# At most this many instances go in one call: a call stays a few seconds long, so a failure or a slow answer costs
# little, and several calls can run on several instances at once.
MAX_INSTANCES_PER_CALL = 64
# Time kept back from the Lambda's remaining time to repair, detokenize and answer after the last call.
ANSWER_MARGIN_SECONDS = 1.0
# SageMaker stops a call after 60 s (ModelError 424); its docs advise a client socket timeout of 70 s.
MAX_READ_TIMEOUT_SECONDS = 70.0
# Without a Lambda context (tests, scripts): the window a deployed function has (stacks/api_contract.py's 27 s
# timeout less the time before the route runs).
FALLBACK_WINDOW_SECONDS = 25.0
# The part of API Gateway's timeout we can't measure from the handler: the runtime's start before the handler's
# import, and the answer's way back through Lambda and the gateway.
GATEWAY_UNMEASURED_SECONDS = 1.0


@dataclass(frozen=True)
class Call:
    """One invoke_endpoint call: which inputs (indices into the request's segments), and its predicted seconds."""

    indices: tuple[int, ...]
    seconds: float


@dataclass(frozen=True)
class Plan:
    """The calls of a request, how many run at once, and when the last one is predicted to finish (seconds)."""

    calls: tuple[Call, ...]
    lanes: int
    seconds: float


@dataclass(frozen=True)
class Deadline:
    """The monotonic time by which the answer must be sent."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    @classmethod
    def of(cls, context: object | None, *, init_seconds: float = 0.0) -> Deadline:
        """From a Lambda context's remaining time (the fallback window without one), within API Gateway's timeout.

        `init_seconds`: the cold start's init before this request, which API Gateway's clock also counted.
        """
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        function_window = remaining() / 1000 if remaining else FALLBACK_WINDOW_SECONDS
        gateway_window = GATEWAY_TIMEOUT_SECONDS - GATEWAY_UNMEASURED_SECONDS - init_seconds
        return cls.after(min(function_window, gateway_window))

    def available(self) -> float:
        """Seconds left for the model, after the margin to answer."""
        return self.at - time.monotonic() - ANSWER_MARGIN_SECONDS

    def read_timeout(self) -> float:
        """The read timeout for a call starting now: what is left for the model, at most SageMaker's own limit."""
        return max(0.0, min(self.available(), MAX_READ_TIMEOUT_SECONDS))


def plan(lengths: Sequence[int], speed: ModelSpeed) -> Plan:
    """Calls for inputs of these token lengths: like lengths together, spread over what the endpoint serves at once."""
    lanes = max(1, speed.concurrent_calls)
    order = sorted(range(len(lengths)), key=lambda index: lengths[index])
    if not order:
        return Plan((), lanes, 0.0)
    # Enough calls to keep every lane busy, each a whole number of the container's batches.
    per_lane = math.ceil(len(order) / lanes)
    size = min(MAX_INSTANCES_PER_CALL, math.ceil(per_lane / speed.batch_sentences) * speed.batch_sentences)
    calls = [
        Call(tuple(chunk), speed.call_seconds([lengths[index] for index in chunk]))
        for chunk in (order[start : start + size] for start in range(0, len(order), size))
    ]
    # Longest first, each to the lane free soonest: the order the calls are sent in.
    calls.sort(key=lambda call: call.seconds, reverse=True)
    return Plan(tuple(calls), min(lanes, len(calls)), _makespan([call.seconds for call in calls], lanes))


def _makespan(seconds: list[float], lanes: int) -> float:
    free = [0.0] * min(lanes, len(seconds))
    for duration in seconds:
        heapq.heapreplace(free, free[0] + duration)
    return max(free)
