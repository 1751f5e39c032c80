"""translator/api_keys.py: the secret's format, and identify() with the real client against moto's Secrets Manager."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import boto3
import pytest
from translator import api_keys, endpoint
from translator.api_keys import (
    ANONYMOUS,
    CACHE_SECONDS,
    KeyEntry,
    KeyFormatError,
    KeyStoreUnavailable,
    KeyStoreUnreadable,
    identify,
)
from translator.errors import Forbidden

CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    api_keys.reset(clock)
    yield clock
    api_keys.reset()


@pytest.fixture
def secret(aws_env, clock, monkeypatch) -> str:
    """A secret in moto holding one key, "alice" (key "alice-key"), and API_KEYS_SECRET set to its ARN."""
    arn = boto3.client("secretsmanager").create_secret(
        Name="api-keys", SecretString=api_keys.secret_text({"alice": api_keys.entry("alice-key", CREATED)})
    )["ARN"]
    monkeypatch.setenv(api_keys.SECRET_ENV, arn)
    return arn


def put(arn: str, keys: dict[str, KeyEntry]) -> None:
    boto3.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=api_keys.secret_text(keys))


def test_keys_off_everyone_is_anonymous_and_nothing_is_read(monkeypatch, clock):
    monkeypatch.delenv(api_keys.SECRET_ENV, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: a read would fail
    assert identify(None) == ANONYMOUS
    assert identify("anything") == ANONYMOUS


def test_a_valid_key_is_its_name(secret):
    assert identify("alice-key") == "alice"


@pytest.mark.parametrize("presented", [None, ""])
def test_a_missing_key_is_forbidden_saying_how_to_send_one(secret, presented):
    with pytest.raises(Forbidden) as refused:
        identify(presented)
    assert refused.value.status == 403
    for way in ("Authorization: Bearer", "X-Api-Key", "DeepL-Auth-Key", "api_key"):
        assert way in refused.value.message


@pytest.mark.parametrize("presented", ["alice-key ", "ALICE-KEY", "\ud800", 42, ["alice-key"]])
def test_a_wrong_key_is_forbidden_as_not_valid(secret, presented):
    with pytest.raises(Forbidden, match="not valid"):
        identify(presented)


def test_a_new_key_works_after_the_cache_expires_and_not_before(secret, clock):
    assert identify("alice-key") == "alice"
    put(secret, {"alice": api_keys.entry("alice-key", CREATED), "bob": api_keys.entry("bob-key", CREATED)})
    with pytest.raises(Forbidden):
        identify("bob-key")
    clock.now += CACHE_SECONDS
    assert identify("bob-key") == "bob"


def test_a_revoked_key_stops_working_within_the_cache_time(secret, clock):
    assert identify("alice-key") == "alice"
    put(secret, {})
    clock.now += CACHE_SECONDS - 1
    assert identify("alice-key") == "alice"
    clock.now += 1
    with pytest.raises(Forbidden, match="not valid"):
        identify("alice-key")


def test_the_secret_is_read_once_per_cache_time_by_many_threads(secret, clock, monkeypatch):
    reads = []
    original = api_keys._Store._read
    monkeypatch.setattr(api_keys._Store, "_read", lambda self, arn: reads.append(arn) or original(self, arn))
    names = []
    threads = [threading.Thread(target=lambda: names.append(identify("alice-key"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert names == ["alice"] * 8
    assert reads == [secret]


def test_a_secret_not_in_the_format_is_an_operator_error_never_a_pass(secret, clock):
    boto3.client("secretsmanager").put_secret_value(SecretId=secret, SecretString="a generated password")
    with pytest.raises(KeyStoreUnreadable, match="the API key store cannot be read: the API key secret is not JSON"):
        identify("alice-key")
    assert KeyStoreUnreadable("").status == 500


def test_a_missing_secret_is_an_operator_error_logged_with_its_cause(aws_env, clock, monkeypatch, caplog):
    monkeypatch.setenv(api_keys.SECRET_ENV, "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf")
    with pytest.raises(KeyStoreUnreadable, match=r"cannot be read \(ResourceNotFoundException\)"):
        identify("alice-key")
    [logged] = [r for r in caplog.records if r.getMessage() == "API key store unreadable"]
    assert logged.status == 500 and "can't find the specified secret" in logged.cause


def test_an_unreachable_store_is_a_503_to_retry(secret, clock, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(KeyStoreUnavailable) as unavailable:
        identify("alice-key")
    assert unavailable.value.status == 503
    assert unavailable.value.headers() == {"Retry-After": "5"}


def test_a_failed_read_fails_fast_for_seconds_then_is_tried_again(aws_env, secret, clock, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(KeyStoreUnavailable):
        identify("alice-key")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_env.url)
    endpoint.reset()  # the client read the broken URL; a cold start would read the fixed one
    with pytest.raises(KeyStoreUnavailable):  # for a few seconds requests fail fast instead of storming the store
        identify("alice-key")
    clock.now += api_keys.FAILURE_CACHE_SECONDS
    assert identify("alice-key") == "alice"


@pytest.mark.parametrize("name", ["a", "Team_1.prod-x", "x" * 64])
def test_valid_names(name):
    assert api_keys.check_name(name) == name


@pytest.mark.parametrize("name", ["", "x" * 65, "has space", "slash/", "ümlaut", "a:b"])
def test_invalid_names_say_the_rule(name):
    with pytest.raises(ValueError, match="1 to 64 letters, digits"):
        api_keys.check_name(name)


def test_the_secret_text_round_trips_and_holds_only_hashes():
    key = api_keys.new_key()
    keys = {"bob": api_keys.entry(key, CREATED), "alice": api_keys.entry("k", CREATED)}
    text = api_keys.secret_text(keys)
    assert api_keys.parse_secret(text) == keys
    assert key not in text
    assert json.loads(text) == {
        "keys": {
            "alice": {"sha256": api_keys.hash_key("k"), "created": "2026-12-01T09:30:00Z"},
            "bob": {"sha256": api_keys.hash_key(key), "created": "2026-12-01T09:30:00Z"},
        }
    }
    assert api_keys.hash_key("k") == "8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a"


def test_new_keys_are_long_random_and_url_safe():
    keys = {api_keys.new_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) >= 43 and key.replace("-", "").replace("_", "").isalnum() for key in keys)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "[]",
        '{"keys": []}',
        '{"keys": {"bad name": {"sha256": "' + "0" * 64 + '", "created": "x"}}}',
        '{"keys": {"a": {"sha256": "short", "created": "x"}}}',
        '{"keys": {"a": {"sha256": "' + "0" * 64 + '"}}}',
    ],
)
def test_a_secret_not_in_the_format_is_refused(text):
    with pytest.raises(KeyFormatError):
        api_keys.parse_secret(text)


def test_matching_compares_hashes_of_every_entry():
    keys = {"a": api_keys.entry("one", CREATED), "b": api_keys.entry("two", CREATED)}
    assert api_keys.matching_name(keys, "two") == "b"
    assert api_keys.matching_name(keys, "three") is None
    assert api_keys.matching_name({}, "one") is None


def test_the_stacks_initial_secret_is_in_the_format_and_holds_no_key():
    from stacks.api import EMPTY_KEYS

    assert api_keys.parse_secret(EMPTY_KEYS) == {}
