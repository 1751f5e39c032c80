"""A local stand-in for the deployed REST API: routes, body validation, CORS and gateway errors, in front of the Lambda handler."""

from __future__ import annotations

import io
import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import fastjsonschema

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.limits import GATEWAY_TIMEOUT_SECONDS
from translator.media_types import media_type

from scripts.local.background_server import MAX_CONNECTIONS, BackgroundServer
from scripts.local.proxy_event import HttpResponse, http_response, proxy_event
from stacks.api_contract import (  # the deployed API's own contract, free of CDK imports
    BINARY_MEDIA_TYPES,
    CORS_ALLOW_HEADERS,
    CORS_ALLOW_METHODS,
    CORS_MAX_AGE_SECONDS,
    GATEWAY_MAX_BODY_BYTES,
    INVALID_BODY_MESSAGE,
    LAMBDA_TIMEOUT_SECONDS,
    OPENAPI_DOCUMENT,
    REQUEST_MODEL_CONTENT_TYPE,
    ROUTES,
    THROTTLED_MESSAGE,
    THROTTLED_RETRY_AFTER_SECONDS,
    VALIDATED_BODIES,
    gateway_cors_headers,
    gateway_error_body,
)

LambdaHandler = Callable[[dict[str, Any], Any], Any]
BodyValidator = Callable[[Any], Any]

# What API Gateway answers when its integration timeout passes before the function answers.
INTEGRATION_TIMEOUT_MESSAGE = "Endpoint request timed out"
# What API Gateway answers a method or resource the API does not define (through the Default4xx gateway response).
MISSING_TOKEN_MESSAGE = "Missing Authentication Token"
# A client has this long to send a whole request once its first byte arrived; then the connection is closed unanswered.
REQUEST_TIMEOUT_SECONDS = 30.0
# A kept-alive connection may wait this long for its next request; also the time to take a response off our hands.
IDLE_TIMEOUT_SECONDS = 60.0


def has_request_model(content_type: str | None) -> bool:
    """Whether API Gateway validates a body of this Content-Type: bodies of other types pass through unvalidated."""
    return media_type(content_type) in ("", REQUEST_MODEL_CONTENT_TYPE)


def request_body_validator(document: Path = OPENAPI_DOCUMENT) -> BodyValidator | None:
    """A validator for components.schemas.TranslateRequest (JSON Schema draft 4, as API Gateway uses), or None without the document."""
    if not document.is_file():
        return None
    openapi = json.loads(document.read_text(encoding="utf-8"))
    schema = openapi["components"]["schemas"]["TranslateRequest"]
    # Keeping the components beside the schema lets any "#/components/schemas/..." reference resolve.
    return fastjsonschema.compile(
        {"$schema": "http://json-schema.org/draft-04/schema#", **schema, "components": openapi["components"]}
    )


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    aws_request_id: str
    deadline: float
    function_name: str = "translate-local"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:translate-local"
    memory_limit_in_mb: int = 1024
    log_group_name: str = "/aws/lambda/translate-local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the (emulated) Lambda timeout."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class _Overran(Exception):
    """The handler did not answer within the function's or the gateway's timeout."""


class TokenBucket:
    """API Gateway's stage throttling: burst tokens at most, refilled at rate per second; one request takes one."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate < 0 or burst < 1:
            raise ValueError(f"throttling needs a rate from 0 and a burst from 1, not rate {rate} and burst {burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._filled_at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Whether a request may pass now (it then used a token)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + max(0.0, now - self._filled_at) * self.rate)
            self._filled_at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class _DeadlineReader(io.RawIOBase):
    """A socket's reading side that gives up (TimeoutError) once the connection's current deadline has passed.

    A per-recv socket timeout alone lets a client that sends a byte now and then hold a connection forever.
    """

    def __init__(self, connection: socket.socket, request_timeout: float, idle_timeout: float) -> None:
        super().__init__()
        self._connection = connection
        self._request_timeout = request_timeout
        self._idle_timeout = idle_timeout
        self._deadline: float | None = None
        self._awaiting_request = False
        # The client closed its side: a request the parser needed more of is unfinished, however it parsed.
        self.ended = False

    def await_request(self) -> None:
        """Between requests: the idle timeout runs until the next request's first byte, then the request timeout."""
        self._awaiting_request = True
        self._deadline = time.monotonic() + self._idle_timeout

    def request_read(self) -> None:
        """The whole request is in: no deadline while the function runs."""
        self._awaiting_request = False
        self._deadline = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._deadline is not None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the client did not finish its request in time")
            self._connection.settimeout(remaining)
        else:
            self._connection.settimeout(None)
        count = self._connection.recv_into(buffer)
        self.ended = self.ended or not count
        if count and self._awaiting_request:
            self._awaiting_request = False
            self._deadline = time.monotonic() + self._request_timeout
        return count


