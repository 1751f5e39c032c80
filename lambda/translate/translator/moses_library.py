"""sacremoses' tokenizer and detokenizer, loaded at a fraction of its import cost and with the same output.

sacremoses is used as it ships; what changes is how it loads and which of its steps run, never what it returns:
- only the submodules we use are imported (translator/lean_import.py): its package `__init__` would also import its
  normalizer (and `regex`) and truecaser, which we never call;
- its `util` imports joblib and tqdm for its command line's parallel mode; while `util` loads, stand-ins take their
  names (unless the real ones are already loaded) and are removed again; calling them raises;
- its classes compile about a hundred regexes as they are defined, whose character classes list about 11,000
  characters one by one; while `tokenize` loads, those classes are given as ranges of the same characters and each
  regex compiles at its first use (most are for other languages or its Penn mode); the class attributes are then
  set back to the full listings, which its methods read;
- its e-mail pattern scans a run of word characters from each of its positions (a long word beside an address costs
  its length squared): `tokenize` gets a `re` whose compile() gives that pattern as `LinearEmailPattern`, which finds
  the same matches in linear time.
`MosesTokenizer` also answers `islower`/`isanyalpha` from sets built once instead of on every call, skips the
substitutions of `tokenize` that can find nothing, and tokenizes a plain sentence without the chain of substitutions
that would only set its commas and final mark apart; `MosesDetokenizer` joins words and punctuation without its
per-token loop. tests/translator/test_moses_library.py compares each with the library as it ships.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

from translator.lean_import import without_package_init

_PACKAGE = "sacremoses"
# The Perl Unicode property classes that sacremoses pastes into regex character classes.
_CLASS_CATEGORIES = ("IsN", "IsAlnum", "IsSc", "IsSo", "IsAlpha", "IsLower")
_SPECIAL_IN_CLASS = frozenset("\\]-[^&~|")
# Names sacremoses.util imports from them, used only by its parallel command-line mode.
_STAND_INS = {"joblib": ("Parallel", "delayed"), "tqdm": ("tqdm",)}


class UnavailableInLambda(RuntimeError):
    """A sacremoses helper that the function does not ship was called."""


def _unavailable(*_: object, **__: object) -> None:
    raise UnavailableInLambda("sacremoses' parallel mode needs joblib and tqdm, which the function does not ship")


@cache
def class_ranges(chars: str) -> str:
    """The same set of characters as a regex character class body of ranges ("a-z" and the like)."""
    points = sorted(set(map(ord, chars)))
    parts: list[str] = []
    start = previous = None
    for point in [*points, None]:
        if previous is not None and point == previous + 1:
            previous = point
            continue
        if start is not None:
            parts.append(_class_char(start) if start == previous else f"{_class_char(start)}-{_class_char(previous)}")
        start = previous = point
    return "".join(parts)


def _class_char(point: int) -> str:
    char = chr(point)
    # Raw characters parse fastest; the few that are special in a class (or in a future set syntax) are escaped.
    return "\\" + char if char in _SPECIAL_IN_CLASS else char


@contextmanager
def _stand_ins() -> Iterator[None]:
    added = []
    for name, attributes in _STAND_INS.items():
        if name in sys.modules:
            continue
        module = types.ModuleType(name)
        for attribute in attributes:
            setattr(module, attribute, _unavailable)
        sys.modules[name] = module
        added.append(name)
    try:
        yield
    finally:
        for name in added:
            del sys.modules[name]


@contextmanager
def _ranges_for_classes(corpus: types.ModuleType, listings: dict[str, str]) -> Iterator[None]:
    perluniprops = corpus.Perluniprops
    listing = perluniprops.chars

    def chars(self: object, category: str | None = None) -> Iterator[str]:
        if category in listings:
            yield class_ranges(listings[category])
        else:
            yield from listing(self, category)

    perluniprops.chars = chars
    try:
        yield
    finally:
        perluniprops.chars = listing


class _LazyPattern:
    """A compiled regex that compiles on first use: the library's classes compile a hundred, most never used here."""

    def __init__(self, *arguments: object) -> None:
        self._arguments = arguments

    def __getattr__(self, name: str) -> object:
        # Called only for what is not yet an attribute: compile once, then keep each method used as an attribute
        # of this object, so that later calls cost what a compiled pattern's do.
        if name.startswith("__") or name == "_arguments":
            raise AttributeError(name)
        value = getattr(re.compile(*self._arguments), name)
        setattr(self, name, value)
        return value


