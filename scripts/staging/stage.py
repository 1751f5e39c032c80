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
from scripts.staging.sources import Artifact, Progress, Source, SourceError, recorded_version, tqdm_progress
from stacks.names import MODEL_FILE, VOCABULARY_FILES
from stacks.settings import Settings

Say = Callable[[str], None]
# Staging moves large objects: more retries than a check, and no short read timeout.
S3_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"})


def _quiet(line: str) -> None:
    pass


def staging_client(session: boto3.Session):
    """The S3 client staging uses, in the session's region."""
    return session.client("s3", region_name=session.region_name, config=S3_CONFIG)


def destination_keys(settings: Settings) -> dict[str, str]:
    """Where each artifact goes: the model at model_key (the endpoint's ModelDataUrl), the vocabularies beside it."""
    return {MODEL_FILE: settings.model_key, **{name: settings.model_prefix + name for name in VOCABULARY_FILES}}


def staged_model_version(s3_client, bucket: str, key: str) -> str:
    """The short content id staging kept with the staged model (16 hex chars); empty if absent or not ours."""
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
    # Only a version staging recorded counts: anything else is staged again.
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
        raise StageError(str(failures[0][1]))
    tried = "; ".join(f"{source}: {error}" for source, error in failures)
    raise StageError(
        f"no default source could be read (tried {tried}); pass --source with your own copy "
        "(an s3:// prefix, an https:// base URL or a directory)"
    )


def stage(
    s3,
    bucket: str,
    settings: Settings,
    sources: list[Source],
    *,
    force: bool = False,
    progress: Progress | None = None,
    say: Say = _quiet,
    warn: Say = _quiet,
) -> str:
    """Stage the first readable source's artifacts into bucket; return the staged model's version.

    `say` hears what happens, `warn` what the user should fix later; raises StageError (or Interrupted on Ctrl-C)
    saying what state the bucket is in.
    """
    progress = progress or tqdm_progress(False)
    keys = destination_keys(settings)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        raise StageError(f"cannot use the model bucket {bucket}: {s3_answer(error)}") from None
    # A run killed outright (power, network, a second Ctrl-C) may have left its scratch copies: remove them first.
    leftovers = f"s3://{bucket}/{settings.model_prefix}{SCRATCH_MARK}*"
    try:
        if swept := sweep_scratch(s3, bucket, settings.model_prefix):
            say(f"removed {swept} scratch file(s) an earlier, interrupted run left under {leftovers}")
    except (ClientError, BotoCoreError) as error:
        warn(f"could not look for scratch copies left under {leftovers} ({s3_answer(error)})")
    with ExitStack() as files:
        source, artifacts = _fetch_first_readable(sources, s3, files, progress, say)
        version = next(artifact.version for artifact in artifacts if artifact.name == MODEL_FILE)
        where = f"s3://{bucket}/{settings.model_prefix}"
        staged = {artifact.name: _staged(s3, bucket, keys[artifact.name]) for artifact in artifacts}
        changed = [a for a in artifacts if force or staged[a.name] != {"size": a.size, "version": a.version}]
        if not changed:
            say(f"already staged in {where} from {source} (model version {version}): nothing uploaded")
            return version
        try:
            previous = {name: staged[name] is not None for name in staged}
            warning = write_all_or_nothing(s3, bucket, keys, settings.model_prefix, changed, previous, progress)
        except ClientError as error:
            raise StageError(f"writing to {where} failed: {s3_answer(error)}; the bucket is as it was") from None
        except (BotoCoreError, Boto3Error, OSError) as error:
            raise StageError(f"writing to {where} failed: {error}; the bucket is as it was") from None
        try:
            say(
                f"staged {', '.join(artifact.name for artifact in changed)} from {source} to {where} (model version {version})"
            )
            if warning:
                warn(warning)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted after staging: the new files are in place in {where} (model version {version})"
            ) from None
        return version
