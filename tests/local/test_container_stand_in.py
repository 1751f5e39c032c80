"""The stand-in seq2seq container over HTTP: the container contract, its labelling, its vocabulary files."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scripts.local.container_stand_in import ContainerStandIn, translate_tokens, write_vocab


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        f"{url}/invocations", data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_ping_answers_200_and_says_it_is_a_stand_in(container_stand_in: ContainerStandIn) -> None:
    with urllib.request.urlopen(f"{container_stand_in.url}/ping", timeout=10) as response:
        assert response.status == 200
        assert response.headers["X-Stand-In"] == "true"


def test_invocations_translate_word_by_word_with_unk_and_matrix(container_stand_in: ContainerStandIn) -> None:
    request = {
        "instances": [
            {"data": "hello , world !", "configuration": {"attention_matrix": "true"}},
            {"data": "I love Quokkas ."},
        ]
    }
    status, headers, answer = post(container_stand_in.url, json.dumps(request).encode())
    assert status == 200 and headers["X-Stand-In"] == "true"
    first, second = answer["predictions"]
    assert first["target"] == "hallo , Welt !"
    assert len(first["matrix"]) == 4 and all(len(row) == 4 for row in first["matrix"])
    assert max(range(4), key=first["matrix"][3].__getitem__) == 3
    assert second == {"target": "ich liebe <unk> ."}


def test_truncates_like_the_real_model(container_stand_in: ContainerStandIn) -> None:
    _, _, answer = post(container_stand_in.url, json.dumps({"instances": [{"data": "one " * 70}]}).encode())
    assert len(answer["predictions"][0]["target"].split()) == 60


@pytest.mark.parametrize(
    ("body", "content_type", "status", "needle"),
    [
        (b"not json", "application/json", 400, "not JSON"),
        (b'{"instances": "x"}', "application/json", 400, "instances"),
        (b'{"instances": [{"data": 3}]}', "application/json", 400, "instance 0"),
        (b"{}", "text/csv", 415, "text/csv"),
    ],
)
def test_bad_requests_get_a_clear_message(
    container_stand_in: ContainerStandIn, body: bytes, content_type: str, status: int, needle: str
) -> None:
    got_status, _, answer = post(container_stand_in.url, body, content_type)
    assert got_status == status and needle in answer["message"]


def test_vocab_files_match_the_dictionary(tmp_path: Path) -> None:
    source_path, target_path = write_vocab(tmp_path)
    source, target = json.loads(source_path.read_text("utf-8")), json.loads(target_path.read_text("utf-8"))
    assert [source[token] for token in ("<pad>", "<unk>", "<s>", "</s>")] == [0, 1, 2, 3]
    assert source["the"] < source["The"] and "i" not in source and "London" in source and "london" not in source
    assert "Welt" in target and "<unk>" in target
    for word in ("hello", "world", "car"):
        assert translate_tokens([word])[0][0] in target


def test_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.local.container_stand_in", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert result.returncode == 0 and "--port" in result.stdout and "stand-in model" in result.stdout
