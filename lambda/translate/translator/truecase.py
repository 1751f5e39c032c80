"""Truecase sentence-initial English words by the source vocabulary's frequency order (lower id = seen more often)."""

from __future__ import annotations

from collections.abc import Mapping


def commonest_casing(word: str, vocabulary: Mapping[str, int]) -> str:
    """Return the casing of word the model saw most often; all-caps words and unknown words stay as written."""
    if len(word) > 1 and word.isupper():
        return word
    candidates = [casing for casing in {word, word.lower(), word[:1].upper() + word[1:]} if casing in vocabulary]
    return min(candidates, key=vocabulary.__getitem__) if candidates else word


def truecase(tokens: list[str], vocabulary: Mapping[str, int] | None) -> list[str]:
    """Recase the first word of a sentence, after a colon and after an opening quote; other words keep their case."""
    if not vocabulary:
        return list(tokens)
    result, initial, open_quote = [], True, False
    for token in tokens:
        if token.isalpha() or any(char.isalpha() for char in token):  # most tokens are words: no generator
            result.append(commonest_casing(token, vocabulary) if initial else token)
            initial = False
            continue
        result.append(token)
        if token == ":":
            initial = True
        elif token == '"':
            open_quote = not open_quote
            initial = initial or open_quote
    return result
