"""Normalize user text before sentence splitting: Unicode NFC, plain quotes, no control characters, tidy spaces."""

from __future__ import annotations

import re
import unicodedata

# The training corpus writes apostrophes and quotes in ASCII: "don't" is in the vocabulary, "don’t" is not.
_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2033": '"',
}
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Zero-width (non-)joiners hold emoji sequences and some scripts' words together (whitespace is kept as such).
_KEPT_CONTROLS = frozenset("\u200c\u200d")
# Breaks that editors and PDFs put between lines (Word's Shift+Enter is a vertical tab): kept as line breaks, so
# that no two words are glued together. Other whitespace controls (unit separator...) become plain spaces later.
LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Bounds the memory a stream of exotic characters can make the table take; past it, lookups are just not cached.
_TABLE_LIMIT = 65536
# An opening ‘ is never an apostrophe: a ‘…’ pair is a quotation, which Moses handles as "…" (a lone ' it glues on).
_SINGLE_QUOTED = re.compile("\u2018([^\u2018\u2019\n]*)\u2019")
_SPACES = re.compile(r"[^\S\n]+")
# Spaces around line breaks go; blank lines (paragraphs) stay.
_NEWLINES = re.compile(r"[^\S\n]*\n[^\S\n]*")


class _Table(dict):
    """A str.translate table that learns each code point once: quotes made ASCII, control/format characters dropped."""

    def __missing__(self, code_point: int) -> int | None:
        char = chr(code_point)
        dropped = (
            char not in _KEPT_CONTROLS and not char.isspace() and unicodedata.category(char) in _DROPPED_CATEGORIES
        )
        value = None if dropped else code_point
        if len(self) < _TABLE_LIMIT:
            self[code_point] = value
        return value


_TABLE = _Table({ord(source): target for source, target in _QUOTES.items()} | {ord(char): "\n" for char in LINE_BREAKS})


def normalize(text: str) -> str:
    """Return text in NFC with ASCII quotes, control/format characters removed, runs of spaces collapsed, lines kept.

    Whitespace control characters count as spaces, and line or page separators as line breaks, not as nothing.
    """
    # str.translate runs in C; the category of each distinct character is looked up once per process.
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _SINGLE_QUOTED.sub(r'"\1"', text).translate(_TABLE)
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()
