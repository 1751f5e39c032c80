"""stacks/model_versions.py: where each staged model version lives in the model bucket."""

import pytest

from stacks.model_versions import (
    artifact_keys,
    in_service_key,
    is_version,
    model_key,
    source_vocabulary_key,
    version_of_model_key,
    version_prefix,
)

PREFIX = "models/seq2seq/"
VERSION = "0123456789abcdef"


@pytest.mark.parametrize(
    ("text", "expected"),
    [(VERSION, True), ("0123456789ABCDEF", False), ("0123456789abcde", False), (VERSION + "0", False), ("", False)],
)
def test_a_version_is_exactly_sixteen_lowercase_hex_digits(text, expected):
    assert is_version(text) is expected


def test_a_versions_three_files_sit_under_its_own_folder():
    assert version_prefix(PREFIX, VERSION) == f"{PREFIX}{VERSION}/"
    assert artifact_keys(PREFIX, VERSION) == {
        "model.tar.gz": f"{PREFIX}{VERSION}/model.tar.gz",
        "vocab.src.json": f"{PREFIX}{VERSION}/vocab.src.json",
        "vocab.trg.json": f"{PREFIX}{VERSION}/vocab.trg.json",
    }
    assert model_key(PREFIX, VERSION) == f"{PREFIX}{VERSION}/model.tar.gz"
    assert source_vocabulary_key(PREFIX, VERSION) == f"{PREFIX}{VERSION}/vocab.src.json"
    assert in_service_key(PREFIX) == f"{PREFIX}in-service.json"


@pytest.mark.parametrize("bad", ["", "latest", "../0123456789abcdef"])
def test_a_key_for_something_that_is_not_a_version_is_refused(bad):
    with pytest.raises(ValueError, match="is not a model version"):
        model_key(PREFIX, bad)


@pytest.mark.parametrize(
    ("key", "version"),
    [
        (f"{PREFIX}{VERSION}/model.tar.gz", VERSION),
        (f"{PREFIX}{VERSION}/vocab.src.json", ""),
        (f"{PREFIX}latest/model.tar.gz", ""),
        (f"{PREFIX}{VERSION}/nested/model.tar.gz", ""),
        (f"other/{VERSION}/model.tar.gz", ""),
        (f"{PREFIX}model.tar.gz", ""),
    ],
)
def test_only_a_versions_model_key_names_its_version(key, version):
    assert version_of_model_key(PREFIX, key) == version