@contextmanager
def _lazy_compiles() -> Iterator[types.ModuleType]:
    # The module imports `re` as it loads: it gets a copy whose compile() defers, and the real `re` afterwards.
    lazy = types.ModuleType("re")
    lazy.__dict__.update(re.__dict__)
    lazy.compile = _LazyPattern
    sys.modules["re"] = lazy
    try:
        yield lazy
    finally:
        sys.modules["re"] = re


# The e-mail pattern of sacremoses' MosesTokenizer.WEB_PROTECTED_PATTERNS that LinearEmailPattern runs: only this
# exact pattern is replaced (a library release with another one gets the plain regex, slower but the same).
EMAIL_PATTERN = r"[\w\-\_\.]+\@([\w\-\_]+\.)+[a-zA-Z]{2,}"
# The characters of its local part: a match begins with a run of them, up to the @.
_LOCAL_PART_CLASS = r"[\w\-\_\.]"


class LinearEmailPattern:
    """sacremoses' e-mail pattern: the same matches, in the same order, in time linear in the text's length.

    A regex search tries every position, and from each one inside a run of local-part characters the pattern reads
    to the run's end before it fails. But a match can only begin where a search starts or where such a run does: if
    it matched later in a run, the same characters from the run's first searched position would match too, and that
    position comes first. So each search first tries where it starts (only there can a run be entered midway: the
    previous match ended inside one), then only at the runs' first characters.
    """

    def __init__(self, flags: int = re.IGNORECASE) -> None:
        self.pattern, self.flags = EMAIL_PATTERN, flags
        self._anchored = re.compile(EMAIL_PATTERN, flags)
        self._run_start = re.compile(f"(?<!{_LOCAL_PART_CLASS})(?:{EMAIL_PATTERN})", flags)
        self._local = re.compile(_LOCAL_PART_CLASS, flags)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        position = 0
        while True:
            inside_run = position > 0 and self._local.match(text, position - 1) is not None
            match = (inside_run and self._anchored.match(text, position)) or self._run_start.search(text, position)
            if match is None:
                return
            yield match
            position = match.end()  # never the start again: a match is at least five characters long


def protected_regex(pattern: str) -> re.Pattern[str] | LinearEmailPattern:
    """A protected pattern compiled as sacremoses' tokenize compiles it (re.IGNORECASE), the e-mail one linear."""
    return _compile(pattern, re.IGNORECASE)


@cache
def _linear_email(flags: int) -> LinearEmailPattern:
    return LinearEmailPattern(flags)


def _compile(pattern: str, flags: int = 0) -> re.Pattern[str] | LinearEmailPattern:
    return _linear_email(flags) if pattern == EMAIL_PATTERN else re.compile(pattern, flags)


@cache
def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def _search(pattern: str, string: str, flags: int = 0) -> re.Match[str] | None:
    # re.search looks its pattern up in re's own cache on every call; sacremoses calls it once per token with one of
    # a few literal patterns, which this cache (no eviction, no flag checks) answers sooner.
    return _compiled(pattern, flags).search(string)


def _linear_email_re() -> types.ModuleType:
    """The `re` that sacremoses' tokenize uses: the real one, but for compile() of its e-mail pattern and search()."""
    module = types.ModuleType("re")
    module.__dict__.update(re.__dict__)
    module.compile = _compile
    module.search = _search
    return module


def first_cjk_character(ranges: list[tuple[int, int]]) -> str:
    """The first character of the library's CJK ranges: every character below it is not CJK to it."""
    return chr(min(start for start, _ in ranges))


