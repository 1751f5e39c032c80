"""The API keys of a deployed service (make keys): add, list and revoke them in the API stack's secret."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator import api_keys as key_format
from translator import usage as usage_format

from scripts.aws.errors import describe_error, error_code
from scripts.aws.session import CHECK_CONFIG, SessionError, aws_session
from scripts.aws.stack_outputs import StackOutputError, stack_output
from stacks.names import API_KEYS_SECRET_OUTPUT, API_STACK, API_URL_OUTPUT, USAGE_TABLE_OUTPUT

# A new secret version is written under this label first, then made current only if the current version is still
# the one it was built from (UpdateSecretVersionStage fails when RemoveFromVersionId no longer holds AWSCURRENT):
# two `make keys` at once can't overwrite each other's change; the loser reads again and retries.
PENDING_STAGE = "AWSPENDING"
CURRENT_STAGE = "AWSCURRENT"
MAX_ATTEMPTS = 8
# When an added or revoked key counts: the service caches the secret this long.
TAKES_EFFECT = f"within {key_format.CACHE_SECONDS:.0f} s"
_BACKOFF_SECONDS = 0.2

KEYS_OFF = (
    f"API keys are off in the deployed {API_STACK} stack (it has no {API_KEYS_SECRET_OUTPUT} output): "
    'set "api_keys": true in cdk.json (or deploy with -c api_keys=true) and run make deploy'
)


class KeysError(RuntimeError):
    """A key can't be added, listed or revoked; the message says why and what to do."""


class KeysOff(KeysError):
    """The deployed API does not use keys (setting api_keys is off)."""


@dataclass(frozen=True)
class KeyStore:
    """Where a deployed service keeps its keys and counts their usage."""

    secret_id: str
    usage_table: str
    session: boto3.Session


@dataclass(frozen=True)
class KeyInfo:
    """One key as `make keys ARGS=list` shows it: never the key itself."""

    name: str
    created: str
    characters_this_month: int


def locate(session: boto3.Session | None = None) -> KeyStore:
    """The key secret and usage table of the deployed API stack; KeysOff when it has no secret."""
    try:
        session = session or aws_session()
        table = stack_output(API_STACK, USAGE_TABLE_OUTPUT, session=session)
    except (SessionError, StackOutputError) as error:
        raise KeysError(str(error)) from None
    try:
        secret = stack_output(API_STACK, API_KEYS_SECRET_OUTPUT, session=session)
    except StackOutputError:
        # The stack was read a moment ago: what is missing now is the output, i.e. keys are off.
        raise KeysOff(KEYS_OFF) from None
    return KeyStore(secret_id=secret, usage_table=table, session=session)


def add_key(store: KeyStore, name: str, *, now: datetime | None = None) -> str:
    """Add a key named `name`; return the key (the only time it exists outside the client that gets it)."""
    try:
        key_format.check_name(name)
    except ValueError as error:
        raise KeysError(str(error)) from None
    key = key_format.new_key()
    stored = key_format.entry(key, now or datetime.now(UTC))

    def with_key(keys: dict[str, key_format.KeyEntry]) -> dict[str, key_format.KeyEntry]:
        if name in keys:
            raise KeysError(f"a key named {name} exists already (revoke it first, or choose another name)")
        return {**keys, name: stored}

    _update(store, with_key)
    return key


def revoke_key(store: KeyStore, name: str) -> None:
    """Remove the key named `name`; the service stops accepting it within its cache time."""

    def without_key(keys: dict[str, key_format.KeyEntry]) -> dict[str, key_format.KeyEntry]:
        if name not in keys:
            known = ", ".join(sorted(keys)) or "none"
            raise KeysError(f"there is no key named {name} (keys: {known})")
        return {other: stored for other, stored in keys.items() if other != name}

    _update(store, without_key)


def list_keys(store: KeyStore, *, now: datetime | None = None) -> list[KeyInfo]:
    """Every key's name, creation time and characters translated this month (UTC), by name."""
    keys, _ = _read(store)
    month = usage_format.month_of(now or datetime.now(UTC))
    dynamodb = store.session.client("dynamodb", config=CHECK_CONFIG)
    listed = []
    for name in sorted(keys):
        try:
            item = dynamodb.get_item(TableName=store.usage_table, Key=usage_format.item_key(name, month))
        except (ClientError, BotoCoreError) as error:
            raise KeysError(f"could not read usage table {store.usage_table}: {describe_error(error)}") from None
        listed.append(
            KeyInfo(
                name=name,
                created=keys[name].created,
                characters_this_month=usage_format.counted(item.get("Item", {})),
            )
        )
    return listed


