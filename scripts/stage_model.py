"""Stage the pre-trained model (model.tar.gz and its vocabularies) as an immutable version, or list the staged versions."""

from __future__ import annotations

import argparse
import re
import sys

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from scripts.aws.cdk_cli import add_context_option
from scripts.aws.errors import s3_answer
from scripts.aws.session import SessionError, aws_session
from scripts.aws.stack_outputs import StackOutputError, stack_output
from scripts.staging.artifacts import ArtifactError
from scripts.staging.s3_write import Interrupted, StageError
from scripts.staging.sources import SourceError, choose_sources, tqdm_progress
from scripts.staging.stage import stage, staging_client
from scripts.staging.versions import list_versions, read_in_service
from stacks.names import BUCKET_OUTPUT, BUCKET_STACK
from stacks.settings import SettingsError, parse_overrides, settings_from_files

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stage_model",
        description="Copy the pre-trained model and its vocabularies into the model bucket, checked, all or nothing.",
    )
    parser.add_argument(
        "--source",
        help="s3://bucket/prefix/, an http(s):// base URL, or a local directory holding the three files "
        "(default: the example notebook's public S3 copies)",
    )
    parser.add_argument(
        "--bucket", help=f"destination bucket (default: output {BUCKET_OUTPUT} of the deployed stack {BUCKET_STACK})"
    )
    add_context_option(parser)
    parser.add_argument(
        "--list", action="store_true", help="list the staged versions, newest first, and which one is in service"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def _fail(message: str) -> int:
    print(f"stage_model: failed: {message}", file=sys.stderr)
    return 1


def _print_versions(s3, bucket: str, prefix: str) -> None:
    staged = list_versions(s3, bucket, prefix)
    serving = read_in_service(s3, bucket, prefix)
    if not staged:
        print(f"no model version is staged in s3://{bucket}/{prefix}")
    for item in staged:
        mark = "  in service" if item.version == serving.version else ""
        mark = mark or ("  previous (kept for a rollback)" if item.version == serving.previous else "")
        print(f"{item.version}  staged {item.staged_at:%Y-%m-%d %H:%M:%S %Z}  {item.size:>13,} bytes{mark}")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: 0 staged or nothing to do, 1 staging failed, 2 usage error."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        session = aws_session()
        settings = settings_from_files(parse_overrides(args.context))
        if args.bucket is not None and not _BUCKET_NAME.match(args.bucket):
            raise ValueError(
                f"--bucket {args.bucket!r} is not an S3 bucket name (3-63 lower-case letters, digits, '.' and '-')"
            )
        sources = choose_sources(args.source, session.region_name)
    except (SettingsError, SessionError, ValueError) as error:
        print(f"stage_model: usage error: {error}", file=sys.stderr)
        return 2
    try:
        bucket = args.bucket or stack_output(BUCKET_STACK, BUCKET_OUTPUT, session=session)
        if args.list:
            _print_versions(staging_client(session), bucket, settings.model_prefix)
            return 0
        version = stage(
            staging_client(session),
            bucket,
            settings.model_prefix,
            sources,
            keep=settings.keep_model_versions,
            progress=tqdm_progress(not args.no_progress),
            say=print,
            warn=lambda line: print(f"stage_model: warning: {line}", file=sys.stderr),
        )
        print(
            f'deploy it: npx cdk deploy --all -c model_version={version} (or make deploy ARGS="--model-version {version}")'
        )
    except (StageError, StackOutputError, SourceError, ArtifactError) as error:
        return _fail(str(error))
    except NoCredentialsError:
        return _fail("no AWS credentials found (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID)")
    except (ClientError, BotoCoreError, Boto3Error, OSError) as error:
        return _fail(s3_answer(error) if isinstance(error, ClientError) else str(error))
    except Interrupted as error:
        print(f"stage_model: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Before any write (checking, downloading): removing an earlier run's scratch copies is all that may have happened.
        print(
            "stage_model: interrupted before anything was written; the staged files are as they were", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
