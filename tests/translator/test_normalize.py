"""normalize(): NFC, ASCII quotes, no control characters, tidy spaces, kept line breaks."""

from __future__ import annotations

import pytest
from translator.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Hello,\t\tworld!  ", "Hello, world!"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # NFC: e + combining acute becomes one character
        ("don\u2019t \u201cquote\u201d", 'don\'t "quote"'),
        ("bell\x07 and\u200b zero width", "bell and zero width"),
        ("line one\r\n\r\n  line two ", "line one\n\nline two"),
        ("a  \n   b", "a\nb"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("\x00\x01 \n ", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from translator import normalize as module

QUOTES = str.maketrans(module._QUOTES | dict.fromkeys(module.LINE_BREAKS, "\n"))


def reference(text: str) -> str:
    # The straightforward version the table replaced (one Python-level category lookup per character).
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("\u2018([^\u2018\u2019\n]*)\u2019", r'"\1"', text).translate(QUOTES)
    text = "".join(
        char
        for char in text
        if char in "\n\t\u200c\u200d"
        or char.isspace()
        or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    text = re.sub(r"[^\S\n]+", " ", text)
    return re.sub(r"[^\S\n]*\n[^\S\n]*", "\n", text).strip()


def test_every_code_point_is_treated_as_the_reference_treats_it():
    for start in range(0, 0x110000, 0x8000):
        chunk = "".join(chr(c) for c in range(start, min(start + 0x8000, 0x110000)) if not 0xD800 <= c <= 0xDFFF)
        assert normalize(chunk) == reference(chunk), hex(start)


def test_the_table_stays_bounded():
    normalize("".join(chr(c) for c in range(0x20000, 0x40000)))
    assert len(module._TABLE) <= module._TABLE_LIMIT


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_text_normalizes_like_the_reference(text):
    assert normalize(text) == reference(text)


def test_whitespace_controls_separate_words_and_line_separators_break_lines():
    assert normalize("The cat\tis\x0bblack.\x0cThe dog.\x1fIs\x85here") == "The cat is\nblack.\nThe dog. Is\nhere"
    assert normalize("Hello.\u2028World.\u2029Again.") == "Hello.\nWorld.\nAgain."
    assert normalize("a\x00b\u200bc") == "abc"