def how_to_use(key: str) -> list[str]:
    """How each client sends this key, one line each."""
    return [
        f"this API:        Authorization: Bearer {key}   (or X-Api-Key: {key})",
        f'LibreTranslate:  the api_key field, e.g. {{"q": "Hello", "source": "en", "target": "de", "api_key": "{key}"}}',
        f"DeepL:           Authorization: DeepL-Auth-Key {key}",
        f'                 deepl.Translator("{key}", server_url="<the {API_STACK} stack\'s {API_URL_OUTPUT} output>")',
        f"The key works {TAKES_EFFECT} (the service caches the keys that long).",
    ]


def _secrets(store: KeyStore):
    return store.session.client("secretsmanager", config=CHECK_CONFIG)


def _read(store: KeyStore) -> tuple[dict[str, key_format.KeyEntry], str | None]:
    """The current keys and the version holding them (None when the secret has no value yet)."""
    try:
        current = _secrets(store).get_secret_value(SecretId=store.secret_id, VersionStage=CURRENT_STAGE)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException" and _has_no_value(store):
            return {}, None
        raise KeysError(f"could not read the API key secret {store.secret_id}: {describe_error(error)}") from None
    except NoCredentialsError:
        raise KeysError("no AWS credentials found: configure them (aws configure, AWS_PROFILE)") from None
    except BotoCoreError as error:
        raise KeysError(f"could not read the API key secret {store.secret_id}: {error}") from None
    try:
        return key_format.parse_secret(current.get("SecretString")), current["VersionId"]
    except key_format.KeyFormatError as error:
        raise KeysError(f"{error} ({store.secret_id}): fix or replace its value before managing keys") from None


def _has_no_value(store: KeyStore) -> bool:
    """Whether the secret exists but holds no current version yet (as a secret created without a value)."""
    try:
        stages = _secrets(store).describe_secret(SecretId=store.secret_id).get("VersionIdsToStages", {})
    except (ClientError, BotoCoreError):
        return False
    return not any(CURRENT_STAGE in labels for labels in stages.values())


def _update(store: KeyStore, change: Callable[[dict], dict]) -> None:
    """Write change(current keys) as the new current version, unless another writer changed it first: then again."""
    secrets_manager = _secrets(store)
    for attempt in range(MAX_ATTEMPTS):
        keys, based_on = _read(store)
        version = str(uuid.uuid4())
        _call(
            store,
            secrets_manager.put_secret_value,
            SecretId=store.secret_id,
            ClientRequestToken=version,
            SecretString=key_format.secret_text(change(dict(keys))),
            VersionStages=[PENDING_STAGE],
        )
        if _made_current(store, secrets_manager, version, based_on):
            _drop_pending(secrets_manager, store.secret_id, version)
            return
        # Another writer made its version current after we read: build ours again on top of it.
        time.sleep(_BACKOFF_SECONDS * (attempt + 1) * random.uniform(0.5, 1.5))
    raise KeysError(f"the API key secret kept changing while it was updated ({MAX_ATTEMPTS} tries): try again")


def _made_current(store: KeyStore, secrets_manager, version: str, based_on: str | None) -> bool:
    """Move AWSCURRENT from `based_on` to `version`; False when `based_on` no longer holds it (a concurrent write)."""
    if based_on is None:
        # The secret had no value: Secrets Manager makes the first version written current by itself.
        stages = _call(store, secrets_manager.describe_secret, SecretId=store.secret_id).get("VersionIdsToStages", {})
        if CURRENT_STAGE in stages.get(version, []):
            return True
    moved = {"RemoveFromVersionId": based_on} if based_on else {}
    try:
        secrets_manager.update_secret_version_stage(
            SecretId=store.secret_id, VersionStage=CURRENT_STAGE, MoveToVersionId=version, **moved
        )
    except ClientError as error:
        if error_code(error) == "InvalidParameterException":
            return False
        raise KeysError(f"could not update the API key secret {store.secret_id}: {describe_error(error)}") from None
    except BotoCoreError as error:
        raise KeysError(f"could not update the API key secret {store.secret_id}: {error}") from None
    return True


def _call(store: KeyStore, operation: Callable[..., dict], **arguments) -> dict:
    """One Secrets Manager call, its failure as a KeysError naming the secret."""
    try:
        return operation(**arguments)
    except (ClientError, BotoCoreError) as error:
        raise KeysError(f"could not update the API key secret {store.secret_id}: {describe_error(error)}") from None


def _drop_pending(secrets_manager, secret_id: str, version: str) -> None:
    """Take the pending label off our now-current version; another writer may have moved it already, which is fine."""
    try:
        secrets_manager.update_secret_version_stage(
            SecretId=secret_id, VersionStage=PENDING_STAGE, RemoveFromVersionId=version
        )
    except (ClientError, BotoCoreError):
        pass
