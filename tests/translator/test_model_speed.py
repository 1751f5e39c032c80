"""The model's cost model and its MODEL_* settings."""

from __future__ import annotations

import pytest
from translator.model_speed import DEFAULT, ENVIRONMENT, INSTANT, ModelSpeed, ModelSpeedError, from_environment


def test_one_sentence_and_batches_follow_the_documented_estimate() -> None:
    # docs/MODEL_SPEED.md: a 20-token sentence about 0.58 s; 10 of them 1.5 s; 100 (7 batches of 23 steps) 13 s.
    assert DEFAULT.call_seconds([20]) == pytest.approx(0.015 + 0.010 + 23 * 0.024)
    assert DEFAULT.call_seconds([20] * 10) == pytest.approx(0.015 + 0.1 + 23 * 0.060)
    assert 12 < DEFAULT.call_seconds([20] * 100) < 15


def test_the_longest_sentence_sets_a_batchs_steps_capped_at_sixty() -> None:
    assert DEFAULT.steps(1) == 3 and DEFAULT.steps(20) == 23 and DEFAULT.steps(60) == 60
    assert DEFAULT.call_seconds([5, 40]) == pytest.approx(DEFAULT.call_seconds([40, 40]) - 35 * 0.0005)


def test_instant_takes_no_time_and_a_factor_scales_times_only() -> None:
    assert INSTANT.call_seconds([60] * 50) == 0
    slower = DEFAULT.scaled(2)
    assert slower.call_seconds([20] * 3) == pytest.approx(2 * DEFAULT.call_seconds([20] * 3))
    assert (slower.batch_sentences, slower.max_steps) == (DEFAULT.batch_sentences, DEFAULT.max_steps)


def test_settings_round_trip_through_the_environment() -> None:
    speed = ModelSpeed(step_ms=31.5, concurrent_calls=3)
    assert from_environment(speed.settings()) == speed
    assert from_environment({}) == DEFAULT
    assert set(DEFAULT.settings()) == set(ENVIRONMENT)


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [("MODEL_STEP_MS", "fast", "not a number"), ("MODEL_BATCH_SENTENCES", "0", "at least 1"),
     ("MODEL_CONCURRENT_CALLS", "1.5", "whole number"), ("MODEL_CALL_MS", "-1", "from 0")],
)  # fmt: skip
def test_a_bad_setting_names_itself(name: str, value: str, needle: str) -> None:
    with pytest.raises(ModelSpeedError, match=needle) as raised:
        from_environment({name: value})
    assert name in str(raised.value)
