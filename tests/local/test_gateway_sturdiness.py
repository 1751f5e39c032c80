"""The local API Gateway under abuse: refused methods, 200 connections at once, stalled clients, stage throttling."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scripts.local.api_gateway import MISSING_TOKEN_MESSAGE, THROTTLED_RETRY_AFTER_SECONDS, LocalApiGateway, TokenBucket
from stacks.api_contract import THROTTLED_MESSAGE, gateway_cors_headers, gateway_error_body
from tests.fixtures.local_api import http_call

ORIGINS = ("https://a.example", "https://b.example")
ORIGIN = "https://b.example"
# Every wait in this module ends by this many seconds, whatever the server does.
CLIENT_TIMEOUT = 30


class Answering:
    """A Lambda handler that answers 200 and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}'}


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lambda_handler() -> Answering:
    return Answering()


def _port(server: LocalApiGateway) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _request(server: LocalApiGateway, method: str, target: str, headers: dict[str, str] | None = None):
    """One request with any method (urllib refuses some); the response, read."""
    connection = http.client.HTTPConnection("127.0.0.1", _port(server), timeout=CLIENT_TIMEOUT)
    try:
        connection.request(method, target, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response, body
    finally:
        connection.close()


def _assert_gateway_cors(headers: http.client.HTTPMessage, origin: str) -> None:
    for name, value in gateway_cors_headers(ORIGINS, origin).items():
        assert headers[name] == value, name


# --- methods the API does not define ------------------------------------------------------------------------------


@pytest.fixture
def gateway(lambda_handler: Answering) -> Iterator[LocalApiGateway]:
    with LocalApiGateway(lambda_handler, cors_origins=ORIGINS, access_log=False) as server:
        yield server


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("PUT", "/translate"),
        ("DELETE", "/translate"),
        ("PATCH", "/translate"),
        ("HEAD", "/translate"),
        ("GET", "/translate"),
        ("POST", "/"),
        ("TRACE", "/translate"),
        ("TRACE", "/"),
        ("CONNECT", "127.0.0.1:443"),
        ("BREW", "/translate"),
        ("post", "/translate"),
    ],
)
def test_a_method_the_api_does_not_define_gets_the_gateway_403_with_cors(
    gateway: LocalApiGateway, lambda_handler: Answering, method: str, target: str
) -> None:
    response, body = _request(gateway, method, target, {"Origin": ORIGIN})
    assert response.status == 403
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert response.headers["Content-Type"] == "application/json"
    _assert_gateway_cors(response.headers, ORIGIN)
    if method == "HEAD":
        assert body == b""
        assert int(response.headers["Content-Length"]) == len(json.dumps(gateway_error_body(MISSING_TOKEN_MESSAGE)))
    else:
        assert json.loads(body) == gateway_error_body(MISSING_TOKEN_MESSAGE)
    assert lambda_handler.calls == 0


def test_the_connection_stays_usable_after_a_refused_method(gateway: LocalApiGateway) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", _port(gateway), timeout=CLIENT_TIMEOUT)
    try:
        connection.request("TRACE", "/translate")
        first = connection.getresponse()
        first.read()
        connection.request("GET", "/")
        second = connection.getresponse()
        assert (first.status, second.status, second.read()) == (403, 200, b'{"ok": true}')
    finally:
        connection.close()


# --- many connections at once -------------------------------------------------------------------------------------

CONNECTIONS = 200


def test_200_connections_opened_at_once_are_all_answered(gateway: LocalApiGateway, lambda_handler: Answering) -> None:
    ready = threading.Barrier(CONNECTIONS)

    def one_client(_: int) -> int:
        # Every client connects at the same moment, which is what overflows a short listen queue.
        ready.wait(timeout=CLIENT_TIMEOUT)
        connection = http.client.HTTPConnection("127.0.0.1", _port(gateway), timeout=CLIENT_TIMEOUT)
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        statuses = list(pool.map(one_client, range(CONNECTIONS), timeout=3 * CLIENT_TIMEOUT))
    # A reset or a refused connection would have raised in its client; every one got its answer.
    assert statuses == [200] * CONNECTIONS
    assert lambda_handler.calls == CONNECTIONS


# --- stalled clients ----------------------------------------------------------------------------------------------

