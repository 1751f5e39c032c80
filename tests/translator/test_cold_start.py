"""The cold start's init time: noted once when the handler finished importing, taken by the first request alone."""

from __future__ import annotations

import time

from translator.cold_start import ColdStart


def test_the_first_request_takes_the_init_time_and_later_ones_none() -> None:
    cold_start = ColdStart(started=time.monotonic() - 3.0)
    cold_start.init_done()
    assert 3.0 <= cold_start.take_init_seconds() < 4.0
    assert cold_start.take_init_seconds() == 0.0


def test_a_reloaded_handler_is_no_second_cold_start() -> None:
    cold_start = ColdStart(started=time.monotonic() - 3.0)
    cold_start.init_done()
    cold_start.take_init_seconds()
    cold_start.init_done()
    assert cold_start.take_init_seconds() == 0.0


def test_no_init_time_before_the_handler_finished_importing() -> None:
    assert ColdStart(started=time.monotonic() - 3.0).take_init_seconds() == 0.0
