"""A local sagemaker-runtime (InvokeEndpoint over rest-json) forwarding to a container URL, with fault injection.

Like SageMaker it answers ModelError 424 when the container takes longer than the invocation limit (60 s), and a
not-ready error while the container's /ping is not yet healthy (its start-up period).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import select
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.limits import INVOKE_ENDPOINT_MAX_BYTES

from scripts.local.background_server import BackgroundServer

LOG = logging.getLogger("runtime_server")
ACCOUNT = "123456789012"
REGION = "us-east-1"
VARIANT = "AllTraffic"
DEFAULT_ENDPOINT = "translate-stand-in"
# SageMaker's limit on one InvokeEndpoint call to a real-time endpoint's container.
INVOCATION_TIMEOUT_SECONDS = 60.0
# SageMaker's answer when that limit passes (as reported in aws/amazon-sagemaker-examples#799).
TIMED_OUT_MESSAGE = (
    'Received server error (0) from primary with message "Your invocation timed out while waiting for a response '
    "from container primary. Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, "
    'and try again.".'
)
# What it answers before the model is loaded (the code is botocore's; the text is ours).
NOT_READY_CODE = "ModelNotReadyException"
NOT_READY_MESSAGE = "Model is not ready yet: the endpoint's container is still starting; try again later."
_PING_TIMEOUT_SECONDS = 2.0
_INVOKE_PATH = re.compile(r"^/endpoints/(?P<name>[^/?]+)/invocations$")

# sagemaker-runtime's error codes and the statuses it answers them with (botocore's service model).
ERROR_STATUS: dict[str, int] = {
    "ValidationError": 400,
    "ModelError": 424,
    "ModelNotReadyException": 429,
    "ThrottlingException": 400,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "InternalDependencyException": 530,
}


@dataclass
class _Faults:
    code: str | None = None
    code_count: int = 0
    delay: float = 0.0
    delay_count: int = 0


class RuntimeServer(BackgroundServer):
    """sagemaker-runtime on 127.0.0.1: `with RuntimeServer(container_url) as runtime: runtime.url`."""

    def __init__(
        self,
        container_url: str,
        endpoints: set[str] | frozenset[str] = frozenset({DEFAULT_ENDPOINT}),
        host: str = "127.0.0.1",
        port: int = 0,
        invocation_timeout: float = INVOCATION_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(host, port)
        self.container_url = container_url.rstrip("/")
        self.endpoints = set(endpoints)
        self.invocation_timeout = invocation_timeout
        self.invocations = 0
        # Instances forwarded to the container, and those whose work was wasted: the call timed out, or the client
        # had gone (its read timeout) before the answer came.
        self.instances = 0
        self.wasted_instances = 0
        self.timed_out = 0
        self._container_ready = False
        self._faults = _Faults()
        self._lock = threading.Lock()

    def fail_next(self, code: str, count: int = 1) -> None:
        """Answer the next `count` invocations with the error `code` (one of ERROR_STATUS)."""
        if code not in ERROR_STATUS:
            raise ValueError(f"unknown error code {code!r}; known: {', '.join(sorted(ERROR_STATUS))}")
        with self._lock:
            self._faults.code, self._faults.code_count = code, count

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """Hold the next `count` invocations for `seconds` before answering."""
        with self._lock:
            self._faults.delay, self._faults.delay_count = seconds, count

    def reset(self) -> None:
        """Clear injected faults and the counters."""
        with self._lock:
            self._faults = _Faults()
            self.invocations = self.instances = self.wasted_instances = self.timed_out = 0

    def counters(self) -> dict[str, int]:
        """The counters, as GET /stand-in/counters answers them."""
        with self._lock:
            return {
                "invocations": self.invocations,
                "instances": self.instances,
                "wasted_instances": self.wasted_instances,
                "timed_out": self.timed_out,
            }

    def count(self, instances: int, *, wasted: bool = False, timed_out: bool = False) -> None:
        """Count one forwarded call's instances, and whether its work was wasted."""
        with self._lock:
            self.instances += instances
            self.wasted_instances += instances if wasted or timed_out else 0
            self.timed_out += int(timed_out)

    def container_ready(self) -> bool:
        """Whether the container's /ping answers 200 (asked until it first does, as SageMaker's health check)."""
        if not self._container_ready:
            try:
                with urllib.request.urlopen(f"{self.container_url}/ping", timeout=_PING_TIMEOUT_SECONDS) as response:
                    self._container_ready = response.status == 200
            except OSError:
                return False
        return self._container_ready

    def take_faults(self) -> tuple[str | None, float]:
        """Count one invocation and consume the faults that apply to it."""
        with self._lock:
            self.invocations += 1
            code = delay = None
            if self._faults.code_count > 0:
                self._faults.code_count -= 1
                code = self._faults.code
            if self._faults.delay_count > 0:
                self._faults.delay_count -= 1
                delay = self._faults.delay
            return code, delay or 0.0

    class handler_class(BaseHTTPRequestHandler):
        server_version = "SageMakerRuntimeStandIn/1"

        @property
        def runtime(self) -> RuntimeServer:
            return self.server.owner

        def log_message(self, format: str, *args: object) -> None:
            LOG.debug("%s " + format, self.address_string(), *args)

        def do_GET(self) -> None:
            if self.path == "/stand-in/counters":
                self._send(200, json.dumps(self.runtime.counters()).encode(), {"Content-Type": "application/json"})
            else:
                self._error("ValidationError", f"no operation GET {self.path}; this server speaks InvokeEndpoint only")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/stand-in/"):
                self._control(body)
                return
            match = _INVOKE_PATH.match(self.path)
            if not match:
                self._error("ValidationError", f"no operation POST {self.path}; this server speaks InvokeEndpoint only")
                return
            name = unquote(match["name"])
            code, delay = self.runtime.take_faults()
            if delay and self.runtime.stopping.wait(delay):
                return
            if code:
                self._error(code, f"injected fault: {code}")
            elif name not in self.runtime.endpoints:
                self._error("ValidationError", f"Endpoint {name} of account {ACCOUNT} not found.")
            elif len(body) > INVOKE_ENDPOINT_MAX_BYTES:
                self._error("ValidationError", f"Request payload is larger than {INVOKE_ENDPOINT_MAX_BYTES} bytes.")
            elif not self.runtime.container_ready():
                self._error(NOT_READY_CODE, NOT_READY_MESSAGE)
            else:
                self._forward(name, body)

        def _client_gone(self) -> bool:
            # A client that gave up closed its socket: readable, with nothing to read.
            try:
                readable, _, _ = select.select([self.connection], [], [], 0)
                return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def _forward(self, name: str, body: bytes) -> None:
            instances = _instance_count(body)
            request = urllib.request.Request(
                f"{self.runtime.container_url}/invocations",
                data=body,
                method="POST",
                headers={
                    "Content-Type": self.headers.get("Content-Type") or "application/octet-stream",
                    "Accept": self.headers.get("Accept") or "*/*",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.runtime.invocation_timeout) as response:
                    payload, content_type = response.read(), response.headers.get("Content-Type", "application/json")
            except urllib.error.HTTPError as error:
                original = error.read().decode("utf-8", "replace")
                self._error(
                    "ModelError",
                    f'Received client error ({error.code}) from primary with message "{original}".',
                    OriginalStatusCode=error.code,
                    OriginalMessage=original,
                    LogStreamArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/Endpoints/{name}",
                )
                return
            except OSError as error:
                if isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError):
                    # The container goes on working; SageMaker stops waiting and says so.
                    self.runtime.count(instances, timed_out=True)
                    self._error(
                        "ModelError", TIMED_OUT_MESSAGE, OriginalStatusCode=0, OriginalMessage=TIMED_OUT_MESSAGE
                    )
                    return
                self._error(
                    "ModelError",
                    f"the container did not answer: {error}",
                    OriginalStatusCode=0,
                    OriginalMessage=str(error),
                )
                return
            self.runtime.count(instances, wasted=self._client_gone())
            self._send(200, payload, {"Content-Type": content_type, "x-Amzn-Invoked-Production-Variant": VARIANT})

        def _control(self, body: bytes) -> None:
            try:
                command = json.loads(body or b"{}")
                if self.path == "/stand-in/reset":
                    self.runtime.reset()
                elif self.path == "/stand-in/fail":
                    self.runtime.fail_next(str(command["code"]), int(command.get("count", 1)))
                elif self.path == "/stand-in/delay":
                    self.runtime.delay_next(float(command["seconds"]), int(command.get("count", 1)))
                else:
                    raise ValueError(
                        f"unknown control {self.path}; use /stand-in/reset, /stand-in/fail or /stand-in/delay"
                    )
            except (ValueError, KeyError, TypeError) as error:
                self._send(400, json.dumps({"message": str(error)}).encode(), {"Content-Type": "application/json"})
                return
            self._send(200, b"{}", {"Content-Type": "application/json"})

        def _error(self, code: str, message: str, **extra: object) -> None:
            document = {"message": message, **extra}
            self._send(
                ERROR_STATUS[code],
                json.dumps(document).encode(),
                {"Content-Type": "application/json", "x-amzn-ErrorType": code},
            )

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (its read timeout): nothing left to tell it


