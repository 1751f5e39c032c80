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


def tokenize_english(sentence: str) -> list[str]:
    """Split an English sentence into Moses tokens, unescaped (the corpus has no &amp; and the like)."""
    return _tokenizer().tokenize(sentence, escape=False, aggressive_dash_splits=False)


def detokenize_german(tokens: list[str]) -> str:
    """Join German Moses tokens into running text (German quotes and spacing)."""
    return _CURRENCY_AFTER_AMOUNT.sub(r"\1 ", _detokenizer().detokenize(tokens, unescape=True))


def capitalize_first(text: str) -> str:
    """Upper-case the first letter of text (German sentences start with a capital; the model writes them truecased)."""
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.upper() + text[index + 1:]
    return text
