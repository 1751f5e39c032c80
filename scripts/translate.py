"""Translate English to German with the deployed API (or any URL serving POST /translate) from the command line."""

from __future__ import annotations

import argparse
import sys

from scripts.client.translate_api import (
    DEFAULT_TIMEOUT_SECONDS,
    URL_HINT,
    TranslateError,
    api_url,
    translate,
    url_allowed,
)
from stacks.names import API_STACK, TRANSLATE_URL_OUTPUT


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
        "--url", help=f"the API's POST /translate URL (default: output {TRANSLATE_URL_OUTPUT} of stack {API_STACK})"
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
    if args.url and not url_allowed(args.url):
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
