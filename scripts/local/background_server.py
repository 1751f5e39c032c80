"""An HTTP server on 127.0.0.1 that runs in a background thread and works as a context manager."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

# Clients that connect at once wait in the kernel's listen queue until accepted; the default of 5 drops the rest of a
# burst (and Linux then makes them retry the handshake). The kernel caps it at net.core.somaxconn.
LISTEN_BACKLOG = 1024
# One thread per open connection, at most this many; past it new connections wait in the listen queue, not refused.
MAX_CONNECTIONS = 512
# How often the accept loop, waiting for a free connection slot, checks whether the server is stopping.
_SLOT_POLL_SECONDS = 0.1


class QuietThreadingServer(ThreadingHTTPServer):
    """A threading server with a bounded number of connection threads that never outlive it; dropped clients are not errors."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        handler_class: type[BaseHTTPRequestHandler],
        *,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        super().__init__(address, handler_class)
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        self.closing = threading.Event()

    def process_request(self, request, client_address) -> None:
        # Waiting here (not refusing) keeps later clients in the listen queue until a connection ends.
        while not self._slots.acquire(timeout=_SLOT_POLL_SECONDS):
            if self.closing.is_set():
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address) -> None:
        # A client that gave up (read timeout) closes its socket while we still write: expected, not a fault.
        # Anything else is a bug in the server that left the client without an answer, so it must not pass silently.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        server = type(getattr(self, "owner", self)).__name__
        detail = " ".join(str(error).split())[:300]
        host, port = client_address[:2]
        message = (
            f"{server}: request from {host}:{port} failed ({type(error).__name__}: {detail}); closed without an answer"
        )
        print(message, file=sys.stderr, flush=True)


class BackgroundServer:
    """Serve a request handler class on 127.0.0.1:port (0 = any free port) from a daemon thread."""

    handler_class: type[BaseHTTPRequestHandler]

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, max_connections: int = MAX_CONNECTIONS) -> None:
        self._httpd = QuietThreadingServer((host, port), self.handler_class, max_connections=max_connections)
        self._httpd.owner = self  # lets handlers reach the server's state
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        """Start serving in a background thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.stopping.set()
        self._httpd.closing.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (for `python -m`)."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
