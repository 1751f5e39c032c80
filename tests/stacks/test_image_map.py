"""stacks/image_map.py: the seq2seq image's repository and registries, read from the SageMaker SDK's own map."""

import importlib.util

import pytest

from stacks import image_map
from stacks.image_map import ImageMapError, seq2seq_image_map


def test_the_map_names_the_seq2seq_repository_and_an_account_per_region():
    found = seq2seq_image_map()
    assert found.repository == "seq2seq"
    assert found.registries["us-east-1"] == "811284229777"
    assert found.regions == sorted(found.registries) and len(found.regions) >= 30
    assert all(account.isdigit() and len(account) == 12 for account in found.registries.values())


def test_an_image_version_the_map_lacks_is_one_message_naming_it():
    with pytest.raises(ImageMapError, match="no usable version '999'"):
        seq2seq_image_map("999")


def test_without_the_sdk_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImageMapError, match="install requirements-sdk.txt"):
        image_map._map_file()
