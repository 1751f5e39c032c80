"""LibreTranslate's API over HTTP through the local API server (stage /prod/), with raw requests and with a published client library."""

from __future__ import annotations

import json
import urllib.error
from urllib.parse import urlencode

import pytest
from libretranslatepy import LibreTranslateAPI
from urllib3 import encode_multipart_formdata

from tests.fixtures.local_api import LocalApiProcess, Reply, http_call, post_json

ORIGIN = "https://editor.example"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LANGUAGES = [{"code": "en", "name": "English", "targets": ["de"]}, {"code": "de", "name": "German", "targets": []}]
ENGLISH = {"confidence": 100.0, "language": "en"}


def libre_error(reply: Reply, status: int) -> str:
    """The message of a LibreTranslate-shaped error reply, after checking its status, shape and CORS header."""
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"].startswith("application/json")
    document = reply.json()
    assert set(document) == {"error"}, document
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    return document["error"]


def post_form(url: str, fields: dict[str, str] | list[tuple[str, str]]) -> Reply:
    return http_call("POST", url, urlencode(fields), {**FORM, "Origin": ORIGIN})


def post_multipart(url: str, fields: list[tuple[str, str]]) -> Reply:
    # What a browser's FormData sends (LibreTranslate's own web page does): multipart/form-data, a binary media type on our API.
    body, content_type = encode_multipart_formdata(fields)
    return http_call("POST", url, body, {"Content-Type": content_type, "Origin": ORIGIN})


# --- A published client library, unchanged ----------------------------------------------------------------------------


@pytest.mark.parametrize("trailing_slash", [True, False])
def test_libretranslatepy_translates_and_lists_languages(stand_in_api: LocalApiProcess, trailing_slash: bool) -> None:
    # libretranslatepy sends URL-encoded forms (translate, detect) and a GET with an empty form body (languages).
    client = LibreTranslateAPI(stand_in_api.base_url if trailing_slash else stand_in_api.base_url.rstrip("/"))
    assert client.translate("I love you, too.", "en", "de") == "Ich liebe du, auch."
    assert client.translate("Good morning.", "auto", "de") == "Gut Morgen."
    assert client.languages() == LANGUAGES
    assert client.detect("The cat is black.") == [ENGLISH]


def test_libretranslatepy_with_an_api_key_is_served_the_same(stand_in_api: LocalApiProcess) -> None:
    client = LibreTranslateAPI(stand_in_api.base_url, api_key="any-key")
    assert client.translate("Thank you.", "en", "de") == "Danke du."
    assert client.languages() == LANGUAGES
    assert client.detect("Hello") == [ENGLISH]


def test_libretranslatepy_sees_an_unsupported_pair_as_an_http_400_naming_our_pair(
    stand_in_api: LocalApiProcess,
) -> None:
    client = LibreTranslateAPI(stand_in_api.base_url)
    with pytest.raises(urllib.error.HTTPError) as raised:
        client.translate("Hello", "en", "es")
    with raised.value as error:
        assert error.code == 400
        assert "en -> de" in json.loads(error.read())["error"]


# --- The request shapes, over HTTP ------------------------------------------------------------------------------------


