"""HTML text-node translation for LibreTranslate's format "html": markup kept, prose translated in one call."""

from __future__ import annotations

import pytest
from translator.html_text import split_html, translate_html
from translator.service import Result


def upper(texts: list[str], continuing=()) -> Result:
    return Result([text.upper() for text in texts])


def recording(calls: list) -> object:
    """A translate function that records what it was handed and answers the texts unchanged."""

    def translate(texts: list[str], continuing=()) -> Result:
        calls.append((texts, continuing))
        return Result(list(texts))

    return translate


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<p class="x">Hello, <b>world</b>!</p>', '<p class="x">HELLO, <b>WORLD</b>!</p>'),
        (
            "<div>Tom &amp; Jerry<br/>go <script>var a = '<b>';</script> home</div>",
            "<div>TOM &amp; JERRY<br/>GO <script>var a = '<b>';</script> HOME</div>",
        ),
        ('<!-- note --><a href="/x?a=1&b=2">Link</a>', '<!-- note --><a href="/x?a=1&b=2">LINK</a>'),
        ("plain text", "PLAIN TEXT"),
        ("<p>  </p>", "<p>  </p>"),
    ],
)
def test_translate_html_keeps_markup(markup: str, expected: str) -> None:
    assert translate_html(markup, upper) == expected


def test_all_text_nodes_go_in_one_call() -> None:
    calls = []
    translate_html("<ul><li>one</li><li>two</li></ul>", recording(calls))
    assert calls == [(["one", "two"], set())]


@pytest.mark.parametrize(
    ("markup", "continuing"),
    [
        ("<p>The car is <b>red</b> and <a href='x'>the dog</a> sleeps.</p>", {1, 2, 3, 4}),
        ("<p>One.</p><p>Two <i>three</i>.</p>", {2, 3}),
        ("Stop. <b>Go</b> now", {2}),
        ("<li>a</li><li>b</li>", set()),
        ("line<br>next", set()),
    ],
)
def test_inline_fragments_continue_the_sentence_blocks_and_full_stops_end_it(markup: str, continuing: set) -> None:
    calls = []
    translate_html(markup, recording(calls))
    assert [seen for _, seen in calls] == [continuing]


def test_split_html_round_trips_markup() -> None:
    markup = '<p title="a &lt; b">x <i>y</i></p>'
    assert "".join(content for _, content in split_html(markup)) == '<p title="a &lt; b">x <i>y</i></p>'


def test_text_nodes_are_normalized_once_and_their_source_line_breaks_are_spaces() -> None:
    calls = []
    translate_html("<p>don\u2019t\n   stop</p><p>\u201cgo\u201d</p>", recording(calls))
    assert calls == [(["don't stop", '"go"'], set())]
