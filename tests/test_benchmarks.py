"""Smoke tests of `python -m benchmarks`: every figure runs with tiny counts and yields rows of the right shape (no timings asserted)."""

from __future__ import annotations

import http.client
import importlib.util
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from benchmarks import __main__ as cli
from benchmarks import cold_start, request_overhead, staging, synth, text_cost
from benchmarks.byte_counter import CountingRelay
from benchmarks.child import run_child
from benchmarks.instant_runtime import InstantRuntime
from benchmarks.report import Row, format_table, median, write_json
from stacks.model_versions import artifact_keys, is_version
from stacks.names import SOURCE_VOCABULARY_FILE
from stacks.settings import settings_from_files


def _shape_ok(rows: list[Row], figures: set[str]) -> None:
    assert rows
    assert {row.figure for row in rows} == figures, "every figure has at least one row"
    for row in rows:
        assert row.value > 0 and row.floor > 0, row
        assert row.floor_case and row.floor_case != row.case, row
        assert row.ratio == pytest.approx(row.value / row.floor)
    table = format_table(rows).splitlines()
    assert table[0].split()[:2] == ["figure", "case"]
    assert len(table) == len(rows) + 2


def test_table_and_json_hold_every_row(tmp_path):
    rows = [
        Row("synth", "ours", 2.0, "empty", 1.0, "s"),
        Row("package", "zipped", 3 * 2**20, "own", 0, "B", note="limit"),
    ]
    table = format_table(rows)
    assert "2.00x" in table and "3.00 MiB" in table and "limit" in table.splitlines()[0] + table
    assert table.splitlines()[3].split()[-2] == "-", "a zero floor has no ratio"
    write_json(rows, tmp_path / "out" / "results.json", {"cpus": 2})
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert document["meta"] == {"cpus": 2}
    assert [row["ratio"] for row in document["rows"]] == [2.0, None]


def test_median_refuses_no_samples():
    assert median([3.0, 1.0, 2.0]) == 2.0
    with pytest.raises(ValueError, match="no samples"):
        median([])


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield server.server_address[:2]
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_relay_counts_the_bytes_both_ways(echo_server):
    payload = b"x" * 100_000
    with CountingRelay(*echo_server) as relay:
        with urllib.request.urlopen(
            urllib.request.Request(relay.url + "/", data=payload, method="POST"), timeout=10
        ) as response:
            assert response.read() == payload
        # The relay's threads count what they forwarded just after the client has it: wait (bounded) for the tally.
        deadline = time.monotonic() + 5
        while min(relay.sent, relay.received) <= len(payload) and time.monotonic() < deadline:
            time.sleep(0.01)
        # Body plus request/response headers, which are a few hundred bytes.
        assert payload.__len__() < relay.sent < len(payload) + 1000
        assert len(payload) < relay.received < len(payload) + 1000
        relay.reset()
        assert relay.total == 0


def test_cold_start_import_rows():
    rows = cold_start.run(1, package=False)
    _shape_ok(rows, {"cold start"})
    assert [(row.case, row.floor_case) for row in rows] == [("import handler", "import boto3")]
    # Both sides import from bytecode: the Lambda's sources were compiled before the handler's samples.
    for source in cold_start.LAMBDA_ROOT.rglob("*.py"):
        compiled = Path(importlib.util.cache_from_source(str(source)))
        assert compiled.is_file() and compiled.stat().st_mtime >= source.stat().st_mtime, source


def test_the_benchmarks_read_the_vocabulary_where_a_staged_version_keeps_it():
    # The key a deployment's staging really writes, not the unversioned layout that no longer exists.
    assert is_version(cold_start.MODEL_VERSION)
    staged = artifact_keys(settings_from_files().model_prefix, cold_start.MODEL_VERSION)[SOURCE_VOCABULARY_FILE]
    assert cold_start.LAMBDA_ENV["SOURCE_VOCABULARY_KEY"] == staged


def test_cold_start_import_failure_is_one_clear_error():
    with pytest.raises(cold_start.PackageError, match="import no_such_module failed: ModuleNotFoundError"):
        cold_start.import_seconds("no_such_module", [], 1)


@pytest.mark.parametrize("printed", ["[]", '["a.zip", "b.zip"]', "Traceback? no", ""])
def test_package_asset_key_other_than_one_is_one_clear_error(printed):
    assert cold_start.handler_asset_key('notice\n["abc.zip"]\n') == "abc.zip"
    with pytest.raises(cold_start.PackageError, match="expected the S3 key of one Lambda function"):
        cold_start.handler_asset_key(printed)


