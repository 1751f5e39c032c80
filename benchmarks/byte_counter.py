"""A TCP relay on 127.0.0.1 that counts the bytes a client sends to and receives from one upstream server."""

from __future__ import annotations

import socket
import threading
from typing import Self

_CHUNK = 64 * 1024


class CountingRelay:
    """`with CountingRelay(host, port) as relay:` point a client at relay.url; relay.sent / relay.received count the wire bytes."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.sent = 0
        self.received = 0

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT of the relay."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def total(self) -> int:
        """Bytes both ways."""
        with self._lock:
            return self.sent + self.received

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self.sent = self.received = 0

    def __enter__(self) -> Self:
        self._start(self._accept)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        # Closing alone does not wake a thread blocked in accept(); shutting the socket down does.
        _close(self._listener)
        with self._lock:
            for sock in self._sockets:
                _close(sock)
        for thread in list(self._threads):
            thread.join(timeout=5)

    def _start(self, target, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed: the relay is stopping
            try:
                upstream = socket.create_connection(self._upstream, timeout=10)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            self._start(self._pump, client, upstream, "sent")
            self._start(self._pump, upstream, client, "received")

    def _pump(self, source: socket.socket, target: socket.socket, counter: str) -> None:
        try:
            while chunk := source.recv(_CHUNK):
                target.sendall(chunk)
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(chunk))
        except OSError:
            pass  # one side hung up or the relay is stopping
        finally:
            # Half-close so the other direction sees the end of the stream too.
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
