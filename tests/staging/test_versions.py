"""scripts/staging/versions.py: which versions are staged, the in-service record, and pruning, against moto's S3."""

from __future__ import annotations

import time

import pytest

from scripts.staging.sources import parse_source
from scripts.staging.stage import stage
from scripts.staging.versions import (
    InService,
    is_staged,
    list_versions,
    prune_versions,
    read_in_service,
    record_in_service,
)
from stacks.model_versions import artifact_keys, in_service_key, model_key
from tests.fixtures.artifacts import valid_artifacts, write_artifacts
from tests.staging.support import BUCKET, PREFIX

VERSION, PREVIOUS = "0123456789abcdef", "fedcba9876543210"


def stage_seeds(s3, tmp_path, *seeds: int) -> list[str]:
    """Stage one version per seed, a second apart (S3 times are whole seconds); oldest first."""
    staged = []
    for index, seed in enumerate(seeds):
        if index:
            time.sleep(1.1)
        folder = write_artifacts(tmp_path / str(seed), valid_artifacts(seed=seed))
        staged.append(stage(s3, BUCKET, PREFIX, [parse_source(str(folder))]))
    return staged


def test_a_model_without_stagings_metadata_is_not_staged(s3):
    s3.put_object(Bucket=BUCKET, Key=model_key(PREFIX, VERSION), Body=b"copied by hand")
    assert not is_staged(s3, BUCKET, PREFIX, VERSION)
    assert not is_staged(s3, BUCKET, PREFIX, PREVIOUS)
    assert list_versions(s3, BUCKET, PREFIX) == []


def test_staged_versions_are_listed_newest_first(s3, tmp_path):
    older, newer = stage_seeds(s3, tmp_path, 1, 2)
    listed = list_versions(s3, BUCKET, PREFIX)
    assert [staged.version for staged in listed] == [newer, older]
    assert all(is_staged(s3, BUCKET, PREFIX, staged.version) and staged.size > 0 for staged in listed)


def test_the_in_service_record_keeps_the_version_it_replaces(s3):
    assert read_in_service(s3, BUCKET, PREFIX) == InService()
    assert record_in_service(s3, BUCKET, PREFIX, PREVIOUS) == InService(PREVIOUS, "")
    assert record_in_service(s3, BUCKET, PREFIX, VERSION) == InService(VERSION, PREVIOUS)
    # Recording the same version again (a stack update that changes nothing else) keeps the previous one.
    assert record_in_service(s3, BUCKET, PREFIX, VERSION) == InService(VERSION, PREVIOUS)
    assert read_in_service(s3, BUCKET, PREFIX).versions == {VERSION, PREVIOUS}


def test_a_record_that_is_not_ours_reads_as_none(s3):
    s3.put_object(Bucket=BUCKET, Key=in_service_key(PREFIX), Body=b"[1, 2]")
    assert read_in_service(s3, BUCKET, PREFIX) == InService()
    s3.put_object(Bucket=BUCKET, Key=in_service_key(PREFIX), Body=b"not json")
    assert read_in_service(s3, BUCKET, PREFIX) == InService()


@pytest.mark.slow
def test_pruning_keeps_the_newest_the_protected_and_the_one_in_service(s3, tmp_path):
    first, second, third, fourth = stage_seeds(s3, tmp_path, 1, 2, 3, 4)
    record_in_service(s3, BUCKET, PREFIX, first)
    removed = prune_versions(s3, BUCKET, PREFIX, keep=1, protect=frozenset({second}))
    assert removed == [third]
    assert {staged.version for staged in list_versions(s3, BUCKET, PREFIX)} == {first, second, fourth}
    left = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX).get("Contents", [])}
    assert not left & set(artifact_keys(PREFIX, third).values())
