"""Stage the pre-trained model (model.tar.gz and its two vocabularies) into the model bucket: checked, all-or-nothing, idempotent."""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/stage_model.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import re
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from scripts.aws.stack_outputs import StackOutputError, stack_output
from scripts.staging.artifacts import ARTIFACT_NAMES, MODEL_NAME, VOCAB_NAMES, ArtifactError
from scripts.staging.sources import (
    Artifact,
    Progress,
    Source,
    SourceError,
    default_sources,
    parse_source,
    recorded_version,
    s3_answer,
    tqdm_progress,
)
from stacks.names import BUCKET_OUTPUT, BUCKET_STACK
from stacks.settings import Settings, SettingsError, parse_overrides, settings_from_files

# S3 needs multipart above 5 GB; below that, parts of 64 MB copy and upload in parallel and retry cheaply.
MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK = 64 * 1024 * 1024
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# Each run writes under <model prefix>.staging-<12 hex>/new/ and old/; nothing else in the bucket is ever removed.
SCRATCH_MARK = ".staging-"
# Scratch copies older than this are an interrupted run's, not a concurrent one's: no staging takes a day.
SWEEP_AFTER = timedelta(hours=24)
_SCRATCH_NAME = re.compile(r"[0-9a-f]{12}/(?:new|old)/(?:" + "|".join(re.escape(name) for name in ARTIFACT_NAMES) + ")")


class StageError(RuntimeError):
    """Staging failed; the message says what failed, where, and what state the bucket is in."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped staging; the message says what state the bucket was left in."""


class UsageError(ValueError):
    """The command line asks for something that is not allowed."""


def transfer_config() -> TransferConfig:
    """How large objects move: multipart above the threshold, a few parts at a time."""
    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_CHUNK, max_concurrency=4
    )


def destination_keys(settings: Settings) -> dict[str, str]:
    """Where each artifact goes: the model at model_key (the endpoint's ModelDataUrl), the vocabularies beside it."""
    return {MODEL_NAME: settings.model_key, **{name: settings.model_prefix + name for name in VOCAB_NAMES}}


def staged_model_version(s3_client, bucket: str, key: str) -> str:
    """The short content id this script kept with the staged model (16 hex chars); empty if absent or not ours."""
    try:
        metadata = s3_client.head_object(Bucket=bucket, Key=key).get("Metadata", {})
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return ""
        raise
    return recorded_version(metadata)


def _staged(s3, bucket: str, key: str) -> dict | None:
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise StageError(f"cannot read s3://{bucket}/{key}: {s3_answer(error)}") from None
    # Only a version this script recorded counts: anything else is staged again.
    return {"size": head["ContentLength"], "version": recorded_version(head.get("Metadata", {}))}


