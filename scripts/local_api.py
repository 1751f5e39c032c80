"""Serve the translate API and its web page on 127.0.0.1, against a local stand-in model or a deployed endpoint."""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import ExitStack

from scripts.local.api_gateway import LocalApiGateway, request_body_validator
from scripts.local.backends import BackendError, StandInModel, deployed_backend, stand_in_backend
from scripts.local.container_stand_in import STAND_IN_NOTICE, speed_option
from scripts.local.lambda_package import HandlerImportError, load_handler
from scripts.local.runtime_server import INVOCATION_TIMEOUT_SECONDS, RESUME_SECONDS
from stacks.names import ENDPOINT_STACK
from stacks.settings import SettingsError, parse_overrides, settings_from_files

DEFAULT_PORT = 8000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Serve the translate API and web page on 127.0.0.1, the way the deployed API Gateway does.",
        epilog="Example: python -m scripts.local_api --stand-in   (then open the printed URL)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (0 = any free port; default {DEFAULT_PORT})"
    )
    backend = parser.add_mutually_exclusive_group()
    backend.add_argument("--stand-in", action="store_true", help=f"no AWS: a local stand-in model ({STAND_IN_NOTICE})")
    backend.add_argument(
        "--endpoint-name",
        metavar="NAME",
        help=f"a deployed SageMaker endpoint (default: the {ENDPOINT_STACK} stack's output), with your AWS credentials",
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
    model = parser.add_argument_group("the stand-in model (with --stand-in; docs/MODEL_SPEED.md)")
    model.add_argument(
        "--model-speed",
        type=speed_option,
        default=speed_option("default"),
        metavar="default|instant|FACTOR",
        help="how fast it translates: the estimated speed of ml.m4.xlarge (default), instant, or a factor (2 = slower)",
    )
    model.add_argument(
        "--model-workers", type=int, default=1, metavar="N", help="calls it decodes at once; others queue (default 1)"
    )
    model.add_argument(
        "--model-startup", type=float, default=0.0, metavar="SECONDS", help="it answers 'not ready' this long first"
    )
    model.add_argument(
        "--invocation-timeout",
        type=float,
        default=INVOCATION_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="SageMaker's limit on one call, answered as ModelError 424 (default %(default)s)",
    )
    model.add_argument(
        "--paused", action="store_true", help="the endpoint is paused to save cost: requests get 503 and Retry-After"
    )
    model.add_argument(
        "--wake",
        action="store_true",
        help="paused, and a request starts it again (setting wake_on_request); implies --paused",
    )
    model.add_argument(
        "--resume-seconds",
        type=float,
        default=RESUME_SECONDS,
        metavar="SECONDS",
        help="how long a resume takes before the endpoint serves (default %(default)s; a real one about 10 minutes)",
    )
    return parser


def _refusal(args: argparse.Namespace) -> str | None:
    if not 0 <= args.port <= 65535:
        return f"--port {args.port} is not allowed: use 0 (any free port) to 65535"
    if args.model_workers < 1 or args.model_startup < 0 or args.invocation_timeout <= 0:
        return "--model-workers must be at least 1, --model-startup from 0, --invocation-timeout above 0"
    if args.resume_seconds < 0:
        return f"--resume-seconds {args.resume_seconds} is not allowed: use 0 or more"
    if (args.paused or args.wake) and not args.stand_in:
        return "--paused and --wake play a paused endpoint locally: use them with --stand-in"
    stage = args.stage.strip("/")
    if stage and not stage.replace("-", "").replace("_", "").isalnum():
        return f"--stage {args.stage!r} is not allowed: use letters, digits, '-' or '_' (e.g. prod)"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the local API until Ctrl+C; return the exit status."""
    args = _parser().parse_args(argv)
    if refusal := _refusal(args):
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    # SIGTERM (e.g. from a process manager) stops the server like Ctrl+C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        settings = settings_from_files(parse_overrides(args.context))
        with ExitStack() as stack:
            if args.stand_in:
                model = StandInModel(
                    args.model_speed,
                    args.model_workers,
                    args.model_startup,
                    args.invocation_timeout,
                    paused=args.paused or args.wake,
                    wake=args.wake,
                    resume_seconds=args.resume_seconds,
                )
                backend = stack.enter_context(stand_in_backend(settings, model))
            else:
                backend = deployed_backend(args.endpoint_name, settings)
            for warning in backend.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            try:
                api = LocalApiGateway(
                    load_handler(backend.environment),
                    port=args.port,
                    cors_origins=settings.cors_origins,
                    # The deployed stage's throttling, so a client that floods it learns of 429 and Retry-After here.
                    throttle_rate=settings.throttle_rate,
                    throttle_burst=settings.throttle_burst,
                    stage=args.stage,
                    body_validator=request_body_validator(),
                    extra_headers=[("X-Stand-In", STAND_IN_NOTICE)] if args.stand_in else [],
                    access_log=not args.quiet,
                )
            except OSError as error:
                raise BackendError(
                    f"cannot listen on 127.0.0.1:{args.port} ({error.strerror or error}); choose another --port"
                ) from None
            url = api.base_url
            print(f"Local translate API ({backend.description})", flush=True)
            print(f"  web page:  {url}", flush=True)
            print(
                f"  translate: curl -X POST {url}translate -H 'Content-Type: application/json' -d '{{\"text\": \"Hello.\"}}'"
            )
            print(f"  LibreTranslate clients: base URL {url} (POST translate, GET languages, POST detect)")
            if backend.runtime_url:
                fault = f'POST {backend.runtime_url}/stand-in/fail {{"code": "ModelError"}}'
                print(f"  stand-in sagemaker-runtime: {backend.runtime_url} (inject a fault: {fault})")
            if args.stand_in and (args.paused or args.wake):
                resume = f"POST {backend.runtime_url}/stand-in/resume"
                what = "a request starts it" if args.wake else f"requests get 503 until you {resume}"
                print(f"  the endpoint is paused: {what} (it takes {args.resume_seconds:g} s)", flush=True)
            print("Press Ctrl+C to stop.", flush=True)
            api.serve_forever()
    except (SettingsError, BackendError, HandlerImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
