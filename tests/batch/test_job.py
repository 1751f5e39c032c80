"""The job: chunk size from the model's speed, a name from the content, reuse, and failures with where the logs are."""

from __future__ import annotations

import boto3
import pytest
from translator.limits import MAX_SENTENCE_TOKENS
from translator.model_speed import DEFAULT

from scripts.batch.job import (
    INVOCATION_BUDGET_SECONDS,
    MAX_PAYLOAD_MB,
    JobFailed,
    JobPlan,
    create_request,
    find_job,
    follow,
    job_name,
    records_per_chunk,
    start_job,
)

JOB = JobPlan("translate-batch-abc", "model", "s3://b/batch/x/input/", "s3://b/batch/x/output/", "ml.m4.xlarge", 1)


def test_a_chunk_of_the_longest_sentences_fits_half_the_invocation_timeout():
    per_chunk = records_per_chunk(DEFAULT)
    assert DEFAULT.call_seconds([MAX_SENTENCE_TOKENS] * per_chunk) <= INVOCATION_BUDGET_SECONDS
    assert DEFAULT.call_seconds([MAX_SENTENCE_TOKENS] * (per_chunk + 1)) > INVOCATION_BUDGET_SECONDS
    # At most ~400 bytes a record, a chunk stays far inside the smallest payload: records never get split out.
    assert per_chunk * 400 < MAX_PAYLOAD_MB * 1024 * 1024
    assert records_per_chunk(DEFAULT.scaled(2)) < per_chunk


def test_the_name_follows_the_content_and_the_settings():
    name = job_name("d1", "model", "ml.m4.xlarge", 1, 866)
    assert name == job_name("d1", "model", "ml.m4.xlarge", 1, 866)
    assert len(name) <= 63 and name.startswith("translate-batch-")
    others = {
        job_name("d2", "model", "ml.m4.xlarge", 1, 866),
        job_name("d1", "model2", "ml.m4.xlarge", 1, 866),
        job_name("d1", "model", "ml.m4.xlarge", 1, 866, "s3://another-bucket/batch/"),
    }
    assert name not in others and len(others) == 3


def test_the_request_is_json_lines_split_and_assembled_by_line():
    request = create_request(JOB)
    assert request["TransformInput"]["ContentType"] == "application/jsonlines"
    assert request["TransformInput"]["SplitType"] == "Line"
    assert request["TransformOutput"] == {
        "S3OutputPath": JOB.output_uri,
        "Accept": "application/jsonlines",
        "AssembleWith": "Line",
    }
    assert (request["BatchStrategy"], request["MaxPayloadInMB"]) == ("MultiRecord", MAX_PAYLOAD_MB)


def test_a_new_job_is_started_and_found_again_by_name(aws_env):
    sagemaker = boto3.client("sagemaker")
    assert find_job(sagemaker, JOB) == (JOB, None)
    start_job(sagemaker, JOB)
    assert find_job(sagemaker, JOB) == (JOB, "Completed")  # moto's jobs complete at once


class Jobs:
    """Transform jobs with fixed statuses (moto always answers Completed, so Failed needs this)."""

    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses

    def describe_transform_job(self, *, TransformJobName: str) -> dict:
        if TransformJobName not in self.statuses:
            import botocore.exceptions

            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ValidationException", "Message": "Could not find job"}}, "DescribeTransformJob"
            )
        return {"TransformJobStatus": self.statuses[TransformJobName], "FailureReason": "ClientError: bad record"}


def test_a_failed_job_is_not_reused_the_next_attempt_gets_its_own_name_and_prefixes():
    job, status = find_job(Jobs({JOB.name: "Failed"}), JOB)
    assert (job.name, status) == (JOB.name + "-2", None)
    assert job.output_uri == "s3://b/batch/x/output-2/"


def test_a_failed_job_is_one_line_with_the_log_group():
    with pytest.raises(JobFailed) as raised:
        follow(Jobs({JOB.name: "Failed"}), JOB.name, poll_seconds=0, max_polls=3)
    message = str(raised.value)
    assert "\n" not in message
    assert message == (
        f"transform job {JOB.name} failed: ClientError: bad record; logs: CloudWatch log group "
        f"/aws/sagemaker/TransformJobs, log streams starting {JOB.name}/"
    )


def test_following_is_bounded():
    with pytest.raises(JobFailed, match="still running after 2 status checks"):
        follow(Jobs({JOB.name: "InProgress"}), JOB.name, poll_seconds=0, max_polls=2)


def test_a_status_that_cannot_be_read_says_the_job_goes_on():
    # Botocore's Stubber: a refused DescribeTransformJob (an expired token mid-job), which moto can't be made to answer.
    import boto3
    from botocore.stub import Stubber

    sagemaker = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(sagemaker) as stub:
        stub.add_client_error("describe_transform_job", "ExpiredTokenException", "The security token has expired")
        with pytest.raises(JobFailed) as raised:
            follow(sagemaker, JOB.name, poll_seconds=0, max_polls=3)
    message = str(raised.value)
    assert "\n" not in message and "ExpiredTokenException" in message
    assert "it goes on: run the same command again" in message and "stop-transform-job" in message


def test_a_timed_out_invocation_is_not_sent_again():
    # A retry of a 600 s invocation would bill the same slow chunk twice.
    assert create_request(JOB)["ModelClientConfig"]["InvocationsMaxRetries"] == 0
