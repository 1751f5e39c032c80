"""Text processing of the translate Lambda: normalize, sentences, Moses, truecasing, <unk> repair, splitting, batching."""

from __future__ import annotations

import json

import pytest
from translator.errors import TooLarge
from translator.moses import capitalize_first, detokenize_german, tokenize_english
from translator.normalize import normalize
from translator.sentences import split_sentences
from translator.service import batches, split_long
from translator.truecase import commonest_casing, truecase
from translator.unk import replace_unknown

VOCAB = {
    "<pad>": 0,
    "<unk>": 1,
    "<s>": 2,
    "</s>": 3,
    "the": 4,
    ",": 5,
    "I": 6,
    "London": 7,
    "The": 8,
    "car": 9,
    "hello": 10,
    "Hello": 11,
    "us": 12,
    "US": 13,
    "he": 14,
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Hello,\t\tworld!  ", "Hello, world!"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # NFC: e + combining acute becomes one character
        ("don\u2019t \u201cquote\u201d", 'don\'t "quote"'),
        ("bell\x07 and\u200b zero width", "bell and zero width"),
        ("line one\r\n\r\n  line two ", "line one\n\nline two"),
        ("a  \n   b", "a\nb"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("\x00\x01 \n ", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Mr. Smith went to the U.S. in May. He paid $3.14 for it!",
            ["Mr. Smith went to the U.S. in May.", "He paid $3.14 for it!"],
        ),
        ("I like it, e.g. apples. Dr. Who agrees.", ["I like it, e.g. apples.", "Dr. Who agrees."]),
        ("Pi is 3.14159. It never ends.", ["Pi is 3.14159.", "It never ends."]),
        ('He said "Stop!" She stopped.', ['He said "Stop!"', "She stopped."]),
        ('"Yes." He left.', ['"Yes."', "He left."]),
        ("Wait... and see. Well... Then go!", ["Wait... and see.", "Well...", "Then go!"]),
        (
            "See Fig. 3 and No. 5 today. J. R. R. Tolkien agrees.",
            ["See Fig. 3 and No. 5 today.", "J. R. R. Tolkien agrees."],
        ),
        ("Really? Yes! Good.", ["Really?", "Yes!", "Good."]),
        # Chat-style lower-case starts still end a sentence; abbreviations and mid-sentence ellipses still do not.
        ("i love the dog. it is good.", ["i love the dog.", "it is good."]),
        ("wow! that was great? yes", ["wow!", "that was great?", "yes"]),
        ("apples, pears etc. are fine. e.g. this.", ["apples, pears etc. are fine.", "e.g. this."]),
        ("I was... tired. ok", ["I was... tired.", "ok"]),
        ("A 5 ft. tall man went to the U.S. he said", ["A 5 ft. tall man went to the U.S. he said"]),
        ('"Stop." she said.', ['"Stop." she said.']),
        (
            "Acme Inc. is big. Smith et al. found it. ask mrs. jones",
            ["Acme Inc. is big.", "Smith et al. found it.", "ask mrs. jones"],
        ),
        # Words that are also abbreviations elsewhere still end a chat-style sentence.
        (
            "i ate a fig. it was sweet. wait a sec. i am back.",
            ["i ate a fig.", "it was sweet.", "wait a sec.", "i am back."],
        ),
        (
            "i said no. he left. i don't. he does. See No. of cases",
            ["i said no.", "he left.", "i don't.", "he does.", "See No. of cases"],
        ),
        ("no final stop", ["no final stop"]),
        ("", []),
    ],
)
def test_split_sentences(line: str, expected: list[str]) -> None:
    assert split_sentences(line) == expected


