"""A local sagemaker-runtime that answers InvokeEndpoint at once: the stand-in's answer, computed once per distinct body."""

from __future__ import annotations

import json
import threading

from scripts.local.container_stand_in import answer
from scripts.local.runtime_server import VARIANT, RuntimeServer


class InstantRuntime(RuntimeServer):
    """RuntimeServer (same paths, errors and invocation count) that replays answers instead of forwarding to a container.

    The first request with a given body has the stand-in's answer() computed (its word-by-word translation and attention
    matrices) and kept as bytes; every later request with that body gets those bytes back, so a timed request pays for
    HTTP and the payload's bytes, not for the endpoint's work. `computed` counts the bodies answered the slow way.
    """

    def __init__(self, endpoints: set[str] | frozenset[str]) -> None:
        super().__init__("http://127.0.0.1:9", endpoints)  # no container: nothing is forwarded
        self.computed = 0
        self._answers: dict[bytes, bytes] = {}
        self._answers_lock = threading.Lock()

    def container_ready(self) -> bool:
        """Always: there is no container to start."""
        return True

    def answer_bytes(self, body: bytes) -> bytes:
        """The stand-in's JSON answer to body, from the cache when this body was seen before."""
        with self._answers_lock:
            cached = self._answers.get(body)
        if cached is None:
            cached = json.dumps(answer(json.loads(body)), ensure_ascii=False).encode()
            with self._answers_lock:
                self._answers[body] = cached
                self.computed += 1
        return cached

    class handler_class(RuntimeServer.handler_class):
        # Keeps connections open between calls, as sagemaker-runtime does (botocore reuses them from its pool): with
        # HTTP/1.0 every call paid a TCP handshake, so a front end making two calls paid two, the pass-through one.
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: on a kept-alive connection, Nagle's algorithm would hold the body
        # until the client's delayed ACK (40 ms).
        disable_nagle_algorithm = True

        def _forward(self, name: str, body: bytes) -> None:
            try:
                payload = self.runtime.answer_bytes(body)
            except (ValueError, UnicodeDecodeError) as error:
                self._error(
                    "ModelError",
                    f'Received client error (400) from primary with message "{error}".',
                    OriginalStatusCode=400,
                    OriginalMessage=str(error),
                )
                return
            self._send(200, payload, {"Content-Type": "application/json", "x-Amzn-Invoked-Production-Variant": VARIANT})
