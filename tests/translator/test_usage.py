"""translator/usage.py: per-key monthly counts in moto's DynamoDB with the real client, and in memory without a table."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import boto3
import pytest
from translator import usage
from translator.usage import UsageUnavailable, record, this_month

from tests.fixtures.api_stack import create_usage_table


class Clock:
    """A wall clock the test sets by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    usage.reset(clock)
    yield clock
    usage.reset()


@pytest.fixture
def table(aws_env, clock, monkeypatch) -> str:
    """The usage table as the API stack declares it, in moto, and USAGE_TABLE naming it."""
    monkeypatch.setenv(usage.TABLE_ENV, create_usage_table())
    return "usage"


def test_counts_add_up_per_key_and_month_in_the_table(table, clock):
    record("alice", 10)
    record("alice", 5)
    record("bob", 7)
    assert this_month("alice") == 15
    assert this_month("bob") == 7
    assert this_month("carol") == 0
    item = boto3.client("dynamodb").get_item(TableName=table, Key=usage.item_key("alice", "2026-12"))["Item"]
    assert item == {"key": {"S": "alice"}, "month": {"S": "2026-12"}, "characters": {"N": "15"}}


def test_a_new_month_starts_at_zero(table, clock):
    record("alice", 10)
    clock.now += timedelta(minutes=1)
    assert this_month("alice") == 0
    record("alice", 3)
    assert this_month("alice") == 3


def test_the_month_is_utc():
    assert usage.month_of(datetime(2027, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))) == "2026-12"


def test_records_from_many_threads_share_one_client_and_fail_none(table, clock, caplog):
    # One key per thread: DynamoDB's ADD is atomic, moto's server is not (it reads and writes an item unlocked).
    def count(index: int) -> None:
        for _ in range(5):
            record(f"key-{index}", 2)

    with caplog.at_level(logging.INFO), ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(count, range(8)))
    assert "usage not recorded" not in caplog.text
    assert [this_month(f"key-{index}") for index in range(8)] == [10] * 8


def test_in_memory_counts_from_many_threads_lose_nothing(clock, monkeypatch):
    monkeypatch.delenv(usage.TABLE_ENV, raising=False)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: record("anonymous", 2), range(400)))
    assert this_month("anonymous") == 800


def test_a_failed_record_is_logged_not_raised(aws_env, clock, monkeypatch, caplog):
    monkeypatch.setenv(usage.TABLE_ENV, "no-such-table")
    with caplog.at_level(logging.INFO):
        record("alice", 10)
    assert "usage not recorded" in caplog.text


def test_an_unreadable_count_is_a_503(aws_env, clock, monkeypatch):
    monkeypatch.setenv(usage.TABLE_ENV, "no-such-table")
    with pytest.raises(UsageUnavailable) as unavailable:
        this_month("alice")
    assert unavailable.value.status == 503


def test_usage_is_logged_per_key(clock, monkeypatch, caplog):
    monkeypatch.delenv(usage.TABLE_ENV, raising=False)
    with caplog.at_level(logging.INFO):
        record("alice", 12)
    assert any(getattr(r, "api_key", None) == "alice" and getattr(r, "characters", None) == 12 for r in caplog.records)


def test_without_a_table_counts_are_kept_in_memory(clock, monkeypatch):
    monkeypatch.delenv(usage.TABLE_ENV, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: a call would fail
    record("anonymous", 4)
    record("anonymous", 6)
    record("anonymous", 0)
    assert this_month("anonymous") == 10
    clock.now += timedelta(minutes=1)
    assert this_month("anonymous") == 0
