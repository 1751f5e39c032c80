"""scripts/client/translate_api.py: one POST /translate against a server on 127.0.0.1, its errors, and URL checks."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from scripts.client.translate_api import TranslateError, api_url, translate, url_allowed


class Api:
    """What the server answers next (status, headers, body), and the JSON bodies it was sent."""

    def __init__(self) -> None:
        self.status, self.headers, self.body = 200, {}, b'{"translation": "Hallo."}'
        self.received: list[dict] = []


@pytest.fixture
def api() -> Iterator[tuple[str, Api]]:
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            state.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/prod/translate", state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_text_is_posted_as_json_and_the_translation_returned(api):
    url, state = api
    assert translate(url, "Hello.", timeout=5) == ("Hallo.", None)
    assert state.received == [{"text": "Hello."}]


def test_the_stand_in_notice_comes_back_beside_the_translation(api):
    url, state = api
    state.headers = {"X-Stand-In": "stand-in model"}
    assert translate(url, "Hello.", timeout=5) == ("Hallo.", "stand-in model")


@pytest.mark.parametrize(
    ("body", "said"),
    [(b'{"message": "Too many requests"}', "answered HTTP 429: Too many requests"), (b"<html>", "answered HTTP 429: ")],
)
def test_an_http_error_is_one_line_with_the_apis_message(api, body, said):
    url, state = api
    state.status, state.body = 429, body
    with pytest.raises(TranslateError) as failure:
        translate(url, "Hello.", timeout=5)
    assert str(failure.value).startswith(f"{url} {said}")


@pytest.mark.parametrize(
    ("body", "said"),
    [(b"<html>", "did not answer with JSON holding a translation"), (b'{"translation": 5}', "is not text")],
)
def test_an_answer_without_a_translation_is_refused(api, body, said):
    url, state = api
    state.body = body
    with pytest.raises(TranslateError, match=said):
        translate(url, "Hello.", timeout=5)


def test_an_unreachable_url_says_so():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TranslateError, match=f"cannot reach http://127.0.0.1:{port}/translate"):
        translate(f"http://127.0.0.1:{port}/translate", "Hello.", timeout=5)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://abc123.execute-api.us-east-1.amazonaws.com/prod/translate", True),
        ("http://127.0.0.1:3000/translate", True),
        ("ftp://example.com/translate", False),
        ("http://[::1", False),
        ("http://127.0.0.1:abc/translate", False),
        ("http://a..b/translate", False),
        ("http://exa mple.com/t", False),
        ("https:///no-host", False),
    ],
)
def test_only_http_urls_urllib_can_connect_to_are_allowed(url, allowed):
    assert url_allowed(url) is allowed


def test_the_url_comes_from_the_api_stacks_output(aws_env):
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"TranslateUrl": {"Value": "https://abc123.example/prod/translate"}},
    }
    boto3.client("cloudformation").create_stack(StackName="TranslateApi", TemplateBody=json.dumps(template))
    assert api_url() == "https://abc123.example/prod/translate"


def test_without_the_stack_the_error_says_to_pass_the_url(aws_env):
    with pytest.raises(TranslateError, match=r"TranslateApi.*; or pass --url$"):
        api_url()
