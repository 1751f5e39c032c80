"""The boto3 session every command uses, with the region resolved the way the CDK CLI resolves it."""

from __future__ import annotations

import os
from collections.abc import Mapping

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError

# Short timeouts and few retries for checks and look-ups: each answers in seconds or says why it can't.
CHECK_CONFIG = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 2, "mode": "standard"})


# What every command says when resolve_region() finds nothing.
NO_REGION = "no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's region)"


class SessionError(RuntimeError):
    """The AWS configuration can't be read; the message says what to check."""


def resolve_region(environ: Mapping[str, str] | None = None, profile_region: str | None = None) -> str | None:
    """AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region: the CDK CLI's order.

    botocore alone reads AWS_DEFAULT_REGION and the profile, never AWS_REGION, so a user who exported only
    AWS_REGION (as the README says) would otherwise have no region in Python while the CDK CLI had one.
    """
    environ = os.environ if environ is None else environ
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = (environ.get(name) or "").strip()
        if value:
            return value
    return profile_region or None


def aws_session(profile: str | None = None) -> boto3.Session:
    """A session for the environment's credentials and profile, in the region the CDK CLI would use."""
    try:
        core = botocore.session.Session(profile=profile)
        profile_region = core.get_config_variable("region")
        return boto3.Session(botocore_session=core, region_name=resolve_region(profile_region=profile_region))
    except BotoCoreError as error:
        raise SessionError(
            f"the AWS configuration could not be read ({error}): check AWS_PROFILE and ~/.aws/config"
        ) from None


def region_environment(region: str) -> dict[str, str]:
    """Environment for a child process (the CDK CLI) so that it works in the region the checks used."""
    return {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}
