"""Read request fields from a JSON, URL-encoded or multipart/form-data body (as LibreTranslate clients send them)."""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

from translator.errors import BadRequest


def read_fields(body: str | None, content_type: str | None) -> dict[str, object]:
    """Return the body's fields; a form field given more than once becomes a list (LibreTranslate's batch q)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if not body:
        return {}
    if media_type == "application/x-www-form-urlencoded":
        return _single_or_list(parse_qs(body, keep_blank_values=True))
    if media_type == "multipart/form-data":
        return _multipart(body, content_type or "")
    try:
        document = json.loads(body)
    except RecursionError:
        raise BadRequest("the request body nests JSON too deeply") from None
    except ValueError:
        raise BadRequest("the request body is neither valid JSON nor a form") from None
    if not isinstance(document, dict):
        raise BadRequest("the request body must be a JSON object")
    return document


def _multipart(body: str, content_type: str) -> dict[str, object]:
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
