"""The input formats of bulk translation (.txt, .jsonl, .srt): which lines to translate, and how a German line is put back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.limits import MAX_TEXT_CHARS

# The formats, by file name ending. .srt: plain-text subtitles, the commonest bulk format of translators; its
# numbering and timing lines pass through untouched, so the German subtitles keep the original's timing.
SUFFIXES = (".txt", ".jsonl", ".srt")
DEFAULT_FIELD = "text"
# A line longer than the API takes in one text is refused: it is not prose (or it is a whole book on one line).
MAX_LINE_CHARS = MAX_TEXT_CHARS
ALLOWED = f"UTF-8 text files ending in {', '.join(SUFFIXES)}, each line at most {MAX_LINE_CHARS} characters"
_BINARY_PROBE_BYTES = 8192


class BatchInputError(ValueError):
    """An input cannot be translated; the message names the file (and line) and what is allowed."""


@dataclass(frozen=True)
class Line:
    """One line of an input file: the English text to translate (None: the line passes through as it is)."""

    number: int
    raw: str
    text: str | None


def kind_of(name: str) -> str:
    """The format of a file name (its suffix), or a BatchInputError naming what is allowed."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise BatchInputError(f"{name}: {suffix or 'no suffix'} is not supported: use {ALLOWED}")
    return suffix


def text_lines(name: str, chunks: Iterable[bytes]) -> Iterator[str]:
    """Decode a file's bytes line by line as strict UTF-8 (a BOM is dropped), refusing binary files; no line ends."""
    pending, number, probed = b"", 0, b""
    for chunk in chunks:
        if len(probed) < _BINARY_PROBE_BYTES:
            # Binary files show a NUL early; the probe is checked before any line of it is decoded.
            probed += chunk[: _BINARY_PROBE_BYTES - len(probed)]
            if b"\0" in probed:
                raise BatchInputError(f"{name}: is a binary file, not text: use {ALLOWED}")
            if not pending and not number:
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
        pending += chunk
        if len(probed) < _BINARY_PROBE_BYTES:
            continue
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            number += 1
            yield _decode(name, number, raw)
        if len(pending) > 4 * MAX_LINE_CHARS + 4:
            raise BatchInputError(f"{name}:{number + 1}: line is over {MAX_LINE_CHARS} characters: use {ALLOWED}")
    *complete, pending = pending.split(b"\n")
    for raw in complete:
        number += 1
        yield _decode(name, number, raw)
    if pending:
        yield _decode(name, number + 1, pending)


def _decode(name: str, number: int, raw: bytes) -> str:
    if b"\0" in raw:
        raise BatchInputError(f"{name}:{number}: is binary, not text: use {ALLOWED}")
    try:
        line = raw.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError as error:
        raise BatchInputError(
            f"{name}:{number}: is not UTF-8 (byte {error.start + 1} of the line): convert it first, "
            "e.g. iconv -f LATIN1 -t UTF-8"
        ) from None
    if len(line) > MAX_LINE_CHARS:
        raise BatchInputError(
            f"{name}:{number}: line has {len(line)} characters, more than {MAX_LINE_CHARS}: split it into lines"
        )
    return line


def parse(kind: str, name: str, lines: Iterable[str], field: str = DEFAULT_FIELD) -> Iterator[Line]:
    """The lines of a file of this kind, each with the English to translate or None."""
    if kind == ".txt":
        for number, raw in enumerate(lines, 1):
            yield Line(number, raw, raw if raw.strip() else None)
    elif kind == ".jsonl":
        for number, raw in enumerate(lines, 1):
            yield Line(number, raw, _json_text(name, number, raw, field))
    elif kind == ".srt":
        yield from _subtitles(name, lines)
    else:
        raise BatchInputError(f"{name}: {kind} is not supported: use {ALLOWED}")


def render(kind: str, line: Line, german: str | None, field: str = DEFAULT_FIELD) -> str:
    """The output line for an input line and its German (None for a line that passes through)."""
    if german is None or line.text is None:
        return line.raw
    if kind == ".jsonl":
        document = json.loads(line.raw)
        document[field] = german
        return json.dumps(document, ensure_ascii=False)
    # One input line gives one output line: line breaks inside the German would shift every later line.
    return " ".join(german.split("\n"))


def _json_text(name: str, number: int, raw: str, field: str) -> str | None:
    if not raw.strip():
        return None
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise BatchInputError(
            f"{name}:{number}: is not a JSON object ({error.msg}): each line of .jsonl is one"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get(field), str):
        raise BatchInputError(
            f'{name}:{number}: has no string field "{field}": name the field with --field, e.g. --field text'
        )
    text = document[field]
    if len(text) > MAX_LINE_CHARS:
        raise BatchInputError(f'{name}:{number}: "{field}" has {len(text)} characters, more than {MAX_LINE_CHARS}')
    return text if text.strip() else None


def _subtitles(name: str, lines: Iterable[str]) -> Iterator[Line]:
    """SubRip blocks: a number, a timing line (00:00:01,000 --> 00:00:02,500), text lines, a blank line."""
    state = "number"
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if state == "number":
            if not stripped:
                yield Line(number, raw, None)
                continue
            if not stripped.isdigit():
                raise BatchInputError(
                    f"{name}:{number}: expected a subtitle number, found {stripped[:40]!r}: .srt blocks are a number, "
                    "a timing line (00:00:01,000 --> 00:00:02,500), text lines and a blank line"
                )
            state = "timing"
            yield Line(number, raw, None)
        elif state == "timing":
            if "-->" not in stripped:
                raise BatchInputError(
                    f"{name}:{number}: expected a timing line such as 00:00:01,000 --> 00:00:02,500, "
                    f"found {stripped[:40]!r}"
                )
            state = "text"
            yield Line(number, raw, None)
        else:
            if not stripped:
                state = "number"
            yield Line(number, raw, stripped or None)
