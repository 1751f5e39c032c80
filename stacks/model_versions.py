"""Where each staged model version lives in the model bucket: one home for the layout (free of CDK imports).

A version V (16 hex digits of the model's content id) lives under <model_prefix><V>/ with the model and its two
vocabularies; its objects are never overwritten. <model_prefix>in-service.json names the version the deployed
endpoint uses (written by the endpoint stack's StagedModel resource), so that pruning never removes it.
"""

from __future__ import annotations

import re

from stacks.names import ARTIFACT_FILES, MODEL_FILE, SOURCE_VOCABULARY_FILE

VERSION_PATTERN = re.compile(r"[0-9a-f]{16}")
IN_SERVICE_FILE = "in-service.json"
# What a StagedModel resource is asked to do: stage (or check) a version, or only tell the version in service.
STAGE_MODE, IN_SERVICE_MODE = "stage", "in-service"
# The public copies of the example's pre-trained model: a regional copy is where the example notebook reads it since
# 2023; the older global bucket is the fallback. Staging reads them; the in-cloud staging function may read only these.
DEFAULT_SOURCE_PREFIX = "models/seq2seq-data/"
DEFAULT_SOURCE_BUCKETS = ("sagemaker-example-files-prod-{region}", "sagemaker-sample-files")


def is_version(text: str) -> bool:
    """Whether text is a model version as staging computes it."""
    return bool(VERSION_PATTERN.fullmatch(text))


def version_prefix(prefix: str, version: str) -> str:
    """The prefix that holds one version's three files."""
    if not is_version(version):
        raise ValueError(f"{version!r} is not a model version (16 hex digits)")
    return f"{prefix}{version}/"


def artifact_keys(prefix: str, version: str) -> dict[str, str]:
    """The key of each artifact of a version, by file name."""
    return {name: version_prefix(prefix, version) + name for name in ARTIFACT_FILES}


def model_key(prefix: str, version: str) -> str:
    """The key SageMaker's ModelDataUrl points at for a version."""
    return version_prefix(prefix, version) + MODEL_FILE


def source_vocabulary_key(prefix: str, version: str) -> str:
    """The key of the source vocabulary the front end reads for a version."""
    return version_prefix(prefix, version) + SOURCE_VOCABULARY_FILE


def in_service_key(prefix: str) -> str:
    """The key of the record of the version in service."""
    return prefix + IN_SERVICE_FILE


def version_of_model_key(prefix: str, key: str) -> str:
    """The version whose model key this is; '' for any other key."""
    rest = key[len(prefix) :] if key.startswith(prefix) else ""
    version, slash, name = rest.partition("/")
    return version if slash and name == MODEL_FILE and is_version(version) else ""
