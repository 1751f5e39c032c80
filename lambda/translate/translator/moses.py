"""Moses tokenization of English input and detokenization of German output, as the training corpus was made."""

from __future__ import annotations

import re
from functools import cache

from sacremoses import MosesDetokenizer, MosesTokenizer


# Moses glues a currency symbol to what follows ("5 €pro Tag"); German puts it after the amount, spaced.
_CURRENCY_AFTER_AMOUNT = re.compile(r"(?<=\d )([$€£¥])(?=[^\s\d.,;:!?)\]])")


@cache
def _tokenizer() -> MosesTokenizer:
    return MosesTokenizer(lang="en")


@cache
def _detokenizer() -> MosesDetokenizer:
    return MosesDetokenizer(lang="de")


# Kept whole, so that the model sees one unknown word and <unk> replacement brings it back intact:
# URLs and e-mail addresses (sacremoses' own patterns), times and scores ("10:30", "3:2"), phone prefixes ("+49").
_EXTRA_PROTECTED = [r"\d+:\d+", r"\+\d+"]
_TRAILING_PUNCTUATION = re.compile(r"^(.+?)([.,;:!?)]+)$")


@cache
def _protected_patterns() -> list[str]:
    return [*_tokenizer().WEB_PROTECTED_PATTERNS, *_EXTRA_PROTECTED]


def tokenize_english(sentence: str) -> list[str]:
    """Split an English sentence into Moses tokens, unescaped (the corpus has no &amp; and the like)."""
    tokens = _tokenizer().tokenize(sentence, escape=False, aggressive_dash_splits=False, protected_patterns=_protected_patterns())
    # A protected URL swallows the sentence's final period ("see www.example.org."): give it back.
    split: list[str] = []
    for token in tokens:
        match = _TRAILING_PUNCTUATION.match(token) if ("." in token[:-1] or "@" in token or ":" in token) and len(token) > 1 else None
        if match and ("/" in token or "@" in token or token.lower().startswith("www.")):
            split.extend([match.group(1), *match.group(2)])
        else:
            split.append(token)
    return split


def detokenize_german(tokens: list[str]) -> str:
    """Join German Moses tokens into running text (German quotes and spacing)."""
    return _CURRENCY_AFTER_AMOUNT.sub(r"\1 ", _detokenizer().detokenize(tokens, unescape=True))


_FIRST_WORD = re.compile(r"[^\W_]\S*")


def capitalize_first(text: str) -> str:
    """Capitalize the sentence's first word (German sentences start with one; the model writes them truecased).

    Only a word written all in lower case is touched: "10km", "iPhone", "eBay" and URLs stay as they are.
    """
    match = _FIRST_WORD.search(text)
    if not match:
        return text
    word = match.group().rstrip(".,;:!?\"')]")
    if not word[0].isalpha() or not word.islower() or "://" in word or "@" in word:
        return text
    start = match.start()
    return text[:start] + word[0].title() + text[start + 1:]


# Direct speech after a colon opens with a capital in German ("Er sagte: "Das Auto ist rot.""); the source's
# capital was truecased away before the model saw it.
_DIRECT_SPEECH = re.compile(r'(:\s*["\u201e\u201c\u00bb\u00ab])([^"\u201c\u201d\u00ab\u00bb]*)')


def capitalize_direct_speech(text: str) -> str:
    """Capitalize the first word of quoted speech that follows a colon."""
    return _DIRECT_SPEECH.sub(lambda match: match.group(1) + capitalize_first(match.group(2)), text)
