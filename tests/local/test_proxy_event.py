"""scripts/local/proxy_event.py: HTTP requests as API Gateway REST proxy events, and proxy results as HTTP responses."""

from __future__ import annotations

import base64

import pytest

from scripts.local.proxy_event import HttpResponse, http_response, is_binary, proxy_event


@pytest.mark.parametrize(
    ("content_type", "binary"),
    [
        ("multipart/form-data", True),
        ("Multipart/Form-Data; boundary=x", True),
        ("multipart/mixed", False),
        ("", False),
        (None, False),
    ],
)
def test_binary_media_types_match_on_the_media_type(content_type: str | None, binary: bool) -> None:
    assert is_binary(content_type) is binary
    assert is_binary("image/png", ["image/*"]) and is_binary("application/json", ["*/*"])


def event(**overrides):
    request = {
        "method": "POST",
        "target": "/translate?a=1&a=2&b=",
        "headers": [("Host", "127.0.0.1:3000"), ("X-Many", "one"), ("X-Many", "two"), ("User-Agent", "t")],
        "body": b"",
        "resource": "/translate",
        "path_parameters": None,
        "stage": "prod",
        "source_ip": "127.0.0.1",
    }
    return proxy_event(**{**request, **overrides})


def test_repeated_names_keep_the_last_value_and_every_value():
    made = event()
    assert made["headers"]["X-Many"] == "two"
    assert made["multiValueHeaders"]["X-Many"] == ["one", "two"]
    assert made["queryStringParameters"] == {"a": "2", "b": ""}
    assert made["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert made["path"] == "/translate" and made["requestContext"]["path"] == "/prod/translate"
    assert made["requestContext"]["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "t"}
    assert made["body"] is None and made["isBase64Encoded"] is False


def test_query_parameters_arrive_decoded_as_api_gateway_decodes_them():
    # A LibreTranslate client's POST with every field in the query string and an empty body.
    made = event(target="/translate?q=Hello+world%21&source=en&target=de&format=text&api%5Fkey=a%2Bb&alternatives")
    assert made["queryStringParameters"] == {
        "q": "Hello world!",
        "source": "en",
        "target": "de",
        "format": "text",
        "api_key": "a+b",
        "alternatives": "",
    }
    assert made["multiValueQueryStringParameters"]["q"] == ["Hello world!"]
    assert made["body"] is None
    repeated = event(target="/v2/translate?text=One.&text=Two%20too.&target_lang=DE")
    assert repeated["queryStringParameters"] == {"text": "Two too.", "target_lang": "DE"}
    assert repeated["multiValueQueryStringParameters"] == {"text": ["One.", "Two too."], "target_lang": ["DE"]}
    assert repeated["path"] == "/v2/translate"


def test_a_binary_body_is_base64_and_any_other_is_utf8_text():
    raw = b"\xff\x00form"
    binary = event(headers=[("Content-Type", "multipart/form-data; boundary=b")], body=raw)
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == raw
    text = event(headers=[("Content-Type", "text/plain")], body="café".encode() + b"\xff")
    assert text["isBase64Encoded"] is False and text["body"] == "café\ufffd"


def test_multi_value_headers_come_first_then_single_ones_not_already_given():
    result = {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "set-cookie": "ignored"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": '{"ok": true}',
    }
    assert http_response(result) == HttpResponse(
        status=201,
        headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Type", "application/json")],
        body=b'{"ok": true}',
    )


def test_a_base64_body_is_decoded_and_a_missing_one_is_empty():
    assert http_response({"statusCode": 200, "body": "AAE=", "isBase64Encoded": True}).body == b"\x00\x01"
    assert http_response({"statusCode": 204}).body == b""


@pytest.mark.parametrize(
    ("result", "error"),
    [
        ({"statusCode": "200"}, TypeError),
        ({"statusCode": True}, TypeError),
        ([], TypeError),
        ({"statusCode": 200, "multiValueHeaders": {"A": "b"}}, TypeError),
        ({"statusCode": 200, "body": 5}, ValueError),
        ({"statusCode": 200, "body": "not base64!", "isBase64Encoded": True}, ValueError),
    ],
)
def test_a_malformed_result_is_refused(result, error):
    with pytest.raises(error):
        http_response(result)