def _instance_count(body: bytes) -> int:
    try:
        instances = json.loads(body).get("instances")
    except (ValueError, AttributeError):
        return 0
    return len(instances) if isinstance(instances, list) else 0


def main(argv: list[str] | None = None) -> None:
    """Run the local sagemaker-runtime in the foreground."""
    parser = argparse.ArgumentParser(
        description="Local sagemaker-runtime InvokeEndpoint server forwarding to a container."
    )
    parser.add_argument("--port", type=int, default=8081, help="port on 127.0.0.1 (0 = any free port; default 8081)")
    parser.add_argument(
        "--container-url", default="http://127.0.0.1:8080", help="the container to forward to (default %(default)s)"
    )
    parser.add_argument(
        "--endpoint", action="append", help=f"an endpoint name that exists (repeatable; default {DEFAULT_ENDPOINT})"
    )
    parser.add_argument(
        "--invocation-timeout",
        type=float,
        default=INVOCATION_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="answer ModelError 424 when the container takes longer (SageMaker's limit: %(default)s)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    server = RuntimeServer(
        args.container_url,
        set(args.endpoint or [DEFAULT_ENDPOINT]),
        port=args.port,
        invocation_timeout=args.invocation_timeout,
    )
    LOG.info(
        "sagemaker-runtime stand-in on %s -> %s (endpoints: %s)",
        server.url,
        server.container_url,
        ", ".join(sorted(server.endpoints)),
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
