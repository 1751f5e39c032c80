"""Convert HTTP requests into API Gateway REST (v1) proxy events and Lambda proxy results back into HTTP responses."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.media_types import media_type

from stacks.api_contract import BINARY_MEDIA_TYPES

_LOCAL_ACCOUNT = "000000000000"


@dataclass(frozen=True)
class HttpResponse:
    """What goes back on the wire: status, header pairs (names may repeat) and the raw body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def is_binary(content_type: str | None, binary_media_types: Iterable[str] = BINARY_MEDIA_TYPES) -> bool:
    """Whether API Gateway hands a body of this Content-Type to the Lambda base64-encoded (wildcards such as "image/*" too)."""
    kind = media_type(content_type)
    return bool(kind) and any(fnmatchcase(kind, pattern.strip().lower()) for pattern in binary_media_types)


def _single_and_multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """API Gateway's two views of repeated names: the last value, and every value in order; None when empty."""
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    if not multi:
        return None, None
    return {name: values[-1] for name, values in multi.items()}, multi


def proxy_event(
    *,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    resource: str,
    path_parameters: Mapping[str, str] | None,
    stage: str,
    source_ip: str,
    binary_media_types: Iterable[str] = BINARY_MEDIA_TYPES,
) -> dict[str, Any]:
    """One API Gateway REST proxy event (payload format 1.0) for a request as it arrived."""
    header_pairs = list(headers)
    url = urlsplit(target)
    path = url.path or "/"
    single_headers, multi_headers = _single_and_multi(header_pairs)
    # API Gateway hands the Lambda query names and values decoded, "+" as a space (an event logged in
    # aws/aws-cdk#19827 shows it), a name without "=" with an empty value; LibreTranslate clients send every field so.
    query, multi_query = _single_and_multi(parse_qsl(url.query, keep_blank_values=True))
    lowered = {name.lower(): value for name, value in header_pairs}
    event_body: str | None = None
    is_base64 = False
    if body and is_binary(lowered.get("content-type"), binary_media_types):
        event_body, is_base64 = base64.b64encode(body).decode("ascii"), True
    elif body:
        # Any other body reaches the Lambda as UTF-8 text; bytes that are not UTF-8 become U+FFFD, as binary uploads
        # to an API without the matching binary media type do.
        event_body = body.decode("utf-8", "replace")
    now = time.time()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": _LOCAL_ACCOUNT,
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "extendedRequestId": uuid.uuid4().hex,
            "httpMethod": method,
            "identity": {"sourceIp": source_ip, "userAgent": lowered.get("user-agent")},
            "path": f"/{stage}{path}" if stage else path,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": "local",
            "resourcePath": resource,
            "stage": stage or "local",
        },
        "body": event_body,
        "isBase64Encoded": is_base64,
    }


def http_response(result: Any) -> HttpResponse:
    """The HTTP response API Gateway builds from a Lambda proxy result; ValueError when the result is malformed."""
    if (
        not isinstance(result, Mapping)
        or not isinstance(result.get("statusCode"), int)
        or isinstance(result.get("statusCode"), bool)
    ):
        raise TypeError("the handler's result is not a proxy result with an integer statusCode")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if not isinstance(multi, Mapping) or not isinstance(single, Mapping):
        raise TypeError("the handler's headers / multiValueHeaders are not objects")
    for name, values in multi.items():
        if not isinstance(values, list):
            raise TypeError(f"multiValueHeaders[{name!r}] is not a list")
        headers.extend((str(name), str(value)) for value in values)
    taken = {name.lower() for name in multi}
    headers.extend((str(name), str(value)) for name, value in single.items() if name.lower() not in taken)
    body = result.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raise ValueError("the handler's body is not a string")
    elif result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            raise ValueError("the handler's body is marked isBase64Encoded but is not base64") from None
    else:
        raw = body.encode("utf-8")
    return HttpResponse(status=result["statusCode"], headers=headers, body=raw)
