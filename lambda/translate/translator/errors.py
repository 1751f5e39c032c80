"""Typed errors of the translation front end, each with the HTTP status the handler answers."""

from __future__ import annotations


class TranslateError(Exception):
    """An error with a user-facing message, an HTTP status and, for temporary ones, a Retry-After in seconds."""

    status = 500
    retry_after: int | None = None

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retry_after is not None:
            self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        """Headers every API shape sends with this error: Retry-After for temporary ones."""
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class BadRequest(TranslateError):
    """The request is malformed or missing something (400)."""

    status = 400


class SentenceTooLong(BadRequest):
    """A sentence the model can't take: over its token limit with nowhere to split it (400, not 413: the body is fine)."""


class Forbidden(TranslateError):
    """An API key is required and missing, or not a valid key (403)."""

    status = 403

    def headers(self) -> dict[str, str]:
        # Names the scheme our API takes the key in, so the page asks for a key without reading the message.
        return {**super().headers(), "WWW-Authenticate": "Bearer"}


class TooLarge(TranslateError):
    """The request is over a documented size limit (413)."""

    status = 413


class ModelFailed(TranslateError):
    """The model or the endpoint answered with an error or an unreadable answer (502)."""

    status = 502


class EndpointUnavailable(TranslateError):
    """The endpoint is throttled, not ready, not in service or missing: try again later (503)."""

    status = 503
    retry_after = 10


class EndpointThrottled(EndpointUnavailable):
    """The endpoint refuses more requests for now (503; LibreTranslate's shape answers 429)."""

    retry_after = 2


class EndpointTimeout(TranslateError):
    """The endpoint did not answer in time (504)."""

    status = 504


# The X-Service-State header tells the page (and any client) why the service is unavailable, whatever the API shape.
SERVICE_STATE_HEADER = "X-Service-State"
# The metric counting a paused or starting service's 503s (telemetry.py publishes it; the API's 5XX alarm in
# stacks/monitoring.py subtracts it, reading this name from this file: a paused service is not a failure).
PAUSED_ANSWERS_METRIC = "PausedAnswers"


class EndpointPaused(EndpointUnavailable):
    """The endpoint is paused to save cost (503); Retry-After says when to come back, if it is starting."""

    state = "paused"

    def headers(self) -> dict[str, str]:
        return {**super().headers(), SERVICE_STATE_HEADER: self.state}


class EndpointStarting(EndpointPaused):
    """A paused endpoint is being started again (503, Retry-After close to the time it has left)."""

    state = "starting"
