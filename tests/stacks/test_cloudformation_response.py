"""stacks/cloudformation_response.py: the PUT a custom resource owes CloudFormation, against a server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stacks.cloudformation_response import MAX_REASON, respond


@pytest.fixture
def response_url():
    """A pre-signed ResponseURL stand-in; yields its URL and the (method, path, headers, body) of each request."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(("PUT", self.path, dict(self.headers), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/signed?X-Amz-Signature=abc", received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def event(url, **extra):
    return {"ResponseURL": url, "StackId": "stack-1", "RequestId": "request-1", "LogicalResourceId": "Staged", **extra}


def test_success_is_put_with_the_events_ids_and_the_data(response_url):
    url, received = response_url
    respond(event(url), "SUCCESS", reason="done", physical_id="new-id", data={"Version": "0123456789abcdef"})
    ((method, path, headers, body),) = received
    assert (method, path) == ("PUT", "/signed?X-Amz-Signature=abc")
    # The URL is signed without a Content-Type: sending one would break the signature.
    assert headers.get("Content-Type", "") == ""
    assert body == {
        "Status": "SUCCESS",
        "Reason": "done",
        "PhysicalResourceId": "new-id",
        "StackId": "stack-1",
        "RequestId": "request-1",
        "LogicalResourceId": "Staged",
        "Data": {"Version": "0123456789abcdef"},
    }


def test_an_update_keeps_the_physical_id_cloudformation_gave(response_url):
    url, received = response_url
    respond(event(url, PhysicalResourceId="old-id"), "FAILED", reason="no", physical_id="new-id")
    ((_, _, _, body),) = received
    assert body["PhysicalResourceId"] == "old-id"
    assert body["Status"] == "FAILED" and body["Data"] == {}


def test_a_long_reason_is_cut_to_what_cloudformation_accepts(response_url):
    url, received = response_url
    respond(event(url), "FAILED", reason="x" * (MAX_REASON * 3), physical_id="id")
    ((_, _, headers, body),) = received
    assert body["Reason"] == "x" * MAX_REASON
    assert int(headers["Content-Length"]) < 4096
