"""The offline Batch Transform: JSON Lines from moto's S3, MultiRecord mini-batches to the stand-in, <key>.out back."""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
from translator.model_speed import INSTANT

from scripts.local.container_stand_in import ContainerStandIn
from scripts.local.transform_runner import LocalTransformJobs, TransformFailed, mini_batches, run_transform

BUCKET = "jobs"


@pytest.fixture
def s3(aws_env):
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def put_lines(s3, key: str, sources: list[str]) -> None:
    body = "".join(json.dumps({"source": source}) + "\n" for source in sources)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())


def test_stand_in_answers_json_lines_one_target_per_line():
    with ContainerStandIn(speed=INSTANT) as container:
        request = urllib.request.Request(
            f"{container.url}/invocations",
            data=b'{"source": "hello world ."}\n{"source": "thank you ."}\n',
            headers={"Content-Type": "application/jsonlines"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Content-Type"] == "application/jsonlines"
            lines = response.read().decode().splitlines()
    assert [json.loads(line) for line in lines] == [{"target": "hallo Welt ."}, {"target": "danke du ."}]


def test_multi_record_packs_as_many_records_as_fit():
    records = [b'{"source": "a"}\n'] * 5  # 16 bytes each
    assert [len(batch) for batch in mini_batches(iter(records), 40, True)] == [2, 2, 1]
    assert [len(batch) for batch in mini_batches(iter(records), 40, False)] == [1] * 5
    with pytest.raises(TransformFailed, match="larger than MaxPayloadInMB"):
        list(mini_batches(iter(records), 10, True))


def test_each_object_becomes_its_out_object_in_order(s3):
    put_lines(s3, "in/part-000000.jsonl", ["hello world .", "thank you ."])
    put_lines(s3, "in/part-000001.jsonl", ["good morning !"])
    with ContainerStandIn(speed=INSTANT) as container:
        stats = run_transform(
            s3, input_uri=f"s3://{BUCKET}/in/", output_uri=f"s3://{BUCKET}/out", container_url=container.url
        )
        assert container.calls == 2  # one invocation per object: mini-batches never span objects
    assert (stats.objects, stats.records, stats.invocations) == (2, 3, 2)
    first = s3.get_object(Bucket=BUCKET, Key="out/part-000000.jsonl.out")["Body"].read().decode().splitlines()
    assert [json.loads(line)["target"] for line in first] == ["hallo Welt .", "danke du ."]
    second = s3.get_object(Bucket=BUCKET, Key="out/part-000001.jsonl.out")["Body"].read().decode()
    assert json.loads(second) == {"target": "gut Morgen !"}


def test_a_bad_record_fails_the_job_with_the_containers_answer(s3):
    s3.put_object(Bucket=BUCKET, Key="in/bad.jsonl", Body=b'{"text": "no source"}\n')
    with ContainerStandIn(speed=INSTANT) as container, pytest.raises(TransformFailed, match="answered 400"):
        run_transform(s3, input_uri=f"s3://{BUCKET}/in/", output_uri=f"s3://{BUCKET}/out/", container_url=container.url)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")


def test_jobs_are_recorded_by_moto_and_fail_with_their_reason(s3):
    s3.put_object(Bucket=BUCKET, Key="in/bad.jsonl", Body=b"not json\n")
    with ContainerStandIn(speed=INSTANT) as container:
        jobs = LocalTransformJobs(boto3.client("sagemaker"), s3, container.url)
        jobs.create_transform_job(
            TransformJobName="job-1",
            ModelName="m",
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/in/"}}},
            TransformOutput={"S3OutputPath": f"s3://{BUCKET}/out/"},
            TransformResources={"InstanceType": "ml.m4.xlarge", "InstanceCount": 1},
        )
        jobs.wait()
        description = jobs.describe_transform_job(TransformJobName="job-1")
    assert description["TransformJobStatus"] == "Failed"
    assert "answered 400" in description["FailureReason"]
