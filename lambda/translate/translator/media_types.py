"""Media types of request bodies: the one parser of a Content-Type header, and the form types LibreTranslate sends."""

from __future__ import annotations

JSON = "application/json"
URL_ENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
FORM_TYPES = frozenset({URL_ENCODED, MULTIPART})


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, lower-case and without parameters ("" when there is none)."""
    return (content_type or "").split(";")[0].strip().lower()
