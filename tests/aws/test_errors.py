"""scripts/aws/errors.py: one reading of an AWS error's code and message, for every message that names one."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from scripts.aws.errors import describe_error, error_code, error_message, s3_answer


def client_error(code: str, message: str = "", status: int | None = None) -> ClientError:
    response: dict = {"Error": {"Code": code, "Message": message}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(response, "AnyOperation")


def test_code_and_message_of_a_client_error():
    error = client_error("AccessDenied", "Access Denied")
    assert (error_code(error), error_message(error)) == ("AccessDenied", "Access Denied")
    assert describe_error(error) == "AccessDenied: Access Denied"


def test_errors_without_a_service_answer_have_no_code():
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    assert error_code(error) == "" and error_message(error) == ""
    assert "127.0.0.1:9" in describe_error(error)
    assert describe_error(ValueError()) == "ValueError"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (client_error("AccessDenied", "Access Denied", 403), "S3 answered 403 AccessDenied (Access Denied)"),
        # HeadObject has no body: the code is the status, and the message comes from the status.
        (client_error("404", "", 404), "S3 answered 404 404 (Not Found)"),
        (client_error("NoSuchKey", "NoSuchKey", 404), "S3 answered 404 NoSuchKey"),
    ],
)
def test_s3_answer_names_status_code_and_message(error, expected):
    assert s3_answer(error) == expected


def test_a_real_answer_from_moto_is_read_the_same_way(aws_env):
    with pytest.raises(ClientError) as raised:
        boto3.client("s3").get_object(Bucket="no-such-bucket", Key="k")
    assert error_code(raised.value) == "NoSuchBucket"
    assert s3_answer(raised.value).startswith("S3 answered 404 NoSuchBucket")
