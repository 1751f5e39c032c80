"""LibreTranslate's API through the real Lambda handler: JSON, URL-encoded and multipart requests, languages, detect, errors."""

from __future__ import annotations

from urllib.parse import urlencode

import handler
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ORIGIN = "https://editor.example"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def header(response: dict, name: str) -> str | None:
    values = response["multiValueHeaders"].get(name)
    return values[0] if values else None


@pytest.fixture
def api(sagemaker_local, call_api, monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", ORIGIN)
    handler._app.cache_clear()
    yield call_api
    handler._app.cache_clear()


def test_json_request(api) -> None:
    response = api(
        "POST", "/translate", {"q": "Hello, world!", "source": "en", "target": "de", "format": "text", "api_key": ""}
    )
    assert response["statusCode"] == 200 and response["json"] == {"translatedText": "Hallo, Welt!"}


def test_url_encoded_form_with_auto_detection(api) -> None:
    body = urlencode({"q": "I love you, too.", "source": "auto", "target": "de"})
    response = api("POST", "/translate", body, headers={**FORM, "Origin": ORIGIN})
    assert response["json"] == {
        "translatedText": "Ich liebe du, auch.",
        "detectedLanguage": {"confidence": 100.0, "language": "en"},
    }
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN


def test_list_q_gives_a_list(api, sagemaker_local) -> None:
    response = api("POST", "/translate", {"q": ["Good morning.", "Thank you."], "source": "en", "target": "de"})
    assert response["json"] == {"translatedText": ["Gut Morgen.", "Danke du."]}
    assert sagemaker_local.runtime.invocations == 1


def test_repeated_form_field_is_a_list(api) -> None:
    body = urlencode([("q", "Hello."), ("q", "Good night."), ("source", "en"), ("target", "de")])
    assert api("POST", "/translate", body, headers=FORM)["json"] == {"translatedText": ["Hallo.", "Gut Nacht."]}


def test_multipart_form_base64_encoded(api) -> None:
    boundary = "----pytestboundary"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("q", "Hello, world!"), ("source", "en"), ("target", "de"))
    )
    body = parts + f"--{boundary}--\r\n"
    response = api(
        "POST",
        "/translate",
        body,
        base64_encoded=True,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response["json"] == {"translatedText": "Hallo, Welt!"}


def test_html_keeps_markup(api) -> None:
    html = '<p class="x">Hello, <b>world</b>!</p><script>var s = "the car";</script>'
    response = api("POST", "/translate", {"q": html, "source": "en", "target": "de", "format": "html"})
    assert (
        response["json"]["translatedText"] == '<p class="x">Hallo, <b>Welt</b>!</p><script>var s = "the car";</script>'
    )


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        (
            {"q": "Hallo", "source": "de", "target": "en"},
            "de -> en is not supported; this server translates en -> de only",
        ),
        ({"q": "Bonjour", "source": "fr", "target": "de"}, "fr -> de is not supported"),
        ({"q": "Hello", "source": "en"}, "en -> (none) is not supported"),
        ({"source": "en", "target": "de"}, "missing q parameter"),
        ({"q": "", "source": "en", "target": "de"}, "q is empty"),
        ({"q": [], "source": "en", "target": "de"}, "q is an empty list"),
        ({"q": "Hi", "source": "en", "target": "de", "format": "pdf"}, "format 'pdf' is not supported"),
        ({"q": "a" * 6000, "source": "en", "target": "de"}, "at most 5000"),
    ],
)
def test_errors_use_libretranslates_shape_and_status(api, fields, needle) -> None:
    # JSON carries a list or an empty q exactly; a body without q is only LibreTranslate's when sent as a form.
    if "q" in fields:
        response = api("POST", "/translate", fields, headers={"Origin": ORIGIN})
    else:
        response = api("POST", "/translate", urlencode(fields), headers={**FORM, "Origin": ORIGIN})
    assert response["statusCode"] == 400
    assert needle in response["json"]["error"] and "message" not in response["json"]
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN


def test_throttled_is_429_and_model_failure_is_502(api, sagemaker_local) -> None:
    sagemaker_local.runtime.fail_next("ThrottlingException", count=5)
    throttled = api("POST", "/translate", {"q": "Hello", "source": "en", "target": "de"})
    assert (throttled["statusCode"], header(throttled, "Retry-After")) == (429, "2") and throttled["json"]["error"]
    sagemaker_local.runtime.reset()
    sagemaker_local.runtime.fail_next("ModelError", count=5)
    failed = api("POST", "/translate", {"q": "Hello", "source": "en", "target": "de"})
    assert failed["statusCode"] == 502 and "error" in failed["json"]


def test_languages(api) -> None:
    response = api("GET", "/languages", headers={"Origin": ORIGIN})
    assert response["json"] == [
        {"code": "en", "name": "English", "targets": ["de"]},
        {"code": "de", "name": "German", "targets": []},
    ]
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN


def test_detect(api) -> None:
    assert api("POST", "/detect", urlencode({"q": "Hello"}), headers=FORM)["json"] == [
        {"confidence": 100.0, "language": "en"}
    ]
    missing = api("POST", "/detect", {"nothing": 1})
    assert missing["statusCode"] == 400 and "missing q" in missing["json"]["error"]


def test_the_native_contract_is_unchanged(api) -> None:
    assert api("POST", "/translate", {"text": "Hello, world!"})["json"] == {
        "translation": "Hallo, Welt!",
        "sentences": 1,
    }
    assert "message" in api("POST", "/translate", {"text": ""})["json"]


values = st.none() | st.booleans() | st.integers() | st.text(max_size=60) | st.lists(st.text(max_size=30), max_size=4)
fields = st.fixed_dictionaries(
    {"q": values},
    optional={
        "source": values,
        "target": st.sampled_from(["de", "en", "", "DE"]) | values,
        "format": st.sampled_from(["text", "html", "xml"]) | values,
        "api_key": values,
    },
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=fields, as_form=st.booleans(), path=st.sampled_from(["/translate", "/detect"]))
def test_no_libretranslate_request_makes_the_handler_crash_or_answer_5xx(api, document, as_form, path) -> None:
    if as_form:
        flat = {key: value for key, value in document.items() if isinstance(value, str | list)}
        response = api("POST", path, urlencode(flat, doseq=True), headers=FORM)
    else:
        response = api("POST", path, document)
    assert response["statusCode"] in (200, 400, 413), response["body"]
    if response["statusCode"] != 200:
        assert set(response["json"]) == {"error"}