def _before_cjk_is_not(is_cjk: Callable[[str], bool], ranges: list[tuple[int, int]]) -> Callable[[str], bool]:
    """The library's is_cjk, answering False at once below its first CJK range (Latin text never reaches its loop)."""
    first = first_cjk_character(ranges)

    def is_cjk_character(character: str) -> bool:
        return character >= first and is_cjk(character)

    return is_cjk_character


def _load() -> types.ModuleType:
    if f"{_PACKAGE}.tokenize" in sys.modules:
        return sys.modules[f"{_PACKAGE}.tokenize"]
    with without_package_init(_PACKAGE):
        corpus = importlib.import_module(f"{_PACKAGE}.corpus")
        with _stand_ins():
            importlib.import_module(f"{_PACKAGE}.util")
        listings = {category: "".join(corpus.Perluniprops().chars(category)) for category in _CLASS_CATEGORIES}
        with _ranges_for_classes(corpus, listings), _lazy_compiles():
            tokenize = importlib.import_module(f"{_PACKAGE}.tokenize")
        tokenize.re = _linear_email_re()
        tokenize.is_cjk = _before_cjk_is_not(tokenize.is_cjk, sys.modules[f"{_PACKAGE}.util"]._CJKChars_ranges)
    # Its methods (and the CJK languages' __init__) read these as listings of characters.
    viramas_and_nuktas = "".join(tokenize.VIRAMAS) + "".join(tokenize.NUKTAS)
    for cls in (tokenize.MosesTokenizer, tokenize.MosesDetokenizer):
        for category, chars in listings.items():
            if category in vars(cls):
                with_marks = category in ("IsAlnum", "IsAlpha") and cls is tokenize.MosesTokenizer
                setattr(cls, category, chars + viramas_and_nuktas if with_marks else chars)
    return tokenize


_tokenize = _load()
NonbreakingPrefixes = sys.modules[f"{_PACKAGE}.corpus"].NonbreakingPrefixes


def _holding(literal: str) -> Callable[[str], bool]:
    return lambda text: literal in text


def _irregular_space(text: str) -> bool:
    # Every whitespace character but the ASCII space, and every control character, is unprintable to Python: in a
    # printable text without two spaces in a row, each match of r"\s+" is one space, replaced by itself.
    return not text.isprintable() or "  " in text


def _always(_: str) -> bool:
    return True


# The (regex, replacement) pairs, or lists of them, that MosesTokenizer.tokenize applies with regexp.sub(...), each
# with a test that is true of every text in which one of its regexes can match (or change something).
TOKENIZE_SUBSTITUTIONS: dict[str, Callable[[str], bool]] = {
    "DEDUPLICATE_SPACE": _irregular_space,
    "ASCII_JUNK": lambda text: not text.isprintable(),  # r"[\000-\037]": control characters
    "PAD_NOT_ISALNUM": _always,
    "AGGRESSIVE_HYPHEN_SPLIT": _holding("-"),
    "COMMA_SEPARATE_1": _holding(","),
    "COMMA_SEPARATE_2": _holding(","),
    "COMMA_SEPARATE_3": _holding(","),
    "ENGLISH_SPECIFIC_APOSTROPHE": _holding("'"),
    "FR_IT_SPECIFIC_APOSTROPHE": _holding("'"),
    "NON_SPECIFIC_APOSTROPHE": _holding("'"),
    "TRAILING_DOT_APOSTROPHE": _holding(".'"),
}


class _SubIfFound:
    """A regex whose sub() returns the text as it is when nothing matches, without preparing its replacement.

    re's sub() with a replacement holding group references ("\\1 , ") calls back into Python to parse it on every
    call, matches or not: most of a short sentence's substitutions find nothing, and a search costs a fraction. A
    text that fails the substitution's test (TOKENIZE_SUBSTITUTIONS) is not even searched.
    """

    __slots__ = ("_may_match", "_pattern")

    def __init__(self, pattern: object, may_match: Callable[[str], bool] = _always) -> None:
        self._pattern = pattern  # compiled at its first use (see _LazyPattern)
        self._may_match = may_match

    def sub(self, replacement: str, text: str, count: int = 0) -> str:
        if not self._may_match(text) or self._pattern.search(text) is None:
            return text
        return self._pattern.sub(replacement, text, count)


