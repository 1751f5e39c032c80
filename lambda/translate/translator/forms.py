"""Read request fields from a URL-encoded or multipart/form-data body (as LibreTranslate clients send them)."""

from __future__ import annotations

from urllib.parse import parse_qs

from translator.errors import BadRequest
from translator.media_types import MULTIPART, URL_ENCODED, media_type


def read_form(body: str, content_type: str | None) -> dict[str, object]:
    """Return a form body's fields; a field given more than once becomes a list (LibreTranslate's batch q)."""
    kind = media_type(content_type)
    if not body:
        return {}
    if kind == URL_ENCODED:
        return _single_or_list(parse_qs(body, keep_blank_values=True))
    if kind == MULTIPART:
        return _multipart(body, content_type or "")
    raise ValueError(f"{kind or 'no media type'} is not a form")


def _multipart(body: str, content_type: str) -> dict[str, object]:
    # Imported here: the e-mail parser costs a few ms of every cold start, and few clients send multipart forms.
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body.encode("utf-8", "surrogateescape")
    )
    if not message.is_multipart():
        raise BadRequest("the multipart/form-data body has no parts (is the boundary right?)")
    fields: dict[str, list[str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True) or b""
            fields.setdefault(str(name), []).append(payload.decode("utf-8", "replace"))
    return _single_or_list(fields)


def _single_or_list(fields: dict[str, list[str]]) -> dict[str, object]:
    return {name: values[0] if len(values) == 1 else values for name, values in fields.items()}
