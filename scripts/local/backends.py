"""What the local API's handler calls: the stand-in model on 127.0.0.1, or a deployed endpoint in the user's account."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.model_speed import DEFAULT, ModelSpeed

from scripts.aws.errors import describe_error
from scripts.aws.session import CHECK_CONFIG, SessionError, aws_session, region_environment
from scripts.aws.stack_outputs import StackOutputError, stack_output
from scripts.local.container_stand_in import STAND_IN_NOTICE, ContainerStandIn, write_vocab
from scripts.local.runtime_server import (
    CONTROL_FUNCTION,
    DEFAULT_ENDPOINT,
    INVOCATION_TIMEOUT_SECONDS,
    REGION,
    RESUME_SECONDS,
    RuntimeServer,
)
from scripts.staging.versions import read_in_service
from stacks.api_contract import lambda_environment
from stacks.model_versions import in_service_key, source_vocabulary_key
from stacks.names import BUCKET_OUTPUT, BUCKET_STACK, ENDPOINT_OUTPUT, ENDPOINT_STACK, SOURCE_VOCABULARY_FILE
from stacks.settings import Settings

# Metrics go to CloudWatch as structured log lines; locally nothing collects them.
LOCAL_OVERRIDES = {"POWERTOOLS_METRICS_DISABLED": "true"}
DEFAULT_LOG_LEVEL = "WARNING"


class BackendError(RuntimeError):
    """The API has nothing to call: the message says what is missing and how to provide it."""


@dataclass(frozen=True)
class Backend:
    """The handler's environment for a backend, what to call it, and warnings for the user."""

    environment: dict[str, str | None]
    description: str
    runtime_url: str | None = None
    warnings: list[str] = field(default_factory=list)


def _log_level() -> str:
    return os.environ.get("POWERTOOLS_LOG_LEVEL") or DEFAULT_LOG_LEVEL


@dataclass(frozen=True)
class StandInModel:
    """How the stand-in behaves: its speed (translator/model_speed.py), calls at once, start-up, SageMaker's limit.

    paused: the endpoint is paused (gone) at start; wake: a request resumes it (setting wake_on_request), which takes
    resume_seconds.
    """

    speed: ModelSpeed = DEFAULT
    workers: int = 1
    startup_seconds: float = 0.0
    invocation_timeout: float = INVOCATION_TIMEOUT_SECONDS
    paused: bool = False
    wake: bool = False
    resume_seconds: float = RESUME_SECONDS


@contextmanager
def stand_in_backend(settings: Settings, model: StandInModel = StandInModel()) -> Iterator[Backend]:
    """Start the container stand-in and a sagemaker-runtime server in front of it; yield the handler's environment."""
    with ExitStack() as stack:
        vocab_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="translate-vocab-")))
        container = stack.enter_context(
            ContainerStandIn(speed=model.speed, workers=model.workers, startup_seconds=model.startup_seconds)
        )
        runtime = stack.enter_context(
            RuntimeServer(
                container_url=container.url,
                endpoints=set() if model.paused else {DEFAULT_ENDPOINT},
                invocation_timeout=model.invocation_timeout,
                paused={DEFAULT_ENDPOINT} if model.paused else set(),
                resume_seconds=model.resume_seconds,
            )
        )
        deployed = lambda_environment(
            settings,
            endpoint_name=DEFAULT_ENDPOINT,
            model_bucket="",
            source_vocabulary_key="",
            log_level=_log_level(),
            control_function=CONTROL_FUNCTION if model.wake else None,
        )
        environment: dict[str, str | None] = {
            **deployed,
            **LOCAL_OVERRIDES,
            # One stand-in answers the three services the handler calls: the model, DescribeEndpoint, the wake-up.
            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": runtime.url,
            "AWS_ENDPOINT_URL_SAGEMAKER": runtime.url,
            "AWS_ENDPOINT_URL_LAMBDA": runtime.url,
            # The paused and starting answers' Retry-After: how long the stand-in's resume takes.
            "ENDPOINT_START_SECONDS": str(max(1, math.ceil(model.resume_seconds))),
            # The stand-in's vocabulary, from a file: no bucket is read.
            "SOURCE_VOCABULARY_FILE": str(write_vocab(vocab_dir)[0]),
            "MODEL_BUCKET": None,
            "SOURCE_VOCABULARY_KEY": None,
            # Fake credentials and the stand-in's own region: nothing here may reach a real account, and nothing of
            # the user's AWS configuration (region variables, profile) changes what the stand-in does.
            "AWS_ACCESS_KEY_ID": "stand-in",
            "AWS_SECRET_ACCESS_KEY": "stand-in",
            "AWS_SESSION_TOKEN": None,
            "AWS_PROFILE": None,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            **region_environment(REGION),
            # The front end plans with the speed of the model it calls: the stand-in's, and what it serves at once.
            **replace(model.speed, concurrent_calls=model.workers).settings(),
        }
        yield Backend(environment, f"stand-in model: {STAND_IN_NOTICE}", runtime_url=runtime.url)


