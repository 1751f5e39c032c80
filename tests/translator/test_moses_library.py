"""The quickly loaded sacremoses answers byte for byte as the library loaded as it ships, and leaves out what we don't use."""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from translator import moses, moses_library

REAL_SENTENCES = [
    "Hello, A&B <x> don't!",
    "It costs $3.14 in the U.S., e.g. at Joe's Bar & Grill (5th Ave.).",
    "Mr. Smith met Dr. Jones at 10:30 a.m. on Jan. 5, 2024 -- they'd ''never'' met before...",
    "Send it to jane.doe@example.co.uk or see https://example.org/a/b?c=d#e, then tweet @moses_smt #nlp.",
    "The U.N. and the E.U. agreed: 5,300 people (i.e. 12%) voted \"yes\"; the rest said 'no'.",
    "Naïve café owners in Zürich sold 3½ crêpes for 4 € — not £5 or ¥600!",
    "He said: 'It's the 1990's, isn't it?' and left... Really?!",
    "Prices rose 3.5% vs. last year; see Fig. 3 and pp. 12-14 (cf. Smith et al.).",
    "She wrote and/or edited 20/30 pages of the well-known A-B-C guide [2nd ed.] {draft}.",
    "Ph.D. students at U.C.L.A. can't, won't, and shouldn't go gonna wanna gimme 'tis.",
    "Call +49 30 1234567 or 555-1234 at 9:00; emoji 👍🏽 and 🇩🇪 stay whole.",
    "Der Hund — ein Dackel — lief über die Straße, z.B. nach Köln.",
    "नमस्ते दुनिया, 中文 テスト 한국어 Ελληνικά русский текст.",
    "...and then... well.... nothing . . . at all ....",
    "A sentence with a trailing quote.'",
]
GERMAN_TOKENS = [
    "hallo , Welt !",
    'er sagte : " ich weiß es nicht " .',
    "„ ja “ , sagte er .",
    "das kostet 3,14 € ( ungefähr ) .",
    "es kostet 5 € pro Tag , 10 % mehr .",
    "das ist ' s Haus von Peter ' s Freund , nicht wahr ?",
    "sie hat 2 @-@ mal $ 5 bezahlt ... oder ?",
]

# Letters, digits and every character the tokenizer's rules look at, plus a sample of other Unicode.
_ALPHABET = st.one_of(
    st.sampled_from(list("aAzZ09 .,;:!?'\"`-/@#$%&*()[]{}<>|\\_+=~^…€£¥§°½’‘“”„«»—–\u00a0\t")),
    st.sampled_from(list("éüßçøñíΩжक़्中テ한")),
    st.characters(codec="utf-8"),
)
_TEXT = st.text(_ALPHABET, max_size=80)
_WORDS = st.lists(
    st.sampled_from(
        [
            "U.S.",
            "e.g.",
            "Mr.",
            "can't",
            "www.x.org",
            "a@b.de",
            "10:30",
            "+49",
            "5,300",
            "3.14",
            "...",
            "x.org.)",
            "#nlp",
        ]
    )
    | st.text(_ALPHABET, min_size=1, max_size=8),
    max_size=12,
).map(" ".join)

# Near misses and hits of the protected patterns: e-mail addresses, handles, hashtags, times, phone prefixes.
_PROTECTED_ISH = st.lists(
    st.sampled_from(["a", "Z", "1", ".", "-", "_", "@", "#", ":", "+", "de", ".org", " ", "é", "\u017f", "\u212a"]),
    max_size=40,
).map("".join)