def test_json_request(stand_in_api: LocalApiProcess) -> None:
    reply = post_json(stand_in_api.translate_url, {"q": "Hello, world!", "source": "en", "target": "de", "format": "text", "api_key": ""},
                      {"Origin": ORIGIN})  # fmt: skip
    assert reply.status == 200, reply.body
    assert reply.json() == {"translatedText": "Hallo, Welt!"}
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_url_encoded_form_with_auto_detection(stand_in_api: LocalApiProcess) -> None:
    reply = post_form(
        stand_in_api.translate_url, {"q": "I love you, too.", "source": "auto", "target": "de", "format": "text"}
    )
    assert reply.status == 200, reply.body
    assert reply.json() == {"translatedText": "Ich liebe du, auch.", "detectedLanguage": ENGLISH}
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_multipart_form(stand_in_api: LocalApiProcess) -> None:
    reply = post_multipart(
        stand_in_api.translate_url, [("q", "The cat is black."), ("source", "en"), ("target", "de"), ("api_key", "")]
    )
    assert reply.status == 200, reply.body
    assert reply.json() == {"translatedText": "Die Katze ist schwarz."}
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_multipart_form_keeps_utf8_text_intact(stand_in_api: LocalApiProcess) -> None:
    # Non-ASCII bytes travel base64-encoded through the gateway and come back as the same characters.
    reply = post_multipart(stand_in_api.translate_url, [("q", "I love Zoë."), ("source", "en"), ("target", "de")])
    assert reply.status == 200, reply.body
    assert reply.json()["translatedText"] == "Ich liebe Zoë."


def test_q_as_a_json_list_gives_a_list(stand_in_api: LocalApiProcess) -> None:
    reply = post_json(
        stand_in_api.translate_url, {"q": ["Good morning.", "Thank you."], "source": "auto", "target": "de"}
    )
    assert reply.status == 200, reply.body
    assert reply.json() == {"translatedText": ["Gut Morgen.", "Danke du."], "detectedLanguage": [ENGLISH, ENGLISH]}


@pytest.mark.parametrize("send", [post_form, post_multipart], ids=["urlencoded", "multipart"])
def test_q_repeated_in_a_form_gives_a_list(stand_in_api: LocalApiProcess, send) -> None:
    reply = send(
        stand_in_api.translate_url, [("q", "Hello."), ("q", "Good night."), ("source", "en"), ("target", "de")]
    )
    assert reply.status == 200, reply.body
    assert reply.json() == {"translatedText": ["Hallo.", "Gut Nacht."]}


def test_html_format_keeps_the_markup(stand_in_api: LocalApiProcess) -> None:
    html = '<p class="intro">Hello, <b>world</b>!</p><script>var s = "the car";</script>'
    reply = post_json(stand_in_api.translate_url, {"q": html, "source": "en", "target": "de", "format": "html"})
    assert reply.status == 200, reply.body
    assert reply.json() == {
        "translatedText": '<p class="intro">Hallo, <b>Welt</b>!</p><script>var s = "the car";</script>'
    }


def test_languages(stand_in_api: LocalApiProcess) -> None:
    reply = http_call("GET", stand_in_api.base_url + "languages", headers={"Origin": ORIGIN})
    assert reply.status == 200, reply.body
    assert reply.json() == LANGUAGES
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("send", [post_form, post_multipart, lambda url, fields: post_json(url, dict(fields), {"Origin": ORIGIN})],
                         ids=["urlencoded", "multipart", "json"])  # fmt: skip
def test_detect(stand_in_api: LocalApiProcess, send) -> None:
    reply = send(stand_in_api.base_url + "detect", [("q", "The weather is good today.")])
    assert reply.status == 200, reply.body
    assert reply.json() == [ENGLISH]
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_detect_without_q_is_refused(stand_in_api: LocalApiProcess) -> None:
    assert "missing q" in libre_error(post_form(stand_in_api.base_url + "detect", {"text": "Hello"}), 400)


