"""sacremoses' tokenizer and detokenizer, loaded at a fraction of its import cost and with the same output.

sacremoses is used as it ships, with three changes of how it loads and none of what it computes:
- only the submodules we use are imported: its package `__init__` would also import its normalizer (and `regex`)
  and truecaser, which we never call;
- its `util` imports joblib and tqdm for its command line's parallel mode; while `util` loads, stand-ins take their
  names (unless the real ones are already loaded) and are removed again; calling them raises;
- its classes compile regexes whose character classes list about 11,000 characters one by one (most of its
  import time); while `tokenize` loads, those classes are given as ranges of the same characters, and the class
  attributes are then set back to the full listings, which its methods read.
`Tokenizer` also answers `islower`/`isanyalpha` from sets built once instead of on every call.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

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


def class_ranges(chars: str) -> str:
    """The same set of characters as a regex character class body of ranges ("a-z" and the like)."""
    points = sorted({ord(char) for char in chars})
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
def _ranges_for_classes(corpus: types.ModuleType) -> Iterator[None]:
    perluniprops = corpus.Perluniprops
    listing = perluniprops.chars

    def chars(self: object, category: str | None = None) -> Iterator[str]:
        if category in _CLASS_CATEGORIES:
            yield class_ranges("".join(listing(self, category)))
        else:
            yield from listing(self, category)

    perluniprops.chars = chars
    try:
        yield
    finally:
        perluniprops.chars = listing


@contextmanager
def _bare_package() -> Iterator[None]:
    if _PACKAGE in sys.modules:
        yield
        return
    # A bare package object, so that importing a submodule does not run sacremoses/__init__.py.
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        raise ModuleNotFoundError(f"No module named {_PACKAGE!r}", name=_PACKAGE)
    package = types.ModuleType(_PACKAGE)
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    package.__file__ = spec.origin
    sys.modules[_PACKAGE] = package
    try:
        yield
    finally:
        # A later `import sacremoses` then runs the real __init__, which finds these submodules loaded.
        del sys.modules[_PACKAGE]


def _load() -> types.ModuleType:
    if f"{_PACKAGE}.tokenize" in sys.modules:
        return sys.modules[f"{_PACKAGE}.tokenize"]
    with _bare_package():
        corpus = importlib.import_module(f"{_PACKAGE}.corpus")
        with _stand_ins():
            importlib.import_module(f"{_PACKAGE}.util")
        with _ranges_for_classes(corpus):
            tokenize = importlib.import_module(f"{_PACKAGE}.tokenize")
    # Its methods (and the CJK languages' __init__) read these as listings of characters.
    viramas_and_nuktas = "".join(tokenize.VIRAMAS) + "".join(tokenize.NUKTAS)
    listings = {category: "".join(corpus.Perluniprops().chars(category)) for category in _CLASS_CATEGORIES}
    for cls in (tokenize.MosesTokenizer, tokenize.MosesDetokenizer):
        for category, chars in listings.items():
            if category in vars(cls):
                with_marks = category in ("IsAlnum", "IsAlpha") and cls is tokenize.MosesTokenizer
                setattr(cls, category, chars + viramas_and_nuktas if with_marks else chars)
    return tokenize


_tokenize = _load()
NonbreakingPrefixes = sys.modules[f"{_PACKAGE}.corpus"].NonbreakingPrefixes
MosesDetokenizer = _tokenize.MosesDetokenizer


class MosesTokenizer(_tokenize.MosesTokenizer):
    """sacremoses' tokenizer, its character tests answered from sets built once."""

    def __init__(self, lang: str = "en", custom_nonbreaking_prefixes_file: str | None = None) -> None:
        super().__init__(lang=lang, custom_nonbreaking_prefixes_file=custom_nonbreaking_prefixes_file)
        self._lower = frozenset(self.IsLower)
        self._alpha = frozenset(self.IsAlpha)

    def islower(self, text: str) -> bool:
        return self._lower.issuperset(text)

    def isanyalpha(self, text: str) -> bool:
        return not self._alpha.isdisjoint(text)
