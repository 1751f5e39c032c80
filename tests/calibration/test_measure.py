"""Calibration against the local sagemaker-runtime and the stand-in at a known speed (scaled down to stay quick)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from translator.model_speed import DEFAULT

from scripts.calibration.measure import CLIENT_CONFIG, Measurements, context_settings, fit, measure
from scripts.local.container_stand_in import ContainerStandIn
from scripts.local.runtime_server import DEFAULT_ENDPOINT, RuntimeServer

# A fifth of the model's estimated time: the fit must find these numbers again.
KNOWN = DEFAULT.scaled(0.2)


@pytest.fixture(scope="module")
def runtime_client() -> Iterator[object]:
    with ContainerStandIn(speed=KNOWN, workers=2) as container, RuntimeServer(container.url) as runtime:
        yield boto3.client(
            "sagemaker-runtime",
            endpoint_url=runtime.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=CLIENT_CONFIG,
        )


@pytest.mark.slow
def test_measuring_a_known_speed_finds_it_again(runtime_client) -> None:
    measured = measure(runtime_client, DEFAULT_ENDPOINT, repeat=1)
    assert set(measured.by_size) == {1, 10, 50, 100} and set(measured.concurrent) == {1, 2, 4}
    assert measured.by_size[1] < measured.by_size[10] < measured.by_size[100]
    speed = fit(measured)
    # Sleeps set the stand-in's time, but HTTP and JSON on a shared 2-core machine add to every call; at a fifth of
    # the model's speed that is a larger share: the fit must land near the known figures, not on them.
    assert speed.step_ms == pytest.approx(KNOWN.step_ms, rel=0.5)
    # The encoder's cost per sentence is folded into the step's (fit's docstring).
    folded = KNOWN.step_ms_per_sentence + KNOWN.encode_ms_per_token * measured.tokens / DEFAULT.steps(measured.tokens)
    assert speed.step_ms_per_sentence == pytest.approx(folded, rel=0.5)
    # Two workers: two calls run at once, a third waits.
    assert speed.concurrent_calls == 2


def test_fit_of_exact_figures_is_exact() -> None:
    sizes = {size: DEFAULT.call_seconds([21] * size) for size in (1, 10, 50, 100)}
    speed = fit(Measurements(21, sizes, {1: 1.0, 2: 2.0, 4: 4.0}))
    folded = 4.0 + 0.5 * 21 / DEFAULT.steps(21)
    assert (speed.call_ms, speed.step_ms, speed.step_ms_per_sentence) == pytest.approx((15.0, 20.0, folded), abs=0.01)
    assert speed.concurrent_calls == 1


def test_settings_are_printed_as_context_flags() -> None:
    lines = context_settings(DEFAULT)
    assert "-c model_step_ms=20" in lines and "-c model_concurrent_calls=1" in lines
