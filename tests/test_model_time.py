"""Requests the model can answer in time, over HTTP through the local API and the stand-in at the model's speed."""

from __future__ import annotations

import pytest
from translator.limits import MAX_TEXTS
from translator.plan import MAX_INSTANCES_PER_CALL

from benchmarks.model_time import maximal_texts
from tests.fixtures.local_api import LocalApiProcess, post_json


@pytest.mark.slow
def test_a_maximal_request_answers_200_inside_the_gateways_window(stand_in_api: LocalApiProcess) -> None:
    # The one slow test: the stand-in takes the model's estimated time (about 20 s for this request).
    # The local gateway enforces the function's 27 s as AWS does (a 502 past it, tests/local/test_api_gateway.py):
    # a 200 is the answer inside the window, with no clock read here.
    texts = maximal_texts()  # the benchmark's maximal request: the limits filled with short everyday sentences
    reply = post_json(stand_in_api.translate_url, {"texts": texts})
    assert reply.status == 200, reply.body
    assert len(reply.json()["translations"]) == MAX_TEXTS
    counters = stand_in_api.counters()
    assert counters["instances"] == reply.json()["sentences"]
    assert counters["invocations"] * MAX_INSTANCES_PER_CALL >= counters["instances"] > counters["invocations"]
    assert counters["wasted_instances"] == 0 and counters["timed_out"] == 0


def test_text_that_cannot_fit_the_window_is_refused_without_calling_the_model(stand_in_api: LocalApiProcess) -> None:
    # Within the character limits, but thousands of one-word sentences: far more model time than a request has.
    reply = post_json(stand_in_api.translate_url, {"texts": ["Go. " * 49] * MAX_TEXTS})
    assert reply.status == 413, reply.body
    message = reply.json()["message"]
    assert "split it into several requests" in message and "characters fit in one request" in message
    assert stand_in_api.counters()["invocations"] == 0


def test_libretranslate_clients_get_the_refusal_in_their_shape(stand_in_api: LocalApiProcess) -> None:
    reply = post_json(stand_in_api.translate_url, {"q": ["Go. " * 49] * MAX_TEXTS, "source": "en", "target": "de"})
    assert reply.status == 400 and "split it into several requests" in reply.json()["error"]
    assert stand_in_api.counters()["invocations"] == 0
