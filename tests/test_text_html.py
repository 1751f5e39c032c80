"""HTML text-node translation and form reading for LibreTranslate's format "html" and form bodies."""

from __future__ import annotations

import pytest
from translator.errors import BadRequest
from translator.forms import read_fields
from translator.html_text import split_html, translate_html


def upper(texts: list[str], continuing=()) -> list[str]:
    return [text.upper() for text in texts]


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
    translate_html(
        "<ul><li>one</li><li>two</li></ul>", lambda texts, continuing: calls.append((texts, continuing)) or texts
    )
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
    seen = []
    translate_html(markup, lambda texts, continuing: seen.append(continuing) or texts)
    assert seen == [continuing]


def test_split_html_round_trips_markup() -> None:
    markup = '<p title="a &lt; b">x <i>y</i></p>'
    assert "".join(content for _, content in split_html(markup)) == '<p title="a &lt; b">x <i>y</i></p>'


def test_read_fields_from_json_urlencoded_and_multipart() -> None:
    assert read_fields('{"q": ["a", "b"]}', "application/json") == {"q": ["a", "b"]}
    assert read_fields("q=Hello%2C+world&q=Hi&target=de", "application/x-www-form-urlencoded; charset=utf-8") == {
        "q": ["Hello, world", "Hi"],
        "target": "de",
    }
    body = '--b\r\nContent-Disposition: form-data; name="q"\r\n\r\nHällo\r\n--b--\r\n'
    assert read_fields(body, "multipart/form-data; boundary=b") == {"q": "Hällo"}
    with pytest.raises(BadRequest, match="neither valid JSON nor a form"):
        read_fields("q=1", "text/plain")