# Long adversarial tokens beside what sacremoses' protected patterns look for: an @, an address, a URL, dots.
# At most 400 repeats: under the 500 protected spans past which tokenize_english refuses a sentence.
_LONG_UNIT = st.sampled_from(["a", "1", ".", "-", "_", "a.", "ab1", "x_y.", "a-", "é", "\u017f", "\u212a", "aB.", "a@"])
_BESIDE = st.sampled_from(
    ["", " ", "@", "@x", "@x.de", "x@y.de ", " x@y.de", "www.", "WwW.x", "http://x.org/", "FTP://", ".", "..", "#"]
)
_LONG_ADVERSARIAL = st.tuples(_BESIDE, _LONG_UNIT, st.integers(1, 300), _BESIDE, _BESIDE).map(
    lambda parts: parts[0] + parts[1] * parts[2] + parts[3] + parts[1] * (parts[2] // 3) + parts[4]
)
# What the e-mail pattern reads: its local part's and domain's characters, and the case-insensitive letters of its
# top-level domain (ſ and the Kelvin sign match [a-z] too).
_EMAIL_ALPHABET = st.sampled_from(list("aZk1_-.@ @.\u017f\u212a\u0130\u0131é#/"))


@cache
def _reference() -> object:
    """sacremoses.tokenize executed again as it ships: its regexes from the full character listings."""
    path = Path(sys.modules["sacremoses.tokenize"].__file__)
    spec = importlib.util.spec_from_file_location("reference_sacremoses_tokenize", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _pair(lang: str) -> tuple[object, object]:
    return moses_library.MosesTokenizer(lang=lang), _reference().MosesTokenizer(lang=lang)


_ORIGINAL_TRAILING_PUNCTUATION = re.compile(r"^(.+?)([.,;:!?)]+)$")


def _original_tokenize_english(sentence: str) -> list[str]:
    """translator.moses.tokenize_english as it was before this change: every protected pattern, on the library."""
    sentence = moses._EMOJI_APART.sub(r" \g<0> ", sentence)
    theirs = _pair("en")[1]
    patterns = [*theirs.WEB_PROTECTED_PATTERNS, r"\d+:\d+", r"\+\d+", moses._EMOJI]
    tokens = theirs.tokenize(sentence, escape=False, aggressive_dash_splits=False, protected_patterns=patterns)
    split: list[str] = []
    for token in tokens:
        match = (
            _ORIGINAL_TRAILING_PUNCTUATION.match(token)
            if ("." in token[:-1] or "@" in token or ":" in token) and len(token) > 1
            else None
        )
        if match and ("/" in token or "@" in token or token.lower().startswith("www.")):
            split.extend([match.group(1), *match.group(2)])
        else:
            split.append(token)
    return split


def _same_tokens(text: str) -> None:
    ours, theirs = _pair("en")
    for options in (
        {"escape": False, "aggressive_dash_splits": False, "protected_patterns": moses._protected_patterns()},
        {"escape": True, "aggressive_dash_splits": True, "return_str": True},
    ):
        assert ours.tokenize(text, **options) == theirs.tokenize(text, **options), (text, options)
    assert moses.tokenize_english(text) == _original_tokenize_english(text), text


def test_real_sentences_tokenize_as_the_library_does() -> None:
    for sentence in REAL_SENTENCES:
        _same_tokens(sentence)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_TEXT, _WORDS, _PROTECTED_ISH))
def test_random_text_tokenizes_as_the_library_does(text: str) -> None:
    _same_tokens(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_LONG_ADVERSARIAL)
def test_long_adversarial_tokens_tokenize_as_the_library_does(text: str) -> None:
    _same_tokens(text)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(_EMAIL_ALPHABET, max_size=60), _LONG_ADVERSARIAL))
def test_the_linear_email_pattern_finds_what_the_regex_finds(text: str) -> None:
    regex = re.compile(moses_library.EMAIL_PATTERN, re.IGNORECASE)
    expected = [(match.span(), match.group()) for match in regex.finditer(text)]
    linear = moses_library.protected_regex(moses_library.EMAIL_PATTERN)
    assert [(match.span(), match.group()) for match in linear.finditer(text)] == expected, text


def test_the_linear_email_pattern_is_the_one_sacremoses_uses() -> None:
    # Only this exact pattern runs linearly: a release that changed it would quietly be quadratic again.
    assert moses_library.MosesTokenizer.WEB_PROTECTED_PATTERNS[1] == moses_library.EMAIL_PATTERN
    compile_ = sys.modules["sacremoses.tokenize"].re.compile
    assert isinstance(compile_(moses_library.EMAIL_PATTERN, re.IGNORECASE), moses_library.LinearEmailPattern)
    assert compile_(r"\d+", re.IGNORECASE).pattern == r"\d+"
    # Back to back ("a@b.cc1@d.ee"): the second starts inside a run, where the previous match ended.
    text = "a@b.cc1@d.ee a@b.cc.x@d.ee, aaaa x@y.de"
    assert [m.group() for m in moses_library.protected_regex(moses_library.EMAIL_PATTERN).finditer(text)] == [
        "a@b.cc",
        "1@d.ee",
        "a@b.cc",
        ".x@d.ee",
        "x@y.de",
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(_ALPHABET, min_size=1, max_size=6), st.sampled_from(["'", '"', "€", "(", "."])), max_size=15
    )
)
def test_detokenizer_joins_as_the_library_does(tokens: list[str]) -> None:
    ours, theirs = moses_library.MosesDetokenizer(lang="de"), _reference().MosesDetokenizer(lang="de")
    assert ours.detokenize(tokens) == theirs.detokenize(tokens)
    for line in GERMAN_TOKENS:
        assert ours.detokenize(line.split(), unescape=True) == theirs.detokenize(line.split(), unescape=True)


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
def test_character_tests_answer_as_the_library_does(lang: str) -> None:
    ours, theirs = _pair(lang)
    for text in ["abc", "aBc", "a.b", "1.2", "...", "ß", "中", "é.", "", "I.B.M", "x\u0301"]:
        assert ours.islower(text) == theirs.islower(text)
        assert ours.isanyalpha(text) == theirs.isanyalpha(text)
    assert ours.tokenize("l'amour 中文 can't", escape=False) == theirs.tokenize("l'amour 中文 can't", escape=False)


