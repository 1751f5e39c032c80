"""The all-or-nothing S3 write of staging: scratch copies first, then promotion with rollback, scratch always removed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import s3_answer
from scripts.staging.sources import Artifact, Progress
from stacks.names import ARTIFACT_FILES, MODEL_FILE

# S3 needs multipart above 5 GB; below that, parts of 64 MB copy and upload in parallel and retry cheaply.
MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK = 64 * 1024 * 1024
# Each run writes under <model prefix>.staging-<12 hex>/new/ and old/; nothing else in the bucket is ever removed.
SCRATCH_MARK = ".staging-"
# Scratch copies older than this are an interrupted run's, not a concurrent one's: no staging takes a day.
SWEEP_AFTER = timedelta(hours=24)
_SCRATCH_NAME = re.compile(r"[0-9a-f]{12}/(?:new|old)/(?:" + "|".join(re.escape(name) for name in ARTIFACT_FILES) + ")")


class StageError(RuntimeError):
    """Staging failed; the message says what failed, where, and what state the bucket is in."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped staging; the message says what state the bucket was left in."""


def transfer_config() -> TransferConfig:
    """How large objects move: multipart above the threshold, a few parts at a time."""
    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_CHUNK, max_concurrency=4
    )


def _upload(s3, bucket: str, key: str, artifact: Artifact, progress: Progress) -> None:
    extra = {"Metadata": artifact.metadata(), "ContentType": artifact.content_type}
    verb = "copy (inside S3)" if artifact.s3_object else "upload"
    with progress(artifact.size, f"{verb} {artifact.name}") as bar:
        if artifact.s3_object:
            source_bucket, source_key = artifact.s3_object
            # Server-side: S3 copies the bytes (in parts when large); this machine sends only the requests.
            # CopySourceIfMatch makes sure the object copied is the one that was checked.
            extra.update(MetadataDirective="REPLACE", CopySourceIfMatch=artifact.etag)
            s3.copy(
                {"Bucket": source_bucket, "Key": source_key},
                bucket,
                key,
                ExtraArgs=extra,
                Config=transfer_config(),
                Callback=bar.update,
            )
        else:
            assert artifact.body is not None
            artifact.body.seek(0)
            s3.upload_fileobj(
                artifact.body, bucket, key, ExtraArgs=extra, Config=transfer_config(), Callback=bar.update
            )


def _copy_within(s3, bucket: str, source_key: str, key: str) -> None:
    # Metadata (the content id) travels with the object: COPY for one-part copies, s3transfer re-applies it for multipart.
    s3.copy({"Bucket": bucket, "Key": source_key}, bucket, key, Config=transfer_config())


def _is_scratch(prefix: str, key: str) -> bool:
    return key.startswith(prefix + SCRATCH_MARK) and bool(_SCRATCH_NAME.fullmatch(key[len(prefix + SCRATCH_MARK) :]))


def _delete(s3, bucket: str, objects: list[dict]) -> None:
    for start in range(0, len(objects), 1000):  # DeleteObjects takes at most 1000 keys
        failed = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start : start + 1000], "Quiet": True}).get(
            "Errors", []
        )
        if failed:
            first = failed[0]
            error = {"Code": first.get("Code", "?"), "Message": f"{first.get('Key')}: {first.get('Message', '')}"}
            raise ClientError({"Error": error}, "DeleteObjects")


def _scratch_versions(s3, bucket: str, under: str) -> list[dict] | None:
    """Every version and delete marker under `under` (Key, VersionId, LastModified); None when versions cannot be listed."""
    try:
        pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=under))
    except ClientError:  # a store without versioning, or no s3:ListBucketVersions permission
        return None
    return [item for page in pages for item in page.get("Versions", []) + page.get("DeleteMarkers", [])]


def _remove_scratch(s3, bucket: str, prefix: str, under: str, *, before: datetime | None = None) -> int:
    """Remove this script's scratch objects (every version) and unfinished uploads under `under`; return how many keys.

    With `before`, only what was written or begun before that time. Raises ClientError or BotoCoreError when S3
    refuses; nothing but <prefix>.staging-<id>/new|old/<artifact> is touched.
    """

    def ours(key: str, written: datetime | None) -> bool:
        return _is_scratch(prefix, key) and (before is None or (written is not None and written < before))

    keys: set[str] = set()
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=under):
        for upload in page.get("Uploads", []):
            if ours(upload["Key"], upload.get("Initiated")):
                s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                keys.add(upload["Key"])
    # Every version, so that a versioned bucket keeps no hidden scratch copies either; else the current objects.
    found = _scratch_versions(s3, bucket, under)
    if found is None:
        found = [
            item
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=under)
            for item in page.get("Contents", [])
        ]
    objects = [
        {"Key": item["Key"], **({"VersionId": item["VersionId"]} if "VersionId" in item else {})}
        for item in found
        if ours(item["Key"], item.get("LastModified"))
    ]
    _delete(s3, bucket, objects)
    return len(keys | {item["Key"] for item in objects})