def test_child_failure_names_its_last_line_from_stderr_or_else_stdout():
    with pytest.raises(RuntimeError, match=r"^compileall failed: \*\*\* Error compiling$"):
        run_child(
            [sys.executable, "-c", "print('*** Error compiling'); raise SystemExit(1)"],
            failure="compileall failed",
            timeout=60,
        )
    with pytest.raises(RuntimeError, match=r"^x failed: ValueError: bad$"):
        run_child([sys.executable, "-c", "print('out'); raise ValueError('bad')"], failure="x failed", timeout=60)
    assert run_child([sys.executable, "-c", "print('ok')"], failure="x", timeout=60).stdout == "ok\n"


def test_a_hung_child_is_stopped_and_is_one_error():
    with pytest.raises(synth.SynthError, match=r"^synth failed: no answer within 0.5 s, stopped$"):
        run_child(
            [sys.executable, "-c", "import time; time.sleep(60)"],
            failure="synth failed",
            timeout=0.5,
            error=synth.SynthError,
        )


def test_a_hung_figure_is_one_line_on_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cold_start, "IMPORT_TIMEOUT_SECONDS", 0.01)
    output = tmp_path / "results.json"
    assert cli.main(["--only", "cold-start", "--no-package", "--repeat", "1", "--output", str(output)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "benchmarks: failed: import handler failed: no answer within 0.01 s, stopped"
    assert not any("Traceback" in line for line in err)
    assert not output.exists()


def test_a_timeout_from_subprocess_run_itself_is_one_line(monkeypatch, capsys):
    def hung(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], 1)

    monkeypatch.setattr(cli, "run_figures", lambda *args, **kwargs: hung(["pip"]))
    assert cli.main(["--only", "synth", "--repeat", "1"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "benchmarks: failed: Command '['pip']' timed out after 1 seconds"
    ]


@pytest.mark.slow
def test_request_overhead_rows_count_endpoint_calls_at_the_server():
    rows = request_overhead.run(1, sizes=(1,), mixed_sizes=(3,))
    _shape_ok(rows, {"per request", "per request, CPU", "endpoint calls", "cold start"})
    calls = {row.case: (row.value, row.floor) for row in rows if row.figure == "endpoint calls"}
    # Both handlers batch every sentence into one invoke_endpoint call.
    mixed = "front end, 3 sentences, mixed (numbers, quotes, apostrophes)"
    assert calls == {"front end, 1 sentence": (1.0, 1.0), mixed: (1.0, 1.0)}
    per_request = [row for row in rows if row.figure == "per request"]
    assert [row.case for row in per_request] == ["front end, 1 sentence", mixed]
    assert all(row.floor_case == "pass-through" and "endpoint's work excluded" in row.note for row in per_request)
    assert all(re.match(r"overhead -?\d+\.\d ms", row.note) for row in per_request)
    cpu = [row for row in rows if row.figure == "per request, CPU"]
    assert [row.case for row in cpu] == [row.case for row in per_request]
    # Figures, not a timing check (the suite runs on a loaded machine): every CPU row has a positive value and floor.
    assert all(c.value > 0 and c.floor > 0 and c.floor_case == "pass-through" for c in cpu)


def test_instant_runtime_replays_the_stand_ins_answer_once_computed():
    from scripts.local.container_stand_in import answer

    request = {"instances": [{"data": "I love you .", "configuration": {"attention_matrix": "true"}}, {"data": "Anna"}]}
    body = json.dumps(request).encode()
    with InstantRuntime({"bench"}) as runtime:
        answers = []
        for _ in range(3):
            invoke = urllib.request.Request(
                runtime.url + "/endpoints/bench/invocations",
                data=body,
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(invoke, timeout=10) as response:
                answers.append(json.loads(response.read()))
        assert answers == [answer(request)] * 3
        assert (runtime.computed, runtime.invocations) == (1, 3)
        missing = urllib.request.Request(runtime.url + "/endpoints/other/invocations", data=body, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(missing, timeout=10)
        assert refused.value.code == 400


def test_instant_runtime_keeps_the_connection_open_between_calls():
    # As sagemaker-runtime does: botocore sends a request's calls over one pooled connection.
    body = json.dumps({"instances": [{"data": "I love you ."}]}).encode()
    with InstantRuntime({"bench"}) as runtime:
        host, port = runtime.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            sockets = []
            for _ in range(2):
                connection.request("POST", "/endpoints/bench/invocations", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                assert response.status == 200 and json.loads(response.read())["predictions"]
                assert response.version == 11 and not response.will_close
                sockets.append(connection.sock)
            assert sockets[0] is sockets[1] and (runtime.computed, runtime.invocations) == (1, 2)
        finally:
            connection.close()


@pytest.mark.slow
def test_staging_rows_per_source_kind_and_their_bytes():
    model_bytes = 1024 * 1024
    rows = staging.run(1, model_bytes=model_bytes)
    _shape_ok(rows, {"staging", "staging bytes"})
    wire = {row.case: row for row in rows if row.figure == "staging bytes"}
    assert set(wire) == {"from S3 copy", "from HTTP", "from directory"}
    # Server-side copy reads only the vocabularies and the model's ends; HTTP downloads then uploads; a directory only uploads.
    assert wire["from S3 copy"].value < wire["from S3 copy"].floor - model_bytes * 0.9
    assert wire["from HTTP"].value > 1.8 * wire["from HTTP"].floor
    assert wire["from directory"].floor <= wire["from directory"].value < 1.2 * wire["from directory"].floor
    # The plain upload is three PutObject calls; staging also checks, writes scratch copies, promotes and cleans up.
    assert all(row.note.endswith("S3 requests vs 3") for row in rows if row.figure == "staging")


def test_synth_compares_two_fresh_processes():
    rows = synth.run(1, app_script="import sys", empty_script="pass")
    _shape_ok(rows, {"synth"})
    with pytest.raises(synth.SynthError, match="ZeroDivisionError"):
        synth.wall_seconds("1 / 0", 1)


def test_command_line_writes_the_json_and_refuses_bad_counts(tmp_path, capsys):
    output = tmp_path / "results.json"
    assert cli.main(["--only", "cold-start", "--no-package", "--repeat", "1", "--output", str(output)]) == 0
    document = json.loads(output.read_text())
    assert {"cpus", "cpu", "python", "os", "commit", "command", "repeat"} <= set(document["meta"])
    assert document["meta"]["commit"] == cli.commit()
    assert re.fullmatch(r"[0-9a-f]{4,40}|unknown", document["meta"]["commit"])
    assert [row["case"] for row in document["rows"]] == ["import handler"]
    assert "import handler" in capsys.readouterr().out
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert (
        cli.main(["--only", "cold-start", "--no-package", "--repeat", "1", "--output", str(blocker / "results.json")])
        == 1
    )
    assert "cannot write" in capsys.readouterr().err
    assert cli.main(["--repeat", "0"]) == 2
    assert "'0' is not a whole number from 1" in capsys.readouterr().err


def test_commit_is_unknown_without_git(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(cli.subprocess, "run", no_git)
    assert cli.commit() == "unknown"


def test_the_maximal_request_of_the_model_time_figure_is_at_the_documented_limits():
    from translator.limits import MAX_TEXT_CHARS, MAX_TEXTS, MAX_TOTAL_CHARS

    from benchmarks import model_time

    texts = model_time.maximal_texts()
    assert len(texts) == MAX_TEXTS and all(len(text) <= MAX_TEXT_CHARS for text in texts)
    assert MAX_TOTAL_CHARS - 30 * MAX_TEXTS <= sum(map(len, texts)) <= MAX_TOTAL_CHARS
    assert "model-time" in cli.FIGURES


def test_text_cost_rows_set_hard_texts_against_plain_text_of_their_length():
    rows = text_cost.run(1)
    assert [(row.figure, row.floor_case) for row in rows] == [
        ("per text", "plain text, same length"),
        ("per text", "plain text, same length"),
        ("per text", "2 x the 5,000-character token"),
        ("per text", "plain text, same length"),
        ("per text", "2 x the 5,000-character one"),
    ]
    assert all(row.value > 0 and row.floor > 0 and row.unit == "s" for row in rows)
    texts = text_cost.texts()
    assert len(texts["abbreviated"]) == len(texts["plain"]) == text_cost.TEXT_CHARS
    assert len(texts["token #"]) == len(texts["plain-token-length"]) == len(texts["word beside an e-mail address"])
    assert len(texts["long token #"]) == len(texts["long word beside an e-mail address"]) == 2 * text_cost.TOKEN_CHARS
    assert texts["abbreviated"].count("U.S.") > 20


def test_the_mixed_text_takes_the_tokenizers_full_chain_and_the_plain_one_its_shortcut():
    from translator import moses

    tokenizer = moses._tokenizer()
    assert all(tokenizer._plain_tokens(sentence, False) is None for sentence in request_overhead.MIXED_SENTENCES)
    assert all(tokenizer._plain_tokens(sentence, False) for sentence in request_overhead.SENTENCES)
