"""What each route of the API does, in plain Python: read the body once, choose the dialect once, answer in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from translator import libretranslate
from translator.dialects import LIBRETRANSLATE, UNDECIDED, Reply, choose
from translator.errors import TranslateError
from translator.request_body import read_body

if TYPE_CHECKING:
    from translator.service import Translate

SERVED = "POST /translate, GET /languages, POST /detect and GET /"
# A translate function for a kind of request (the label goes into the logs).
TranslateFor = Callable[[str], "Translate"]


@dataclass(frozen=True)
class Incoming:
    """The parts of an API Gateway proxy event that the routes read."""

    body: str | None
    base64_encoded: bool
    content_type: str | None

    @classmethod
    def of(cls, event: Any) -> Incoming:
        """From a Powertools APIGatewayProxyEvent (its headers are case-insensitive)."""
        return cls(event.body, event.is_base64_encoded, event.headers.get("content-type"))


def translate(incoming: Incoming, translate_for: TranslateFor) -> Reply:
    """POST /translate in whichever dialect the request speaks."""
    shape = UNDECIDED
    try:
        body = read_body(incoming.body, base64_encoded=incoming.base64_encoded, content_type=incoming.content_type)
        dialect = shape = choose("/translate", body)
        request = dialect.parse(body.document)
        return Reply(HTTPStatus.OK, dialect.answer(request, translate_for(dialect.label(request))))
    except TranslateError as error:
        return shape.refusal(error)


def detect(incoming: Incoming) -> Reply:
    """POST /detect (LibreTranslate's): English, whatever the text."""
    try:
        body = read_body(incoming.body, base64_encoded=incoming.base64_encoded, content_type=incoming.content_type)
        return Reply(HTTPStatus.OK, libretranslate.detect(body.document))
    except TranslateError as error:
        return LIBRETRANSLATE.refusal(error)


def languages() -> Reply:
    """GET /languages (LibreTranslate's): the one pair we serve."""
    return Reply(HTTPStatus.OK, libretranslate.LANGUAGES)


def not_found(method: str, path: str) -> Reply:
    """A route the API does not serve, in both error shapes (the client's API is not known)."""
    return UNDECIDED.reply(HTTPStatus.NOT_FOUND, f"no route {method} {path}; the API serves {SERVED}")


def internal_error(request_id: str) -> Reply:
    """An unexpected failure: nothing of it but the request id to quote."""
    return UNDECIDED.reply(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error; quote request id {request_id}")
