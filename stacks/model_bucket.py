"""The S3 bucket that holds the staged model artifacts."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.names import BUCKET_OUTPUT


class ModelBucketStack(Stack):
    """An encrypted, private, TLS-only bucket; emptied and deleted on destroy unless retained on purpose."""

    def __init__(self, scope: Construct, construct_id: str, *, retain: bool, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.bucket = s3.Bucket(
            self,
            "ModelBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            # No versioning: each staged model lives under a key of its own, never overwritten, so there is no old
            # version to keep; the artifacts can be staged again from their source; and noncurrent versions would be
            # billed until `cdk destroy`.
            versioned=False,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # A failed staging run aborts its uploads; this catches a run killed before it could.
            lifecycle_rules=[s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(1))],
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
            auto_delete_objects=not retain,
        )
        # An export of our naming: policies that name objects under the bucket's ARN then read the same in every
        # synth, and cdk-nag findings about them can be acknowledged by their exact id (nag_acknowledgments.py).
        self.arn_export_name = f"{self.stack_name}-ModelBucketArn"
        self.bucket_arn_import = self.export_value(self.bucket.bucket_arn, name=self.arn_export_name)
        CfnOutput(
            self,
            BUCKET_OUTPUT,
            value=self.bucket.bucket_name,
            description="Bucket the staging script copies the model into",
        )


def model_bucket_in(scope: Construct, bucket: s3.IBucket) -> s3.IBucket:
    """The model bucket as another stack refers to it: its ARN through the export of our naming."""
    bucket_stack = Stack.of(bucket)
    if not isinstance(bucket_stack, ModelBucketStack):
        return bucket
    return s3.Bucket.from_bucket_attributes(
        scope, "ModelBucketRef", bucket_arn=bucket_stack.bucket_arn_import, bucket_name=bucket.bucket_name
    )
