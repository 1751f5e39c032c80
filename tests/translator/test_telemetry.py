"""Logs and metrics of translations and refusals: what it cost is logged and measured, the user's text never is."""

from __future__ import annotations

import io
import json
import logging
import uuid

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from translator import telemetry
from translator.errors import BadRequest, EndpointPaused, EndpointStarting, EndpointUnavailable
from translator.service import Result


class RecordedMetrics:
    """Stands in for Powertools' Metrics: records each add_metric call (it has no other use here)."""

    def __init__(self) -> None:
        self.added: list[tuple[str, str, float]] = []

    def add_metric(self, *, name: str, unit: MetricUnit, value: float) -> None:
        self.added.append((name, unit, value))


def _logger() -> tuple[Logger, io.StringIO]:
    """A real Powertools Logger writing its JSON lines into a buffer."""
    stream = io.StringIO()
    # A fresh service name per test: Powertools reuses a named logger and would keep the first test's handler.
    logger = Logger(service=f"telemetry-test-{uuid.uuid4().hex}", logger_handler=logging.StreamHandler(stream))
    return logger, stream


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_observed_logs_and_measures_a_translation_without_its_text() -> None:
    logger, stream = _logger()
    metrics = RecordedMetrics()
    calls = []

    def translate(texts, *, continuing=()):
        calls.append((list(texts), tuple(continuing)))
        return Result(
            ["Geheimnis eins", "zwei"], sentences=3, segments=4, endpoint_calls=2, endpoint_ms=12.34,
            unknown_words=1, planned_seconds=0.0456, instances_per_call=[2, 5],
        )  # fmt: skip

    observed = telemetry.observed("texts", "editor-team", logger, metrics, translate)
    result = observed(["Secret one", "two"], continuing=[1])
    assert result.translations == ["Geheimnis eins", "zwei"] and calls == [(["Secret one", "two"], (1,))]
    [line] = _lines(stream)
    assert line["message"] == "translated"
    expected = {
        "shape": "texts",
        "api_key": "editor-team",
        "texts": 2,
        "characters": 13,
        "sentences": 3,
        "segments": 4,
        "endpoint_calls": 2,
    }
    assert {key: line[key] for key in expected} == expected
    assert (line["endpoint_ms"], line["planned_ms"], line["instances_per_call"], line["unknown_words"]) == (
        12.3,
        45.6,
        5,
        1,
    )
    assert line["total_ms"] >= 0
    assert "Secret" not in stream.getvalue() and "Geheimnis" not in stream.getvalue()
    assert metrics.added == [
        ("Sentences", MetricUnit.Count, 3),
        ("EndpointLatency", MetricUnit.Milliseconds, 12.34),
    ]


def test_refused_logs_the_class_not_the_message_and_counts_endpoint_failures_only() -> None:
    logger, stream = _logger()
    metrics = RecordedMetrics()
    telemetry.refused(BadRequest("text 'my secret' is too long"), logger, metrics)
    assert metrics.added == []
    telemetry.refused(EndpointUnavailable("down"), logger, metrics)
    assert metrics.added == [("EndpointErrors", MetricUnit.Count, 1)]
    first, second = _lines(stream)
    assert (first["message"], first["status"], first["error"]) == ("request refused", 400, "BadRequest")
    assert (second["message"], second["status"], second["error"]) == ("endpoint failed", 503, "EndpointUnavailable")
    assert "my secret" not in stream.getvalue() and "down" not in stream.getvalue()


def test_a_paused_service_is_counted_apart_not_as_an_endpoint_failure() -> None:
    logger, stream = _logger()
    metrics = RecordedMetrics()
    telemetry.refused(EndpointPaused("paused to save cost", retry_after=600), logger, metrics)
    telemetry.refused(EndpointStarting("starting the model", retry_after=300), logger, metrics)
    assert metrics.added == [("PausedAnswers", MetricUnit.Count, 1)] * 2
    assert [line["message"] for line in _lines(stream)] == ["service paused"] * 2