def _skipping(substitution: tuple | list, may_match: Callable[[str], bool]) -> tuple | list:
    if isinstance(substitution, list):
        return [_skipping(pair, may_match) for pair in substitution]
    pattern, replacement = substitution
    return (_SubIfFound(pattern, may_match), replacement)


# The regexes MosesDetokenizer.tokenize tests each token with (.search(token), its truth only): pure functions of
# the token, and words repeat, so each instance remembers what they found for up to this many tokens.
DETOKENIZE_TOKEN_TESTS = (
    "IS_CURRENCY_SYMBOL",
    "IS_PUNCT",
    "IS_ENGLISH_CONTRACTION",
    "IS_FRENCH_CONRTACTION",
    "STARTS_WITH_ALPHA",
    "IS_OPEN_QUOTE",
    "FINNISH_REGEX",
)
MAX_REMEMBERED_TOKENS = 50_000
# Longer tokens are searched each time: the memory stays a few MB whatever the input.
MAX_REMEMBERED_TOKEN_LENGTH = 40


class _RememberedSearch:
    """A regex's search(), remembered per text (at most MAX_REMEMBERED_TOKENS of them, each at most
    MAX_REMEMBERED_TOKEN_LENGTH long; then it starts afresh)."""

    __slots__ = ("_found", "_pattern")

    def __init__(self, pattern: object) -> None:
        self._pattern = pattern
        self._found: dict[str, re.Match[str] | None] = {}

    def search(self, text: str) -> re.Match[str] | None:
        try:
            return self._found[text]
        except KeyError:
            pass
        if len(text) > MAX_REMEMBERED_TOKEN_LENGTH:
            return self._pattern.search(text)
        if len(self._found) >= MAX_REMEMBERED_TOKENS:
            self._found.clear()
        found = self._found[text] = self._pattern.search(text)
        return found


class _Listing(list):
    """A list of strings whose `in` is a set lookup: the library keeps its prefixes in lists and scans them per token.

    The set is built again when the list's length changed (an entry appended or removed, as the library's own custom
    prefix file loading does to a plain list).
    """

    def __init__(self, items: list[str]) -> None:
        super().__init__(items)
        self._members = frozenset(items)
        self._size = len(items)

    def __contains__(self, item: object) -> bool:
        if len(self) != self._size:
            self._members, self._size = frozenset(self), len(self)
        return item in self._members


# Plain sentences: ASCII words of letters and digits (maybe joined by single dots or hyphens, maybe ending in a dot:
# "U.S.", "e.g.", "3-5"), one space apart, a comma after any but the last, maybe a ? or ! at the end.
_PLAIN_WORD = r"[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*\.?"
_PLAIN_SENTENCE = re.compile(f"{_PLAIN_WORD}(?:,? {_PLAIN_WORD})*[?!]?")
# Plain sentences tokenize alike in these languages (others have their own rules for words, apostrophes, numbers).
_PLAIN_TOKENIZE_LANGUAGES = frozenset({"en", "de"})
# The languages whose detokenizer treats words and IS_PUNCT tokens only as below (no contractions, no number rules).
_PLAIN_DETOKENIZE_LANGUAGES = frozenset({"en", "de"})


@cache
def _punctuation_characters() -> frozenset[str]:
    """The ASCII characters of the library's IS_PUNCT class: a token made of them joins the word before it. (Taken
    from the regex itself; a character it might gain beyond ASCII would only send such a token to its loop.)"""
    return frozenset(
        character for character in map(chr, range(128)) if _tokenize.MosesDetokenizer.IS_PUNCT.search(character)
    )


