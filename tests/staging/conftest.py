"""Fixtures of the staging tests: the destination bucket in moto, and hooks on every S3 client made afterwards."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest

from tests.staging.support import BUCKET


@pytest.fixture
def s3(aws_env):
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def s3_hooks(monkeypatch) -> list[tuple[str, Callable]]:
    """(event, handler) pairs registered on every S3 client made after they are added (each run's own included).

    Moto's server still answers every call a handler lets through.
    """
    hooks: list[tuple[str, Callable]] = []
    real_client = boto3.session.Session.client

    def client(self, service_name, *args, **kwargs):
        made = real_client(self, service_name, *args, **kwargs)
        if service_name == "s3":
            for event, handler in hooks:
                made.meta.events.register(event, handler)
        return made

    monkeypatch.setattr(boto3.session.Session, "client", client)
    return hooks
