"""Normalize user text before sentence splitting: Unicode NFC, plain quotes, no control characters, tidy spaces."""

from __future__ import annotations

import re
import unicodedata

# The training corpus writes apostrophes and quotes in ASCII: "don't" is in the vocabulary, "don’t" is not.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "\u00b4": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"'})
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r" *\n[\s]*")


def normalize(text: str) -> str:
    """Return text in NFC with ASCII quotes, control/format characters removed, runs of spaces collapsed, lines kept."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").translate(_QUOTES)
    text = "".join(char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()