def test_tokenize_english_is_unescaped_moses() -> None:
    assert tokenize_english("Hello, A&B <x> don't!") == ["Hello", ",", "A", "&", "B", "<", "x", ">", "don", "'t", "!"]
    assert tokenize_english("It costs $3.14.") == ["It", "costs", "$", "3.14", "."]


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        ("hallo , Welt !", "hallo, Welt!"),
        ('er sagte : " ich weiß es nicht " .', 'er sagte: "ich weiß es nicht".'),
        ("„ ja “ , sagte er .", "„ja“, sagte er."),
        ("das kostet 3,14 € ( ungefähr ) .", "das kostet 3,14 € (ungefähr)."),
        ("es kostet 5 € pro Tag , 10 % mehr .", "es kostet 5 € pro Tag, 10% mehr."),
    ],
)
def test_detokenize_german(tokens: str, expected: str) -> None:
    assert detokenize_german(tokens.split()) == expected


def test_capitalize_first_skips_leading_punctuation() -> None:
    assert capitalize_first("hallo, Welt!") == "Hallo, Welt!"
    assert capitalize_first('"ja", sagte er.') == '"Ja", sagte er.'
    assert capitalize_first("42.") == "42."


def test_commonest_casing_follows_vocabulary_order() -> None:
    assert commonest_casing("The", VOCAB) == "the"
    assert commonest_casing("I", VOCAB) == "I"
    assert commonest_casing("london", VOCAB) == "London"
    assert commonest_casing("Hello", VOCAB) == "hello"
    assert commonest_casing("US", VOCAB) == "US"  # all-caps stays: an acronym, not a capitalized word
    assert commonest_casing("Zebulon", VOCAB) == "Zebulon"


def test_truecase_only_sentence_initial_and_after_colon_or_opening_quote() -> None:
    tokens = ["The", "car", ":", "The", "car", ",", '"', "The", "car", '"', "The", "car"]
    assert truecase(tokens, VOCAB) == ["the", "car", ":", "the", "car", ",", '"', "the", "car", '"', "The", "car"]


def test_truecase_without_vocabulary_changes_nothing() -> None:
    assert truecase(["The", "car"], None) == ["The", "car"]


def test_replace_unknown_takes_most_attended_source_token() -> None:
    source = ["Zebulon", "liebt", "Quokkas", "."]
    target = ["<unk>", "liebt", "<unk>", "."]
    matrix = [[0.7, 0.1, 0.1, 0.1, 0.0], [0.1, 0.8, 0.1, 0.0, 0.0], [0.0, 0.1, 0.2, 0.1, 0.6], [0, 0, 0, 1, 0]]
    # Row 2 attends most to the extra </s> column: only real source tokens are candidates.
    assert replace_unknown(target, source, matrix) == ["Zebulon", "liebt", "Quokkas", "."]


def test_replace_unknown_without_matrix_uses_unmatched_source_words() -> None:
    assert replace_unknown(["ich", "mag", "<unk>", "."], ["I", "like", "Quokkas", "."], None) == [
        "ich",
        "mag",
        "I",
        ".",
    ]
    assert replace_unknown(["<unk>"], [".", "!"], "garbage") == []


def test_split_long_cuts_at_strongest_clause_boundary() -> None:
    tokens = ["w"] * 30 + [","] + ["w"] * 20 + [";"] + ["w"] * 20
    pieces = split_long(tokens, limit=60)
    assert [len(piece) for piece in pieces] == [52, 20]
    assert pieces[0][-1] == ";" and [token for piece in pieces for token in piece] == tokens


def test_split_long_prefers_a_sentence_end_it_was_given() -> None:
    tokens = ["w"] * 20 + [","] + ["w"] * 20 + ["."] + ["w"] * 10 + [","] + ["w"] * 20
    assert [len(piece) for piece in split_long(tokens, limit=60)] == [42, 31]


def test_split_long_refuses_rather_than_truncates() -> None:
    with pytest.raises(TooLarge, match="more than 60 words"):
        split_long(["w"] * 61)
    assert split_long(["w"] * 60) == [["w"] * 60]


def test_batches_respect_payload_limit_and_order() -> None:
    instances = [{"data": "x" * 40, "n": n} for n in range(10)]
    groups = list(batches(instances, max_bytes=200))
    assert [item for group in groups for item in group] == instances
    assert len(groups) > 1
    assert all(len(json.dumps({"instances": group}).encode()) <= 200 for group in groups)
    assert len(list(batches(instances))) == 1
