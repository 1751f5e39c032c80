"""The web page in headless Chromium, served by the local API with the stand-in model under the /prod/ stage path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from scripts.local_api import STAND_IN_NOTICE
from tests.fixtures.local_api import LocalApiProcess, post_json

PAGE_FILE = Path(__file__).resolve().parent.parent / "lambda" / "translate" / "static" / "index.html"
pytestmark = pytest.mark.browser


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


def test_the_api_error_message_is_shown_in_plain_words(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    stand_in_api.fail_next("ModelError", count=5)
    expected = post_json(stand_in_api.translate_url, {"text": "Hello."}).json()["message"]
    stand_in_api.fail_next("ModelError", count=5)
    _open(browser_page, stand_in_api)
    browser_page.get_by_label("English text").fill("Hello.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.get_by_role("alert")).to_have_text(expected)
    expect(browser_page.locator("#result")).to_have_text("")
    expect(browser_page.get_by_role("button", name="Translate")).to_be_enabled()


def test_a_network_failure_is_explained(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    _open(browser_page, stand_in_api)
    browser_page.route("**/translate", lambda route: route.abort("internetdisconnected"))
    browser_page.get_by_label("English text").fill("Hello.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.get_by_role("alert")).to_contain_text("Could not reach the translation service")


def test_an_error_without_a_message_names_the_status(browser_page: Page, stand_in_api: LocalApiProcess) -> None:
    def gateway_timeout(route: Route) -> None:
        route.fulfill(status=504, content_type="text/plain", body="upstream timed out")

    _open(browser_page, stand_in_api)
    browser_page.route("**/translate", gateway_timeout)
    browser_page.get_by_label("English text").fill("Hello.")
    browser_page.get_by_role("button", name="Translate").click()
    expect(browser_page.get_by_role("alert")).to_contain_text("HTTP 504")


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
