"""The translate API over HTTP: its URL from the deployed stack, and one text translated per request."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from scripts.aws.session import SessionError, aws_session
from scripts.aws.stack_outputs import StackOutputError, stack_output
from stacks.names import API_STACK, TRANSLATE_URL_OUTPUT

DEFAULT_TIMEOUT_SECONDS = 35.0
URL_HINT = "give an http(s) URL such as https://abc123.execute-api.us-east-1.amazonaws.com/prod/translate"


class TranslateError(RuntimeError):
    """A translation could not be had; the message says why in one line."""


def api_url(stack_name: str = API_STACK) -> str:
    """The POST /translate URL from the deployed API stack's outputs, in the region the CDK CLI would use."""
    try:
        return stack_output(stack_name, TRANSLATE_URL_OUTPUT, session=aws_session())
    except (SessionError, StackOutputError) as error:
        raise TranslateError(f"{error}; or pass --url") from None


def translate(url: str, text: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> tuple[str, str | None]:
    """POST {"text": text} to url; return the German and the API's stand-in notice (None from a real model)."""
    try:
        request = urllib.request.Request(
            url,
            data=json.dumps({"text": text}).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body, stand_in = response.read(), response.headers.get("X-Stand-In")
    except urllib.error.HTTPError as error:
        raise TranslateError(f"{url} answered HTTP {error.code}: {_message(error.read(), error.reason)}") from None
    except urllib.error.URLError as error:
        raise TranslateError(f"cannot reach {url}: {error.reason}") from None
    except TimeoutError:
        raise TranslateError(f"{url} did not answer within {timeout:g} s") from None
    except OSError as error:
        raise TranslateError(f"cannot reach {url}: {error}") from None
    except (ValueError, http.client.InvalidURL) as error:
        # A malformed URL (e.g. from a stack output) that urllib only finds while connecting; InvalidURL is no ValueError.
        raise TranslateError(f"{url!r} is not a usable URL ({error}); {URL_HINT}") from None
    try:
        translation = json.loads(body)["translation"]
    except (ValueError, KeyError, TypeError):
        raise TranslateError(
            f"{url} did not answer with JSON holding a translation; is it the translate API's POST /translate URL?"
        ) from None
    if not isinstance(translation, str):
        raise TranslateError(f"{url} answered a translation that is not text")
    return translation, stand_in


def _message(body: bytes, reason: object) -> str:
    try:
        message = json.loads(body)["message"]
    except (ValueError, KeyError, TypeError):
        return str(reason)
    return str(message)


def url_allowed(url: str) -> bool:
    """Whether url is an http(s) URL urllib can connect to (checked before any request)."""
    # urllib only finds a bad port, host or bracket when it connects, and then as a traceback; check them up front.
    if any(char.isspace() or not char.isprintable() for char in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it is the check: ValueError for a port that is not a number in range
        (parts.hostname or "").encode("idna")
    except ValueError:  # UnicodeError (an empty or too long host label) is a ValueError too
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)
