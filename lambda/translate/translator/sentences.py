"""Split one line of normalized English into sentences, not at abbreviations, initials, decimals or mid-sentence ellipses."""

from __future__ import annotations

import re
from functools import cache

from translator.moses_library import NonbreakingPrefixes

# A sentence may end where terminal punctuation (and closing quotes or brackets) meets whitespace.
# The lookbehind and possessive runs keep a long run of dots linear: a match only starts where a run does.
_CANDIDATE = re.compile(r"(?<![.!?\u2026])([.!?\u2026]++)([\"')\]]*+)\s+(?=\S)")
# Common abbreviations Moses' list lacks: before a number ("Fig. 3"), and anywhere ("approx. Five").
_EXTRA_NUMERIC = frozenset({"Fig", "Figs", "Vol", "Vols", "Ch", "Sec", "Eq", "Tab", "Ref", "Refs", "p", "no", "nr"})
_EXTRA_ALWAYS = frozenset({"approx", "ca", "cf", "Mt", "Ave", "Blvd", "Dept", "Univ", "Sept"})
_ET_AL = re.compile(r"\bet al\.$", re.IGNORECASE)
_ACRONYM = re.compile(r"^(?:[^\W\d_]+\.)+[^\W\d_]+$")  # U.S, e.g, i.e, Ph.D
# Followed by a lower-case word, never a sentence end, whatever their case: "apples etc. are", "Acme Inc. is",
# "ask mrs. jones". Only forms that are not also ordinary words ("a fig.", "the dr.", "a sec." end sentences).
_LOWER_ABBREVIATIONS = frozenset(
    {
        "etc",
        "vs",
        "incl",
        "esp",
        "resp",
        "approx",
        "ca",
        "cf",
        "inc",
        "ltd",
        "co",
        "corp",
        "llc",
        "jr",
        "sr",
        "mr",
        "mrs",
        "prof",
        "dept",
        "univ",
        "blvd",
        "ave",
        "figs",
        "vols",
        "eds",
        "refs",
        "lbs",
        "oz",
        "sq",
        "pp",
        "yrs",
        "ft",
    }
)


@cache
def _nonbreaking() -> tuple[frozenset[str], frozenset[str]]:
    """Moses' English non-breaking prefixes: (always, only before a number)."""
    always, numeric = set(), set()
    for entry in NonbreakingPrefixes().words("en"):
        word, _, flag = entry.partition(" ")
        (numeric if flag == "#NUMERIC_ONLY#" else always).add(word)
    return frozenset(always) | _EXTRA_ALWAYS, frozenset(numeric) | _EXTRA_NUMERIC


def _starts_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or char in "\"'(["


def _ends_lower_case_sentence(marks: str, word: str) -> bool:
    """Chat-style text starts sentences in lower case ("i love it. it is good."): a '.', '!' or '?' after a
    real word still ends one; an ellipsis ("I was... tired") or an abbreviation does not."""
    if "\u2026" in marks or ".." in marks:
        return False
    if marks != ".":
        return True
    prefix = word.lstrip("\"'([")[:-1]
    always, numeric = _nonbreaking()
    # "No. of" and "Art. with" are references; a lower-case "no." ("i said no. he left") is the word.
    reference = prefix in numeric and prefix[:1].isupper()
    return (
        len(prefix) > 1
        and prefix.replace("'", "").replace("-", "").isalpha()
        and prefix.lower() not in _LOWER_ABBREVIATIONS
        and prefix not in always
        and not reference
    )


def _is_abbreviation(word: str, next_char: str) -> bool:
    always, numeric = _nonbreaking()
    prefix = word.lstrip("\"'([")[:-1]  # the word before its final period
    if prefix in always or _ACRONYM.match(prefix):
        return True
    return prefix in numeric and next_char.isdigit()


def split_sentences(line: str) -> list[str]:
    """Return the sentences of one line of text, in order, stripped; an empty line gives an empty list."""
    sentences, start = [], 0
    for match in _CANDIDATE.finditer(line):
        next_char = line[match.end()]
        # The word the punctuation ends, found from its end: re-splitting the sentence so far would be quadratic.
        word = line[max(line.rfind(" ", start, match.start()) + 1, start) : match.end(1)]
        if next_char.islower():
            if (
                match.group(2)
                or not word
                or not _ends_lower_case_sentence(match.group(1), word)
                or _ET_AL.search(line, start, match.end(1))
            ):
                continue
        elif (
            not _starts_sentence(next_char)
            or match.group(1) == "."
            and not match.group(2)
            and word
            and _is_abbreviation(word, next_char)
        ):
            continue
        sentences.append(line[start : match.end(2)].strip())
        start = match.end()
    rest = line[start:].strip()
    if rest:
        sentences.append(rest)
    return [sentence for sentence in sentences if sentence]
