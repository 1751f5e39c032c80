"""How long this execution environment's init took, for its first request: API Gateway's 29 s ran through it too."""

from __future__ import annotations

import time

# The handler imports this module before its heavy imports, so this is (nearly) when the init began.
_STARTED = time.monotonic()


class ColdStart:
    """The init's seconds, noted once when the handler finished importing and taken by the first request."""

    def __init__(self, started: float = _STARTED) -> None:
        self.started = started
        self._init_seconds: float | None = None
        self._noted = False

    def init_done(self) -> None:
        """Note that the handler finished importing; a later call (a test reloading the handler) is no cold start."""
        if not self._noted:
            self._noted = True
            self._init_seconds = time.monotonic() - self.started

    def take_init_seconds(self) -> float:
        """The init's seconds for the first request after it, 0 for every later one."""
        seconds, self._init_seconds = self._init_seconds or 0.0, None
        return seconds


# One per execution environment: Lambda imports the handler once and hands it one request at a time.
COLD_START = ColdStart()
