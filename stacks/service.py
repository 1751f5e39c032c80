"""The whole service: settings -> three stacks -> wiring -> tags -> cdk-nag, built on any App."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from aws_cdk import App, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from stacks.api import ApiStack
from stacks.endpoint import EndpointStack
from stacks.log_groups import declare_provider_log_groups
from stacks.model_bucket import ModelBucketStack
from stacks.nag_acknowledgments import acknowledge_findings
from stacks.names import PROJECT_TAG, STACK_NAMES
from stacks.settings import Settings, load_settings


@dataclass(frozen=True)
class Service:
    settings: Settings
    bucket: ModelBucketStack
    endpoint: EndpointStack
    api: ApiStack


def new_app(context: Mapping[str, Any], *, outdir: str | None = None) -> App:
    """The App this service is built on (app.py, the tests, the benchmarks), with `context` (cdk.json's keys).

    CDK's built-in CloudFormation template validation is off: on these templates it took about 2 s of every synth
    (0.4 s without it), and what it checks is checked elsewhere: cfn-lint on the templates of every settings
    combination we ship (tests/test_compliance.py), and CloudFormation itself at deploy. cdk-nag's AwsSolutions
    checks still run at every synth (build_service), where a change to the stacks would meet them first.
    """
    return App(context=dict(context), outdir=outdir, builtin_cloud_formation_validation=False)


def settings_from_app(app: App) -> Settings:
    """Settings from the app's context: cdk.json via the CLI, or App(context=...) in tests and `python app.py`."""
    return load_settings({f.name: app.node.try_get_context(f.name) for f in fields(Settings)})


def build_service(app: App) -> Service:
    """Declare the model bucket, the endpoint and the API on an App, checked by cdk-nag at synth."""
    settings = settings_from_app(app)
    bucket_name, endpoint_name, api_name = STACK_NAMES
    bucket = ModelBucketStack(
        app, bucket_name, retain=settings.retain_model_bucket, description="Model artifacts for the seq2seq translator"
    )
    endpoint = EndpointStack(
        app,
        endpoint_name,
        settings=settings,
        model_bucket=bucket.bucket,
        description="SageMaker seq2seq endpoint (English to German)",
    )
    api = ApiStack(
        app,
        api_name,
        settings=settings,
        model_bucket=bucket.bucket,
        endpoint_name=endpoint.endpoint_name,
        endpoint_arn=endpoint.endpoint_arn,
        control_function=endpoint.control.function,
        alarm_topic=endpoint.alarm_topic,
        endpoint_widgets=endpoint.monitoring.widgets,
        staged_model_token=endpoint.staged_model.function.function_arn,
        description="Public HTTPS translate API in front of the seq2seq endpoint",
    )
    # Last, once every construct exists: CDK adds its own functions (the bucket's auto-delete) as constructs need them.
    for stack in (bucket, endpoint, api):
        declare_provider_log_groups(stack, retention_days=settings.log_retention_days)
    Tags.of(app).add(*PROJECT_TAG)
    acknowledge_findings(bucket, endpoint, api)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return Service(settings=settings, bucket=bucket, endpoint=endpoint, api=api)
