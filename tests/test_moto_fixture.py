import boto3


def test_boto3_reaches_moto_over_http_and_state_is_reset(aws_env):
    s3 = boto3.client("s3")
    assert s3.meta.endpoint_url == aws_env.url
    s3.create_bucket(Bucket="probe")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["probe"]
    aws_env.reset()
    assert s3.list_buckets()["Buckets"] == []
