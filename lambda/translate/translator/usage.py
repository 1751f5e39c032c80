"""Characters translated per API key and month: a DynamoDB counter (USAGE_TABLE), in memory when there is none."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from translator import endpoint
from translator.errors import TranslateError

logger = Logger(child=True)

# The table's name (the API stack always creates it; stacks/api_contract.py passes it).
TABLE_ENV = "USAGE_TABLE"
# The table's schema: partition key, sort key ("YYYY-MM", UTC) and the counted number.
KEY_ATTRIBUTE = "key"
MONTH_ATTRIBUTE = "month"
CHARACTERS_ATTRIBUTE = "characters"

# A counter must not hold up the answer it counts: short timeouts, one retry.
_CLIENT_OPTIONS = {"attempts": 2, "connect_timeout": 1.0, "read_timeout": 2.0}


class UsageUnavailable(TranslateError):
    """This month's count cannot be read right now (503 with Retry-After)."""

    status = 503
    retry_after = 5


def month_of(moment: datetime) -> str:
    """The month a moment counts in: "YYYY-MM" in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def item_key(key_name: str, month: str) -> dict:
    """The DynamoDB key of one key's count in one month."""
    return {KEY_ATTRIBUTE: {"S": key_name}, MONTH_ATTRIBUTE: {"S": month}}


def counted(item: dict) -> int:
    """The count a DynamoDB item holds (0 for no item: nothing translated that month)."""
    return int(item.get(CHARACTERS_ATTRIBUTE, {}).get("N", "0"))


def record(key_name: str, characters: int) -> None:
    """Add `characters` to this month's count of `key_name`; a failure is logged, never raised."""
    month = month_of(_counter.clock())
    logger.info("usage", extra={"api_key": key_name, "characters": characters, "month": month})
    if characters <= 0:
        return
    try:
        _counter.add(key_name, month, characters)
    # The translation is done: losing a count must not turn it into an error.
    except Exception:
        logger.exception("usage not recorded", extra={"api_key": key_name, "characters": characters})


def this_month(key_name: str) -> int:
    """The characters `key_name` has had translated this month; UsageUnavailable when the table can't be read."""
    return _counter.get(key_name, month_of(_counter.clock()))


class _Counter:
    """The counts: DynamoDB when USAGE_TABLE is set (read at each call), else a dict guarded by a lock."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._memory: Counter[tuple[str, str]] = Counter()

    def add(self, key_name: str, month: str, characters: int) -> None:
        table = os.environ.get(TABLE_ENV)
        if not table:
            with self._lock:
                self._memory[key_name, month] += characters
            return
        self._dynamodb().update_item(
            TableName=table,
            Key=item_key(key_name, month),
            UpdateExpression="ADD #characters :characters",
            ExpressionAttributeNames={"#characters": CHARACTERS_ATTRIBUTE},
            ExpressionAttributeValues={":characters": {"N": str(characters)}},
        )

    def get(self, key_name: str, month: str) -> int:
        table = os.environ.get(TABLE_ENV)
        if not table:
            with self._lock:
                return self._memory[key_name, month]
        try:
            item = self._dynamodb().get_item(TableName=table, Key=item_key(key_name, month)).get("Item", {})
        except (ClientError, BotoCoreError) as error:
            logger.warning("usage not read", extra={"api_key": key_name, "error": type(error).__name__})
            raise UsageUnavailable("this month's usage cannot be read right now; try again shortly") from error
        return counted(item)

    def _dynamodb(self):
        return endpoint.control_client("dynamodb", **_CLIENT_OPTIONS)


def _utc_now() -> datetime:
    return datetime.now(UTC)


_counter = _Counter(_utc_now)


def reset(clock: Callable[[], datetime] = _utc_now) -> None:
    """Forget the counts in memory and the client (tests change the environment and the clock)."""
    global _counter
    _counter = _Counter(clock)
    # The clients come from translator/endpoint.py's session: forget them too.
    endpoint.reset()
