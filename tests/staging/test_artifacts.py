import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.staging.artifacts import ArtifactError, verify_model_archive, verify_model_ends, verify_vocab
from tests.fixtures.artifacts import HTML_ERROR_PAGE, broken_artifacts, make_model_tarball, make_vocab

BROKEN = broken_artifacts()
EXPECTED_REASON = {
    "model-truncated": "truncated",
    "model-html": "HTML page",
    "model-s3-xml": "XML document",
    "model-gzip-not-tar": "not a readable gzip'd tar",
    "model-empty": "empty",
    "vocab-html": "HTML page",
    "vocab-list": "not a JSON object",
    "vocab-no-specials": "special tokens",
    "vocab-string-ids": "whole numbers",
    "vocab-truncated": "not valid JSON (Unterminated string",
    "vocab-trailing-comma": "not valid JSON (Expecting property name enclosed in double quotes: line 1, column",
    "vocab-latin-1": "not UTF-8 text (byte",
}


def check(name: str, data: bytes) -> None:
    if name == "model.tar.gz":
        verify_model_archive(io.BytesIO(data), "the test source")
    else:
        verify_vocab(name, data, "the test source")


def test_valid_artifacts_pass(model_files):
    assert verify_model_archive(io.BytesIO(model_files["model.tar.gz"]), "here") == 4
    assert verify_vocab("vocab.src.json", model_files["vocab.src.json"], "here") == 13


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_broken_artifact_is_refused_with_a_message_naming_file_place_and_reason(case):
    name, data = BROKEN[case]
    with pytest.raises(ArtifactError) as caught:
        check(name, data)
    message = str(caught.value)
    assert name in message and "the test source" in message
    assert EXPECTED_REASON[case] in message
    assert "\n" not in message


def test_valid_utf8_that_is_broken_json_is_not_called_a_utf8_problem():
    with pytest.raises(ArtifactError) as caught:
        verify_vocab("vocab.trg.json", '{"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "Straße": 4,}'.encode(), "x")
    assert "not valid JSON (" in str(caught.value) and "line 1, column 59" in str(caught.value)
    assert "UTF-8" not in str(caught.value)


def test_an_error_page_served_as_a_vocabulary_is_recognised():
    with pytest.raises(
        ArtifactError, match=r"not valid JSON \(Expecting value: line 1, column 1\): it is an HTML page"
    ):
        verify_vocab("vocab.src.json", HTML_ERROR_PAGE, "x")


def test_vocab_with_duplicate_ids_is_refused():
    with pytest.raises(ArtifactError, match="same id"):
        verify_vocab("vocab.src.json", b'{"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "a": 4, "b": 4}', "x")


@given(st.integers(min_value=1, max_value=400))
@settings(max_examples=40, deadline=None)
def test_any_cut_of_a_model_archive_is_refused(cut):
    data = make_model_tarball()
    with pytest.raises(ArtifactError):
        verify_model_archive(io.BytesIO(data[: len(data) - cut]), "x")


@given(st.lists(st.text(min_size=1, max_size=12), max_size=30, unique=True))
@settings(max_examples=40, deadline=None)
def test_any_sockeye_shaped_vocab_passes(words):
    words = [word for word in words if word not in {"<pad>", "<unk>", "<s>", "</s>"}]
    assert verify_vocab("vocab.trg.json", make_vocab(words), "x") == 4 + len(words)


def test_ranged_check_accepts_the_ends_of_a_real_archive():
    data = make_model_tarball(extra_random_bytes=100_000)
    verify_model_ends(data[:4096], data[-4096:], "s3://b/k")


@pytest.mark.parametrize(
    ("head_of", "reason"),
    [
        (HTML_ERROR_PAGE, "HTML page"),
        (b"\x1f\x8b\x08\x00garbage-after-a-gzip-magic" * 20, "not readable gzip"),
        (BROKEN["model-gzip-not-tar"][1], "not a tar archive"),
    ],
)
def test_ranged_check_refuses_what_is_not_a_gzipped_tar(head_of, reason):
    with pytest.raises(ArtifactError, match=reason):
        verify_model_ends(head_of[:4096], head_of[-4096:], "s3://b/k")


def test_ranged_check_refuses_a_truncated_archive():
    data = make_model_tarball(extra_random_bytes=100_000)
    cut = data[: len(data) - 3000]
    with pytest.raises(ArtifactError, match="truncated"):
        verify_model_ends(cut[:4096], cut[-4096:], "s3://b/k")
