from aws_cdk.assertions import Match


def test_bucket_is_encrypted_private_and_tls_only(default_app):
    template = default_app.template("TranslateModelBucket")
    template.has_resource_properties(
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
    template.has_resource_properties(
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


def test_bucket_is_emptied_and_deleted_on_destroy_by_default(default_app):
    template = default_app.template("TranslateModelBucket")
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
    template.resource_count_is("Custom::S3AutoDeleteObjects", 1)


def test_retain_model_bucket_keeps_bucket_and_its_objects(custom_app):
    template = custom_app.template("TranslateModelBucket")
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_abandoned_multipart_uploads_expire(default_app):
    default_app.template("TranslateModelBucket").has_resource_properties(
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
    outputs = default_app.template("TranslateModelBucket").find_outputs("ModelBucketName")
    assert outputs["ModelBucketName"]["Value"] == {
        "Ref": next(
            k
            for k, v in default_app.templates["TranslateModelBucket"]["Resources"].items()
            if v["Type"] == "AWS::S3::Bucket"
        )
    }
