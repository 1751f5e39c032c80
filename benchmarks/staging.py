"""Staging from each source kind (S3 copy, HTTP, directory) vs a plain boto3 upload_file of the same bytes, against moto."""

from __future__ import annotations

import functools
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from botocore.config import Config

from benchmarks.byte_counter import CountingRelay
from benchmarks.local_aws import moto_server, session
from benchmarks.report import Row, median
from benchmarks.synthetic_model import write_model_archive, write_vocabularies

# A few MB: large enough that the bytes dominate the requests, small enough for a quick run.
MODEL_PAYLOAD_BYTES = 4 * 1024 * 1024
SOURCE_BUCKET = "bench-source"
SOURCE_PREFIX = "models/seq2seq-data/"
KINDS = ("S3 copy", "HTTP", "directory")


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def file_server(directory: Path) -> Iterator[tuple[str, int]]:
    """Serve directory over HTTP on 127.0.0.1 (a free port) from a thread; yields (host, port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietFiles, directory=str(directory)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.server_address[:2]
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def _measure(
    action: Callable[[str], None], relays: list[CountingRelay], repeat: int, label: str, s3
) -> tuple[float, float, int]:
    """Median seconds, bytes on the wire and S3 requests of action(fresh_bucket) over repeat runs; bucket creation not counted."""
    seconds, sizes, requests = [], [], []
    sent = [0]

    def count(**_: object) -> None:
        sent[0] += 1

    s3.meta.events.register("before-send.s3", count)
    for number in range(repeat):
        bucket = f"bench-{label}-{number}"
        s3.create_bucket(Bucket=bucket)
        for relay in relays:
            relay.reset()
        sent[0] = 0
        started = time.perf_counter()
        action(bucket)
        seconds.append(time.perf_counter() - started)
        sizes.append(sum(relay.total for relay in relays))
        requests.append(sent[0])
    s3.meta.events.unregister("before-send.s3", count)
    return median(seconds), median(sizes), round(median(requests))


def run(repeat: int, model_bytes: int = MODEL_PAYLOAD_BYTES) -> list[Row]:
    """Rows: seconds and wire bytes of stage_model per source kind, each next to upload_file of the same three files."""
    from scripts.staging.sources import DirectorySource, HttpSource, S3Source, tqdm_progress
    from scripts.staging.stage import stage
    from stacks.settings import parse_overrides, settings_from_files

    settings = settings_from_files(parse_overrides([]))
    rows: list[Row] = []
    with ExitStack() as stack:
        files = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        write_model_archive(files / "model.tar.gz", model_bytes)
        write_vocabularies(files)
        artifacts = sorted(files.iterdir())
        s3_relay = stack.enter_context(CountingRelay(*stack.enter_context(moto_server())))
        http_relay = stack.enter_context(CountingRelay(*stack.enter_context(file_server(files))))
        s3 = session().client(
            "s3", endpoint_url=s3_relay.url, config=Config(retries={"max_attempts": 5, "mode": "standard"})
        )
        s3.create_bucket(Bucket=SOURCE_BUCKET)
        for path in artifacts:
            s3.upload_file(str(path), SOURCE_BUCKET, SOURCE_PREFIX + path.name)
        sources = {
            "S3 copy": S3Source(SOURCE_BUCKET, SOURCE_PREFIX),
            "HTTP": HttpSource(http_relay.url + "/"),
            "directory": DirectorySource(files),
        }
        relays = [s3_relay, http_relay]

        def plain_upload(bucket: str) -> None:
            for path in artifacts:
                s3.upload_file(str(path), bucket, settings.model_prefix + path.name)

        floor_s, floor_bytes, floor_requests = _measure(plain_upload, relays, repeat, "upload-file", s3)
        staged = sum(path.stat().st_size for path in artifacts)
        for kind in KINDS:

            def staging(bucket: str, source=sources[kind]) -> None:
                stage(s3, bucket, settings.model_prefix, [source], progress=tqdm_progress(False), say=lambda *_: None)

            seconds, wire, requests = _measure(staging, relays, repeat, kind.lower().replace(" ", "-"), s3)
            note = f"{staged / 2**20:.1f} MiB staged; {requests} S3 requests vs {floor_requests}"
            rows.append(Row("staging", f"from {kind}", seconds, "boto3 upload_file", floor_s, "s", note=note))
            rows.append(
                Row(
                    "staging bytes",
                    f"from {kind}",
                    wire,
                    "boto3 upload_file",
                    floor_bytes,
                    "B",
                    note="on the wire, both ways",
                )
            )
    return rows


if __name__ == "__main__":
    from benchmarks.report import format_table

    print(format_table(run(3)))
