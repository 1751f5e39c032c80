"""Translate English to German with the deployed API (or any URL serving POST /translate) from the command line."""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from stacks.names import API_STACK
from stacks.names import TRANSLATE_URL_OUTPUT as URL_OUTPUT

DEFAULT_TIMEOUT_SECONDS = 35.0
URL_HINT = "give an http(s) URL such as https://abc123.execute-api.us-east-1.amazonaws.com/prod/translate"


class TranslateError(RuntimeError):
    """A translation could not be had; the message says why in one line."""


def api_url(stack_name: str = API_STACK) -> str:
    """The POST /translate URL from the deployed API stack's outputs."""
    from scripts.aws.stack_outputs import StackOutputError, stack_output

    try:
        return stack_output(stack_name, URL_OUTPUT)
    except StackOutputError as error:
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Translate English text to German with the translate API.",
        epilog=(
            "Texts come from the arguments (each argument is one text) or, with none, from stdin: "
            "each line is one text and gets one line of German (empty lines stay empty)."
        ),
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="English text to translate (quote it)")
    parser.add_argument(
        "--url", help=f"the API's POST /translate URL (default: output {URL_OUTPUT} of stack {API_STACK})"
    )
    parser.add_argument(
        "--stack-name", default=API_STACK, help=f"the API stack to read the URL from (default {API_STACK})"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"seconds to wait per text (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    return parser


def _url_allowed(url: str) -> bool:
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


def main(argv: list[str] | None = None) -> int:
    """Translate every text and print the German, one line per text; return the exit status."""
    args = _parser().parse_args(argv)
    # German needs UTF-8 whatever the terminal's locale says.
    sys.stdout.reconfigure(encoding="utf-8")
    if args.texts:
        texts = args.texts
    elif sys.stdin.isatty():
        print("error: no text: give English text as arguments or on stdin (one text per line)", file=sys.stderr)
        return 2
    else:
        try:
            texts = sys.stdin.buffer.read().decode("utf-8").splitlines()
        except UnicodeDecodeError as error:
            print(
                f"error: stdin is not UTF-8 text (byte {error.start}); convert it first, e.g. with iconv -t UTF-8",
                file=sys.stderr,
            )
            return 2
        if not texts:
            print(
                "error: no text: stdin was empty; give English text as arguments or on stdin (one text per line)",
                file=sys.stderr,
            )
            return 2
    if not 0 < args.timeout <= 600:
        print(
            f"error: --timeout {args.timeout:g} is not allowed: use more than 0 and at most 600 seconds",
            file=sys.stderr,
        )
        return 2
    if args.url and not _url_allowed(args.url):
        print(f"error: --url {args.url!r} is not allowed: {URL_HINT}", file=sys.stderr)
        return 2
    try:
        url = args.url or api_url(args.stack_name)
        noted = False
        for text in texts:
            if not text.strip():
                print(flush=True)
                continue
            translation, stand_in = translate(url, text, args.timeout)
            if stand_in and not noted:
                print(f"note: the API runs a stand-in model ({stand_in})", file=sys.stderr)
                noted = True
            print(translation, flush=True)
    except TranslateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
