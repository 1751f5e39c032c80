"""Sentence splitting of one line of normalized text."""

from __future__ import annotations

import pytest
from translator.sentences import split_sentences


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
