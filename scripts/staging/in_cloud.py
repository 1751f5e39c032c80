"""What the stacks' StagedModel custom resources do, as plain functions: stage or verify a version, record, answer."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import s3_answer
from scripts.staging.s3_write import StageError
from scripts.staging.sources import Source, SourceError, default_sources
from scripts.staging.stage import stage
from scripts.staging.versions import is_staged, read_in_service, record_in_service
from stacks.model_versions import model_key, source_vocabulary_key, version_prefix

OTHER_SOURCE = (
    'stage it from another source (make deploy ARGS="--source s3://BUCKET/PREFIX/|https://HOST/PATH/|DIR", or '
    "python -m scripts.stage_model --source ... and then npx cdk deploy --all -c model_version=<the version it prints>)"
)


class StagedModelError(RuntimeError):
    """The model cannot be staged or found; the message names the source or version, the bucket and what to run."""


@dataclass(frozen=True)
class StagedModel:
    """A staged version and where the endpoint and the front end find it."""

    version: str
    model_data_url: str
    source_vocabulary_key: str

    def attributes(self) -> dict[str, str]:
        """The custom resource's attributes (Fn::GetAtt names)."""
        return {
            "Version": self.version,
            "ModelDataUrl": self.model_data_url,
            "SourceVocabularyKey": self.source_vocabulary_key,
        }


def staged_model(bucket: str, prefix: str, version: str) -> StagedModel:
    """Where a staged version's model and source vocabulary are."""
    return StagedModel(version, f"s3://{bucket}/{model_key(prefix, version)}", source_vocabulary_key(prefix, version))


def _require_staged(s3, bucket: str, prefix: str, version: str) -> None:
    try:
        staged = is_staged(s3, bucket, prefix, version)
    except (ClientError, BotoCoreError) as error:
        raise StagedModelError(f"cannot read s3://{bucket}/{model_key(prefix, version)}: {s3_answer(error)}") from None
    if not staged:
        raise StagedModelError(
            f"model version {version} is not staged in s3://{bucket}/{version_prefix(prefix, version)}: stage it with "
            "`make deploy` (which stages and deploys) or `python -m scripts.stage_model`, then deploy the version it "
            "prints; or deploy with an empty model_version to stage the default source's model"
        )


def stage_or_verify(
    s3, *, bucket: str, prefix: str, requested: str, keep: int, region: str, sources: list[Source] | None = None
) -> StagedModel:
    """The endpoint stack's resource: check a requested version, else stage the default source's; record it in service."""
    if requested:
        _require_staged(s3, bucket, prefix, requested)
        version = requested
    else:
        tried = sources if sources is not None else default_sources(region)
        try:
            version = stage(s3, bucket, prefix, tried, keep=keep)
        except SourceError as error:
            raise StagedModelError(f"cannot stage the default model: {error}; {OTHER_SOURCE}") from None
        except StageError as error:
            raise StagedModelError(f"cannot stage the default model: {error}") from None
    try:
        record_in_service(s3, bucket, prefix, version)
    except (ClientError, BotoCoreError) as error:
        raise StagedModelError(f"cannot record model version {version} as in service: {s3_answer(error)}") from None
    return staged_model(bucket, prefix, version)


def in_service(s3, *, bucket: str, prefix: str, requested: str) -> StagedModel:
    """The API stack's resource: the requested version once checked, else the one the endpoint stack recorded."""
    if requested:
        _require_staged(s3, bucket, prefix, requested)
        return staged_model(bucket, prefix, requested)
    try:
        version = read_in_service(s3, bucket, prefix).version
    except (ClientError, BotoCoreError) as error:
        raise StagedModelError(
            f"cannot read the version in service in s3://{bucket}/{prefix}: {s3_answer(error)}"
        ) from None
    if not version:
        raise StagedModelError(
            f"no model version is recorded as in service in s3://{bucket}/{prefix}: deploy the endpoint stack first"
        )
    _require_staged(s3, bucket, prefix, version)
    return staged_model(bucket, prefix, version)
