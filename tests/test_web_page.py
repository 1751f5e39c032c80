"""The web page in headless Chromium, served by the local API with the stand-in model under the /prod/ stage path."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response, Route, expect
from translator import api_keys

from scripts.local.container_stand_in import STAND_IN_NOTICE
from tests.fixtures.local_api import KEY, LocalApiProcess, post_json, running_local_api

PAGE_FILE = Path(__file__).resolve().parent.parent / "lambda" / "translate" / "static" / "index.html"
pytestmark = pytest.mark.browser
# What the page says instead of the gateway's or the endpoint's own words.
UNREACHABLE = "This page cannot reach the translation API. Open the page from the API's own address, then try again."
BUSY = "The service is busy; try again in a moment."
MODEL_FAILED = "The translation model failed on this text. Try again, or try a shorter or simpler text."
TOO_SLOW = "The translation took too long. Try again, or try a shorter text."
SERVER_FAULT = "The translation service had a problem. Please try again later."


def _open(page: Page, api: LocalApiProcess) -> None:
    page.goto(api.base_url)
    expect(page.get_by_role("heading")).to_contain_text("German")


def test_type_click_and_read_the_translation(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    requests: list[str] = []
    browser_page.on("request", lambda request: requests.append(request.url))
    _open(browser_page, stand_in_api)
    browser_page.get_by_label("English text").fill("I love you, too.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.locator("#result")).to_have_text("Ich liebe du, auch.")
    expect(browser_page.get_by_role("alert")).to_be_hidden()
    # The stand-in says what it is on the page, not only in the terminal.
    expect(browser_page.locator("#stand-in")).to_contain_text(STAND_IN_NOTICE)
    # Same origin, relative to the page: under the stage path, as on the deployed API; nothing fetched from elsewhere.
    assert stand_in_api.translate_url in requests
    assert all(url.startswith(stand_in_api.base_url) for url in requests), requests


def test_ctrl_enter_translates(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    _open(browser_page, stand_in_api)
    box = browser_page.get_by_label("English text")
    box.fill("The cat is black.")
    box.press("Control+Enter")
    expect(browser_page.locator("#result")).to_have_text("Die Katze ist schwarz.")


def test_the_stage_url_without_a_trailing_slash_translates(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    # API Gateway serves the page at .../prod as well as .../prod/; the API must still resolve under the stage.
    requests: list[str] = []
    browser_page.on("request", lambda request: requests.append(request.url))
    browser_page.goto(stand_in_api.base_url.removesuffix("/"))
    browser_page.get_by_label("English text").fill("The cat is black.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.locator("#result")).to_have_text("Die Katze ist schwarz.")
    expect(browser_page.get_by_role("alert")).to_be_hidden()
    assert stand_in_api.translate_url in requests
    assert stand_in_api.base_url + "languages" in requests


def test_the_stand_in_is_named_before_any_translation(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    posted: list[str] = []
    browser_page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    _open(browser_page, stand_in_api)
    expect(browser_page.locator("#stand-in")).to_contain_text(STAND_IN_NOTICE)
    assert posted == []


def test_ctrl_enter_while_translating_sends_no_second_request(
    browser_page: Page, stand_in_api: LocalApiProcess
) -> None:
    # fetch() runs synchronously inside the key handler, so counting calls in the page needs no waiting.
    browser_page.add_init_script(
        "window.posts = 0; const realFetch = window.fetch;"
        "window.fetch = function (resource, init) { if (init && init.method === 'POST') window.posts += 1;"
        " return realFetch.apply(this, arguments); };"
    )
    held: list[Route] = []
    browser_page.route("**/translate", lambda route: held.append(route) if not held else route.continue_())
    _open(browser_page, stand_in_api)
    box = browser_page.get_by_label("English text")
    box.fill("The cat is black.")
    box.press("Control+Enter")
    expect(browser_page.get_by_role("button")).to_be_disabled()
    box.press("Control+Enter")
    assert browser_page.evaluate("window.posts") == 1
    held[0].continue_()
    expect(browser_page.locator("#result")).to_have_text("Die Katze ist schwarz.")
    assert browser_page.evaluate("window.posts") == 1
    assert len(held) == 1


@pytest.mark.parametrize(
    ("code", "plain"), [("ModelError", MODEL_FAILED), ("ServiceUnavailable", BUSY), ("ThrottlingException", BUSY)]
)
def test_endpoint_errors_are_shown_in_plain_words(
    browser_page: Page, stand_in_api: LocalApiProcess, code: str, plain: str
) -> None:
    stand_in_api.fail_next(code, count=5)
    _open(browser_page, stand_in_api)
    browser_page.get_by_label("English text").fill("Hello.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.get_by_role("alert")).to_have_text(plain)
    expect(browser_page.locator("#result")).to_have_text("")
    expect(browser_page.get_by_role("button", name="Translate")).to_be_enabled()


@pytest.mark.parametrize(
    ("status", "message", "plain"),
    [
        (403, "Missing Authentication Token", UNREACHABLE),
        (403, "Forbidden", UNREACHABLE),
        (429, "Too Many Requests", BUSY),
        (504, "Endpoint request timed out", TOO_SLOW),
        (500, "internal error; quote request id 1234", SERVER_FAULT),
    ],
)
def test_gateway_errors_are_shown_in_plain_words(
    browser_page: Page, stand_in_api: LocalApiProcess, status: int, message: str, plain: str
) -> None:
    def gateway_error(route: Route) -> None:
        route.fulfill(status=status, content_type="application/json", body=json.dumps({"message": message}))

    _open(browser_page, stand_in_api)
    browser_page.route("**/translate", gateway_error)
    browser_page.get_by_label("English text").fill("Hello.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.get_by_role("alert")).to_have_text(plain)


def test_the_apis_message_for_the_user_is_kept(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    # The handler writes its 400 and 413 messages for the person typing: the page shows them as they are, and points
    # a text too long for one request to bulk translation.
    too_long = "Hello. " * 1000
    reply = post_json(stand_in_api.translate_url, {"text": too_long.strip()})
    assert reply.status == 413
    _open(browser_page, stand_in_api)
    browser_page.get_by_label("English text").fill(too_long)
    browser_page.get_by_role("button", name="Translate").click()
    alert = browser_page.get_by_role("alert")
    expect(alert).to_contain_text(reply.json()["message"])
    expect(alert).to_contain_text("make translate-batch")


def test_a_network_failure_is_explained(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    _open(browser_page, stand_in_api)
    browser_page.route("**/translate", lambda route: route.abort("internetdisconnected"))
    browser_page.get_by_label("English text").fill("Hello.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.get_by_role("alert")).to_contain_text("Could not reach the translation service")


def test_an_error_without_a_message_names_the_status(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    def refused(route: Route) -> None:
        route.fulfill(status=400, content_type="text/plain", body="bad request")

    _open(browser_page, stand_in_api)
    browser_page.route("**/translate", refused)
    browser_page.get_by_label("English text").fill("Hello.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.get_by_role("alert")).to_contain_text("HTTP 400")


def test_empty_text_is_refused_without_a_request(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    _open(browser_page, stand_in_api)
    posted: list[str] = []
    browser_page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.get_by_role("alert")).to_have_text("Type some English text first.")
    assert posted == []


def test_usable_on_a_phone(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    browser_page.set_viewport_size({"width": 360, "height": 740})
    _open(browser_page, stand_in_api)
    assert browser_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    button = browser_page.get_by_role("button", name="Translate").bounding_box()
    box = browser_page.get_by_label("English text").bounding_box()
    assert button and box
    assert button["height"] >= 44 and button["width"] >= 44
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    browser_page.get_by_label("English text").fill("Good morning.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.locator("#result")).to_have_text("Gut Morgen.")


def test_page_is_self_contained_and_accessible() -> None:
    html = PAGE_FILE.read_text(encoding="utf-8")
    # No CDN, fonts or images from elsewhere: the page must work offline and under any stage path.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"""fetch\(\s*["']/""", html)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'aria-live="polite"' in html
    assert 'role="alert"' in html
    assert '<label for="text">' in html


# --- A paused service, a starting one, and API keys --------------------------------------------------------------------

PAUSED_NOTICE = "The translation service is paused to save cost."
KEY_NEEDED = "This service needs an API key. Enter yours below, then translate again."


@pytest.fixture(scope="module")
def paused_api() -> Iterator[LocalApiProcess]:
    """The local API with its stand-in endpoint paused, and no wake on request."""
    with running_local_api("--stand-in", "--paused", "--port", "0", "--stage", "prod", "--quiet") as running:
        yield running


@pytest.fixture
def waking_api() -> Iterator[LocalApiProcess]:
    """The local API paused with wake on request; a resume takes 3 s (the page waits the Retry-After it is sent)."""
    with running_local_api(
        "--stand-in", "--wake", "--resume-seconds", "3", "--model-speed", "instant", "--port", "0", "--quiet"
    ) as running:
        yield running


def _translate(page: Page, api: LocalApiProcess, english: str) -> None:
    _open(page, api)
    page.get_by_label("English text").fill(english)
    page.get_by_role("button", name="Translate").click()


def test_a_paused_service_is_explained_and_the_text_kept(browser_page: Page, paused_api: LocalApiProcess) -> None:
    _translate(browser_page, paused_api, "The cat is black.")
    notice = browser_page.locator("#notice")
    expect(notice).to_contain_text(PAUSED_NOTICE)
    # The stand-in's resume takes 60 s by default: "about 1 minute" (a deployed one: about 10 minutes).
    expect(notice).to_contain_text("about 1 minute")
    expect(browser_page.get_by_role("alert")).to_be_hidden()
    expect(browser_page.get_by_label("English text")).to_have_value("The cat is black.")
    expect(browser_page.get_by_role("button", name="Translate")).to_be_enabled()


@pytest.mark.slow
def test_a_starting_model_is_waited_for_then_the_translation_shown(
    browser_page: Page, waking_api: LocalApiProcess
) -> None:
    posted: list[str] = []
    browser_page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    _translate(browser_page, waking_api, "The cat is black.")
    expect(browser_page.locator("#notice")).to_contain_text("Starting the model, about 1 minute")
    expect(browser_page.get_by_label("English text")).to_have_value("The cat is black.")
    # No click: the page asks again after Retry-After (3 s), once the stand-in's resume is over.
    expect(browser_page.locator("#result")).to_have_text("Die Katze ist schwarz.", timeout=30_000)
    expect(browser_page.locator("#notice")).to_be_hidden()
    assert len(posted) >= 2
    assert waking_api.control_counters()["resumes_started"] == 1


def test_the_wait_for_a_start_is_bounded(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    def starting(route: Route) -> None:
        route.fulfill(
            status=503,
            headers={"Retry-After": "60", "X-Service-State": "starting"},
            content_type="application/json",
            body=json.dumps({"message": "starting the model, about 1 minute; try again then"}),
        )

    browser_page.clock.install()
    _open(browser_page, stand_in_api)
    browser_page.route("**/translate", starting)
    browser_page.get_by_label("English text").fill("Hello.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.locator("#notice")).to_contain_text("Starting the model, about 1 minute")
    # The page's clock jumps past 20 minutes: the next try gives up with a message.
    browser_page.clock.fast_forward("20:30")
    expect(browser_page.get_by_role("alert")).to_have_text(
        "The model has not started after 20 minutes. Please try again later."
    )
    expect(browser_page.locator("#notice")).to_be_hidden()
    expect(browser_page.get_by_label("English text")).to_have_value("Hello.")


def _translate_posts(page: Page, api: LocalApiProcess) -> list[str | None]:
    """The Authorization header of every POST /translate the page sends from now on, as the browser sends it."""
    sent: list[str | None] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.headers.get("authorization"))
            if request.method == "POST" and request.url == api.translate_url
            else None
        ),
    )
    return sent