STALLS = {
    "headers-unfinished": b"POST /translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty",
    "body-unfinished": b"POST /translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n" + b"x" * 10,
    "request-line-unfinished": b"POST /transl",
    "nothing-sent": b"",
}


def _stalled(server: LocalApiGateway, sent: bytes) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", _port(server)), timeout=CLIENT_TIMEOUT)
    client.sendall(sent)
    return client


def _closed_by_server(client: socket.socket, within: float) -> bool:
    """Whether the server closes the connection (with no answer) within that many seconds."""
    client.settimeout(within)
    try:
        return client.recv(1024) == b""
    except ConnectionError:
        return True
    except TimeoutError:
        return False


@pytest.mark.parametrize("sent", STALLS.values(), ids=STALLS.keys())
def test_a_stalled_connection_is_closed_unanswered_after_its_timeout(lambda_handler: Answering, sent: bytes) -> None:
    with LocalApiGateway(lambda_handler, access_log=False, request_timeout=0.3, idle_timeout=0.3) as server:
        client = _stalled(server, sent)
        try:
            assert _closed_by_server(client, CLIENT_TIMEOUT)
        finally:
            client.close()
    assert lambda_handler.calls == 0


def test_a_client_that_trickles_its_headers_is_closed_at_the_request_timeout(lambda_handler: Answering) -> None:
    # A byte every 50 ms keeps each read short: only a deadline for the whole request ends it.
    headers = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"s" * 200
    with LocalApiGateway(lambda_handler, access_log=False, request_timeout=0.3, idle_timeout=60) as server:
        client = _stalled(server, b"")
        try:
            closed = False
            for byte in headers:
                try:
                    client.sendall(bytes([byte]))
                except ConnectionError:
                    closed = True
                    break
                time.sleep(0.05)
            # 200 bytes take at least 10 s to trickle, far past the 0.3 s the request is allowed.
            assert closed or _closed_by_server(client, CLIENT_TIMEOUT)
        finally:
            client.close()
    assert lambda_handler.calls == 0


def test_stalled_connections_do_not_hold_up_the_others(lambda_handler: Answering) -> None:
    with LocalApiGateway(lambda_handler, access_log=False, request_timeout=60, idle_timeout=60) as server:
        stalled = [_stalled(server, sent) for sent in STALLS.values() for _ in range(3)]
        try:
            for _ in range(20):
                assert http_call("GET", server.base_url).status == 200
            # Still open: the others were answered while they stalled, not after they were dropped.
            for client in stalled:
                assert not _closed_by_server(client, 0.01)
        finally:
            for client in stalled:
                client.close()
    assert lambda_handler.calls == 20


def _connection_threads(before: set[int]) -> int:
    return sum(1 for thread in threading.enumerate() if thread.ident not in before and "process_request" in thread.name)


def test_connection_threads_are_bounded_and_waiting_clients_are_served_later(lambda_handler: Answering) -> None:
    before = {thread.ident for thread in threading.enumerate()}
    with LocalApiGateway(lambda_handler, access_log=False, max_connections=3, idle_timeout=60) as server:
        idle = [_stalled(server, b"") for _ in range(6)]
        try:
            deadline = time.monotonic() + CLIENT_TIMEOUT
            while _connection_threads(before) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.3)
            assert _connection_threads(before) == 3
        finally:
            for client in idle:
                client.close()
        # The slots freed, the clients that waited in the listen queue were taken and let go, and a new one is served.
        assert http_call("GET", server.base_url).status == 200


def test_timeouts_and_connection_limits_must_be_positive(lambda_handler: Answering) -> None:
    with pytest.raises(ValueError, match="timeouts"):
        LocalApiGateway(lambda_handler, request_timeout=0)
    with pytest.raises(ValueError, match="max_connections"):
        LocalApiGateway(lambda_handler, max_connections=0)


# --- stage throttling ---------------------------------------------------------------------------------------------


def test_the_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token at 2 per second
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 100  # refills up to the burst, no further
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_a_bucket_with_rate_0_passes_its_burst_only() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=0, burst=1, clock=clock)
    clock.now += 3600
    assert [bucket.take(), bucket.take()] == [True, False]