def test_class_ranges_hold_exactly_the_listed_characters() -> None:
    every_character = "".join(map(chr, range(sys.maxunicode + 1)))
    listings = sys.modules["sacremoses.corpus"].Perluniprops()
    for category in moses_library._CLASS_CATEGORIES:
        listed = set("".join(listings.chars(category)))
        body = moses_library.class_ranges("".join(listed))
        assert set(re.findall(f"[{body}]", every_character)) == listed, category
        assert len(body) < len(listed), category


def test_the_class_attributes_are_the_libraries_listings_again() -> None:
    reference = _reference()
    for cls_name in ("MosesTokenizer", "MosesDetokenizer"):
        ours, theirs = getattr(moses_library, cls_name), getattr(reference, cls_name)
        for category in moses_library._CLASS_CATEGORIES:
            assert getattr(ours, category, None) == getattr(theirs, category, None), (cls_name, category)


def test_the_parallel_helpers_we_do_not_ship_refuse() -> None:
    util = sys.modules["sacremoses.util"]
    if "joblib" in sys.modules and util.Parallel is sys.modules["joblib"].Parallel:
        pytest.skip("joblib was imported before sacremoses in this process, so the library uses it")
    with pytest.raises(moses_library.UnavailableInLambda):
        list(util.parallelize_preprocess(str.upper, ["a"], processes=2))
    assert "joblib" not in sys.modules or sys.modules["joblib"].__dict__.get("Parallel") is not util.Parallel


# Plain sentences, the tokenizer's shortcut, and their near misses: abbreviations and single letters before the final
# period (the library keeps "Mr." whole), lower and upper case, commas, and words that only look plain.
_PLAIN_WORD = st.one_of(
    st.sampled_from(["Mr", "Dr", "No", "Art", "I", "A", "e", "vs", "etc", "St", "Nr", "z", "too", "Anna", "London"]),
    st.sampled_from(["U.S.", "e.g.", "i.e", "Jan.", "2020", "3-5", "5,300", "3.14", "a..b", "x-", "-x", "p.m.", "5."]),
    # The library turns any "DOTMULTI" into dots at its last step, even one the user wrote.
    st.sampled_from(["DOTMULTI", "xDOTDOTMULTIy", "DOTMULTIx", "dotmulti"]),
    st.text(st.sampled_from(list("aZqK09.-")), min_size=1, max_size=6),
)
_PLAIN_OR_NEAR = st.tuples(
    st.lists(st.tuples(_PLAIN_WORD, st.sampled_from(["", ","])), min_size=1, max_size=8),
    _PLAIN_WORD,
    st.sampled_from(["", ".", "?", "!", "..", ",", " .", "'", "-x", " ", "1"]),
).map(lambda parts: " ".join(word + comma for word, comma in parts[0]) + " " + parts[1] + parts[2])


@settings(max_examples=150, deadline=None)
@given(_PLAIN_OR_NEAR, st.sampled_from(["en", "de", "fr"]))
def test_plain_sentences_tokenize_as_the_library_does(text: str, lang: str) -> None:
    ours, theirs = _pair(lang)
    for options in ({"escape": False}, {"escape": True, "return_str": True}, {"aggressive_dash_splits": True}):
        assert ours.tokenize(text, **options) == theirs.tokenize(text, **options), (text, lang, options)
    if lang == "en":
        assert moses.tokenize_english(text) == _original_tokenize_english(text), text


def test_the_plain_shortcut_takes_plain_sentences_and_leaves_the_rest_to_the_library() -> None:
    ours, theirs = _pair("en")
    assert ours._plain_tokens("I love you, too.", False) == ["I", "love", "you", ",", "too", "."]
    assert ours._plain_tokens("Can you drive a car?", False) == ["Can", "you", "drive", "a", "car", "?"]
    # Which final dots are abbreviations, the library's own rule decides ("Mr." stays whole).
    abbreviated = "Mr. Smith of the U.S. paid 5 dollars, e.g. in Jan. 2020."
    assert ours._plain_tokens(abbreviated, False) == theirs.tokenize(abbreviated)
    assert ours._plain_tokens("Ask Mr.", False) == ["Ask", "Mr."]
    for other in ("It's 5 p.m.", "5,300 people", "a  b", "Hi!!", "(yes)", "a-b", "See DOTMULTI now."):
        assert ours._plain_tokens(other, other == "a-b") is None, other
    assert ours.tokenize("See xDOTMULTIy now.") == theirs.tokenize("See xDOTMULTIy now.") == ["See", "x.y", "now", "."]
    # What the library takes besides a str: anything str() takes.
    assert ours.tokenize(5) == theirs.tokenize(5) == ["5"]


