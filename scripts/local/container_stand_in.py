"""A stand-in for the seq2seq container (GET /ping, POST /invocations): word-by-word EN->DE at the model's speed.

It takes the time translator/model_speed.py predicts for each call (docs/MODEL_SPEED.md), serves a bounded number
of calls at once with the rest queued, and answers /ping with 503 until its start-up period is over. Never deployed.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.limits import MAX_SENTENCE_TOKENS
from translator.model_speed import DEFAULT, ModelSpeed

from scripts.local.background_server import BackgroundServer
from scripts.local.dictionary import CAPITALIZED_SOURCE, EN_DE, PASS_THROUGH
from stacks.names import SOURCE_VOCABULARY_FILE, TARGET_VOCABULARY_FILE

LOG = logging.getLogger("container_stand_in")
# What the stand-in is, in the words the local server prints, sends as X-Stand-In and the web page shows.
STAND_IN_NOTICE = "word-by-word dictionary, not the real seq2seq model"
SPECIAL_TOKENS = ("<pad>", "<unk>", "<s>", "</s>")
# Real time speaks JSON; Batch Transform speaks JSON Lines (AWS's seq2seq documentation).
JSON = "application/json"
JSON_LINES = "application/jsonlines"
_NUMBER = re.compile(r"^[\d.,:/-]*\d[\d.,:/-]*$")


class BadRequest(ValueError):
    """The request is not a seq2seq JSON inference request."""


def translate_tokens(source: list[str]) -> tuple[list[str], list[list[float]]]:
    """Translate Moses tokens word by word; return target tokens and an attention matrix (target x source)."""
    target: list[str] = []
    aligned_to: list[int] = []
    for index, token in enumerate(source):
        if token in PASS_THROUGH or _NUMBER.match(token):
            words = [token]
        elif token.lower() in EN_DE:
            words = EN_DE[token.lower()].split()
        else:
            words = ["<unk>"]
        target.extend(words)
        aligned_to.extend([index] * len(words))
    return target, [_attention_row(column, len(source)) for column in aligned_to]


def _attention_row(column: int, width: int) -> list[float]:
    if width == 1:
        return [1.0]
    rest = round(0.15 / (width - 1), 6)
    return [0.85 if index == column else rest for index in range(width)]


def source_lengths(request: object) -> list[int]:
    """Tokens of each instance's source as the model reads it (truncated); a BadRequest if it is not a request."""
    if not isinstance(request, dict) or not isinstance(request.get("instances"), list):
        raise BadRequest('expected a JSON object {"instances": [{"data": "<tokens>"}, ...]}')
    lengths = []
    for number, instance in enumerate(request["instances"]):
        if not isinstance(instance, dict) or not isinstance(instance.get("data"), str):
            raise BadRequest(f'instance {number} must be an object with a string "data"')
        lengths.append(min(len(instance["data"].split()), MAX_SENTENCE_TOKENS))
    return lengths


def answer(request: object) -> dict:
    """Answer one parsed seq2seq JSON request the way the container does (one prediction per instance)."""
    source_lengths(request)
    predictions = []
    for instance in request["instances"]:
        source = instance["data"].split()[:MAX_SENTENCE_TOKENS]
        target, matrix = translate_tokens(source)
        prediction: dict = {"target": " ".join(target)}
        configuration = instance.get("configuration") or {}
        if isinstance(configuration, dict) and str(configuration.get("attention_matrix", "")).lower() == "true":
            prediction["matrix"] = matrix
        predictions.append(prediction)
    return {"predictions": predictions}


def sources_of_lines(body: bytes) -> list[str]:
    """The sources of an application/jsonlines body (blank lines skipped); a BadRequest names the first bad line."""
    sources = []
    for number, line in enumerate(body.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("source"), str):
            raise BadRequest(f'line {number} must be a JSON object with a string "source"')
        sources.append(record["source"])
    return sources


def source_vocabulary() -> dict[str, int]:
    """The stand-in's source vocabulary in Sockeye's shape: special tokens, then words, commonest casing first."""
    words = sorted(PASS_THROUGH) + [word.capitalize() if word in CAPITALIZED_SOURCE else word for word in EN_DE]
    # The lowercase "the" outranks "The" in the real corpus; sentence-initial capitals come later in the list.
    words += [word.capitalize() for word in EN_DE if word not in CAPITALIZED_SOURCE and word.isalpha()]
    return _numbered(words)


def target_vocabulary() -> dict[str, int]:
    """The stand-in's target vocabulary in Sockeye's shape."""
    words = sorted(PASS_THROUGH) + [token for value in EN_DE.values() for token in value.split()]
    return _numbered(words)


def _numbered(words: list[str]) -> dict[str, int]:
    vocabulary = {token: number for number, token in enumerate(SPECIAL_TOKENS)}
    for word in words:
        vocabulary.setdefault(word, len(vocabulary))
    return vocabulary


