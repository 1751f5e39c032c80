"""API keys: the secret's format, how a key is hashed and named, and which key a request presents (setting api_keys)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, ParamValidationError

from translator import endpoint
from translator.errors import Forbidden, TranslateError

logger = Logger(child=True)

# The secret's ARN (set only when the setting api_keys is on; stacks/api_contract.py passes it).
SECRET_ENV = "API_KEYS_SECRET"
# Who a request is when keys are off: usage is still counted, under this name.
ANONYMOUS = "anonymous"
# A revoked key keeps working at most this long in a warm function.
CACHE_SECONDS = 60.0
# After a failed read, requests fail fast this long instead of each asking Secrets Manager again (no retry storm).
FAILURE_CACHE_SECONDS = 5.0
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# 32 random bytes, URL-safe: 43 characters that need no quoting in a header, a form or a query string.
KEY_BYTES = 32
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

MISSING_KEY = (
    "an API key is required: send it as `Authorization: Bearer <key>` or `X-Api-Key: <key>`, "
    "as `Authorization: DeepL-Auth-Key <key>` to the DeepL API, or in the api_key field to the LibreTranslate API"
)
INVALID_KEY = "the API key is not valid (it may have been revoked); ask the service's operator for a key"

# A secret read once per cold start and per minute: short timeouts and one retry, so that a Secrets Manager outage
# costs a request a few seconds, not the API's 29.
_CLIENT_OPTIONS = {"attempts": 2, "connect_timeout": 2.0, "read_timeout": 3.0}
# Answers that mean "try again shortly"; any other error is the operator's to fix (access, a deleted secret).
_TRANSIENT_CODES = frozenset({"ThrottlingException", "InternalServiceError", "ServiceUnavailable", "RequestTimeout"})


class KeyStoreUnreadable(TranslateError):
    """The key secret is missing, not readable by the function or not in the format (500: the operator must fix it).

    Not 503: waiting does not help, and a client retrying would only hide a deployment fault. Never a 200 either.
    """

    status = 500


class KeyStoreUnavailable(TranslateError):
    """Secrets Manager did not answer or throttled (503 with Retry-After: this one passes)."""

    status = 503
    retry_after = 5


class KeyFormatError(ValueError):
    """The secret's text is not `{"keys": {name: {"sha256": ..., "created": ...}}}`."""


@dataclass(frozen=True)
class KeyEntry:
    """One key as the secret stores it: the key's hash, never the key, and when it was made."""

    sha256: str
    created: str


def check_name(name: str) -> str:
    """The name, if it is a valid key name; else ValueError saying the rule."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise ValueError(f"a key name is 1 to 64 letters, digits, '_', '.' or '-' (not {name!r})")
    return name


def new_key() -> str:
    """A fresh random API key (shown once, never stored)."""
    return secrets.token_urlsafe(KEY_BYTES)


def hash_key(key: str) -> str:
    """The hex SHA-256 of a key, as the secret stores it."""
    # surrogatepass: a JSON field may carry a lone surrogate ("\ud800"); it is a wrong key, not a crash.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def entry(key: str, created: datetime) -> KeyEntry:
    """The stored entry of `key`, made at `created` (UTC)."""
    return KeyEntry(sha256=hash_key(key), created=created.strftime("%Y-%m-%dT%H:%M:%SZ"))


def parse_secret(text: str | None) -> dict[str, KeyEntry]:
    """The keys in a secret's text, by name; KeyFormatError when it is not in the format."""
    try:
        document = json.loads(text or "")
    except ValueError:
        raise KeyFormatError("the API key secret is not JSON") from None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, dict):
        raise KeyFormatError('the API key secret has no "keys" object')
    parsed = {}
    for name, value in keys.items():
        if not NAME_PATTERN.fullmatch(name) or not isinstance(value, dict):
            raise KeyFormatError(f"the API key secret holds an entry that is not a key: {name[:64]!r}")
        sha256, created = value.get("sha256"), value.get("created")
        if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256) or not isinstance(created, str):
            raise KeyFormatError(f"the API key secret's entry {name!r} needs a hex sha256 and a created time")
        parsed[name] = KeyEntry(sha256=sha256, created=created)
    return parsed


def secret_text(keys: Mapping[str, KeyEntry]) -> str:
    """The secret's text holding `keys` (sorted by name, so that equal sets give equal text)."""
    return json.dumps(
        {"keys": {name: {"sha256": keys[name].sha256, "created": keys[name].created} for name in sorted(keys)}}
    )


def matching_name(keys: Mapping[str, KeyEntry], presented: str) -> str | None:
    """The name whose hash is the presented key's; every entry is compared in constant time, the match or not."""
    digest = hash_key(presented)
    found = None
    for name, stored in keys.items():
        if hmac.compare_digest(stored.sha256, digest):
            found = name
    return found


def identify(presented: str | None) -> str:
    """The presented key's name, or ANONYMOUS when keys are off; Forbidden when it is missing or not valid."""
    secret_id = os.environ.get(SECRET_ENV)
    if not secret_id:
        return ANONYMOUS
    if presented is None or presented == "":
        raise Forbidden(MISSING_KEY)
    keys = _store.keys(secret_id)
    name = matching_name(keys, presented) if isinstance(presented, str) else None
    if name is None:
        raise Forbidden(INVALID_KEY)
    return name


class _Store:
    """The secret's parsed keys, read at most once per CACHE_SECONDS, by one thread at a time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[str, float, dict[str, KeyEntry]] | None = None
        self._failed: tuple[str, float, TranslateError] | None = None

    def keys(self, secret_id: str) -> dict[str, KeyEntry]:
        with self._lock:
            now = self.clock()
            if self._cached and self._cached[0] == secret_id and now - self._cached[1] < CACHE_SECONDS:
                return self._cached[2]
            if self._failed and self._failed[0] == secret_id and now - self._failed[1] < FAILURE_CACHE_SECONDS:
                failure = self._failed[2]
                raise type(failure)(failure.message)
            try:
                keys = self._read(secret_id)
            except TranslateError as error:
                # Once per FAILURE_CACHE_SECONDS at most: the operator's clue, with the cause the client doesn't see.
                logger.error("API key store unreadable", extra={"status": error.status, "cause": repr(error.__cause__)})
                self._failed = (secret_id, now, error)
                raise
            self._cached, self._failed = (secret_id, now, keys), None
            return keys

    def _read(self, secret_id: str) -> dict[str, KeyEntry]:
        try:
            client = endpoint.control_client("secretsmanager", **_CLIENT_OPTIONS)
            # The stage named, though it is the default: moto (tests) otherwise answers its first version.
            text = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT").get("SecretString")
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _TRANSIENT_CODES:
                raise KeyStoreUnavailable("the API key store is not answering; try again shortly") from error
            raise KeyStoreUnreadable(f"the API key store cannot be read ({code or 'unknown error'})") from error
        except (NoCredentialsError, NoRegionError, ParamValidationError) as error:
            raise KeyStoreUnreadable(f"the API key store cannot be read ({type(error).__name__})") from error
        except BotoCoreError as error:
            raise KeyStoreUnavailable("the API key store cannot be reached; try again shortly") from error
        try:
            return parse_secret(text)
        except KeyFormatError as error:
            raise KeyStoreUnreadable(f"the API key store cannot be read: {error}") from error


_store = _Store()


def reset(clock: Callable[[], float] = time.monotonic) -> None:
    """Forget the cached keys and the client (tests change the environment and the clock)."""
    global _store
    _store = _Store(clock)
    # The clients come from translator/endpoint.py's session: forget them too.
    endpoint.reset()
