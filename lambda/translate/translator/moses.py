"""Moses tokenization of English input and detokenization of German output, as the training corpus was made."""

from __future__ import annotations

import re
from functools import cache

from translator.errors import SentenceTooLong
from translator.moses_library import MosesDetokenizer, MosesTokenizer, protected_regex

# Moses glues a currency symbol to what follows ("5 €pro Tag"); German puts it after the amount, spaced.
_CURRENCY_AFTER_AMOUNT = re.compile(r"(?<=\d )([$€£¥])(?=[^\s\d.,;:!?)\]])")


@cache
def _tokenizer() -> MosesTokenizer:
    return MosesTokenizer(lang="en")


@cache
def _detokenizer() -> MosesDetokenizer:
    return MosesDetokenizer(lang="de")


# Kept whole, so that the model sees one unknown word and <unk> replacement brings it back intact:
# URLs and e-mail addresses (sacremoses' own patterns), times and scores ("10:30", "3:2"), phone prefixes ("+49"),
# and emoji sequences (a skin tone, a variation selector, a flag's two halves or a ZWJ family stay one symbol).
# Arrows and technical symbols are left out: they sit inside URLs and formulas ("a→b"), not beside words.
_PICTOGRAPH = (
    "[\u00a9\u00ae\u203c\u2049\u2122\u2600-\u27bf\u2b00-\u2bff"
    "\U0001f000-\U0001f1e5\U0001f200-\U0001faff][\ufe0f\U0001f3fb-\U0001f3ff]*"
)
# A run of them ("😂😂😂", "★★★★☆") is one symbol to the model, so one <unk> brings the whole run back.
_EMOJI = f"(?:[\U0001f1e6-\U0001f1ff]{{2}}|[0-9#*]\ufe0f?\u20e3|{_PICTOGRAPH}(?:\u200d{_PICTOGRAPH})*)+"
# A protected span glued to a word ("great👍") would take the word with it: emoji stand apart first.
_EMOJI_APART = re.compile(_EMOJI)
# Times and scores, phone prefixes. The lookbehind keeps a long run of digits linear (a match starts only where a
# run does, as the leftmost match would anyway).
_TIME = r"(?<!\d)\d+:\d+"
_PHONE = r"\+\d+"
# sacremoses swaps each protected span for a numbered placeholder and refuses (or, in older releases, garbles)
# past a thousand; a sentence that long is far over the model's limit anyway.
_MAX_PROTECTED = 500
_TRAILING_PUNCTUATION = ".,;:!?)"


# What every match of each protected pattern holds (sacremoses' URL pattern is "((https?|ftp|rsync)://|www\.)[^ ]*",
# case-insensitive; emoji are not ASCII). A sentence holding none of a pattern's marks is not scanned for it.
_URL_MARK = r"(?i:://|www\.)"
_NOT_ASCII_MARK = r"[^\x00-\x7f]"


@cache
def _protected() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each protected pattern, with a regex that finds something in every sentence it can match in.

    A sentence where the mark is not found is not scanned: the result is the same, a scan and sacremoses'
    placeholder work cheaper. (Its e-mail pattern, once quadratic in a word's length, is linear:
    translator/moses_library.py.)
    """
    urls, emails, handles, hashtags = _tokenizer().WEB_PROTECTED_PATTERNS
    marked = (
        (urls, _URL_MARK),
        (emails, "@"),
        (handles, "@"),
        (hashtags, "#"),
        (_TIME, ":"),
        (_PHONE, r"\+"),
        (_EMOJI, _NOT_ASCII_MARK),
    )
    return tuple((pattern, re.compile(mark)) for pattern, mark in marked)


@cache
def _any_mark() -> re.Pattern[str]:
    return re.compile("|".join(mark.pattern for _, mark in _protected()))


def _patterns_for(sentence: str) -> list[str]:
    """The protected patterns that can match in this sentence: none, after one search, for most sentences."""
    if _any_mark().search(sentence) is None:
        return []
    return [pattern for pattern, mark in _protected() if mark.search(sentence)]


def _protected_patterns() -> list[str]:
    return [pattern for pattern, _ in _protected()]


def _check_protected(sentence: str, patterns: list[str]) -> None:
    if len(sentence) <= _MAX_PROTECTED:  # every span is at least one character long
        return
    found = 0
    for pattern in patterns:
        for _ in protected_regex(pattern).finditer(sentence):
            found += 1
            if found > _MAX_PROTECTED:
                raise SentenceTooLong(
                    f"a sentence has more than {_MAX_PROTECTED} URLs, numbers, times or emoji; "
                    "split it into sentences of at most 60 words"
                )


def _split_trailing(token: str) -> tuple[str, str] | None:
    """A token's body and its trailing punctuation (at least one character each), or None if it has none."""
    body = token.rstrip(_TRAILING_PUNCTUATION)
    if body == token:
        return None
    # All punctuation: the body is its first character, as a non-greedy "(.+?)" would take.
    return (body, token[len(body) :]) if body else (token[0], token[1:])


def tokenize_english(sentence: str, tokenizer: MosesTokenizer | None = None) -> list[str]:
    """Split an English sentence into Moses tokens, unescaped (the corpus has no &amp; and the like)."""
    if not sentence.isascii():  # every emoji is not
        sentence = _EMOJI_APART.sub(r" \g<0> ", sentence)
    patterns = _patterns_for(sentence)
    _check_protected(sentence, patterns)
    tokens = (tokenizer or _tokenizer()).tokenize(
        sentence, escape=False, aggressive_dash_splits=False, protected_patterns=patterns
    )
    # A protected URL swallows the sentence's final period ("see www.example.org."): give it back.
    split: list[str] = []
    for token in tokens:
        parts = (
            _split_trailing(token) if ("." in token[:-1] or "@" in token or ":" in token) and len(token) > 1 else None
        )
        if parts and ("/" in token or "@" in token or token.lower().startswith("www.")):
            split.extend([parts[0], *parts[1]])
        else:
            split.append(token)
    return split


def detokenize_german(tokens: list[str]) -> str:
    """Join German Moses tokens into running text (German quotes and spacing)."""
    # Unescaping only rewrites "&...;" entities: without an "&" it would change nothing, at 11 regexes a sentence.
    text = _detokenizer().detokenize(tokens, unescape="&" in "".join(tokens))
    # re's sub() parses a "\1" replacement on every call, matches or not: most sentences hold no currency symbol.
    return _CURRENCY_AFTER_AMOUNT.sub(r"\1 ", text) if _CURRENCY_AFTER_AMOUNT.search(text) else text


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
    return text[:start] + word[0].title() + text[start + 1 :]


# Direct speech after a colon opens with a capital in German ("Er sagte: "Das Auto ist rot.""); the source's
# capital was truecased away before the model saw it.
_DIRECT_SPEECH = re.compile(r'(:\s*["\u201e\u201c\u00bb\u00ab])([^"\u201c\u201d\u00ab\u00bb]*)')


def capitalize_direct_speech(text: str) -> str:
    """Capitalize the first word of quoted speech that follows a colon."""
    return _DIRECT_SPEECH.sub(lambda match: match.group(1) + capitalize_first(match.group(2)), text)


def german_text(tokens: list[str], *, starts_sentence: bool) -> str:
    """Model output tokens (unknown words already repaired) as German text: detokenized, with its capitals back."""
    german = capitalize_direct_speech(detokenize_german(tokens))
    return capitalize_first(german) if starts_sentence else german
