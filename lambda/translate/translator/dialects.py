"""The APIs the translate routes speak (ours, LibreTranslate's, DeepL's): each reads, answers and shapes its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING

from translator import deepl, libretranslate, payload
from translator.errors import BadRequest, EndpointThrottled, EndpointTimeout, ModelFailed, TooLarge, TranslateError

if TYPE_CHECKING:
    from translator.request_body import Body
    from translator.service import Translate


@dataclass(frozen=True)
class Reply:
    """An answer to send: status, JSON body, extra headers, and the error it refuses with (None for a success)."""

    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)
    error: TranslateError | None = None


@dataclass(frozen=True)
class ErrorShape:
    """How an API's errors look: the JSON keys that carry the message."""

    keys: tuple[str, ...]

    def status(self, error: TranslateError) -> int:
        """The HTTP status this API answers an error with."""
        return error.status

    def reply(self, status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
        """An error answer with the message under every key (and headers such as Retry-After)."""
        return Reply(int(status), {key: message for key in self.keys}, dict(headers or {}))

    def refusal(self, error: TranslateError) -> Reply:
        """The answer to a typed error with its headers, keeping the error for the logs."""
        reply = self.reply(self.status(error), error.message, error.headers())
        return Reply(reply.status, reply.body, reply.headers, error)


# Before the request's API is known (a body that can't be read, an unknown route), API Gateway's shape: both keys,
# so that either kind of client reads the message.
UNDECIDED = ErrorShape(("message", "error"))


class Dialect(ErrorShape):
    """One API's contract on the translate route: parse a body, answer it with a translate function, shape errors."""

    # Whether the API's fields may come in the query string too (LibreTranslate's and DeepL's do).
    reads_query = True

    def parse(self, document: object) -> object:
        """The dialect's request from a parsed body, or a TranslateError."""
        raise NotImplementedError

    def label(self, request: object) -> str:
        """What the logs call this kind of request."""
        raise NotImplementedError

    def answer(self, request: object, translate: Translate) -> object:
        """The JSON answer to a parsed request."""
        raise NotImplementedError


class Ours(Dialect):
    """Our own contract: {"text"}, {"texts"} or the workshop's {"sentences"}; errors in "message"."""

    # A JSON body only: a query string (a cache buster, say) must not become an unknown field.
    reads_query = False

    def parse(self, document: object) -> payload.TranslateRequest:
        return payload.parse_translate_request(document)

    def label(self, request: payload.TranslateRequest) -> str:
        return request.shape

    def answer(self, request: payload.TranslateRequest, translate: Translate) -> dict:
        result = translate(request.texts)
        return payload.response_body(request, result.translations, sentences=result.sentences)


class LibreTranslate(Dialect):
    """LibreTranslate's contract: q/source/target/format from JSON, a form or the query; errors in "error"."""

    def status(self, error: TranslateError) -> int:
        # LibreTranslate answers 400 for anything the client sent wrong (too long included), 429 to slow down and
        # 500 when translating failed; 503 (paused, unavailable) keeps its Retry-After and X-Service-State.
        if isinstance(error, EndpointThrottled):
            return HTTPStatus.TOO_MANY_REQUESTS
        if isinstance(error, ModelFailed | EndpointTimeout):
            return HTTPStatus.INTERNAL_SERVER_ERROR
        return HTTPStatus.BAD_REQUEST if isinstance(error, TooLarge) else error.status

    def parse(self, document: object) -> libretranslate.LibreRequest:
        return libretranslate.parse_request(document)

    def label(self, request: libretranslate.LibreRequest) -> str:
        return f"libretranslate-{request.format}"

    def answer(self, request: libretranslate.LibreRequest, translate: Translate) -> dict:
        return libretranslate.translate(request, translate)


class DeepL(Dialect):
    """DeepL API v2's contract: text/target_lang/... from JSON, a form or the query; errors in "message"."""

    def status(self, error: TranslateError) -> int:
        # DeepL answers 429 to slow down (its clients back off and retry 429 and 5xx on their own: at most 5 retries
        # over about 16 s in the official libraries, so a paused service's 503 costs a handful of requests, no more).
        if isinstance(error, EndpointThrottled):
            return HTTPStatus.TOO_MANY_REQUESTS
        return error.status

    def parse(self, document: object) -> deepl.DeepLRequest:
        if not isinstance(document, dict):
            raise BadRequest("Send the fields as a JSON object, a form or the query string.")
        return deepl.parse_request(document)

    def label(self, request: deepl.DeepLRequest) -> str:
        return f"deepl-{request.tag_handling or 'text'}"

    def answer(self, request: deepl.DeepLRequest, translate: Translate) -> dict:
        return deepl.translate(request, translate)


OURS = Ours(("message",))
LIBRETRANSLATE = LibreTranslate(("error",))
DEEPL = DeepL(("message",))


def choose(route: str, body: Body, fields: object = None) -> Dialect:
    """The API a request speaks: DeepL's and LibreTranslate's own routes, forms, or fields with q; ours otherwise.

    fields: the request's fields, body and query string together (the body's document when not given).
    """
    if route in deepl.ROUTES:
        return DEEPL
    fields = body.document if fields is None else fields
    if route in libretranslate.ROUTES or body.is_form:
        return LIBRETRANSLATE
    if isinstance(fields, dict) and "q" in fields:
        return LIBRETRANSLATE
    return OURS
