"""Serve the translate API and its web page on 127.0.0.1, against a local stand-in model or a deployed endpoint."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_ROOT = REPO_ROOT / "lambda" / "translate"
# Run as a script (`python scripts/local_api.py`), the repo root and the Lambda's asset root must import as at run time.
for _root in (REPO_ROOT, LAMBDA_ROOT):
    if str(_root) not in sys.path:
        sys.path.insert(0, str(_root))

from scripts.local.api_gateway import LambdaHandler, LocalApiGateway, request_body_validator
from stacks.names import SOURCE_VOCABULARY_FILE
from stacks.settings import Settings, SettingsError, parse_overrides, settings_from_files

STAND_IN_NOTICE = "word-by-word dictionary, not the real seq2seq model"
DEFAULT_PORT = 8000


class BackendError(RuntimeError):
    """The API has nothing to call: the message says what is missing and how to provide it."""


def handler_environment(settings: Settings) -> dict[str, str]:
    """The environment stacks/api.py gives the deployed Lambda, minus what depends on the backend."""
    return {
        "CORS_ORIGINS": ",".join(settings.cors_origins),
        "POWERTOOLS_SERVICE_NAME": "translate",
        "POWERTOOLS_METRICS_NAMESPACE": "Seq2SeqTranslate",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        # Metrics go to CloudWatch as structured log lines; locally nothing collects them.
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


@contextmanager
def stand_in_backend() -> Iterator[dict[str, str | None]]:
    """Start the container stand-in and a sagemaker-runtime server in front of it; yield the handler's environment for them."""
    from scripts.local.container_stand_in import ContainerStandIn, write_vocab
    from scripts.local.runtime_server import DEFAULT_ENDPOINT, RuntimeServer

    with ExitStack() as stack:
        vocab_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="translate-vocab-")))
        container = stack.enter_context(ContainerStandIn())
        runtime = stack.enter_context(RuntimeServer(container_url=container.url, endpoints={DEFAULT_ENDPOINT}))
        yield {
            "ENDPOINT_NAME": DEFAULT_ENDPOINT,
            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": runtime.url,
            "SOURCE_VOCABULARY_FILE": str(write_vocab(vocab_dir)[0]),
            "MODEL_BUCKET": None,
            "SOURCE_VOCABULARY_KEY": None,
            # Fake credentials: the stand-in ignores signatures, and nothing here may reach a real account.
            "AWS_ACCESS_KEY_ID": "stand-in",
            "AWS_SECRET_ACCESS_KEY": "stand-in",
            "AWS_SESSION_TOKEN": None,
            "AWS_PROFILE": None,
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1",
        }


def deployed_backend(endpoint_name: str | None, settings: Settings) -> dict[str, str | None]:
    """The handler's environment for a deployed endpoint: names from the flags, the environment, or the stacks' outputs."""
    from scripts.aws.stack_outputs import StackOutputError, stack_output

    endpoint_name = endpoint_name or os.environ.get("ENDPOINT_NAME")
    if not endpoint_name:
        try:
            endpoint_name = stack_output("TranslateEndpoint", "EndpointName")
        except StackOutputError as error:
            raise BackendError(f"{error}; or pass --endpoint-name NAME, or use --stand-in to run without AWS") from None
    bucket = os.environ.get("MODEL_BUCKET")
    if not bucket:
        try:
            bucket = stack_output("TranslateModelBucket", "ModelBucketName")
        except StackOutputError as error:
            # The handler works without the vocabulary, only sentence-initial truecasing is lost: warn, go on.
            print(
                f"warning: {error}; set MODEL_BUCKET to the bucket holding vocab.src.json, or truecasing by vocabulary is off",
                file=sys.stderr,
            )
    return {
        "ENDPOINT_NAME": endpoint_name,
        "MODEL_BUCKET": bucket,
        "SOURCE_VOCABULARY_KEY": os.environ.get("SOURCE_VOCABULARY_KEY")
        or settings.model_prefix + SOURCE_VOCABULARY_FILE,
        "SOURCE_VOCABULARY_FILE": None,
    }


