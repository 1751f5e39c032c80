"""sacremoses' tokenizer and detokenizer, loaded at a fraction of its import cost and with the same output.

sacremoses is used as it ships; what changes is how it loads, never what it computes:
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
`MosesTokenizer` also answers `islower`/`isanyalpha` from sets built once instead of on every call, and skips the
substitutions of `tokenize` that find nothing without expanding their templates.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from translator.lean_import import without_package_init

_PACKAGE = "sacremoses"
# The Perl Unicode property classes that sacremoses pastes into regex character classes.
_CLASS_CATEGORIES = ("IsN", "IsAlnum", "IsSc", "IsSo", "IsAlpha", "IsLower")
# Names sacremoses.util imports from them, used only by its parallel command-line mode.
_SPECIAL_IN_CLASS = frozenset("\\]-[^&~|")
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


def _linear_email_re() -> types.ModuleType:
    """The `re` that sacremoses' tokenize uses: the real one, but for compile() of its e-mail pattern."""
    module = types.ModuleType("re")
    module.__dict__.update(re.__dict__)
    module.compile = _compile
    return module


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
MosesDetokenizer = _tokenize.MosesDetokenizer


# The (regex, replacement) pairs, or lists of them, that MosesTokenizer.tokenize applies with regexp.sub(...).
_TOKENIZE_SUBSTITUTIONS = (
    "ASCII_JUNK",
    "PAD_NOT_ISALNUM",
    "AGGRESSIVE_HYPHEN_SPLIT",
    "COMMA_SEPARATE_1",
    "COMMA_SEPARATE_2",
    "COMMA_SEPARATE_3",
    "ENGLISH_SPECIFIC_APOSTROPHE",
    "FR_IT_SPECIFIC_APOSTROPHE",
    "NON_SPECIFIC_APOSTROPHE",
    "TRAILING_DOT_APOSTROPHE",
)


class _SubIfFound:
    """A regex whose sub() returns the text as it is when nothing matches, without preparing its replacement.

    re's sub() with a replacement holding group references ("\\1 , ") calls back into Python to parse it on every
    call, matches or not: most of a short sentence's substitutions find nothing, and a search costs a fraction.
    """

    __slots__ = ("_pattern",)

    def __init__(self, pattern: object) -> None:
        self._pattern = pattern  # compiled at its first use (see _LazyPattern)

    def sub(self, replacement: str, text: str, count: int = 0) -> str:
        return text if self._pattern.search(text) is None else self._pattern.sub(replacement, text, count)


def _skipping(substitution: tuple | list) -> tuple | list:
    if isinstance(substitution, list):
        return [_skipping(pair) for pair in substitution]
    pattern, replacement = substitution
    return (_SubIfFound(pattern), replacement) if "\\" in replacement else substitution


class MosesTokenizer(_tokenize.MosesTokenizer):
    """sacremoses' tokenizer, its character tests answered from sets built once, its empty substitutions skipped."""

    def __init__(self, lang: str = "en", custom_nonbreaking_prefixes_file: str | None = None) -> None:
        super().__init__(lang=lang, custom_nonbreaking_prefixes_file=custom_nonbreaking_prefixes_file)
        self._lower = frozenset(self.IsLower)
        self._alpha = frozenset(self.IsAlpha)
        for name in _TOKENIZE_SUBSTITUTIONS:
            setattr(self, name, _skipping(getattr(self, name)))

    def islower(self, text: str) -> bool:
        return self._lower.issuperset(text)

    def isanyalpha(self, text: str) -> bool:
        return not self._alpha.isdisjoint(text)
