"""Translate files in bulk (.txt, .jsonl, .srt; local or S3) with a SageMaker Batch Transform job on the deployed model."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import describe_error
from scripts.batch.backends import BackendError, aws_backend, stand_in_backend
from scripts.batch.finish import IncompleteOutput
from scripts.batch.formats import ALLOWED, DEFAULT_FIELD, BatchInputError
from scripts.batch.job import STARTUP_SECONDS, JobFailed, follow_command, logs_hint, stop_command
from scripts.batch.run import Ready, finish_output, prepare_input, run_job
from stacks.settings import SettingsError, parse_overrides, settings_from_files


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.translate_batch",
        description="Translate English files to German with a SageMaker Batch Transform job.",
        epilog=f"INPUT: a file, a directory or an s3:// prefix of {ALLOWED}. OUTPUT: a directory or an s3:// prefix; "
        "it gets the same files in German and, last, a manifest that marks it complete.",
    )
    parser.add_argument("input", metavar="INPUT")
    parser.add_argument("output", metavar="OUTPUT")
    parser.add_argument(
        "--field", default=DEFAULT_FIELD, help=f"the .jsonl field to translate (default {DEFAULT_FIELD})"
    )
    parser.add_argument("--yes", action="store_true", help="start the job without asking")
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="run everything on this machine (moto's S3, a local runner, a stand-in model)",
    )
    parser.add_argument(
        "-c", dest="context", action="append", metavar="KEY=VALUE", help="a setting, e.g. batch_instance_count=2"
    )
    return parser


def _summary(ready: Ready, backend) -> str:
    prepared, job, estimate = ready.prepared, ready.job, ready.estimate
    cost = (
        f"about {estimate.usd:.2f} USD"
        if estimate.usd is not None
        else f"see the SageMaker pricing page for {job.instance_type}"
    )
    found = {
        None: "",
        "Completed": " (done before: its output is reused, nothing is paid)",
        "InProgress": " (running: followed)",
    }
    return (
        f"{len(prepared.files)} file(s), {prepared.lines} lines, {prepared.texts} texts, {prepared.sentences} sentences "
        f"({prepared.records} model inputs in {len(prepared.chunks)} chunks)\n"
        f"job {job.name}{found.get(ready.status, f' ({ready.status})')} on {job.instance_count} x {job.instance_type}: "
        f"about {estimate.seconds / 60:.0f} min including ~{STARTUP_SECONDS / 60:.0f} min start-up, {cost} (batch instances are billed only "
        "while the job runs; estimate from the model's estimated speed, docs/MODEL_SPEED.md)"
    )


def _confirmed(yes: bool) -> bool | None:
    """True to go on, False if the user said no, None without a terminal to ask."""
    if yes:
        return True
    if not sys.stdin.isatty():
        return None
    return input("Start the job? [y/N] ").strip().lower() in ("y", "yes")


def main(argv: list[str] | None = None) -> int:
    """Translate INPUT into OUTPUT; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = settings_from_files(parse_overrides(args.context))
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    ready = None
    with ExitStack() as stack:
        try:
            if args.stand_in:
                backend = stack.enter_context(stand_in_backend(settings, os.environ.get("AWS_ENDPOINT_URL")))
                print(f"note: stand-in run ({backend.stand_in})", file=sys.stderr)
            else:
                backend = aws_backend(settings)
            for note in backend.notes:
                print(f"note: {note}", file=sys.stderr)
            work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="translate-batch-")))
            ready = prepare_input(backend, args.input, args.output, work_dir, args.field)
            print(_summary(ready, backend), file=sys.stderr)
            if ready.status != "Completed":
                answer = True if ready.status else _confirmed(args.yes)
                if answer is None:
                    print("error: no terminal to confirm the job's cost: run again with --yes", file=sys.stderr)
                    return 2
                if not answer:
                    print("nothing started", file=sys.stderr)
                    return 1
                run_job(backend, ready, lambda status, elapsed: print(f"  {elapsed:6.0f} s  {status}", file=sys.stderr))
            where, lines = finish_output(backend, ready, args.output, work_dir, args.field)
        except KeyboardInterrupt:
            if ready is None or args.stand_in:
                print("interrupted; nothing was written to OUTPUT", file=sys.stderr)
            else:
                name, region = ready.job.name, backend.region
                print(
                    f"interrupted; job {name} keeps running (and billing). Run the same command again to follow it "
                    f"and collect its output; status: `{follow_command(name, region)}`; "
                    f"stop it: `{stop_command(name, region)}`",
                    file=sys.stderr,
                )
            return 130
        except (BatchInputError, BackendError, JobFailed, IncompleteOutput) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except (ClientError, BotoCoreError) as error:
            where_logs = f"; logs: {logs_hint(ready.job.name)}" if ready else ""
            print(f"error: {describe_error(error)}{where_logs}", file=sys.stderr)
            return 1
    print(f"translated {sum(lines.values())} lines in {len(lines)} file(s) into {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
