"""Stage the pre-trained model into the model bucket: the first readable source, checked, written all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import NOT_FOUND_CODES, error_code, s3_answer
from scripts.staging.artifacts import ArtifactError
from scripts.staging.s3_write import SCRATCH_MARK, Interrupted, StageError, sweep_scratch, write_all_or_nothing
from scripts.staging.sources import Artifact, Progress, Source, SourceError, no_progress, recorded_version
from scripts.staging.versions import prune_versions
from stacks.model_versions import artifact_keys, version_prefix
from stacks.names import MODEL_FILE

Say = Callable[[str], None]
# Staging moves large objects: more retries than a check, and no short read timeout.
S3_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"})


def _quiet(line: str) -> None:
    pass


def staging_client(session: boto3.Session):
    """The S3 client staging uses, in the session's region."""
    return session.client("s3", region_name=session.region_name, config=S3_CONFIG)


def staged_model_version(s3_client, bucket: str, key: str) -> str:
    """The short content id staging kept with the staged model at key (16 hex chars); empty if absent or not ours."""
    try:
        metadata = s3_client.head_object(Bucket=bucket, Key=key).get("Metadata", {})
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return ""
        raise
    return recorded_version(metadata)


def _staged(s3, bucket: str, key: str) -> dict | None:
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return None
        raise StageError(f"cannot read s3://{bucket}/{key}: {s3_answer(error)}") from None
    # Only a version staging recorded counts: anything else is written again.
    return {"size": head["ContentLength"], "version": recorded_version(head.get("Metadata", {}))}


def _fetch_first_readable(
    sources: list[Source], s3, files: ExitStack, progress: Progress, say: Say
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
        raise SourceError(str(failures[0][1]))
    tried = "; ".join(f"{source}: {error}" for source, error in failures)
    raise SourceError(
        f"no default source could be read (tried {tried}); pass --source with your own copy "
        "(an s3:// prefix, an https:// base URL or a directory)"
    )


def _to_write(artifacts: list[Artifact], staged: dict[str, dict | None], version: str, warn: Say) -> list[Artifact]:
    """What a run must write: everything for a version not staged yet; for a staged one only a file gone missing."""
    model = staged[MODEL_FILE]
    if not (model and model["version"] == version):
        return artifacts
    for artifact in artifacts:
        found = staged[artifact.name]
        if found and found["version"] != artifact.version:
            warn(
                f"{artifact.name} of the source differs from the one staged with model version {version}; staged versions are never changed: kept"
            )
    return [artifact for artifact in artifacts if staged[artifact.name] is None]


def stage(
    s3,
    bucket: str,
    prefix: str,
    sources: list[Source],
    *,
    keep: int | None = None,
    progress: Progress | None = None,
    say: Say = _quiet,
    warn: Say = _quiet,
) -> str:
    """Stage the first readable source's artifacts as an immutable version under prefix; return that version.

    With `keep`, versions beyond the `keep` newest are removed afterwards (never this one nor one in service).
    `say` hears what happens, `warn` what the user should fix later; raises SourceError when no source can be read,
    StageError (or Interrupted on Ctrl-C) saying what state the bucket is in.
    """
    progress = progress or no_progress
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        raise StageError(f"cannot use the model bucket {bucket}: {s3_answer(error)}") from None
    # A run killed outright (power, network, a second Ctrl-C) may have left its scratch copies: remove them first.
    leftovers = f"s3://{bucket}/{prefix}{SCRATCH_MARK}*"
    try:
        if swept := sweep_scratch(s3, bucket, prefix):
            say(f"removed {swept} scratch file(s) an earlier, interrupted run left under {leftovers}")
    except (ClientError, BotoCoreError) as error:
        warn(f"could not look for scratch copies left under {leftovers} ({s3_answer(error)})")
    with ExitStack() as files:
        source, artifacts = _fetch_first_readable(sources, s3, files, progress, say)
        version = next(artifact.version for artifact in artifacts if artifact.name == MODEL_FILE)
        keys = artifact_keys(prefix, version)
        where = f"s3://{bucket}/{version_prefix(prefix, version)}"
        staged = {artifact.name: _staged(s3, bucket, keys[artifact.name]) for artifact in artifacts}
        changed = _to_write(artifacts, staged, version, warn)
        if not changed:
            say(f"model version {version} is already staged in {where} (from {source}): nothing uploaded")
        else:
            warning = _write(s3, bucket, prefix, keys, changed, staged, progress, where)
            names = ", ".join(artifact.name for artifact in changed)
            _report(say, warn, f"staged {names} from {source} to {where} (model version {version})", warning, where)
    if keep is not None:
        _prune(s3, bucket, prefix, keep, version, say, warn)
    return version


def _write(s3, bucket, prefix, keys, changed, staged, progress, where) -> str:
    """The all-or-nothing write of the changed files into the version's keys; return its warning ('' if none)."""
    try:
        previous = {name: staged[name] is not None for name in staged}
        warning = write_all_or_nothing(s3, bucket, keys, prefix, changed, previous, progress)
    except ClientError as error:
        raise StageError(f"writing to {where} failed: {s3_answer(error)}; the bucket is as it was") from None
    except (BotoCoreError, Boto3Error, OSError) as error:
        raise StageError(f"writing to {where} failed: {error}; the bucket is as it was") from None
    return warning


def _report(say: Say, warn: Say, line: str, warning: str, where: str) -> None:
    try:
        say(line)
        if warning:
            warn(warning)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted after staging: the new files are in place in {where}") from None


def _prune(s3, bucket: str, prefix: str, keep: int, version: str, say: Say, warn: Say) -> None:
    try:
        removed = prune_versions(s3, bucket, prefix, keep, frozenset({version}))
    except (ClientError, BotoCoreError) as error:
        warn(f"could not remove model versions beyond the newest {keep} in s3://{bucket}/{prefix} ({s3_answer(error)})")
        return
    if removed:
        say(f"removed {len(removed)} older model version(s) beyond the newest {keep}: {', '.join(removed)}")