def write_vocab(directory: Path) -> tuple[Path, Path]:
    """Write the source and target vocabularies matching the stand-in into directory; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = (directory / SOURCE_VOCABULARY_FILE, directory / TARGET_VOCABULARY_FILE)
    for path, vocabulary in zip(paths, (source_vocabulary(), target_vocabulary()), strict=True):
        path.write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    return paths


class _Handler(BaseHTTPRequestHandler):
    server_version = "Seq2SeqStandIn/1"

    def log_message(self, format: str, *args: object) -> None:
        LOG.debug("%s " + format, self.address_string(), *args)

    @property
    def container(self) -> ContainerStandIn:
        return self.server.owner

    def do_GET(self) -> None:
        if self.path == "/ping":
            # Not healthy until the model is loaded: SageMaker sends no traffic to it before.
            self._send(200 if self.container.ready else 503, b"", "text/plain")
        else:
            self._send_json(
                404, {"message": f"no route GET {self.path}; the container serves GET /ping and POST /invocations"}
            )

    def do_POST(self) -> None:
        if self.path != "/invocations":
            self._send_json(
                404, {"message": f"no route POST {self.path}; the container serves GET /ping and POST /invocations"}
            )
            return
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if content_type not in (JSON, JSON_LINES):
            self._send_json(
                415,
                {
                    "message": f"Content-Type {content_type or '(none)'} is not supported; the stand-in reads {JSON} and {JSON_LINES}"
                },
            )
            return
        if not self.container.ready:
            self._send_json(503, {"message": "the model is still loading"})
            return
        try:
            if content_type == JSON_LINES:
                self._answer_lines(body)
                return
            request = json.loads(body)
            lengths = source_lengths(request)
            self.container.work(lengths)
            self._send_json(200, answer(request))
        except (ValueError, UnicodeDecodeError) as error:
            self._send_json(
                400, {"message": str(error) if isinstance(error, BadRequest) else f"body is not JSON: {error}"}
            )

    def _answer_lines(self, body: bytes) -> None:
        """Batch Transform's format: one {"source": "<tokens>"} per line in, one {"target": "..."} per line out."""
        request = {"instances": [{"data": source} for source in sources_of_lines(body)]}
        self.container.work(source_lengths(request))
        lines = (json.dumps({"target": p["target"]}, ensure_ascii=False) for p in answer(request)["predictions"])
        self._send(200, "".join(line + "\n" for line in lines).encode(), JSON_LINES)

    def _send_json(self, status: int, document: dict) -> None:
        self._send(status, json.dumps(document, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Stand-In", "true")
        self.end_headers()
        self.wfile.write(body)


def speed_option(text: str) -> ModelSpeed:
    """An argparse type for --model-speed: default, instant, or a factor on the default (2 = twice as slow)."""
    choice = text.strip().lower()
    if choice == "default":
        return DEFAULT
    if choice == "instant":
        return DEFAULT.scaled(0)
    try:
        factor = float(choice)
    except ValueError:
        factor = -1.0
    if not 0 <= factor <= 100:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use default, instant, or a factor from 0 to 100 (2 = twice as slow)"
        )
    return DEFAULT.scaled(factor)


class ContainerStandIn(BackgroundServer):
    """The stand-in container as a context manager: `with ContainerStandIn() as container: container.url`.

    `speed` (translator/model_speed.py; a test may set it to INSTANT) is how long each call takes; `workers` calls
    are decoded at once and the others wait their turn; for `startup_seconds` after start /ping answers 503.
    """

    handler_class = _Handler

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        speed: ModelSpeed = DEFAULT,
        workers: int = 1,
        startup_seconds: float = 0.0,
    ) -> None:
        super().__init__(host, port)
        self.speed = speed
        self.workers = workers
        self._ready_at = time.monotonic() + startup_seconds
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        # Calls decoded, and the seconds spent decoding them (queueing excluded).
        self.calls = 0
        self.busy_seconds = 0.0
        LOG.warning("stand-in model (%s): serving %s", STAND_IN_NOTICE, self.url)

    @property
    def ready(self) -> bool:
        """Whether the start-up period is over."""
        return time.monotonic() >= self._ready_at

    def work(self, lengths: list[int]) -> None:
        """Take the model's time for one call: wait for a free worker, then decode (sleep) for the predicted time."""
        seconds = self.speed.call_seconds(lengths)
        with self._slots:
            # Event.wait, not sleep: stopping the server ends every call at once.
            self.stopping.wait(seconds)
            with self._lock:
                self.calls += 1
                self.busy_seconds += seconds


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in container in the foreground."""
    parser = argparse.ArgumentParser(description=f"Seq2seq container stand-in model ({STAND_IN_NOTICE}).")
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0 = any free port; default 8080)")
    parser.add_argument(
        "--write-vocab",
        type=Path,
        metavar="DIR",
        help=f"also write {SOURCE_VOCABULARY_FILE} and {TARGET_VOCABULARY_FILE} into DIR",
    )
    parser.add_argument(
        "--model-speed",
        type=speed_option,
        default=DEFAULT,
        metavar="default|instant|FACTOR",
        help="how fast the stand-in answers (docs/MODEL_SPEED.md; default: the estimated speed of ml.m4.xlarge)",
    )
    parser.add_argument("--workers", type=int, default=1, help="calls decoded at once; others queue (default 1)")
    parser.add_argument("--startup", type=float, default=0.0, metavar="SECONDS", help="/ping answers 503 this long")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.write_vocab:
        for path in write_vocab(args.write_vocab):
            LOG.info("wrote %s", path)
    container = ContainerStandIn(
        port=args.port, speed=args.model_speed, workers=args.workers, startup_seconds=args.startup
    )
    container.serve_forever()


if __name__ == "__main__":
    main()
