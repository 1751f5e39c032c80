"""Input formats: which lines are translated, how German goes back, and bad input refused with file:line."""

from __future__ import annotations

import json

import pytest

from scripts.batch.formats import MAX_LINE_CHARS, BatchInputError, kind_of, parse, render, text_lines


def lines_of(data: bytes, name: str = "in.txt", chunk: int = 7) -> list[str]:
    return list(text_lines(name, (data[i : i + chunk] for i in range(0, len(data), chunk))))


def test_lines_are_decoded_across_chunks_without_line_ends_or_bom():
    assert lines_of("\ufeffeins\r\nzwei über\n\ndrei".encode()) == ["eins", "zwei über", "", "drei"]


def test_binary_file_is_refused_by_name():
    with pytest.raises(BatchInputError, match=r"^photo.txt: is a binary file, not text: use UTF-8 text files"):
        lines_of(b"\x89PNG\r\n\x1a\n\0\0\0", "photo.txt")


def test_latin1_is_refused_with_file_line_and_how_to_convert():
    with pytest.raises(BatchInputError, match=r"^old.txt:2: is not UTF-8 \(byte 4 of the line\).*iconv"):
        lines_of("fine\ncaf\xe9\n".encode("latin-1"), "old.txt")


def test_a_line_over_the_limit_is_refused_with_its_number():
    with pytest.raises(BatchInputError, match=rf"^big.txt:2: line has {MAX_LINE_CHARS + 1} characters"):
        lines_of(b"ok\n" + b"a" * (MAX_LINE_CHARS + 1) + b"\n", "big.txt", chunk=1 << 16)


def test_unsupported_suffix_names_the_allowed_ones():
    with pytest.raises(BatchInputError, match=r"report.pdf: .pdf is not supported: use .*\.txt, \.jsonl, \.srt"):
        kind_of("report.pdf")


def test_txt_translates_every_non_empty_line():
    parsed = list(parse(".txt", "a.txt", ["Hello.", "", "  "]))
    assert [line.text for line in parsed] == ["Hello.", None, None]
    assert render(".txt", parsed[0], "Hallo.\nWelt.") == "Hallo. Welt."
    assert render(".txt", parsed[1], None) == ""


def test_jsonl_replaces_only_the_named_field():
    parsed = list(parse(".jsonl", "a.jsonl", ['{"id": 7, "en": "Hello."}', ""], field="en"))
    assert parsed[0].text == "Hello." and parsed[1].text is None
    assert json.loads(render(".jsonl", parsed[0], "Hallo.", field="en")) == {"id": 7, "en": "Hallo."}


def test_jsonl_without_the_field_says_how_to_name_it():
    with pytest.raises(BatchInputError, match=r'^a.jsonl:1: has no string field "text": name the field with --field'):
        list(parse(".jsonl", "a.jsonl", ['{"en": "Hello."}']))
    with pytest.raises(BatchInputError, match=r"^a.jsonl:1: is not a JSON object"):
        list(parse(".jsonl", "a.jsonl", ["Hello."]))


def test_srt_translates_text_lines_and_keeps_numbers_and_timing():
    srt = [
        "1",
        "00:00:01,000 --> 00:00:02,500",
        "Hello.",
        "Good morning!",
        "",
        "2",
        "00:00:03,000 --> 00:00:04,000",
        "Bye.",
    ]
    assert [line.text for line in parse(".srt", "a.srt", srt)] == [
        None,
        None,
        "Hello.",
        "Good morning!",
        None,
        None,
        None,
        "Bye.",
    ]


def test_srt_without_timing_is_refused_with_its_line():
    with pytest.raises(BatchInputError, match=r"^a.srt:2: expected a timing line"):
        list(parse(".srt", "a.srt", ["1", "Hello."]))