# --- Refusals and failures in LibreTranslate's error shape ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "pair"),
    [
        ({"q": "Hallo Welt", "source": "de", "target": "en"}, "de -> en"),
        ({"q": "Bonjour", "source": "fr", "target": "de"}, "fr -> de"),
        ({"q": "Hello", "source": "en", "target": "fr"}, "en -> fr"),
        ({"q": "Hello", "source": "auto", "target": "es"}, "auto -> es"),
    ],
)
@pytest.mark.parametrize("as_form", [True, False], ids=["form", "json"])
def test_unsupported_pair_is_refused_naming_the_pair_we_serve(stand_in_api: LocalApiProcess, fields: dict[str, str], pair: str,
                                                              as_form: bool) -> None:  # fmt: skip
    url = stand_in_api.translate_url
    reply = post_form(url, fields) if as_form else post_json(url, fields, {"Origin": ORIGIN})
    message = libre_error(reply, 400)
    assert f"{pair} is not supported" in message
    assert "en -> de only" in message


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"source": "en", "target": "de"}, "missing q"),
        ({"q": "", "source": "en", "target": "de"}, "q is empty"),
        (
            {"q": "Hello", "source": "en", "target": "de", "format": "pdf"},
            "format 'pdf' is not supported; use one of: text, html",
        ),
        ({"q": "word " * 1100, "source": "en", "target": "de"}, "at most 5000"),
    ],
    ids=["no-q", "empty-q", "format", "too-long"],
)
def test_bad_form_requests_are_refused_with_the_reason(
    stand_in_api: LocalApiProcess, fields: dict[str, str], needle: str
) -> None:
    assert needle in libre_error(post_form(stand_in_api.translate_url, fields), 400)


def test_unknown_format_in_json_reaches_the_lambda_and_gets_libretranslates_shape(
    stand_in_api: LocalApiProcess,
) -> None:
    # The gateway's model leaves format to the Lambda, so a JSON client reads the reason in "error" too.
    reply = post_json(
        stand_in_api.translate_url,
        {"q": "Hello", "source": "en", "target": "de", "format": "markdown"},
        {"Origin": ORIGIN},
    )
    assert "format 'markdown' is not supported" in libre_error(reply, 400)


def test_throttled_endpoint_is_429_with_retry_after(stand_in_api: LocalApiProcess) -> None:
    stand_in_api.fail_next("ThrottlingException", count=5)
    reply = post_form(stand_in_api.translate_url, {"q": "Hello", "source": "en", "target": "de"})
    assert libre_error(reply, 429)
    assert int(reply.headers["Retry-After"]) > 0
    # A browser may only read Retry-After on a cross-origin answer when it is exposed.
    assert "Retry-After" in reply.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(
    # LibreTranslate answers 500 when translating failed; 503 (unavailable) keeps its Retry-After.
    ("code", "status"),
    [("ModelError", 500), ("ServiceUnavailable", 503), ("InternalFailure", 500)],
)
def test_model_or_endpoint_failure_is_5xx(stand_in_api: LocalApiProcess, code: str, status: int) -> None:
    stand_in_api.fail_next(code, count=5)
    reply = post_json(stand_in_api.translate_url, {"q": "Hello", "source": "en", "target": "de"}, {"Origin": ORIGIN})
    assert libre_error(reply, status)


def test_every_field_in_the_query_string_of_an_empty_post(stand_in_api: LocalApiProcess) -> None:
    query = urlencode({"q": "Thank you.", "source": "en", "target": "de", "format": "text", "api_key": ""})
    # No Content-Type and no body, a JSON type with no body, and an empty form: each reads the query string.
    for headers in ({}, {"Content-Type": "application/json"}, FORM):
        reply = http_call("POST", f"{stand_in_api.translate_url}?{query}", b"", {**headers, "Origin": ORIGIN})
        assert reply.status == 200, (headers, reply.body)
        assert reply.json() == {"translatedText": "Danke du."}
    refused = http_call("POST", f"{stand_in_api.translate_url}?q=Hello&target=fr", b"", {"Origin": ORIGIN})
    assert "en -> de" in libre_error(refused, 400)


def test_alternatives_are_an_empty_list(stand_in_api: LocalApiProcess) -> None:
    reply = post_form(
        stand_in_api.translate_url, {"q": "Thank you.", "source": "en", "target": "de", "alternatives": "3"}
    )
    assert reply.json() == {"translatedText": "Danke du.", "alternatives": []}


