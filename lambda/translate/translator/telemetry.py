"""Logs and metrics of translations and refusals: never the user's text, always what it cost."""

from __future__ import annotations

import time
from collections.abc import Collection

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from translator import service
from translator.errors import PAUSED_ANSWERS_METRIC, EndpointPaused, TranslateError


def observed(
    label: str,
    key_name: str,
    logger: Logger,
    metrics: Metrics,
    translate: service.Translate = service.translate_texts,
):
    """translate, logging and measuring each call as a `label` request by the API key named key_name (never the key)."""

    def translate_observed(texts: list[str], *, continuing: Collection[int] = ()) -> service.Result:
        started = time.perf_counter()
        result = translate(texts, continuing=continuing)
        logger.info(
            "translated",
            extra={
                "shape": label,
                "api_key": key_name,
                "texts": len(texts),
                "characters": sum(map(len, texts)),
                "sentences": result.sentences,
                "segments": result.segments,
                "endpoint_calls": result.endpoint_calls,
                "endpoint_ms": round(result.endpoint_ms, 1),
                "planned_ms": round(result.planned_seconds * 1000, 1),
                "instances_per_call": max(result.instances_per_call, default=0),
                "total_ms": round((time.perf_counter() - started) * 1000, 1),
                "unknown_words": result.unknown_words,
            },
        )
        metrics.add_metric(name="Sentences", unit=MetricUnit.Count, value=result.sentences)
        metrics.add_metric(name="EndpointLatency", unit=MetricUnit.Milliseconds, value=result.endpoint_ms)
        return result

    return translate_observed


def refused(error: TranslateError, logger: Logger, metrics: Metrics) -> None:
    """Log a refusal or an endpoint failure by its class; the message may quote the user's text, so it stays out."""
    paused = isinstance(error, EndpointPaused)
    logger.info(
        "service paused" if paused else "request refused" if error.status < 500 else "endpoint failed",
        extra={"status": error.status, "error": type(error).__name__},
    )
    if paused:
        # A paused service is a state its owner chose, not a failure: no EndpointErrors, no 5XX alarm.
        metrics.add_metric(name=PAUSED_ANSWERS_METRIC, unit=MetricUnit.Count, value=1)
    elif error.status >= 500:
        metrics.add_metric(name="EndpointErrors", unit=MetricUnit.Count, value=1)
