"""What each route of the API does, in plain Python: read the body once, choose the dialect once, answer in it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from translator import api_keys, deepl, libretranslate, usage
from translator.dialects import DEEPL, LIBRETRANSLATE, UNDECIDED, Dialect, Reply, choose
from translator.errors import TranslateError
from translator.request_body import Body, read_body

if TYPE_CHECKING:
    from translator.service import Translate

SERVED = (
    "POST /translate, GET /languages, POST /detect, GET /frontend/settings, GET /, POST /v2/translate, "
    "GET|POST /v2/languages, GET|POST /v2/usage, GET /v2/glossary-language-pairs and GET /v2/glossaries"
)
# A translate function for a kind of request and the caller's key name (both go into the logs).
TranslateFor = Callable[[str, str], "Translate"]
# The API key's name for what the request presented (translator/api_keys.py identify), or Forbidden.
Identify = Callable[[str | None], str]
# Counts a key's translated characters (translator/usage.py record).
Record = Callable[[str, int], None]


@dataclass(frozen=True)
class Incoming:
    """The parts of an API Gateway proxy event that the routes read."""

    body: str | None
    base64_encoded: bool
    content_type: str | None
    # The query string's fields, each with every value it was given (multiValueQueryStringParameters).
    query: dict[str, list[str]] = field(default_factory=dict)
    authorization: str | None = None
    x_api_key: str | None = None

    @classmethod
    def of(cls, event: Any) -> Incoming:
        """From a Powertools APIGatewayProxyEvent (its headers are case-insensitive)."""
        query = getattr(event, "multi_value_query_string_parameters", None) or {}
        headers = event.headers
        return cls(
            event.body,
            event.is_base64_encoded,
            headers.get("content-type"),
            dict(query),
            headers.get("authorization"),
            headers.get("x-api-key"),
        )

    def key(self, dialect: Dialect, fields: object) -> str | None:
        """The API key where the dialect's clients send it (None: none presented)."""
        values = fields if isinstance(fields, dict) else {}
        if dialect is LIBRETRANSLATE:
            return _text(values.get("api_key"))
        if dialect is DEEPL:
            return _scheme(self.authorization, "DeepL-Auth-Key") or _text(values.get("auth_key"))
        return _scheme(self.authorization, "Bearer") or _text(self.x_api_key)

    def read(self) -> tuple[Body, object]:
        """The body, and the request's fields: the body's, over the query string's (the body's document otherwise)."""
        body = read_body(self.body, base64_encoded=self.base64_encoded, content_type=self.content_type)
        return body, fields_of(body.document, self.query)


def fields_of(document: object, query: dict[str, list[str]]) -> object:
    """A request's fields from its parsed body and its query string; a field given more than once becomes a list.

    Some LibreTranslate and DeepL clients send every field in the query string of a POST with an empty body.
    """
    if not query or not (document is None or isinstance(document, dict)):
        return document
    from_query = {name: values[0] if len(values) == 1 else list(values) for name, values in query.items()}
    return {**from_query, **(document or {})}


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _scheme(authorization: str | None, scheme: str) -> str | None:
    """The credentials of an Authorization header of this scheme (case-insensitive, as HTTP's schemes are)."""
    name, _, credentials = (authorization or "").strip().partition(" ")
    return credentials.strip() or None if name.lower() == scheme.lower() else None


def translate(
    incoming: Incoming,
    translate_for: TranslateFor,
    route: str = "/translate",
    *,
    identify: Identify = api_keys.identify,
    record: Record = usage.record,
) -> Reply:
    """POST /translate or /v2/translate in whichever dialect the request speaks, for the key it presents."""
    shape = DEEPL if route in deepl.ROUTES else UNDECIDED
    try:
        body, fields = incoming.read()
        dialect = shape = choose(route, body, fields)
        # The key first, as LibreTranslate and DeepL do: a caller without one learns nothing from a 400.
        key_name = identify(incoming.key(dialect, fields))
        request = dialect.parse(fields if dialect.reads_query else body.document)
        answer = dialect.answer(request, translate_for(dialect.label(request), key_name))
    except TranslateError as error:
        return shape.refusal(error)
    record(key_name, sum(len(text) for text in request.texts))
    return Reply(HTTPStatus.OK, answer)


def detect(incoming: Incoming, identify: Identify = api_keys.identify) -> Reply:
    """POST /detect (LibreTranslate's): English, whatever the text."""
    try:
        fields = incoming.read()[1]
        identify(incoming.key(LIBRETRANSLATE, fields))
        return Reply(HTTPStatus.OK, libretranslate.detect(fields))
    except TranslateError as error:
        return LIBRETRANSLATE.refusal(error)


def languages() -> Reply:
    """GET /languages (LibreTranslate's): the one pair we serve."""
    return Reply(HTTPStatus.OK, libretranslate.LANGUAGES)


def frontend_settings() -> Reply:
    """GET /frontend/settings (LibreTranslate's): what its web page and some clients read before translating."""
    return Reply(HTTPStatus.OK, libretranslate.frontend_settings(keys_required()))


def disabled(feature: str) -> Reply:
    """A LibreTranslate feature we don't offer (suggestions, files), refused as LibreTranslate refuses it."""
    return LIBRETRANSLATE.reply(HTTPStatus.FORBIDDEN, libretranslate.DISABLED[feature])


def deepl_languages(incoming: Incoming, identify: Identify = api_keys.identify) -> Reply:
    """GET|POST /v2/languages (DeepL's): source languages, or target ones with type=target."""
    try:
        fields = _object(incoming.read()[1])
        identify(incoming.key(DEEPL, fields))
        return Reply(HTTPStatus.OK, deepl.languages(fields))
    except TranslateError as error:
        return DEEPL.refusal(error)


def deepl_usage(
    incoming: Incoming, identify: Identify = api_keys.identify, count: Callable[[str], int] = usage.this_month
) -> Reply:
    """GET|POST /v2/usage (DeepL's): the characters the caller's key translated this month."""
    try:
        fields = _object(incoming.read()[1])
        return Reply(HTTPStatus.OK, deepl.usage(count(identify(incoming.key(DEEPL, fields)))))
    except TranslateError as error:
        return DEEPL.refusal(error)


def deepl_glossaries(incoming: Incoming, route: str, identify: Identify = api_keys.identify) -> Reply:
    """GET /v2/glossary-language-pairs and /v2/glossaries (DeepL's): empty lists, as we have no glossaries."""
    try:
        identify(incoming.key(DEEPL, _object(incoming.read()[1])))
        return Reply(HTTPStatus.OK, deepl.GLOSSARY_LISTS[route])
    except TranslateError as error:
        return DEEPL.refusal(error)


def keys_required() -> bool:
    """Whether clients must present an API key (the setting api_keys)."""
    return bool(os.environ.get(api_keys.SECRET_ENV))


def _object(fields: object) -> dict:
    # DeepL's lists and usage read only the query string or a form: anything else counts as no fields.
    return fields if isinstance(fields, dict) else {}


def not_found(method: str, path: str) -> Reply:
    """A route the API does not serve, in both error shapes (the client's API is not known)."""
    return UNDECIDED.reply(HTTPStatus.NOT_FOUND, f"no route {method} {path}; the API serves {SERVED}")


def internal_error(request_id: str) -> Reply:
    """An unexpected failure: nothing of it but the request id to quote."""
    return UNDECIDED.reply(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error; quote request id {request_id}")