def _json_response(status: int, document: dict[str, Any], headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
    body = json.dumps(document).encode("utf-8")
    return HttpResponse(status=status, headers=[("Content-Type", "application/json"), *headers], body=body)


class _GatewayRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalApiGateway/1"
    # No HTTP/0.9 (answers without a status line): a request line without a version is refused with a full answer.
    default_request_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        gateway: LocalApiGateway = self.server.owner
        self._reader = _DeadlineReader(self.connection, gateway.request_timeout, gateway.idle_timeout)
        self.rfile.close()  # the base class's reader: ours replaces it (the socket stays open)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # A request stalled past its deadline ends in TimeoutError, which the base class answers by closing the connection.
        self._reader.await_request()
        self.headers = None  # not the previous request's, should this one be refused before its headers are read
        super().handle_one_request()

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the gateway, which answers those the API does not define (TRACE, CONNECT, any verb).
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        gateway: LocalApiGateway = self.server.owner
        if self._reader.ended:
            # Headers cut short by the client's close parse as complete ones: nobody is left to answer, and the
            # function must not see half a request.
            self.close_connection = True
            return
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.send_error(411, "Length Required: send the body with a Content-Length header")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > GATEWAY_MAX_BODY_BYTES:
            # The body is not read, so the connection cannot be reused (send_error closes it).
            if length < 0:
                self.send_error(400, "Content-Length is not a number")
            else:
                self.send_error(413, "Request Too Long", error_type="RequestTooLongException")
            return
        body = self.rfile.read(length) if length else b""
        if self._reader.ended:
            # The client closed its side before the body was complete.
            self.close_connection = True
            return
        self._reader.request_read()
        response = gateway.respond(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        self._write(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None, *, error_type: str | None = None
    ) -> None:
        """A request refused before routing (malformed, too long, no length) in the gateway's JSON shape, with CORS."""
        # http.server's own refusals (a bad request line, headers too long) call this too: JSON, not its HTML page.
        self.close_connection = True
        headers = getattr(self, "headers", None)
        origin = headers.get("Origin") if headers is not None else None
        phrase = message or (self.responses[code][0] if code in self.responses else "Bad Request")
        self._write(self.server.owner._gateway_error(code, phrase, error_type, origin))

    def _write(self, response: HttpResponse) -> None:
        # A client that does not take its answer off the socket is dropped like an idle one (sendall's total time).
        self.connection.settimeout(self.server.owner.idle_timeout)
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")  # the client then knows not to send another request on it
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Method, path and status only, as the stage's access log: the query string may carry an api_key or the
        # user's text (LibreTranslate clients send every field there), which no log of ours keeps.
        path = urlsplit(getattr(self, "path", "") or "").path
        self.log_message('"%s %s" %s', getattr(self, "command", None) or "-", path or "-", code)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.owner.access_log:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class LocalApiGateway(BackgroundServer):
    """Serve a Lambda proxy handler on 127.0.0.1 the way the deployed REST API does; a context manager."""

    handler_class = _GatewayRequestHandler

    def __init__(
        self,
        lambda_handler: LambdaHandler,
        *,
        port: int = 0,
        cors_origins: tuple[str, ...] = ("*",),
        stage: str = "",
        body_validator: BodyValidator | None = None,
        validated_bodies: Iterable[tuple[str, str]] = VALIDATED_BODIES,
        binary_media_types: Iterable[str] = BINARY_MEDIA_TYPES,
        extra_headers: Iterable[tuple[str, str]] = (),
        access_log: bool = True,
        function_timeout: float = LAMBDA_TIMEOUT_SECONDS,
        integration_timeout: float = GATEWAY_TIMEOUT_SECONDS,
        throttle_rate: float | None = None,
        throttle_burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        """validated_bodies: (method, resource) pairs whose JSON body body_validator checks (the deployed API's by default).

        throttle_rate and throttle_burst: the stage's throttling (settings of the same names; None: unthrottled).

        clock: what the throttle measures time with. request_timeout: seconds a client has to send a whole request;
        idle_timeout: seconds a kept-alive connection may wait for its next one. max_connections: connections served
        at once, a thread each; more wait to be accepted.
        """
        if request_timeout <= 0 or idle_timeout <= 0:
            raise ValueError(f"timeouts must be above 0, not request {request_timeout} and idle {idle_timeout}")
        if (throttle_rate is None) != (throttle_burst is None):
            raise ValueError("throttling needs both throttle_rate and throttle_burst, or neither")
        self.throttle = None if throttle_rate is None else TokenBucket(throttle_rate, throttle_burst, clock)
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        super().__init__("127.0.0.1", port, max_connections=max_connections)
        self.lambda_handler = lambda_handler
        self.cors_origins = tuple(cors_origins)
        self.stage = stage.strip("/")
        self.body_validator = body_validator
        self.validated_bodies = frozenset(validated_bodies)
        self.binary_media_types = tuple(binary_media_types)
        self.extra_headers = list(extra_headers)
        self.access_log = access_log
        self.function_timeout = function_timeout
        self.integration_timeout = integration_timeout
        # One invocation at a time, like a single Lambda instance: handler globals (metrics, logger keys) are not shared.
        self._invoke_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """The stage's base URL, ending in '/': the web page, and the base the API paths hang off."""
        return f"{self.url}/{self.stage}/" if self.stage else f"{self.url}/"

    def respond(
        self, *, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> HttpResponse:
        """Answer one HTTP request as API Gateway would: gateway errors, preflight, validation, or the Lambda's result."""
        origin = next((value for name, value in headers if name.lower() == "origin"), None)
        response = self._route(
            method=method, target=target, headers=headers, body=body, source_ip=source_ip, origin=origin
        )
        return HttpResponse(response.status, [*response.headers, *self.extra_headers], response.body)

    def _route(
        self,
        *,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        origin: str | None,
    ) -> HttpResponse:
        path = target.split("?", 1)[0]
        if self.stage:
            prefix = f"/{self.stage}"
            if path != prefix and not path.startswith(prefix + "/"):
                return self._gateway_error(403, "Forbidden", "ForbiddenException", origin)
            path = path[len(prefix) :]
            target = target[len(prefix) :]
        resource = path or "/"
        # A REST API answers a resource or method it does not define with 403 "Missing Authentication Token" (its
        # Default4xx response: both fields and CORS). Its methods are GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS
        # and ANY (AWS::ApiGateway::Method HttpMethod), so TRACE, CONNECT and other verbs are never defined ones; no
        # AWS document describes another answer for them, so they get this one too.
        if resource not in ROUTES or (method != "OPTIONS" and method not in ROUTES[resource]):
            return self._gateway_error(403, MISSING_TOKEN_MESSAGE, "MissingAuthenticationTokenException", origin)
        # Stage throttling applies to the API's methods, the CORS preflight mock among them.
        if self.throttle is not None and not self.throttle.take():
            retry = [("Retry-After", str(THROTTLED_RETRY_AFTER_SECONDS))]
            return self._gateway_error(429, THROTTLED_MESSAGE, "TooManyRequestsException", origin, retry)
        if method == "OPTIONS":
            return self._preflight(origin)
        if len(body) > GATEWAY_MAX_BODY_BYTES:
            return self._gateway_error(413, "Request Too Long", "RequestTooLongException", origin)
        content_type = next((value for name, value in headers if name.lower() == "content-type"), None)
        if (
            (method, resource) in self.validated_bodies
            and self.body_validator is not None
            and has_request_model(content_type)
            and not self._valid_body(body)
        ):
            return self._gateway_error(400, INVALID_BODY_MESSAGE, "BadRequestException", origin)
        event = proxy_event(
            method=method, target=target or "/", headers=headers, body=body, resource=resource, path_parameters=None,
            stage=self.stage, source_ip=source_ip, binary_media_types=self.binary_media_types,
        )  # fmt: skip
        request_id = event["requestContext"]["requestId"]
        context = LambdaContext(aws_request_id=request_id, deadline=time.monotonic() + self.function_timeout)
        try:
            response = http_response(self._invoke(event, context))
        except _Overran:
            # Lambda stops a function at its timeout and API Gateway answers its failure with a 502; a function
            # allowed to run past the integration timeout meets the gateway's 504 first.
            if self.function_timeout < self.integration_timeout:
                status, message, error_type = 502, "Internal server error", "InternalServerErrorException"
            else:
                status, message, error_type = 504, INTEGRATION_TIMEOUT_MESSAGE, None
            seconds = min(self.function_timeout, self.integration_timeout)
            print(
                f"local API: the handler ran past {seconds:g} s on {method} {resource}; answered {status}",
                file=sys.stderr,
            )
            return self._gateway_error(status, message, error_type, origin)
        except Exception as error:  # noqa: BLE001 - like API Gateway, any Lambda failure becomes a 502
            print(
                f"local API: the handler failed on {method} {resource} ({type(error).__name__}: {error}); answered 502",
                file=sys.stderr,
            )
            return self._gateway_error(502, "Internal server error", "InternalServerErrorException", origin)
        return HttpResponse(response.status, [*response.headers, ("x-amzn-RequestId", request_id)], response.body)

    def _invoke(self, event: dict[str, Any], context: LambdaContext) -> Any:
        """The handler's result, or _Overran once the function's or the gateway's timeout passes (its late result is dropped).

        The handler runs in a worker thread, as a thread can't be stopped: one that overran keeps the invocation lock
        until it ends, and the next request waits for it (in AWS a fresh environment would start cold).
        """
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                with self._invoke_lock:
                    outcome["result"] = self.lambda_handler(event, context)
            except BaseException as error:  # noqa: BLE001 - handed to the request's thread, which answers 502
                outcome["error"] = error
            finally:
                done.set()

        threading.Thread(target=run, name=f"lambda-{context.aws_request_id}", daemon=True).start()
        if not done.wait(min(self.function_timeout, self.integration_timeout)):
            raise _Overran
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    def _valid_body(self, body: bytes) -> bool:
        # API Gateway validates against the application/json model; a body that is not JSON fails like one that breaks the schema.
        # JSON nested deeper than Python's recursion limit is refused the same way: API Gateway answers it with a 400 too.
        try:
            self.body_validator(json.loads(body.decode("utf-8")))
        except (ValueError, RecursionError, fastjsonschema.JsonSchemaException):
            return False
        return True

    def _gateway_cors(self, origin: str | None) -> list[tuple[str, str]]:
        # The deployed API's own rule; a request without Origin echoes nothing, and an empty header is not sent.
        headers = gateway_cors_headers(self.cors_origins, origin or "")
        return [(name, value) for name, value in headers.items() if value]

    def _gateway_error(
        self,
        status: int,
        message: str,
        error_type: str | None,
        origin: str | None,
        extra_headers: Iterable[tuple[str, str]] = (),
    ) -> HttpResponse:
        error_header = [("x-amzn-ErrorType", error_type)] if error_type else []
        headers = [*error_header, *extra_headers, *self._gateway_cors(origin)]
        return _json_response(status, gateway_error_body(message), headers)

    def _preflight(self, origin: str | None) -> HttpResponse:
        # The CDK's preflight mock: the first allowed origin, or the caller's when it is one of the others.
        allow_origin = origin if origin in self.cors_origins[1:] else self.cors_origins[0]
        headers = [
            ("Access-Control-Allow-Headers", ",".join(CORS_ALLOW_HEADERS)),
            ("Access-Control-Allow-Origin", allow_origin),
            *([("Vary", "Origin")] if self.cors_origins[0] != "*" else []),
            ("Access-Control-Allow-Methods", ",".join(CORS_ALLOW_METHODS)),
            ("Access-Control-Max-Age", str(CORS_MAX_AGE_SECONDS)),
        ]
        return HttpResponse(204, [("Content-Type", "application/json"), *headers], b"")
