"""cdk-nag findings we accept on purpose, each at the narrowest scope with the reason a reviewer would accept."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from stacks.api import ApiStack
from stacks.api_contract import VALIDATED_BODIES
from stacks.endpoint import EndpointStack
from stacks.model_bucket import ModelBucketStack
from stacks.model_versions import DEFAULT_SOURCE_BUCKETS, DEFAULT_SOURCE_PREFIX
from stacks.names import BATCH_JOB_PREFIX, VOCABULARY_FILES

_PACK = "AwsSolutions::AwsSolutions-"
_READ_ACTIONS = ("s3:GetObject*", "s3:GetBucket*", "s3:List*")


def _ack(scope: IConstruct, rule: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{_PACK}{rule}", reason=reason))


def _ack_read_grant(policy: IConstruct, what: str) -> None:
    for action in _READ_ACTIONS:
        _ack(policy, f"IAM5[Action::{action}]", f"CDK's grant_read action groups, limited by resource to {what}")


def _ack_function(function: lambda_.Function) -> None:
    _ack(
        function.role,
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "The AWS-managed basic execution policy only lets the function write its own logs.",
    )


def acknowledge_findings(bucket: ModelBucketStack, endpoint: EndpointStack, api: ApiStack) -> None:
    """Record the acknowledged AwsSolutions findings on the constructs they concern."""
    _ack(
        bucket.bucket,
        "S1",
        "The bucket holds only model artifacts written by the staging script; server access logs would need a second "
        "bucket that outlives `cdk destroy`. Use CloudTrail S3 data events where an audit trail is required.",
    )

    objects = f"{bucket.arn_export_name}/{endpoint.staged_model_prefix}"
    _ack_endpoint(endpoint, objects, f"{bucket.arn_export_name}/{BATCH_JOB_PREFIX}")
    _ack_staging(endpoint.staged_model.function, objects)
    _ack_control(endpoint.control.function)
    _ack_api(api, objects)


def _ack_control(control: lambda_.Function) -> None:
    _ack_function(control)
    _ack(
        control.role.node.find_child("DefaultPolicy"),
        "IAM5[Resource::*]",
        "cloudwatch:GetMetricStatistics has no resource-level permissions; the function reads only the endpoint's "
        "Invocations metric with it, to tell how long the endpoint has been idle.",
    )


def _ack_endpoint(endpoint: EndpointStack, objects: str, batch_objects: str) -> None:
    role_policy = endpoint.execution_role.node.find_child("DefaultPolicy")
    _ack_read_grant(role_policy, "every staged version's model.tar.gz and the batch jobs' folder")
    for action in ("s3:DeleteObject*", "s3:Abort*"):
        _ack(role_policy, f"IAM5[Action::{action}]", "CDK's grant_read_write action groups, on the batch jobs' folder")
    _ack(
        role_policy,
        f"IAM5[Resource::{batch_objects}*]",
        "Batch Transform jobs of this model run with its role: they read their input and write their output under "
        "the batch jobs' folder of the model bucket, one folder per job named after its input's content.",
    )
    _ack(
        role_policy,
        f"IAM5[Resource::{objects}*/model.tar.gz]",
        "Every staged version's model, not only the one in service: an older endpoint config (a rollback, an "
        "instance replaced while an update runs) must still load the artifact it was built for.",
    )
    _ack(
        role_policy,
        "IAM5[Resource::*]",
        "ecr:GetAuthorizationToken has no resource-level permissions; "
        "cloudwatch:PutMetricData is limited by condition to the /aws/sagemaker/Endpoints namespace.",
    )


def _ack_staging(staging: lambda_.Function, objects: str) -> None:
    _ack_function(staging)
    staging_policy = staging.role.node.find_child("DefaultPolicy")
    for action in (*_READ_ACTIONS, "s3:DeleteObject*", "s3:Abort*"):
        _ack(
            staging_policy,
            f"IAM5[Action::{action}]",
            "CDK's grant_read_write action groups, limited by resource to the model prefix of our bucket.",
        )
    _ack(
        staging_policy,
        f"IAM5[Resource::{objects}*]",
        "Staging writes new version folders, its scratch copies and the in-service record under the model prefix.",
    )
    for source in DEFAULT_SOURCE_BUCKETS:
        name = source.format(region="<AWS::Region>")
        _ack(
            staging_policy,
            f"IAM5[Resource::arn:<AWS::Partition>:s3:::{name}/{DEFAULT_SOURCE_PREFIX}*]",
            "Read only, on the public source's folder of the pre-trained model, whose three files staging copies.",
        )


def _ack_api(api: ApiStack, objects: str) -> None:
    _ack_function(api.translate_fn)
    function_policy = api.translate_fn.role.node.find_child("DefaultPolicy")
    _ack_read_grant(function_policy, "the vocabulary files of staged versions")
    for vocabulary in VOCABULARY_FILES:
        _ack(
            function_policy,
            f"IAM5[Resource::{objects}*/{vocabulary}]",
            "The vocabularies of every staged version: the function reads the one its environment names, which "
            "changes with each model version.",
        )
    _ack(
        function_policy,
        "IAM5[Resource::*]",
        "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions (active tracing).",
    )
    if api.api_keys_secret:
        _ack(
            api.api_keys_secret,
            "SMG4",
            "No rotation: the secret holds SHA-256 digests of keys that clients were given, not a credential of ours; "
            "rotating it would revoke every client's key. Keys are added and revoked one by one with make keys.",
        )
    _ack_gateway(api)


def _ack_gateway(api: ApiStack) -> None:
    _ack_function(api.logging_role.function)
    _ack(
        api.logging_role.function.role.node.find_child("DefaultPolicy"),
        "IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]",
        "iam:GetRole alone, on roles of this account: the API Gateway logging role the account's settings name may be "
        "any of them, and only reading it tells a deleted one (then replaced) from a live one (then kept).",
    )
    if not VALIDATED_BODIES:
        _ack(
            api.api,
            "APIG2",
            "The Lambda validates every request itself and answers in the caller's API's own error shape "
            "(LibreTranslate, DeepL, ours); a gateway body model would refuse LibreTranslate clients that send their "
            "fields in the query string of a POST with an empty body (stacks/api_contract.py VALIDATED_BODIES).",
        )
    _ack(
        api.api.deployment_stage,
        "APIG3",
        "No WAF web ACL by default (it costs per month even when idle); stage throttling "
        "bounds abuse. Attach a web ACL to the stage for internet-scale exposure.",
    )
    _ack(
        api.api.deployment_stage,
        "APIG6",
        "Execution logging is off on purpose: API Gateway would create a log group "
        "outside the stack that outlives `cdk destroy`. Access logs and the Lambda's structured logs cover every request.",
    )
    for method in api.api.methods:
        reason = "A public translation API by design, like the workshop's: anyone may call it; throttling bounds abuse and cost."
        _ack(method, "APIG4", reason)
        _ack(method, "COG4", reason)