def sweep_scratch(s3, bucket: str, prefix: str) -> int:
    """Remove scratch copies an interrupted run left under prefix, once old enough not to be a concurrent run's.

    Returns how many keys went; raises ClientError or BotoCoreError when S3 refuses.
    """
    before = datetime.now(UTC) - SWEEP_AFTER
    return _remove_scratch(s3, bucket, prefix, prefix + SCRATCH_MARK, before=before)


def _clean_scratch(s3, bucket: str, prefix: str, scratch: str) -> str:
    """Remove this run's scratch copies; return what could not be removed ('' if all)."""
    try:
        _remove_scratch(s3, bucket, prefix, scratch)
    except (ClientError, BotoCoreError) as error:
        return f"could not remove the scratch copies under s3://{bucket}/{scratch} ({s3_answer(error)}); a run a day or more later removes them"
    return ""


def _to_the_end(step: Callable[[], str], stopped: str) -> tuple[str, bool]:
    """Run a repeatable repair step to its end: a first Ctrl-C during it starts it once more, a second stops it.

    Returns the step's problem ('' if none; `stopped` after a second Ctrl-C) and whether a Ctrl-C arrived.
    """
    try:
        return step(), False
    except KeyboardInterrupt:
        try:
            return step(), True
        except KeyboardInterrupt:
            return stopped, True


def write_all_or_nothing(
    s3,
    bucket: str,
    keys: dict[str, str],
    prefix: str,
    changed: list[Artifact],
    previous: dict[str, bool],
    progress: Progress,
) -> str:
    """Put all changed artifacts in place or none: scratch copies first, then promotion with rollback; return a warning or ''."""
    scratch = f"{prefix}{SCRATCH_MARK}{uuid.uuid4().hex[:12]}/"
    # Names whose promotion has begun: a copy cut short (an error, Ctrl-C) may still have landed, so each is rolled back.
    begun: list[str] = []
    failure: BaseException | None = None
    restore_problem = ""
    try:
        # The slow, failure-prone part (uploads, large copies) lands in scratch keys the endpoint never reads.
        for artifact in changed:
            _upload(s3, bucket, scratch + "new/" + artifact.name, artifact, progress)
        for name in (artifact.name for artifact in changed):
            if previous[name]:
                _copy_within(s3, bucket, keys[name], scratch + "old/" + name)
        # Promotion is a few server-side copies; the model goes last, so the endpoint never sees a new model with old vocabularies.
        for artifact in sorted(changed, key=lambda item: item.name == MODEL_FILE):
            begun.append(artifact.name)
            _copy_within(s3, bucket, scratch + "new/" + artifact.name, keys[artifact.name])
    except BaseException as error:  # noqa: BLE001 - Ctrl-C too: the bucket must not stay half-promoted
        failure = error
    interrupted = isinstance(failure, KeyboardInterrupt)
    if failure is not None and begun:
        restore_problem, again = _to_the_end(
            lambda: _roll_back(s3, bucket, keys, scratch, previous, begun),
            "a second Ctrl-C stopped putting the previous files back: run stage_model again",
        )
        interrupted = interrupted or again
    # Always, after success, failure or Ctrl-C: scratch copies are full-size objects nobody else removes.
    cleanup_problem, again = _to_the_end(
        lambda: _clean_scratch(s3, bucket, prefix, scratch),
        f"a second Ctrl-C stopped the removal of the scratch copies under s3://{bucket}/{scratch}; a run a day or more later removes them",
    )
    interrupted = interrupted or again
    left = f"; {cleanup_problem}" if cleanup_problem else ""
    if interrupted:
        where = f"s3://{bucket}/{prefix}"
        if failure is None:
            state = f"after the new files were put in place: {', '.join(a.name for a in changed)} from this run are staged in {where}"
        elif not begun:
            state = f"before the new files were put in place: the files in {where} are as they were"
        elif restore_problem:
            state = f"while putting the new files in place in {where}; {restore_problem}"
        else:
            state = f"while putting the new files in place in {where}: the previous files were put back"
        raise Interrupted(f"interrupted {state}{left}") from None
    if failure is not None:
        if restore_problem or cleanup_problem:
            what = s3_answer(failure) if isinstance(failure, ClientError) else repr(failure)
            state = restore_problem or "the bucket is as it was"
            raise StageError(f"writing to s3://{bucket}/{prefix} failed ({what}); {state}{left}") from None
        raise failure
    return cleanup_problem


def _roll_back(s3, bucket: str, keys: dict[str, str], scratch: str, previous: dict[str, bool], begun: list[str]) -> str:
    """Put back what promotion replaced (safe to repeat); return what could not be put back ('' if all)."""
    try:
        for name in begun:
            if previous[name]:
                _copy_within(s3, bucket, scratch + "old/" + name, keys[name])
            else:
                s3.delete_object(Bucket=bucket, Key=keys[name])
    except (ClientError, BotoCoreError, Boto3Error) as error:
        what = s3_answer(error) if isinstance(error, (ClientError, BotoCoreError)) else str(error)
        return f"could not restore the previous files ({what}): run stage_model again"
    return ""