class MosesDetokenizer(_tokenize.MosesDetokenizer):
    """sacremoses' detokenizer, remembering what its per-token tests found for each token.

    Output made only of words and punctuation joins as the library's loop joins it, without the loop.
    """

    def __init__(self, lang: str = "en") -> None:
        super().__init__(lang=lang)
        for name in DETOKENIZE_TOKEN_TESTS:
            setattr(self, name, _RememberedSearch(getattr(self, name)))
        self._cjk_from = first_cjk_character(sys.modules[f"{_PACKAGE}.util"]._CJKChars_ranges)
        self._punctuation = _punctuation_characters()

    def tokenize(self, tokens: list[str], return_str: bool = True, unescape: bool = True) -> str | list[str]:
        # A list or tuple only: an iterator read here would reach the library's loop empty.
        shortcut = return_str and self.lang in _PLAIN_DETOKENIZE_LANGUAGES and isinstance(tokens, list | tuple)
        joined = self._plain_text(tokens) if shortcut else None
        return super().tokenize(tokens, return_str, unescape) if joined is None else joined

    def _plain_text(self, tokens: list[str]) -> str | None:
        """Words (letters and digits, maybe with dots and hyphens; not CJK) one space apart, punctuation joined to
        the word before; None for anything else: quotes, currency, CJK, @-@, entities and empty tokens take the
        library's loop."""
        words: list[str] = []
        for token in tokens:
            if token[:1] < self._cjk_from and token.replace(".", "").replace("-", "").isalnum():
                words.append(token)
            elif token and self._punctuation.issuperset(token):
                if words:
                    words[-1] += token
                else:
                    words.append(token)
            else:
                return None
        return " ".join(words)


class MosesTokenizer(_tokenize.MosesTokenizer):
    """sacremoses' tokenizer, its character tests answered from sets built once, its empty substitutions skipped."""

    def __init__(self, lang: str = "en", custom_nonbreaking_prefixes_file: str | None = None) -> None:
        super().__init__(lang=lang, custom_nonbreaking_prefixes_file=custom_nonbreaking_prefixes_file)
        self._lower = frozenset(self.IsLower)
        self._alpha = frozenset(self.IsAlpha)
        for name, may_match in TOKENIZE_SUBSTITUTIONS.items():
            setattr(self, name, _skipping(getattr(self, name), may_match))
        self.NONBREAKING_PREFIXES = _Listing(self.NONBREAKING_PREFIXES)
        self.NUMERIC_ONLY_PREFIXES = _Listing(self.NUMERIC_ONLY_PREFIXES)

    def tokenize(
        self,
        text: str,
        aggressive_dash_splits: bool = False,
        return_str: bool = False,
        escape: bool = True,
        protected_patterns: list[str] | None = None,
    ) -> str | list[str]:
        # The library takes anything str() takes; the shortcut only a str.
        plain = (
            None
            if protected_patterns or not isinstance(text, str)
            else self._plain_tokens(text, aggressive_dash_splits)
        )
        if plain is None:
            return super().tokenize(text, aggressive_dash_splits, return_str, escape, protected_patterns)
        return " ".join(plain) if return_str else plain

    def _plain_tokens(self, text: str, aggressive_dash_splits: bool) -> list[str] | None:
        """A plain sentence's tokens as the library makes them, None for any other text.

        On such a sentence the library's substitutions only set each comma, ? and ! apart (there is nothing to
        escape, protect, junk or collapse, and no dot run to restore); which final dots are abbreviations its own
        handles_nonbreaking_prefixes decides, as in its chain. Its last step turns any "DOTMULTI" into dots, even
        one the user wrote: such a text takes the chain.
        """
        if (
            self.lang not in _PLAIN_TOKENIZE_LANGUAGES
            or (aggressive_dash_splits and "-" in text)
            or "DOTMULTI" in text
            or not _PLAIN_SENTENCE.fullmatch(text)
        ):
            return None
        spaced = text.replace(",", " ,")
        if spaced[-1] in "?!":
            spaced = f"{spaced[:-1]} {spaced[-1]}"
        return self.handles_nonbreaking_prefixes(spaced).split()

    def islower(self, text: str) -> bool:
        return self._lower.issuperset(text)

    def isanyalpha(self, text: str) -> bool:
        return not self._alpha.isdisjoint(text)

    def handles_nonbreaking_prefixes(self, text: str) -> str:
        # Only a token ending in "." can change; without one, the library's loop would rejoin the tokens as they are.
        return super().handles_nonbreaking_prefixes(text) if "." in text else " ".join(text.split())
