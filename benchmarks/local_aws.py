"""moto on 127.0.0.1 and the fake-credential environment that keeps every AWS call on this machine."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
_FAKE = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def offline_env(**extra: str) -> dict[str, str]:
    """This process's environment without any AWS_* setting of the user's, plus fake credentials and `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    return {**env, **_FAKE, **extra}


def session() -> boto3.session.Session:
    """A boto3 session with fake credentials, whatever the user's environment holds."""
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@contextmanager
def moto_server() -> Iterator[tuple[str, int]]:
    """moto's HTTP server on 127.0.0.1 (a free port): yields (host, port) and stops it afterwards."""
    # moto's web server logs every request on stderr; the table is what the reader wants.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield server.get_host_and_port()
    finally:
        server.stop()
