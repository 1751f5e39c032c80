"""The request body, read once: base64-decoded, size-checked and parsed (a form or JSON), whatever API it speaks."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from translator.errors import BadRequest, TooLarge
from translator.forms import read_form
from translator.limits import MAX_REQUEST_BODY_BYTES
from translator.media_types import FORM_TYPES, media_type

# Before the body is parsed, the request may be ours or LibreTranslate's: the hint names both.
HINT = 'send JSON such as {"text": "English text"}, or LibreTranslate\'s fields q and target as JSON or a form'


@dataclass(frozen=True)
class Body:
    """A parsed request body: its media type and its document (form fields, any JSON value, or None when empty)."""

    media_type: str
    document: object

    @property
    def is_form(self) -> bool:
        """Whether the body is a form (LibreTranslate clients send them)."""
        return self.media_type in FORM_TYPES


def read_body(raw: str | None, *, base64_encoded: bool, content_type: str | None) -> Body:
    """Decode, check the size of and parse a request body as API Gateway hands it to the Lambda."""
    text = _decoded(raw) if base64_encoded and raw else raw
    if text and len(text.encode("utf-8", "surrogatepass")) > MAX_REQUEST_BODY_BYTES:
        raise TooLarge(f"the request body is over {MAX_REQUEST_BODY_BYTES} bytes")
    kind = media_type(content_type)
    if kind in FORM_TYPES:
        return Body(kind, read_form(text or "", content_type))
    if text is None or not text.strip():
        return Body(kind, None)
    try:
        return Body(kind, json.loads(text))
    except RecursionError:
        raise BadRequest(f"the request body nests JSON too deeply; {HINT}") from None
    except ValueError as error:
        raise BadRequest(f"the request body is not valid JSON ({error}); {HINT}") from None


def _decoded(raw: str) -> str:
    try:
        return base64.b64decode(raw.encode()).decode()
    except (binascii.Error, ValueError):  # UnicodeError is a ValueError too
        raise BadRequest("the request body is marked base64-encoded but is not valid base64 of UTF-8 text") from None