def _fetch_first_readable(
    sources: list[Source], s3, files: ExitStack, progress: Progress, say
) -> tuple[Source, list[Artifact]]:
    """Read and check every artifact of the first source that has them all; one failure line per source tried."""
    failures: list[tuple[Source, Exception]] = []
    for source in sources:
        say(f"reading {source}")
        with ExitStack() as attempt:
            try:
                artifacts = source.fetch(s3, attempt, progress)
            except (SourceError, ArtifactError) as error:
                failures.append((source, error))
                continue
            files.enter_context(attempt.pop_all())
            return source, artifacts
    if len(sources) == 1:
        raise StageError(str(failures[0][1]))
    tried = "; ".join(f"{source}: {error}" for source, error in failures)
    raise StageError(
        f"no default source could be read (tried {tried}); pass --source with your own copy "
        "(an s3:// prefix, an https:// base URL or a directory)"
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


def _write(
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
        for artifact in sorted(changed, key=lambda item: item.name == MODEL_NAME):
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


def stage(
    s3,
    bucket: str,
    settings: Settings,
    sources: list[Source],
    *,
    force: bool = False,
    progress: Progress | None = None,
    say=print,
) -> str:
    """Stage the first readable source's artifacts into bucket; return the staged model's version."""
    progress = progress or tqdm_progress(False)
    keys = destination_keys(settings)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        raise StageError(f"cannot use the model bucket {bucket}: {s3_answer(error)}") from None
    # A run killed outright (power, network, a second Ctrl-C) may have left its scratch copies: remove them first,
    # once they are old enough not to be a run still going on beside this one.
    leftovers = f"s3://{bucket}/{settings.model_prefix}{SCRATCH_MARK}*"
    try:
        before = datetime.now(UTC) - SWEEP_AFTER
        if swept := _remove_scratch(
            s3, bucket, settings.model_prefix, settings.model_prefix + SCRATCH_MARK, before=before
        ):
            say(f"removed {swept} scratch file(s) an earlier, interrupted run left under {leftovers}")
    except (ClientError, BotoCoreError) as error:
        print(
            f"stage_model: warning: could not look for scratch copies left under {leftovers} ({s3_answer(error)})",
            file=sys.stderr,
        )
    with ExitStack() as files:
        source, artifacts = _fetch_first_readable(sources, s3, files, progress, say)
        version = next(artifact.version for artifact in artifacts if artifact.name == MODEL_NAME)
        where = f"s3://{bucket}/{settings.model_prefix}"
        staged = {artifact.name: _staged(s3, bucket, keys[artifact.name]) for artifact in artifacts}
        changed = [a for a in artifacts if force or staged[a.name] != {"size": a.size, "version": a.version}]
        if not changed:
            say(f"already staged in {where} from {source} (model version {version}): nothing uploaded")
            return version
        try:
            previous = {name: staged[name] is not None for name in staged}
            warning = _write(s3, bucket, keys, settings.model_prefix, changed, previous, progress)
        except ClientError as error:
            raise StageError(f"writing to {where} failed: {s3_answer(error)}; the bucket is as it was") from None
        except (BotoCoreError, Boto3Error, OSError) as error:
            raise StageError(f"writing to {where} failed: {error}; the bucket is as it was") from None
        try:
            say(
                f"staged {', '.join(artifact.name for artifact in changed)} from {source} to {where} (model version {version})"
            )
            if warning:
                print(f"stage_model: warning: {warning}", file=sys.stderr)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted after staging: the new files are in place in {where} (model version {version})"
            ) from None
        return version


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stage_model.py",
        description="Copy the pre-trained model and its vocabularies into the model bucket, checked, all or nothing.",
    )
    parser.add_argument(
        "--source",
        help="s3://bucket/prefix/, an http(s):// base URL, or a local directory holding the three files "
        "(default: the example notebook's public S3 copies)",
    )
    parser.add_argument(
        "--bucket", help=f"destination bucket (default: output {BUCKET_OUTPUT} of the deployed stack {BUCKET_STACK})"
    )
    parser.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting, as for the CDK CLI (model_key decides where the model goes); repeatable",
    )
    parser.add_argument("--force", action="store_true", help="stage again even if the same content is already there")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def _plan(args: argparse.Namespace, session: boto3.session.Session) -> tuple[Settings, list[Source]]:
    try:
        settings = settings_from_files(parse_overrides(args.context))
    except SettingsError as error:
        raise UsageError(str(error)) from None
    if args.bucket is not None and not _BUCKET_NAME.match(args.bucket):
        raise UsageError(
            f"--bucket {args.bucket!r} is not an S3 bucket name (3-63 lower-case letters, digits, '.' and '-')"
        )
    if args.source:
        try:
            return settings, [parse_source(args.source)]
        except ValueError as error:
            raise UsageError(str(error)) from None
    if not session.region_name:
        raise UsageError("no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION), or pass --source")
    return settings, default_sources(session.region_name)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: 0 staged or nothing to do, 1 staging failed, 2 usage error."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    session = boto3.session.Session()
    try:
        settings, sources = _plan(args, session)
    except UsageError as error:
        print(f"stage_model: usage error: {error}", file=sys.stderr)
        return 2
    try:
        s3 = session.client("s3", config=Config(retries={"max_attempts": 5, "mode": "standard"}))
        bucket = args.bucket or stack_output(BUCKET_STACK, BUCKET_OUTPUT, session=session)
        stage(s3, bucket, settings, sources, force=args.force, progress=tqdm_progress(not args.no_progress))
    except (StageError, StackOutputError, SourceError, ArtifactError) as error:
        print(f"stage_model: failed: {error}", file=sys.stderr)
        return 1
    except NoCredentialsError:
        print(
            "stage_model: failed: no AWS credentials found (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID)",
            file=sys.stderr,
        )
        return 1
    except (ClientError, BotoCoreError, Boto3Error, OSError) as error:
        print(f"stage_model: failed: {s3_answer(error) if isinstance(error, ClientError) else error}", file=sys.stderr)
        return 1
    except Interrupted as error:
        print(f"stage_model: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Before any write (checking, downloading): removing an earlier run's scratch copies is all that may have happened.
        print(
            "stage_model: interrupted before anything was written; the staged files are as they were", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
