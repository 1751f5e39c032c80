"""A paused service as its clients see it: through the real handler, and over HTTP from `local_api --stand-in --paused`
(and `--wake`), in our shape, LibreTranslate's and DeepL's."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from scripts.local.runtime_server import CONTROL_FUNCTION
from tests.fixtures.local_api import LocalApiProcess, http_call, post_json, running_local_api

OURS = {"text": "Hello."}
LIBRE = {"q": "Hello.", "source": "en", "target": "de"}
DEEPL = {"text": ["Hello."], "target_lang": "DE"}
# Each API's route and error key: ours and LibreTranslate's share /translate, DeepL has /v2/translate.
SHAPES = [("/translate", OURS, "message"), ("/translate", LIBRE, "error"), ("/v2/translate", DEEPL, "message")]


def _header(response: dict, name: str) -> str | None:
    values = response["multiValueHeaders"].get(name)
    return values[0] if values else None


# --- Through the handler ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "request_body", "key"), SHAPES)
def test_a_paused_service_answers_503_in_each_apis_shape(paused_runtime, call_api, route, request_body, key) -> None:
    response = call_api("POST", route, request_body, headers={"Origin": "https://app.example"})
    assert response["statusCode"] == 503
    assert (_header(response, "Retry-After"), _header(response, "X-Service-State")) == ("600", "paused")
    assert list(response["json"]) == [key]
    assert "paused to save cost" in response["json"][key] and "make resume" in response["json"][key]
    # The page reads both headers from another origin too.
    assert "X-Service-State" in (_header(response, "Access-Control-Expose-Headers") or "")


@pytest.mark.parametrize(("request_body", "key"), [(OURS, "message"), (LIBRE, "error")])
def test_with_wake_on_request_the_answer_is_starting(paused_runtime, call_api, monkeypatch, request_body, key) -> None:
    monkeypatch.setenv("ENDPOINT_CONTROL_FUNCTION", CONTROL_FUNCTION)
    response = call_api("POST", "/translate", request_body)
    assert response["statusCode"] == 503
    assert (_header(response, "Retry-After"), _header(response, "X-Service-State")) == ("600", "starting")
    assert response["json"][key].startswith("starting the model, about 10 minutes")
    assert paused_runtime.control_counters()["resumes_started"] == 1


def test_the_page_and_languages_need_no_endpoint(paused_runtime, call_api) -> None:
    assert call_api("GET", "/")["statusCode"] == 200
    assert call_api("GET", "/languages")["statusCode"] == 200


# --- Over HTTP, from the local server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paused_api() -> Iterator[LocalApiProcess]:
    with running_local_api("--stand-in", "--paused", "--port", "0", "--quiet", "--resume-seconds", "120") as running:
        yield running


@pytest.fixture
def waking_api() -> Iterator[LocalApiProcess]:
    with running_local_api("--stand-in", "--wake", "--port", "0", "--quiet", "--resume-seconds", "120") as running:
        yield running


def test_local_paused_server_says_so_in_our_shape(paused_api: LocalApiProcess) -> None:
    reply = post_json(paused_api.translate_url, OURS)
    assert (reply.status, reply.headers["Retry-After"], reply.headers["X-Service-State"]) == (503, "120", "paused")
    assert "paused to save cost" in reply.json()["message"]
    assert paused_api.control_counters()["resume_requests"] == 0


def test_local_paused_server_says_so_to_libretranslate_clients(paused_api: LocalApiProcess) -> None:
    json_reply = post_json(paused_api.translate_url, LIBRE)
    form_reply = http_call(
        "POST",
        paused_api.translate_url,
        "q=Hello.&source=en&target=de",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    for reply in (json_reply, form_reply):
        assert (reply.status, reply.headers["X-Service-State"]) == (503, "paused")
        assert "paused to save cost" in reply.json()["error"]


def test_local_paused_server_says_so_to_deepl_clients(paused_api: LocalApiProcess) -> None:
    reply = post_json(paused_api.base_url + "v2/translate", DEEPL)
    assert (reply.status, reply.headers["Retry-After"], reply.headers["X-Service-State"]) == (503, "120", "paused")
    assert "paused to save cost" in reply.json()["message"]


def test_local_paused_server_prints_how_it_comes_back(paused_api: LocalApiProcess) -> None:
    assert "the endpoint is paused: requests get 503 until you POST" in "".join(paused_api.stdout)


def test_concurrent_requests_to_a_waking_server_start_one_resume(waking_api: LocalApiProcess) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(lambda _: post_json(waking_api.translate_url, OURS), range(6), timeout=60))
    assert {(reply.status, reply.headers["X-Service-State"]) for reply in replies} == {(503, "starting")}
    # The time the stand-in's resume takes, less what has passed.
    assert all(0 < int(reply.headers["Retry-After"]) <= 120 for reply in replies)
    counters = waking_api.control_counters()
    assert (counters["resume_requests"], counters["resumes_started"]) == (1, 1)
    # A LibreTranslate client asking meanwhile is told the same, in its shape, and starts nothing more.
    libre = post_json(waking_api.translate_url, LIBRE)
    assert (libre.status, libre.headers["X-Service-State"]) == (503, "starting")
    assert libre.json()["error"].startswith("starting the model")
    deepl = post_json(waking_api.base_url + "v2/translate", DEEPL)
    assert (deepl.status, deepl.headers["X-Service-State"]) == (503, "starting")
    assert waking_api.control_counters()["resumes_started"] == 1
