"""The request body, read once: base64, the size limit, forms and JSON, and the errors before the API is known."""

from __future__ import annotations

import base64
import json

import pytest
from translator.errors import BadRequest, TooLarge
from translator.limits import MAX_REQUEST_BODY_BYTES
from translator.request_body import read_body


def fields(body: str, content_type: str | None) -> object:
    return read_body(body, base64_encoded=False, content_type=content_type).document


def test_read_fields_from_json_urlencoded_and_multipart() -> None:
    assert fields('{"q": ["a", "b"]}', "application/json") == {"q": ["a", "b"]}
    assert fields("q=Hello%2C+world&q=Hi&target=de", "application/x-www-form-urlencoded; charset=utf-8") == {
        "q": ["Hello, world", "Hi"],
        "target": "de",
    }
    body = '--b\r\nContent-Disposition: form-data; name="q"\r\n\r\nHällo\r\n--b--\r\n'
    assert fields(body, "multipart/form-data; boundary=b") == {"q": "Hällo"}
    # One parser for every body: what is not a form is read as JSON, and the reason names JSON.
    with pytest.raises(BadRequest, match="not valid JSON"):
        fields("q=1", "text/plain")


def test_a_form_is_known_by_its_media_type_whatever_its_spelling() -> None:
    body = read_body("q=1", base64_encoded=False, content_type="Application/X-WWW-Form-Urlencoded ; charset=utf-8")
    assert body.is_form and body.document == {"q": "1"}
    assert not read_body("{}", base64_encoded=False, content_type="application/json").is_form


@pytest.mark.parametrize("raw", [None, ""])
def test_an_empty_json_body_is_none_and_an_empty_form_has_no_fields(raw) -> None:
    assert read_body(raw, base64_encoded=False, content_type="application/json").document is None
    assert read_body("  \n ", base64_encoded=False, content_type="application/json").document is None
    assert read_body(raw, base64_encoded=False, content_type="application/x-www-form-urlencoded").document == {}


def test_base64_bodies_are_decoded_and_bad_base64_is_refused() -> None:
    encoded = base64.b64encode(json.dumps({"text": "Hällo"}).encode()).decode()
    assert read_body(encoded, base64_encoded=True, content_type=None).document == {"text": "Hällo"}
    for raw in ("abc", base64.b64encode(b"\xff\xfe").decode()):
        with pytest.raises(BadRequest, match="not valid base64 of UTF-8 text"):
            read_body(raw, base64_encoded=True, content_type=None)


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_the_size_limit_counts_utf8_bytes_once_for_every_kind_of_body(content_type) -> None:
    text = "ä" * ((MAX_REQUEST_BODY_BYTES - 12) // 2)
    body = json.dumps({"q": text}, ensure_ascii=False) if "json" in content_type else f"q={text}"
    assert len(body.encode()) <= MAX_REQUEST_BODY_BYTES
    assert read_body(body, base64_encoded=False, content_type=content_type).document == {"q": text}
    with pytest.raises(TooLarge, match=f"over {MAX_REQUEST_BODY_BYTES} bytes"):
        read_body(body + "ä" * 8, base64_encoded=False, content_type=content_type)


def test_deeply_nested_json_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="nests JSON too deeply"):
        read_body("[" * 100_000 + "]" * 100_000, base64_encoded=False, content_type=None)