def _click_translate_and_get_answer(page: Page, api: LocalApiProcess) -> Response:
    """Click Translate and return the API's own answer to the POST it sends (bounded by the page's timeout)."""
    with page.expect_response(lambda response: response.url == api.translate_url) as answer:
        page.get_by_role("button", name="Translate").click()
    return answer.value


def _assert_key_refusal(response: Response, message: str) -> None:
    """The real handler's refusal (translator/errors.py Forbidden): 403, WWW-Authenticate: Bearer, its own message."""
    assert response.status == 403
    assert response.headers.get("www-authenticate") == "Bearer"
    assert response.json()["message"] == message


def test_an_api_key_is_asked_for_sent_and_remembered(browser_page: Page, keyed_api: LocalApiProcess) -> None:
    sent = _translate_posts(browser_page, keyed_api)
    _open(browser_page, keyed_api)
    expect(browser_page.get_by_label("API key")).to_be_hidden()
    browser_page.get_by_label("English text").fill("The cat is black.")
    # No key yet: the handler refuses, and only then does the page ask for one.
    _assert_key_refusal(_click_translate_and_get_answer(browser_page, keyed_api), api_keys.MISSING_KEY)
    expect(browser_page.get_by_role("alert")).to_have_text(KEY_NEEDED)
    key = browser_page.get_by_label("API key")
    expect(key).to_be_visible()
    key.fill(KEY)
    assert _click_translate_and_get_answer(browser_page, keyed_api).status == 200
    expect(browser_page.locator("#result")).to_have_text("Die Katze ist schwarz.")
    expect(browser_page.get_by_role("alert")).to_be_hidden()
    assert sent == [None, f"Bearer {KEY}"]
    assert browser_page.evaluate("localStorage.getItem('translate-api-key')") == KEY
    # Next visit: the key is there, and sent with the first request.
    browser_page.reload()
    expect(browser_page.get_by_label("API key")).to_have_value(KEY)
    browser_page.get_by_label("English text").fill("The cat is black.")
    assert _click_translate_and_get_answer(browser_page, keyed_api).status == 200
    expect(browser_page.locator("#result")).to_have_text("Die Katze ist schwarz.")
    assert sent == [None, f"Bearer {KEY}", f"Bearer {KEY}"]
    browser_page.evaluate("localStorage.removeItem('translate-api-key')")


def test_a_wrong_key_is_said_to_be_wrong(browser_page: Page, keyed_api: LocalApiProcess) -> None:
    sent = _translate_posts(browser_page, keyed_api)
    _open(browser_page, keyed_api)
    browser_page.evaluate("localStorage.setItem('translate-api-key', 'old-key')")
    browser_page.reload()
    expect(browser_page.get_by_label("API key")).to_have_value("old-key")
    browser_page.get_by_label("English text").fill("Hello.")
    _assert_key_refusal(_click_translate_and_get_answer(browser_page, keyed_api), api_keys.INVALID_KEY)
    expect(browser_page.get_by_role("alert")).to_have_text(
        "The API key was not accepted. Check it, then translate again."
    )
    expect(browser_page.locator("#result")).to_have_text("")
    assert sent == ["Bearer old-key"]
    browser_page.evaluate("localStorage.removeItem('translate-api-key')")
