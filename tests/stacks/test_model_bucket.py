"""stacks/model_bucket.py: the bucket the staged model lives in."""

from aws_cdk.assertions import Match

from stacks.names import BUCKET_STACK


def test_bucket_is_encrypted_private_and_unnamed(default_app):
    default_app.template(BUCKET_STACK).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketName": Match.absent(),
        },
    )


def test_bucket_refuses_requests_without_tls(default_app):
    default_app.template(BUCKET_STACK).has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_bucket_is_not_versioned(default_app):
    # Staged models have keys of their own and are never overwritten (stacks/model_bucket.py says why).
    default_app.template(BUCKET_STACK).has_resource_properties(
        "AWS::S3::Bucket", {"VersioningConfiguration": Match.absent()}
    )


def test_bucket_is_emptied_and_deleted_on_destroy_by_default(default_app):
    template = default_app.template(BUCKET_STACK)
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
    template.resource_count_is("Custom::S3AutoDeleteObjects", 1)


def test_retain_model_bucket_keeps_bucket_and_its_objects(custom_app):
    template = custom_app.template(BUCKET_STACK)
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_abandoned_multipart_uploads_expire(default_app):
    default_app.template(BUCKET_STACK).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like(
                        {"AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}, "Status": "Enabled"}
                    )
                ]
            }
        },
    )


def test_outputs_bucket_name(default_app):
    template = default_app.template(BUCKET_STACK)
    ((bucket_id, _),) = template.find_resources("AWS::S3::Bucket").items()
    template.has_output("ModelBucketName", {"Value": {"Ref": bucket_id}})