def apply_environment(values: dict[str, str | None]) -> None:
    """Set (or, for None, remove) environment variables for the handler, which reads them when imported."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def load_handler() -> LambdaHandler:
    """Import the Lambda's entry point (handler.handler) from lambda/translate/."""
    try:
        import handler
    except ImportError as error:
        raise BackendError(
            f"cannot import the Lambda handler from {LAMBDA_ROOT.relative_to(REPO_ROOT)}/ ({error}); run `make setup-dev`"
        ) from None
    return handler.handler


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Serve the translate API and web page on 127.0.0.1, the way the deployed API Gateway does.",
        epilog="Example: python scripts/local_api.py --stand-in   (then open the printed URL)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (0 = any free port; default {DEFAULT_PORT})"
    )
    backend = parser.add_mutually_exclusive_group()
    backend.add_argument("--stand-in", action="store_true", help=f"no AWS: a local stand-in model ({STAND_IN_NOTICE})")
    backend.add_argument(
        "--endpoint-name",
        metavar="NAME",
        help="a deployed SageMaker endpoint (default: the TranslateEndpoint stack's output), with your AWS credentials",
    )
    parser.add_argument(
        "--stage",
        default="",
        metavar="NAME",
        help="serve under /NAME/ like the deployed stage (e.g. prod); default: at /",
    )
    parser.add_argument(
        "-c",
        "--context",
        action="append",
        metavar="KEY=VALUE",
        help="a setting, as for the CDK CLI (e.g. -c cors_origins=*)",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log lines")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the local API until Ctrl+C; return the exit status."""
    args = _parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port} is not allowed: use 0 (any free port) to 65535", file=sys.stderr)
        return 2
    if args.stage.strip("/") and not args.stage.strip("/").replace("-", "").replace("_", "").isalnum():
        print(
            f"error: --stage {args.stage!r} is not allowed: use letters, digits, '-' or '_' (e.g. prod)",
            file=sys.stderr,
        )
        return 2
    # SIGTERM (e.g. from a process manager) stops the server like Ctrl+C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        settings = settings_from_files(parse_overrides(args.context))
        with ExitStack() as stack:
            if args.stand_in:
                backend = stack.enter_context(stand_in_backend())
            else:
                backend = deployed_backend(args.endpoint_name, settings)
            apply_environment({**handler_environment(settings), **backend})
            lambda_handler = load_handler()
            try:
                api = LocalApiGateway(
                    lambda_handler,
                    port=args.port,
                    cors_origins=settings.cors_origins,
                    stage=args.stage,
                    body_validator=request_body_validator(),
                    extra_headers=[("X-Stand-In", STAND_IN_NOTICE)] if args.stand_in else [],
                    access_log=not args.quiet,
                )
            except OSError as error:
                raise BackendError(
                    f"cannot listen on 127.0.0.1:{args.port} ({error.strerror or error}); choose another --port"
                ) from None
            target = (
                f"stand-in model: {STAND_IN_NOTICE}"
                if args.stand_in
                else f"SageMaker endpoint {os.environ['ENDPOINT_NAME']}"
            )
            print(f"Local translate API ({target})", flush=True)
            print(f"  web page:  {api.base_url}", flush=True)
            print(
                f"  translate: curl -X POST {api.base_url}translate -H 'Content-Type: application/json' -d '{{\"text\": \"Hello.\"}}'",
                flush=True,
            )
            print(
                f"  LibreTranslate clients: base URL {api.base_url} (POST translate, GET languages, POST detect)",
                flush=True,
            )
            if args.stand_in:
                runtime_url = os.environ["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"]
                print(
                    f'  stand-in sagemaker-runtime: {runtime_url} (inject a fault: POST {runtime_url}/stand-in/fail {{"code": "ModelError"}})',
                    flush=True,
                )
            print("Press Ctrl+C to stop.", flush=True)
            api.serve_forever()
    except (SettingsError, BackendError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
