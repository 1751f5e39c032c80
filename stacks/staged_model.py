"""StagedModel: the endpoint stack stages (or checks) the model version it serves, inside AWS, before the model exists."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CustomResource, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.custom_resource_function import custom_resource_function
from stacks.model_versions import DEFAULT_SOURCE_BUCKETS, DEFAULT_SOURCE_PREFIX, STAGE_MODE

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTION_SOURCE = Path(__file__).resolve().parent / "staged_model_function"
# Exactly what the function runs: the staging library and the facts it imports; boto3 comes with the runtime.
PACKAGE_FILES = {
    "handler.py": FUNCTION_SOURCE / "handler.py",
    **{
        path: REPO_ROOT / path
        for path in (
            "scripts/__init__.py",
            "scripts/aws/__init__.py",
            "scripts/aws/errors.py",
            "scripts/aws/session.py",
            "scripts/staging/__init__.py",
            "scripts/staging/artifacts.py",
            "scripts/staging/in_cloud.py",
            "scripts/staging/s3_write.py",
            "scripts/staging/sources.py",
            "scripts/staging/stage.py",
            "scripts/staging/versions.py",
            "stacks/__init__.py",
            "stacks/cloudformation_response.py",
            "stacks/model_versions.py",
            "stacks/names.py",
        )
    },
}
# A server-side copy of a large model.tar.gz takes a minute or two; a source S3 refuses fails within seconds.
TIMEOUT = Duration.minutes(10)
# CloudFormation stops waiting a little after the function's own limit, even if the function could not answer.
SERVICE_TIMEOUT = Duration.minutes(12)


class StagedModel(Construct):
    """Stages the default source's model (or checks a requested version) and records it in service.

    Attributes: version, model_data_url and source_vocabulary_key, for the SageMaker model and the front end; the
    SageMaker model is created only once this resource has succeeded.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        prefix: str,
        requested_version: str,
        keep: int,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = custom_resource_function(
            self,
            description="Stages the seq2seq model into the model bucket, or checks a requested version",
            source=FUNCTION_SOURCE,
            files=PACKAGE_FILES,
            timeout=TIMEOUT,
            log_retention_days=log_retention_days,
            memory_size=256,
        )
        self._grant(bucket, prefix)
        self.resource = staged_model_resource(
            self,
            "Resource",
            self.function.function_arn,
            STAGE_MODE,
            bucket.bucket_name,
            prefix,
            requested_version,
            keep,
        )
        # The function must hold its permissions before CloudFormation first invokes it.
        self.resource.node.add_dependency(self.function.role.node.find_child("DefaultPolicy"))
        self.version = self.resource.get_att_string("Version")
        self.model_data_url = self.resource.get_att_string("ModelDataUrl")

    def _grant(self, bucket: s3.IBucket, prefix: str) -> None:
        # Our bucket: the model prefix only (versions, scratch copies, the in-service record).
        bucket.grant_read_write(self.function, f"{prefix}*")
        # The public sources: their model folder only, read (ranged checks, and the source side of server-side copies).
        sources = [
            f"arn:{Aws.PARTITION}:s3:::{name.format(region=Aws.REGION)}/{DEFAULT_SOURCE_PREFIX}*"
            for name in DEFAULT_SOURCE_BUCKETS
        ]
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:GetObject", "s3:GetObjectTagging"], resources=sources)
        )


def staged_model_resource(
    scope: Construct,
    construct_id: str,
    service_token: str,
    mode: str,
    bucket_name: str,
    prefix: str,
    requested_version: str,
    keep: int = 0,
) -> CustomResource:
    """One StagedModel request: `stage` (the endpoint stack) or `in-service` (the API stack reads what it serves)."""
    return CustomResource(
        scope,
        construct_id,
        service_token=service_token,
        resource_type="Custom::StagedModel",
        service_timeout=SERVICE_TIMEOUT,
        properties={
            "Mode": mode,
            "Bucket": bucket_name,
            "Prefix": prefix,
            "RequestedVersion": requested_version,
            "Keep": str(keep),
        },
    )
