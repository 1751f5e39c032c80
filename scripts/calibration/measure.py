"""Measure a SageMaker seq2seq endpoint's time per call and fit the front end's model-speed settings to it."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from translator.model_speed import DEFAULT, ENVIRONMENT, ModelSpeed

SIZES = (1, 10, 50, 100)
CONCURRENT = (1, 2, 4)
# Sentences sent together when measuring calls at once.
CONCURRENT_SIZE = 10
# An everyday sentence, Moses-tokenized, lower case as the model reads it.
SENTENCE = "the man and the woman in the house want to see a good movie with their two children this evening ."
# The client calibrating: SageMaker's own limit plus the margin its docs advise, and no retries (each would be timed).
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=70, retries={"mode": "standard", "total_max_attempts": 1})


class CalibrationError(RuntimeError):
    """The endpoint could not be measured; the message says what it answered."""


@dataclass(frozen=True)
class Measurements:
    """Median seconds per call by sentences in the call, and the seconds until `k` calls sent at once all answered."""

    tokens: int
    by_size: dict[int, float]
    concurrent: dict[int, float]


def invoke_seconds(client, endpoint_name: str, sentences: int) -> float:
    """Seconds one invoke_endpoint call of `sentences` copies of SENTENCE takes, answer read."""
    body = json.dumps({"instances": [{"data": SENTENCE}] * sentences}).encode()
    started = time.perf_counter()
    try:
        response = client.invoke_endpoint(
            EndpointName=endpoint_name, Body=body, ContentType="application/json", Accept="application/json"
        )
        predictions = json.loads(response["Body"].read()).get("predictions")
    except (ClientError, BotoCoreError, ValueError) as error:
        raise CalibrationError(f"endpoint {endpoint_name} failed a call of {sentences} sentences: {error}") from None
    if not isinstance(predictions, list) or len(predictions) != sentences:
        raise CalibrationError(f"endpoint {endpoint_name} did not answer {sentences} predictions")
    return time.perf_counter() - started


def measure(
    client, endpoint_name: str, *, sizes: Sequence[int] = SIZES, concurrent: Sequence[int] = CONCURRENT, repeat: int = 3
) -> Measurements:
    """Median time of a call by size (a warm-up call first), and the time of k calls of CONCURRENT_SIZE at once."""
    invoke_seconds(client, endpoint_name, 1)
    by_size = {size: _median([invoke_seconds(client, endpoint_name, size) for _ in range(repeat)]) for size in sizes}
    at_once = {count: _median([_together(client, endpoint_name, count) for _ in range(repeat)]) for count in concurrent}
    return Measurements(len(SENTENCE.split()), by_size, at_once)


def _together(client, endpoint_name: str, count: int) -> float:
    errors: list[Exception] = []

    def call() -> None:
        try:
            invoke_seconds(client, endpoint_name, CONCURRENT_SIZE)
        except CalibrationError as error:
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def fit(measured: Measurements, base: ModelSpeed = DEFAULT) -> ModelSpeed:
    """The speed whose prediction is closest (relative least squares) to the measured sizes, and the calls at once.

    call_ms, step_ms and step_ms_per_sentence are fitted, the encoder's cost folded into the last (with one sentence
    length both grow with the sentences alike); the steps per token and the batch size keep their values in `base`.
    """
    steps = base.steps(measured.tokens)
    rows, targets = [], []
    for size, seconds in measured.by_size.items():
        batches = math.ceil(size / base.batch_sentences)
        # Each size weighs by its own time: a few milliseconds of noise on 100 sentences must not outweigh 1 sentence.
        weight = 1 / (seconds * 1000)
        rows.append((weight, steps * batches * weight, steps * size * weight))
        targets.append(seconds * 1000 * weight)
    call_ms, step_ms, per_sentence = (max(0.0, value) for value in _least_squares(rows, targets))
    one = measured.concurrent.get(1)
    served = max(
        (min(count, round(count * one / seconds)) for count, seconds in measured.concurrent.items() if one),
        default=1,
    )
    return replace(
        base,
        call_ms=round(call_ms, 1),
        encode_ms_per_token=0.0,
        step_ms=round(step_ms, 2),
        step_ms_per_sentence=round(per_sentence, 2),
        concurrent_calls=max(1, served),
    )


def context_settings(speed: ModelSpeed) -> list[str]:
    """`-c name=value` for each setting, as cdk.json / `make deploy` take them (MODEL_CALL_MS -> model_call_ms)."""
    return [f"-c {name.lower()}={value}" for name, value in speed.settings().items() if name in ENVIRONMENT]


def _median(samples: list[float]) -> float:
    ordered = sorted(samples)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _least_squares(rows: list[tuple[float, ...]], targets: list[float]) -> list[float]:
    """x minimizing |A x - b| for a few unknowns: the normal equations, solved by Gaussian elimination."""
    width = len(rows[0])
    normal = [[sum(row[i] * row[j] for row in rows) for j in range(width)] for i in range(width)]
    right = [sum(row[i] * target for row, target in zip(rows, targets, strict=True)) for i in range(width)]
    for column in range(width):
        pivot = max(range(column, width), key=lambda row: abs(normal[row][column]))
        if abs(normal[pivot][column]) < 1e-12:
            raise CalibrationError("the measured sizes can't tell the settings apart; measure more sizes")
        normal[column], normal[pivot] = normal[pivot], normal[column]
        right[column], right[pivot] = right[pivot], right[column]
        for row in range(width):
            if row != column:
                factor = normal[row][column] / normal[column][column]
                normal[row] = [a - factor * b for a, b in zip(normal[row], normal[column], strict=True)]
                right[row] -= factor * right[column]
    return [right[index] / normal[index][index] for index in range(width)]
