"""A local sagemaker-runtime (InvokeEndpoint over rest-json) forwarding to a container URL, with fault injection.

Like SageMaker it answers ModelError 424 when the container takes longer than the invocation limit (60 s), and a
not-ready error while the container's /ping is not yet healthy (its start-up period). For a paused service it also
speaks SageMaker's DescribeEndpoint and Lambda's Invoke of the endpoint control function, whose "resume" brings the
endpoint up after a set time, as CloudFormation would.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import select
import socket
import threading
import time
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
# Lambda's Invoke (rest-json, API version 2015-03-31); the name may be a name or an ARN.
_LAMBDA_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/?]+)/invocations(\?.*)?$")
# SageMaker's control plane speaks JSON 1.1: POST / with the operation in X-Amz-Target.
DESCRIBE_ENDPOINT_TARGET = "SageMaker.DescribeEndpoint"
# The endpoint control function the stand-in plays (stacks/endpoint_control_function/ in the cloud).
CONTROL_FUNCTION = "endpoint-control-stand-in"
# How long the stand-in's resume takes by default: a real one takes about ENDPOINT_START_MINUTES.
RESUME_SECONDS = 60.0

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
# The other services' errors the stand-in answers (SageMaker's control plane, Lambda).
_OTHER_ERROR_STATUS = {"ValidationException": 400, "UnknownOperationException": 400, "ResourceNotFoundException": 404}


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
        paused: set[str] | frozenset[str] = frozenset(),
        resume_seconds: float = RESUME_SECONDS,
    ) -> None:
        super().__init__(host, port)
        self.container_url = container_url.rstrip("/")
        # Endpoints in service, and those the control function manages (paused ones included).
        self.endpoints = set(endpoints)
        self.managed = set(endpoints) | set(paused)
        self.resume_seconds = resume_seconds
        # Endpoints being created by a resume, with the time it began (DescribeEndpoint's CreationTime).
        self.creating: dict[str, float] = {}
        self.resume_requests = 0
        self.resumes_started = 0
        self.invocation_timeout = invocation_timeout
        self.invocations = 0
        # Instances forwarded to the container, and those whose work was wasted: the call timed out, or the client
        # had gone (its read timeout) before the answer came.
        self.instances = 0
        self.wasted_instances = 0
        self.timed_out = 0
        self._started = time.time()
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
            self.resume_requests = self.resumes_started = 0

    def describe(self, name: str) -> dict[str, object] | None:
        """DescribeEndpoint's answer for `name`, or None when it does not exist."""
        with self._lock:
            if name in self.endpoints:
                status, created = "InService", self._started
            elif name in self.creating:
                status, created = "Creating", self.creating[name]
            else:
                return None
        return {
            "EndpointName": name,
            "EndpointArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name.lower()}",
            "EndpointConfigName": f"{name}-config",
            "EndpointStatus": status,
            "CreationTime": created,
            "LastModifiedTime": created,
        }

    def control(self, action: str) -> dict[str, object]:
        """Run the control function's `action` ("resume", "pause"): idempotent, as the real one."""
        with self._lock:
            if action == "pause":
                changed = bool(self.endpoints & self.managed or self.creating)
                self.endpoints -= self.managed
                self.creating.clear()
                return {"state": "paused", "changed": changed}
            if action != "resume":
                raise ValueError(f"unknown action {action!r}; the stand-in knows resume and pause")
            self.resume_requests += 1
            waking = self.managed - self.endpoints - set(self.creating)
            if self.creating:
                return {"state": "busy", "changed": False}
            if not waking:
                return {"state": "in service", "changed": False}
            self.resumes_started += 1
            for name in waking:
                self.creating[name] = time.time()
        threading.Thread(target=self._finish_resume, args=(waking,), daemon=True).start()
        return {"state": "resuming", "changed": True}

    def _finish_resume(self, names: set[str]) -> None:
        if self.stopping.wait(self.resume_seconds):
            return
        with self._lock:
            for name in names:
                if self.creating.pop(name, None) is not None:
                    self.endpoints.add(name)

    def control_counters(self) -> dict[str, object]:
        """The control function's calls, resumes started and each endpoint's state, as GET /stand-in/control answers."""
        with self._lock:
            states = {name: "InService" for name in self.endpoints}
            states |= {name: "Creating" for name in self.creating}
            return {
                "resume_requests": self.resume_requests,
                "resumes_started": self.resumes_started,
                "endpoints": {name: states.get(name, "missing") for name in sorted(self.managed | self.endpoints)},
            }

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
        # sagemaker-runtime keeps connections open (HTTP/1.1), and the function's client reuses them: a stand-in that
        # closed each one would charge every call a TCP handshake the real endpoint does not.
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        @property
        def runtime(self) -> RuntimeServer:
            return self.server.owner

        def log_message(self, format: str, *args: object) -> None:
            LOG.debug("%s " + format, self.address_string(), *args)

        def do_GET(self) -> None:
            if self.path == "/stand-in/counters":
                self._send(200, json.dumps(self.runtime.counters()).encode(), {"Content-Type": "application/json"})
            elif self.path == "/stand-in/control":
                answer = json.dumps(self.runtime.control_counters()).encode()
                self._send(200, answer, {"Content-Type": "application/json"})
            else:
                self._error("ValidationError", f"no operation GET {self.path}; this server speaks InvokeEndpoint only")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/stand-in/"):
                self._control(body)
                return
            if self.path == "/" and self.headers.get("X-Amz-Target"):
                self._sagemaker(self.headers["X-Amz-Target"], body)
                return
            if function := _LAMBDA_INVOKE_PATH.match(self.path):
                self._invoke_function(unquote(function["name"]), body)
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

        def _sagemaker(self, target: str, body: bytes) -> None:
            if target != DESCRIBE_ENDPOINT_TARGET:
                self._json_error("UnknownOperationException", f"the stand-in speaks {DESCRIBE_ENDPOINT_TARGET} only")
                return
            try:
                name = str(json.loads(body)["EndpointName"])
            except (ValueError, KeyError, TypeError):
                self._json_error("ValidationException", "1 validation error detected: EndpointName must not be null")
                return
            described = self.runtime.describe(name)
            if described is None:
                arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name.lower()}"
                self._json_error("ValidationException", f'Could not find endpoint "{arn}".')
                return
            self._send(200, json.dumps(described).encode(), {"Content-Type": "application/x-amz-json-1.1"})

        def _json_error(self, code: str, message: str) -> None:
            # The JSON 1.1 protocol names the error in the body's __type (botocore reads it there).
            self._error(code, message, __type=code)

        def _invoke_function(self, name: str, body: bytes) -> None:
            if name.rsplit(":", 1)[-1] != CONTROL_FUNCTION:
                arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
                self._error("ResourceNotFoundException", f"Function not found: {arn}", Type="User")
                return
            failed = False
            try:
                result = self.runtime.control(str(json.loads(body or b"{}").get("action")))
            except (ValueError, AttributeError) as error:
                result, failed = {"errorMessage": str(error), "errorType": type(error).__name__}, True
            if self.headers.get("X-Amz-Invocation-Type") == "Event":
                # Lambda queues an event and answers at once, without the function's result or failure.
                self._send(202, b"", {})
            else:
                headers = {
                    "Content-Type": "application/json",
                    **({"X-Amz-Function-Error": "Unhandled"} if failed else {}),
                }
                self._send(200, json.dumps(result).encode(), headers)

        def _control(self, body: bytes) -> None:
            try:
                command = json.loads(body or b"{}")
                if self.path == "/stand-in/reset":
                    self.runtime.reset()
                elif self.path == "/stand-in/fail":
                    self.runtime.fail_next(str(command["code"]), int(command.get("count", 1)))
                elif self.path == "/stand-in/delay":
                    self.runtime.delay_next(float(command["seconds"]), int(command.get("count", 1)))
                elif self.path in ("/stand-in/resume", "/stand-in/pause"):
                    # What `make resume` and `make pause` do to a deployed endpoint, for the stand-in's.
                    result = self.runtime.control(self.path.removeprefix("/stand-in/"))
                    self._send(200, json.dumps(result).encode(), {"Content-Type": "application/json"})
                    return
                else:
                    raise ValueError(
                        f"unknown control {self.path}; use /stand-in/reset, /stand-in/fail, /stand-in/delay, "
                        "/stand-in/resume or /stand-in/pause"
                    )
            except (ValueError, KeyError, TypeError) as error:
                self._send(400, json.dumps({"message": str(error)}).encode(), {"Content-Type": "application/json"})
                return
            self._send(200, b"{}", {"Content-Type": "application/json"})

        def _error(self, code: str, message: str, **extra: object) -> None:
            document = {"message": message, **extra}
            self._send(
                ERROR_STATUS.get(code) or _OTHER_ERROR_STATUS[code],
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
    parser.add_argument(
        "--paused", action="store_true", help=f"the endpoints are paused until {CONTROL_FUNCTION} resumes them"
    )
    parser.add_argument(
        "--resume-seconds",
        type=float,
        default=RESUME_SECONDS,
        metavar="SECONDS",
        help="how long a resume takes (default %(default)s)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    endpoints = set(args.endpoint or [DEFAULT_ENDPOINT])
    server = RuntimeServer(
        args.container_url,
        set() if args.paused else endpoints,
        port=args.port,
        invocation_timeout=args.invocation_timeout,
        paused=endpoints if args.paused else set(),
        resume_seconds=args.resume_seconds,
    )
    LOG.info(
        "sagemaker-runtime stand-in on %s -> %s (endpoints: %s)",
        server.url,
        server.container_url,
        ", ".join(sorted(server.managed)) + (" (paused)" if args.paused else ""),
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