def test_frontend_settings_and_features_we_do_not_offer(stand_in_api: LocalApiProcess) -> None:
    settings = http_call("GET", stand_in_api.base_url + "frontend/settings", None, {"Origin": ORIGIN})
    assert settings.status == 200
    assert settings.json()["keyRequired"] is False and settings.json()["supportedFilesFormat"] == []
    suggest = post_form(stand_in_api.base_url + "suggest", {"q": "Hi", "s": "Hallo", "source": "en", "target": "de"})
    assert libre_error(suggest, 403) == "Suggestions are disabled on this server."


def test_preflight_for_a_form_post_from_another_origin(stand_in_api: LocalApiProcess) -> None:
    for path in ("translate", "detect", "languages"):
        reply = http_call(
            "OPTIONS", stand_in_api.base_url + path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
        )
        assert reply.status == 204
        assert reply.headers["Access-Control-Allow-Origin"] == "*"


# --- The native contract beside it -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"text": "Hello, world!"}, {"translation": "Hallo, Welt!", "sentences": 1}),
        ({"texts": ["Good morning.", "Thank you."]}, {"translations": ["Gut Morgen.", "Danke du."], "sentences": 2}),
        ({"sentences": [{"query": "I love you, too."}]}, {"predictions": [{"target": "Ich liebe du, auch."}]}),
    ],
    ids=["text", "texts", "sentences"],
)
def test_native_contract_still_works(stand_in_api: LocalApiProcess, document: dict, expected: dict) -> None:
    reply = post_json(stand_in_api.translate_url, document)
    assert reply.status == 200, reply.body
    assert reply.json() == expected


def test_native_errors_keep_their_shape(stand_in_api: LocalApiProcess) -> None:
    stand_in_api.fail_next("ThrottlingException", count=5)
    reply = post_json(stand_in_api.translate_url, {"text": "Hello"})
    assert reply.status == 503 and set(reply.json()) == {"message"}


# --- A browser on another origin, as a web editor or LibreTranslate's own page would call us ------------------------------

BROWSER_CALLS = """async ([base]) => {
    const form = new FormData();
    form.append("q", "I love you, too.");
    form.append("source", "auto");
    form.append("target", "de");
    const asForm = await fetch(base + "translate", {method: "POST", body: form});
    const asJson = await fetch(base + "translate", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({q: ["Hello, world!"], source: "en", target: "de"}),
    });
    const refused = await fetch(base + "translate", {method: "POST", body: new URLSearchParams({q: "Hallo", source: "de", target: "en"})});
    const languages = await fetch(base + "languages");
    return {
        form: [asForm.status, await asForm.json()],
        json: [asJson.status, await asJson.json()],
        refused: [refused.status, await refused.json()],
        languages: [languages.status, await languages.json()],
        types: [asForm.type, asJson.type, refused.type, languages.type],
    };
}"""


@pytest.mark.browser
def test_a_browser_on_another_origin_reads_every_answer(browser_page, stand_in_api: LocalApiProcess) -> None:
    # The page comes from http://localhost:PORT and calls http://127.0.0.1:PORT: another origin, so without the CORS headers
    # (and, for JSON, the preflight) fetch() would reject. Both are loopback, so Chromium's local-network rules stay out of it.
    page_url = stand_in_api.base_url.replace("://127.0.0.1:", "://localhost:")
    browser_page.goto(page_url)
    results = browser_page.evaluate(BROWSER_CALLS, [stand_in_api.base_url])
    assert results["form"] == [200, {"translatedText": "Ich liebe du, auch.", "detectedLanguage": ENGLISH}]
    assert results["json"] == [200, {"translatedText": ["Hallo, Welt!"]}]
    assert results["refused"][0] == 400 and "de -> en is not supported" in results["refused"][1]["error"]
    assert results["languages"] == [200, LANGUAGES]
    # "cors": the browser made cross-origin requests and accepted the answers' CORS headers.
    assert set(results["types"]) == {"cors"}