def test_the_detokenizer_shortcut_leaves_an_iterator_to_the_library() -> None:
    ours, theirs = moses_library.MosesDetokenizer(lang="de"), _reference().MosesDetokenizer(lang="de")
    tokens = ["Haus", "'", "x", ","]
    assert ours.detokenize(iter(tokens)) == theirs.detokenize(iter(tokens)) == theirs.detokenize(tokens)


_GERMAN_TOKEN = st.one_of(
    st.sampled_from(["Haus", "ist", "groß", "Straße", "10", "3,5", "über", "中文", "テスト", "ß", "Ω", "x²"]),
    st.sampled_from([",", ".", "?", "!", ":", ";", "%", ")", "]", "}", "...", "?!", "\\", "(", "„", "“", '"', "'"]),
    st.sampled_from(["€", "$", "@-@", "&amp;", "", " ", "a b", "'s", "l'"]),
    st.text(_ALPHABET, min_size=1, max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_GERMAN_TOKEN, max_size=12), st.sampled_from(["de", "en", "fr", "cs", "zh"]))
def test_words_and_punctuation_detokenize_as_the_library_does(tokens: list[str], lang: str) -> None:
    ours, theirs = moses_library.MosesDetokenizer(lang=lang), _reference().MosesDetokenizer(lang=lang)
    for options in ({}, {"unescape": False}, {"return_str": False}):
        assert ours.detokenize(tokens, **options) == theirs.detokenize(tokens, **options), (tokens, lang, options)
    # Asked twice: what the per-token tests remember answers the second time.
    assert ours.detokenize(tokens) == theirs.detokenize(tokens)


def test_remembered_token_tests_start_afresh_past_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moses_library, "MAX_REMEMBERED_TOKENS", 3)
    search = moses_library._RememberedSearch(re.compile(r"^[.,]+$"))
    for token in ["a", ",", "b", "c", "..", ","]:
        assert bool(search.search(token)) == (token in {",", ".."})
        assert len(search._found) <= 3
    long_token = "." * (moses_library.MAX_REMEMBERED_TOKEN_LENGTH + 1)
    assert search.search(long_token) and long_token not in search._found


def test_cjk_test_answers_as_the_librarys_for_every_character() -> None:
    util = sys.modules["sacremoses.util"]
    fast = moses_library._before_cjk_is_not(util.is_cjk, util._CJKChars_ranges)
    every_character = [chr(point) for point in range(sys.maxunicode + 1)]
    assert [fast(character) for character in every_character] == [util.is_cjk(c) for c in every_character]
    assert _reference().is_cjk is util.is_cjk or _reference().is_cjk("\u1100") == fast("\u1100")


# Texts near what each substitution looks for: its literal, spaces of every kind, control characters.
_SUBSTITUTION_TEXT = st.lists(
    st.sampled_from(list("aZ9 ,.'-`\t\n\u00a0\u2003\u0085\x01\x1f?!é") + ["  ", ".'", "''"]), max_size=30
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_SUBSTITUTION_TEXT, st.sampled_from(sorted(moses_library.TOKENIZE_SUBSTITUTIONS)))
def test_a_substitution_skipped_by_its_test_would_change_nothing(text: str, name: str) -> None:
    may_match = moses_library.TOKENIZE_SUBSTITUTIONS[name]
    substitution = getattr(_pair("fr" if name == "FR_IT_SPECIFIC_APOSTROPHE" else "en")[1], name)
    for pattern, replacement in substitution if isinstance(substitution, list) else [substitution]:
        if not may_match(text):
            assert pattern.sub(replacement, text) == text, (name, text)


def test_prefix_listings_answer_in_as_lists_do() -> None:
    listing = moses_library._Listing(["Mr", "Dr"])
    listing.append("Prof")
    assert "Prof" in listing and "Dr" in listing and "Ms" not in listing
    listing.remove("Dr")
    assert "Dr" not in listing
    ours, theirs = _pair("en")
    assert list(ours.NONBREAKING_PREFIXES) == theirs.NONBREAKING_PREFIXES
    for word in ["Mr", "No", "No #NUMERIC_ONLY#", "mr", "", "Art", "too", "A"]:
        assert (word in ours.NONBREAKING_PREFIXES) == (word in theirs.NONBREAKING_PREFIXES), word
        assert (word in ours.NUMERIC_ONLY_PREFIXES) == (word in theirs.NUMERIC_ONLY_PREFIXES), word
