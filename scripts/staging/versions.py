"""Staged model versions in the model bucket: which exist and when they were staged, which is in service, pruning."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from scripts.aws.errors import NOT_FOUND_CODES, error_code
from scripts.staging.sources import recorded_version
from stacks.model_versions import artifact_keys, in_service_key, model_key, version_of_model_key
from stacks.names import MODEL_FILE


@dataclass(frozen=True)
class StagedVersion:
    """One staged version: its id, when its model was staged (promoted last, never rewritten) and its size."""

    version: str
    staged_at: datetime
    size: int


@dataclass(frozen=True)
class InService:
    """The version the endpoint stack last recorded, and the one before it (a rollback may still need it)."""

    version: str = ""
    previous: str = ""

    @property
    def versions(self) -> frozenset[str]:
        return frozenset(v for v in (self.version, self.previous) if v)


def is_staged(s3, bucket: str, prefix: str, version: str) -> bool:
    """Whether the version's model is in place with the metadata staging wrote for it (so its vocabularies are too)."""
    try:
        head = s3.head_object(Bucket=bucket, Key=model_key(prefix, version))
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return False
        raise
    return recorded_version(head.get("Metadata", {})) == version


def list_versions(s3, bucket: str, prefix: str) -> list[StagedVersion]:
    """Every staged version under prefix, newest first; raises ClientError when S3 refuses."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            version = version_of_model_key(prefix, item["Key"])
            if version and is_staged(s3, bucket, prefix, version):
                found.append(StagedVersion(version, item["LastModified"], item["Size"]))
    return sorted(found, key=lambda staged: staged.staged_at, reverse=True)


def read_in_service(s3, bucket: str, prefix: str) -> InService:
    """The in-service record; empty when there is none or it is not ours."""
    try:
        body = s3.get_object(Bucket=bucket, Key=in_service_key(prefix))["Body"].read()
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return InService()
        raise
    try:
        record = json.loads(body)
        return InService(str(record.get("version", "")), str(record.get("previous", "")))
    except (ValueError, AttributeError):
        return InService()


def record_in_service(s3, bucket: str, prefix: str, version: str) -> InService:
    """Record version as in service, keeping the one it replaces as previous; return the new record."""
    current = read_in_service(s3, bucket, prefix)
    record = current if current.version == version else InService(version, current.version)
    body = {"version": record.version, "previous": record.previous, "recorded": datetime.now(UTC).isoformat()}
    s3.put_object(
        Bucket=bucket, Key=in_service_key(prefix), Body=json.dumps(body).encode(), ContentType="application/json"
    )
    return record


def prune_versions(s3, bucket: str, prefix: str, keep: int, protect: frozenset[str]) -> list[str]:
    """Remove staged versions beyond the `keep` newest, never one in `protect` nor one in service; return them."""
    protected = protect | read_in_service(s3, bucket, prefix).versions
    staged = list_versions(s3, bucket, prefix)
    kept = {staged_version.version for staged_version in staged[:keep]} | protected
    removed = [staged_version.version for staged_version in staged if staged_version.version not in kept]
    for version in removed:
        keys = artifact_keys(prefix, version)
        # The model first: from then on the version no longer counts as staged, whatever happens to the rest.
        s3.delete_object(Bucket=bucket, Key=keys[MODEL_FILE])
        others = [{"Key": key} for name, key in keys.items() if name != MODEL_FILE]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": others, "Quiet": True})
    return removed