def _in_service_vocabulary_key(session, bucket: str, prefix: str) -> tuple[str, str]:
    """The source vocabulary key of the version in service, or '' and a warning saying why there is none."""
    record = f"s3://{bucket}/{in_service_key(prefix)}"
    try:
        s3 = session.client("s3", region_name=session.region_name, config=CHECK_CONFIG)
        version = read_in_service(s3, bucket, prefix).version
    except (BotoCoreError, ClientError) as error:
        return "", f"cannot read {record} ({describe_error(error)}); truecasing by vocabulary is off"
    try:
        return source_vocabulary_key(prefix, version), ""
    except ValueError:
        # No record (nothing deployed yet), or one that names no version staging computes.
        return "", (
            f"no model version is in service in {record}; set SOURCE_VOCABULARY_KEY, or truecasing by vocabulary is off"
        )


def deployed_backend(endpoint_name: str | None, settings: Settings) -> Backend:
    """The handler's environment for a deployed endpoint: names from the flags, the environment, or the stacks' outputs."""
    try:
        session = aws_session()
    except SessionError as error:
        raise BackendError(str(error)) from None
    endpoint_name = endpoint_name or os.environ.get("ENDPOINT_NAME")
    if not endpoint_name:
        try:
            endpoint_name = stack_output(ENDPOINT_STACK, ENDPOINT_OUTPUT, session=session)
        except StackOutputError as error:
            raise BackendError(f"{error}; or pass --endpoint-name NAME, or use --stand-in to run without AWS") from None
    # The handler works without the vocabulary, only sentence-initial truecasing is lost: each gap is a warning.
    warnings = []
    bucket = os.environ.get("MODEL_BUCKET")
    if not bucket:
        try:
            bucket = stack_output(BUCKET_STACK, BUCKET_OUTPUT, session=session)
        except StackOutputError as error:
            warnings.append(
                f"{error}; set MODEL_BUCKET to the bucket holding {SOURCE_VOCABULARY_FILE}, "
                "or truecasing by vocabulary is off"
            )
    key = os.environ.get("SOURCE_VOCABULARY_KEY") or ""
    if bucket and not key:
        key, warning = _in_service_vocabulary_key(session, bucket, settings.model_prefix)
        warnings += [warning] if warning else []
    environment: dict[str, str | None] = {
        **lambda_environment(
            settings,
            endpoint_name=endpoint_name,
            model_bucket=bucket or "",
            source_vocabulary_key=key,
            log_level=_log_level(),
        ),
        **LOCAL_OVERRIDES,
        "SOURCE_VOCABULARY_FILE": None,
    }
    if not bucket or not key:
        environment["MODEL_BUCKET"] = None
        environment["SOURCE_VOCABULARY_KEY"] = None
    if session.region_name:
        # The handler's boto3 reads AWS_DEFAULT_REGION, not AWS_REGION: give it the region the lookups used.
        environment.update(region_environment(session.region_name))
    return Backend(environment, f"SageMaker endpoint {endpoint_name}", warnings=warnings)