@pytest.mark.parametrize(("rate", "burst"), [(-1, 1), (1, 0)])
def test_a_bucket_refuses_impossible_limits(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="throttling"):
        TokenBucket(rate=rate, burst=burst)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def throttled(lambda_handler: Answering, clock: FakeClock) -> Iterator[LocalApiGateway]:
    with LocalApiGateway(lambda_handler, cors_origins=ORIGINS, access_log=False, throttle_rate=1, throttle_burst=2,
                         clock=clock) as server:  # fmt: skip
        yield server


def test_past_the_burst_the_stage_answers_429_with_retry_after_and_cors(
    throttled: LocalApiGateway, lambda_handler: Answering, clock: FakeClock
) -> None:
    assert [http_call("GET", throttled.base_url).status for _ in range(2)] == [200, 200]
    refused = http_call("POST", f"{throttled.base_url}translate", '{"text": "Hi."}', {"Origin": ORIGIN})
    assert refused.status == 429
    assert refused.json() == gateway_error_body(THROTTLED_MESSAGE)
    assert refused.headers["Retry-After"] == str(THROTTLED_RETRY_AFTER_SECONDS)
    assert refused.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    _assert_gateway_cors(refused.headers, ORIGIN)
    assert lambda_handler.calls == 2
    clock.now += 1
    assert http_call("GET", throttled.base_url).status == 200
    assert lambda_handler.calls == 3


def test_throttling_counts_preflights_but_not_undefined_routes(
    throttled: LocalApiGateway, lambda_handler: Answering
) -> None:
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    assert [http_call("OPTIONS", f"{throttled.base_url}translate", headers=preflight).status for _ in range(3)] == [
        204,
        204,
        429,
    ]
    # An undefined route is refused before throttling, whatever the bucket holds.
    assert http_call("GET", f"{throttled.base_url}nowhere").status == 403
    assert lambda_handler.calls == 0


def test_throttling_needs_both_settings(lambda_handler: Answering) -> None:
    with pytest.raises(ValueError, match="both"):
        LocalApiGateway(lambda_handler, throttle_rate=10)


# --- requests refused before routing ------------------------------------------------------------------------------


def _raw_exchange(server: LocalApiGateway, raw: bytes) -> tuple[int, http.client.HTTPMessage, bytes]:
    client = socket.create_connection(("127.0.0.1", _port(server)), timeout=CLIENT_TIMEOUT)
    try:
        client.sendall(raw)
        response = http.client.HTTPResponse(client)
        response.begin()
        return response.status, response.headers, response.read()
    finally:
        client.close()


MALFORMED = {
    "bad-request-line": (b"NONSENSE\r\n\r\n", 400),
    "chunked-body": (
        b"POST /translate HTTP/1.1\r\nOrigin: https://b.example\r\nTransfer-Encoding: chunked\r\n\r\n",
        411,
    ),
    "length-not-a-number": (
        b"POST /translate HTTP/1.1\r\nOrigin: https://b.example\r\nContent-Length: ten\r\n\r\n",
        400,
    ),
    "too-long": (b"POST /translate HTTP/1.1\r\nOrigin: https://b.example\r\nContent-Length: 99999999\r\n\r\n", 413),
    "too-many-headers": (b"GET / HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n", 431),
}


@pytest.mark.parametrize(("raw", "status"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_request_refused_before_routing_gets_json_in_the_gateway_shape(
    gateway: LocalApiGateway, lambda_handler: Answering, raw: bytes, status: int
) -> None:
    answered, headers, body = _raw_exchange(gateway, raw)
    assert answered == status
    document = json.loads(body)
    assert document["message"] and document == gateway_error_body(document["message"])
    assert headers["Connection"] == "close"
    if b"Origin: " + ORIGIN.encode() in raw:
        _assert_gateway_cors(headers, ORIGIN)
    assert lambda_handler.calls == 0


def test_the_access_log_keeps_no_query_string(lambda_handler: Answering, capsys: pytest.CaptureFixture[str]) -> None:
    # LibreTranslate clients may send every field, the key and the text included, in the query string.
    with LocalApiGateway(lambda_handler, access_log=True) as server:
        reply = http_call("POST", f"{server.base_url}translate?api_key=s3cret-key&q=Private+words", "")
    logged = capsys.readouterr().err
    assert reply.status == 200
    assert '"POST /translate" 200' in logged
    assert "s3cret-key" not in logged and "Private" not in logged
