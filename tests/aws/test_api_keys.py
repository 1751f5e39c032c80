"""scripts/aws/api_keys.py: add, list and revoke keys of a deployed API stack, against moto's server."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import boto3
import pytest
from translator import api_keys as key_format
from translator import usage

import scripts.aws.api_keys as keys_library
from scripts.aws.api_keys import KeysError, KeysOff, add_key, list_keys, locate, revoke_key
from tests.fixtures.api_stack import deploy_api_stack

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def stored_keys(secret: str) -> dict:
    return json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=secret, VersionStage="AWSCURRENT")["SecretString"]
    )["keys"]


@pytest.fixture
def lambda_keys(monkeypatch):
    """The Lambda's key check, reading the secret afresh."""
    key_format.reset()
    yield monkeypatch
    key_format.reset()


def test_locate_reads_the_stack_outputs(aws_env):
    secret, table = deploy_api_stack()
    store = locate()
    assert (store.secret_id, store.usage_table) == (secret, table)


def test_keys_off_says_to_set_api_keys_and_deploy(aws_env):
    deploy_api_stack(keys_on=False)
    with pytest.raises(KeysOff, match=r'set "api_keys": true in cdk.json .* and run make deploy'):
        locate()


def test_a_stack_not_deployed_says_so(aws_env):
    with pytest.raises(KeysError, match="stack TranslateApi is not deployed in us-east-1: deploy it first"):
        locate()


def test_an_added_key_is_stored_as_a_hash_and_accepted_by_the_lambda(aws_env, lambda_keys):
    secret, _ = deploy_api_stack()
    key = add_key(locate(), "team-a", now=NOW)
    assert stored_keys(secret) == {"team-a": {"sha256": key_format.hash_key(key), "created": "2026-12-03T10:00:00Z"}}
    assert key not in json.dumps(stored_keys(secret))
    lambda_keys.setenv(key_format.SECRET_ENV, secret)
    assert key_format.identify(key) == "team-a"


def test_a_revoked_key_is_refused_by_the_lambda(aws_env, lambda_keys):
    secret, _ = deploy_api_stack()
    store = locate()
    key = add_key(store, "team-a")
    kept = add_key(store, "team-b")
    revoke_key(store, "team-a")
    assert set(stored_keys(secret)) == {"team-b"}
    lambda_keys.setenv(key_format.SECRET_ENV, secret)
    with pytest.raises(key_format.Forbidden):
        key_format.identify(key)
    assert key_format.identify(kept) == "team-b"


def test_a_secret_without_a_value_yet_takes_the_first_key(aws_env):
    secret, _ = deploy_api_stack(secret_value=None)
    add_key(locate(), "first")
    assert set(stored_keys(secret)) == {"first"}


@pytest.mark.parametrize("name", ["", "has space", "x" * 65])
def test_a_bad_name_is_refused_with_the_rule(aws_env, name):
    secret, _ = deploy_api_stack()
    with pytest.raises(KeysError, match="a key name is 1 to 64 letters"):
        add_key(locate(), name)
    assert stored_keys(secret) == {}


def test_a_duplicate_name_is_refused_and_the_first_key_kept(aws_env):
    secret, _ = deploy_api_stack()
    store = locate()
    add_key(store, "team-a")
    before = stored_keys(secret)
    with pytest.raises(KeysError, match="a key named team-a exists already"):
        add_key(store, "team-a")
    assert stored_keys(secret) == before


def test_revoking_an_unknown_name_names_the_keys_there_are(aws_env):
    deploy_api_stack()
    store = locate()
    add_key(store, "team-a")
    with pytest.raises(KeysError, match=r"there is no key named team-b \(keys: team-a\)"):
        revoke_key(store, "team-b")


def test_a_secret_not_in_the_format_is_left_alone(aws_env):
    secret, _ = deploy_api_stack(secret_value="generated-password")
    with pytest.raises(KeysError, match="is not JSON .* fix or replace its value"):
        add_key(locate(), "team-a")
    assert boto3.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"] == "generated-password"


def test_a_write_between_read_and_update_is_not_lost(aws_env, monkeypatch):
    secret, _ = deploy_api_stack()
    store = locate()
    read = keys_library._read
    raced = []

    def read_then_another_writer_adds(store_):
        keys = read(store_)
        if not raced:
            raced.append(True)
            add_key(store_, "other")  # lands after our read, before our write
        return keys

    monkeypatch.setattr(keys_library, "_read", read_then_another_writer_adds)
    add_key(store, "mine")
    assert set(stored_keys(secret)) == {"mine", "other"}


def test_concurrent_adds_keep_every_key(aws_env):
    secret, _ = deploy_api_stack()
    store = locate()
    names = [f"team-{index}" for index in range(4)]
    errors = []

    def add(name):
        try:
            add_key(store, name)
        except KeysError as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert set(stored_keys(secret)) == set(names)


def test_list_shows_names_creation_and_this_months_characters(aws_env, monkeypatch):
    deploy_api_stack()
    store = locate()
    add_key(store, "b-team", now=NOW)
    add_key(store, "a-team", now=NOW)
    monkeypatch.setenv(usage.TABLE_ENV, "usage")
    usage.reset(lambda: NOW)
    try:
        usage.record("b-team", 120)
        usage.record("b-team", 3)
    finally:
        usage.reset()
    listed = list_keys(store, now=NOW)
    assert [(k.name, k.created, k.characters_this_month) for k in listed] == [
        ("a-team", "2026-12-03T10:00:00Z", 0),
        ("b-team", "2026-12-03T10:00:00Z", 123),
    ]
    assert [k.characters_this_month for k in list_keys(store, now=datetime(2027, 1, 1, tzinfo=UTC))] == [0, 0]


def test_how_to_use_names_every_api(aws_env):
    lines = "\n".join(keys_library.how_to_use("KEY"))
    for way in ("Authorization: Bearer KEY", "X-Api-Key: KEY", '"api_key": "KEY"', "DeepL-Auth-Key KEY"):
        assert way in lines
