"""Translate the text nodes of an HTML or XML fragment and keep its markup (LibreTranslate's format "html", DeepL's
tag_handling "html" and "xml")."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from translator.normalize import normalize

if TYPE_CHECKING:
    from translator.service import Translate

# Text inside these elements is code or metadata, not prose.
_SKIP = frozenset({"script", "style", "code", "pre", "template", "noscript"})
# A sentence never runs across these: text after one starts afresh (with a capital).
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    }
)


@dataclass(frozen=True)
class Markup:
    """How a kind of markup reads: elements whose text is not translated, and elements a sentence never runs across."""

    skip: frozenset[str]
    blocks: frozenset[str]

    def ignoring(self, tags: Iterable[str]) -> Markup:
        """These rules, with the text of the given elements left as written too (DeepL's ignore_tags)."""
        return Markup(self.skip | {tag.strip().lower() for tag in tags if tag.strip()}, self.blocks)


HTML = Markup(_SKIP, _BLOCKS)
# XML names no element: all its text is translated, and sentences run across its tags (DeepL's tag_handling "xml").
XML = Markup(frozenset(), frozenset())

_TAG_NAME = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)")
_SENTENCE_END = (".", "!", "?", ":", '."', '!"', '?"', "…")


def split_html(markup: str, rules: Markup = HTML) -> list[tuple[bool, str]]:
    """Return (is_text, content) pieces whose contents concatenate back to the markup (text pieces unescaped)."""
    pieces: list[tuple[bool, str]] = []
    parser = _Recorder(markup, pieces, rules.skip)
    parser.feed(markup)
    parser.close()
    parser.flush_to(len(markup))
    return pieces


class _Recorder(HTMLParser):
    """Walks the markup by offset so every byte of non-text is kept exactly as written."""

    def __init__(self, markup: str, pieces: list[tuple[bool, str]], skipped: frozenset[str]) -> None:
        super().__init__(convert_charrefs=False)
        self._markup, self._pieces, self._done, self._skip = markup, pieces, 0, 0
        self._skipped = skipped
        self._line_starts = [0] + [index + 1 for index, char in enumerate(markup) if char == "\n"]

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def flush_to(self, end: int) -> None:
        if end > self._done:
            self._pieces.append((False, self._markup[self._done : end]))
            self._done = end

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.flush_to(self._offset() + len(self.get_starttag_text() or ""))
        self._skip += tag in self._skipped

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.flush_to(self._offset() + len(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        start = self._offset()
        self.flush_to(self._markup.index(">", start) + 1 if ">" in self._markup[start:] else len(self._markup))
        if tag in self._skipped and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        start = self._offset()
        self.flush_to(start)
        if self._skip or not data.strip():
            self.flush_to(start + len(data))
        else:
            self._pieces.append((True, data))
            self._done = start + len(data)

    def handle_entityref(self, name: str) -> None:
        self._entity(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._entity(f"&#{name};")

    def _entity(self, text: str) -> None:
        start = self._offset()
        self.flush_to(start)
        self._pieces.append((True, unescape(text)))
        self._done = start + len(text)


def translate_html(markup: str, translate: Translate, rules: Markup = HTML) -> str:
    """Translate every prose text node of markup with one call of translate(texts, continuing=...); markup stays as written."""
    pieces = _merged(split_html(markup, rules))
    # HTML source breaks lines anywhere: a text node is one run of prose, its line breaks are spaces.
    texts = [normalize(" ".join(content.split())) for is_text, content in pieces if is_text and content.strip()]
    translated = iter(translate(texts, continuing=_continuing(pieces, rules.blocks)).translations if texts else [])
    out = []
    for is_text, content in pieces:
        if is_text and content.strip():
            lead, trail = content[: len(content) - len(content.lstrip())], content[len(content.rstrip()) :]
            out.append(lead + escape(next(translated), quote=False) + trail)
        else:
            out.append(escape(content, quote=False) if is_text else content)
    return "".join(out)


def _continuing(pieces: list[tuple[bool, str]], blocks: frozenset[str]) -> Collection[int]:
    """Indexes (among the prose text nodes) of nodes that go on a sentence an earlier node began."""
    continuing, index, open_sentence = set(), 0, False
    for is_text, content in pieces:
        if not is_text:
            match = _TAG_NAME.match(content.lstrip())
            if match and match.group(1).lower() in blocks:
                open_sentence = False
            continue
        if not content.strip():
            continue
        if open_sentence:
            continuing.add(index)
        open_sentence = not content.rstrip().endswith(_SENTENCE_END)
        index += 1
    return continuing


def _merged(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Join neighbouring text pieces (text split by entities) into one text node."""
    merged: list[tuple[bool, str]] = []
    for is_text, content in pieces:
        if is_text and merged and merged[-1][0]:
            merged[-1] = (True, merged[-1][1] + content)
        else:
            merged.append((is_text, content))
    return merged
