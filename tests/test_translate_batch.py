"""python -m scripts.translate_batch end to end with --stand-in: moto's S3 and sagemaker, the runner, the stand-in."""

from __future__ import annotations

import json
from contextlib import ExitStack

import boto3
import pytest
from translator.model_speed import INSTANT

from scripts import translate_batch
from scripts.batch import backends
from scripts.batch.locations import MANIFEST
from stacks.settings import settings_from_files

SRT = "1\n00:00:01,000 --> 00:00:02,500\nHello.\nGood morning!\n\n2\n00:00:03,000 --> 00:00:04,000\nThank you.\n"


@pytest.fixture(autouse=True)
def instant_stand_in(monkeypatch):
    monkeypatch.setattr(backends, "STAND_IN_SPEED", INSTANT)


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Hello world. I love you.\n\n\nThe cat is Zylinski.\n", encoding="utf-8")
    (folder / "sub" / "b.jsonl").write_text('{"id": 1, "en": "Thank you."}\n\n{"id": 2, "en": ""}\n', encoding="utf-8")
    (folder / "c.srt").write_text(SRT, encoding="utf-8")
    return folder


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = translate_batch.main([*args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_round_trip_keeps_every_line_and_marks_the_output_complete(aws_env, inputs, tmp_path, capsys):
    output = tmp_path / "de"
    status, out, err = run(capsys, str(inputs), str(output), "--stand-in", "--yes", "--field", "en")
    assert status == 0, err
    assert "3 file(s), 15 lines, 6 texts, 7 sentences" in err
    assert out == f"translated 15 lines in 3 file(s) into {output}\n"
    assert (output / "a.txt").read_text().splitlines() == [
        "Hallo Welt. Ich liebe du.",
        "",
        "",
        "Die Katze ist Zylinski.",
    ]
    jsonl = (output / "sub" / "b.jsonl").read_text().splitlines()
    assert [json.loads(line) if line else None for line in jsonl] == [
        {"id": 1, "en": "Danke du."},
        None,
        {"id": 2, "en": ""},
    ]
    srt = (output / "c.srt").read_text().splitlines()
    assert srt == [
        "1",
        "00:00:01,000 --> 00:00:02,500",
        "Hallo.",
        "Gut Morgen!",
        "",
        "2",
        "00:00:03,000 --> 00:00:04,000",
        "Danke du.",
    ]
    manifest = json.loads((output / MANIFEST).read_text())
    assert manifest["files"] == {"a.txt": 4, "sub/b.jsonl": 3, "c.srt": 8}


def test_the_same_input_again_reuses_the_finished_job(aws_env, inputs, tmp_path, capsys):
    assert run(capsys, str(inputs), str(tmp_path / "one"), "--stand-in", "--yes")[0] == 1  # no "text" field
    status, _, first = run(capsys, str(inputs / "a.txt"), str(tmp_path / "one"), "--stand-in", "--yes")
    assert status == 0 and "done before" not in first
    status, _, again = run(capsys, str(inputs / "a.txt"), str(tmp_path / "two"), "--stand-in")
    assert status == 0, again
    assert "(done before: its output is reused, nothing is paid)" in again
    assert "InProgress" not in again  # no job was started
    assert (tmp_path / "two" / "a.txt").read_text() == (tmp_path / "one" / "a.txt").read_text()


def test_s3_input_and_output(aws_env, tmp_path, capsys):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="docs")
    s3.put_object(Bucket="docs", Key="en/talk.srt", Body=SRT.encode())
    status, _out, err = run(capsys, "s3://docs/en/", "s3://docs/de", "--stand-in", "--yes")
    assert status == 0, err
    german = s3.get_object(Bucket="docs", Key="de/talk.srt")["Body"].read().decode()
    assert german.splitlines()[2:4] == ["Hallo.", "Gut Morgen!"]
    assert s3.head_object(Bucket="docs", Key=f"de/{MANIFEST}")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.txt", b"\x89PNG\r\n\x1a\n\0\0", "photo.txt: is a binary file, not text"),
        ("old.txt", "caf\xe9\n".encode("latin-1"), "old.txt:1: is not UTF-8"),
        ("long.txt", b"ok\n" + b"word " * 1001 + b"\n", "long.txt:2: line has 5005 characters, more than 5000"),
        ("empty.txt", b"", "empty.txt: is empty"),
        ("blank.srt", b"\n\n", "blank.srt: nothing to translate"),
        ("report.pdf", b"%PDF", "report.pdf: .pdf is not supported"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_written(aws_env, tmp_path, capsys, name, content, message):
    (tmp_path / name).write_bytes(content)
    status, _out, err = run(capsys, str(tmp_path / name), str(tmp_path / "de"), "--stand-in", "--yes")
    assert status == 1
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], err
    assert not (tmp_path / "de").exists()


def test_empty_directory_and_empty_s3_prefix_are_refused(aws_env, tmp_path, capsys):
    (tmp_path / "none").mkdir()
    status, _, err = run(capsys, str(tmp_path / "none"), str(tmp_path / "de"), "--stand-in", "--yes")
    assert status == 1 and "the directory has no files" in err
    boto3.client("s3").create_bucket(Bucket="docs")
    status, _, err = run(capsys, "s3://docs/nothing/", str(tmp_path / "de"), "--stand-in", "--yes")
    assert status == 1 and "s3://docs/nothing/: there is nothing under this S3 prefix" in err
    assert not (tmp_path / "de").exists()


def test_without_a_terminal_the_cost_needs_yes(aws_env, inputs, tmp_path, capsys):
    status, _, err = run(capsys, str(inputs / "c.srt"), str(tmp_path / "de"), "--stand-in")
    assert status == 2
    assert "error: no terminal to confirm the job's cost: run again with --yes" in err
    assert not (tmp_path / "de").exists()


def test_ctrl_c_leaves_the_job_running_and_says_how_to_stop_it(aws_env, inputs, tmp_path, capsys, monkeypatch):
    with ExitStack() as stack:
        backend = stack.enter_context(backends.stand_in_backend(settings_from_files(), aws_env.url))
        monkeypatch.setattr(translate_batch, "aws_backend", lambda settings: backend)

        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(translate_batch, "run_job", interrupted)
        status, _, err = run(capsys, str(inputs / "c.srt"), str(tmp_path / "de"), "--yes")
    assert status == 130
    name = next(word for word in err.split() if word.startswith("translate-batch-"))
    assert f"job {name} keeps running" in err
    assert f"`aws sagemaker stop-transform-job --transform-job-name {name} --region us-east-1`" in err
    assert not (tmp_path / "de").exists()
