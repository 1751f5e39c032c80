"""The project's settings: read from CDK context (defaults in cdk.json), validated once, typed."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from stacks.instance_types import vcpus
from stacks.model_versions import VERSION_PATTERN

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = REPO_ROOT / "cdk.json"
# The translate Lambda's code; its translator/model_speed.py is the one home of the model-speed settings.
LAMBDA_SOURCE = REPO_ROOT / "lambda" / "translate"
MODEL_SPEED_MODULE = LAMBDA_SOURCE / "translator" / "model_speed.py"

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# Auto-pause: at least 15 minutes (CloudWatch's SageMaker metrics arrive in 1-minute periods, and a resume takes
# about 10), at most a week; empty turns it off.
AUTO_PAUSE_IDLE_MINUTES = (15, 10080)

_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_S3_KEY = re.compile(r"^[A-Za-z0-9!_.*'()/-]+$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class SettingsError(ValueError):
    """A setting has a value that is not allowed; the message names the key and what is allowed."""


@dataclass(frozen=True)
class Settings:
    """Every knob of the service; see the README's settings table for meanings and defaults."""

    instance_type: str
    instance_count: int
    max_instance_count: int
    model_prefix: str
    model_version: str
    keep_model_versions: int
    throttle_rate: float
    throttle_burst: int
    cors_origins: tuple[str, ...]
    retain_model_bucket: bool
    log_retention_days: int
    alarm_email: str | None
    target_cpu_percent: float
    instance_vcpus: int | None
    # Batch Transform jobs (make translate-batch): their own instances, billed only while a job runs.
    batch_instance_type: str
    batch_instance_count: int
    # The model's speed (docs/MODEL_SPEED.md), as `make calibrate` prints it; None = the front end's default.
    model_call_ms: float | None = None
    model_encode_ms_per_token: float | None = None
    model_step_ms: float | None = None
    model_step_ms_per_sentence: float | None = None
    model_steps_per_token: float | None = None
    model_max_steps: int | None = None
    model_batch_sentences: int | None = None
    model_concurrent_calls: int | None = None
    # Issue 15: clients must present a key (kept in Secrets Manager, managed with `make keys`).
    api_keys: bool = False
    # Issue 17: pause the endpoint after this many minutes without a translation request (None: never).
    auto_pause_idle_minutes: int | None = None
    # Issue 17: a request to a paused service starts the endpoint again (and is answered 503 meanwhile).
    wake_on_request: bool = False

    def model_speed_environment(self) -> dict[str, str]:
        """The set model-speed settings as the translate function's MODEL_* variables (unset ones keep its defaults)."""
        return {
            key.upper(): _number_text(getattr(self, key))
            for key in model_speed_keys()
            if getattr(self, key) is not None
        }

    @property
    def autoscaling(self) -> bool:
        return self.max_instance_count > self.instance_count

    @property
    def vcpus(self) -> int | None:
        """The endpoint instance's vCPUs: the instance_vcpus setting, else the known figure of instance_type."""
        return self.instance_vcpus or vcpus(self.instance_type)

    @property
    def target_cpu_utilization(self) -> float:
        """The autoscaling target in CloudWatch's unit: CPUUtilization summed over the instance's vCPUs."""
        if self.vcpus is None:
            raise SettingsError(f"the vCPUs of {self.instance_type} are unknown: set instance_vcpus")
        return self.target_cpu_percent * self.vcpus


@cache
def _model_speed() -> Any:
    """The front end's model_speed module, loaded from its file: the stacks don't import the Lambda's package."""
    spec = importlib.util.spec_from_file_location("_translate_model_speed", MODEL_SPEED_MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def model_speed_keys() -> tuple[str, ...]:
    """The model-speed settings: the front end's MODEL_* variables in lower case."""
    return tuple(name.lower() for name in _model_speed().ENVIRONMENT)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _model_speed_setting(key: str, value: Any) -> float | int | None:
    """Validate one model-speed setting with the front end's own rules; None (empty) keeps its default."""
    if value is None or str(value).strip().lower() in {"", "none", "null"} or isinstance(value, bool):
        if isinstance(value, bool):
            raise _fail(key, value, "a number, or empty for the documented default")
        return None
    module = _model_speed()
    field = module.ENVIRONMENT[key.upper()]
    whole = isinstance(getattr(module.DEFAULT, field), int)
    try:
        speed = module.from_environment({key.upper(): str(value).strip()})
    except module.ModelSpeedError:
        kind = "a whole number from 1" if whole else "a number from 0"
        raise _fail(key, value, f"{kind}, or empty for the default in docs/MODEL_SPEED.md") from None
    return getattr(speed, field)


def _fail(key: str, value: Any, allowed: str) -> SettingsError:
    return SettingsError(
        f"setting '{key}' = {value!r} is not allowed: {allowed} (set it in cdk.json or with -c {key}=...)"
    )


def _as_int(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise _fail(key, value, f"a whole number from {low} to {high}")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise _fail(key, value, f"a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise _fail(key, value, f"a whole number from {low} to {high}")
    return number


def _as_float(key: str, value: Any, low: float, high: float) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or math.isnan(number) or not low < number <= high:
        raise _fail(key, value, f"a number above {low:g} and at most {high:g}")
    return number


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _fail(key, value, "true or false")


def _instance_type(value: Any, key: str = "instance_type", kind: str = "hosting") -> str:
    text = str(value).strip()
    if not _INSTANCE_TYPE.match(text):
        raise _fail(
            key, value, f"a SageMaker {kind} instance type such as ml.m4.xlarge or ml.m5.xlarge (it starts with 'ml.')"
        )
    if text.startswith("ml.t2."):
        raise _fail(
            key,
            value,
            "not ml.t2.*: this model times out on burstable ml.t2 instances; use ml.m4.xlarge or ml.m5.xlarge",
        )
    return text


def _model_prefix(value: Any) -> str:
    key = "model_prefix"
    text = "" if value is None else str(value).strip()
    if not text or text.startswith("/") or "//" in text or not _S3_KEY.match(text) or not text.endswith("/"):
        raise _fail(
            key,
            value,
            "an S3 prefix ending in '/', without a leading '/', e.g. sagemaker/seq2seq/eng-german/pretrained_model/",
        )
    return text


def _cors_origins(value: Any) -> tuple[str, ...]:
    key = "cors_origins"
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    origins = tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
    allowed = "'*' or a comma-separated list of origins such as https://example.com"
    if not origins or ("*" in origins and len(origins) > 1):
        raise _fail(key, value, allowed)
    if origins != ("*",) and not all(_ORIGIN.match(origin) for origin in origins):
        raise _fail(key, value, allowed)
    return origins


def _alarm_email(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if not _EMAIL.match(text):
        raise _fail("alarm_email", value, "an e-mail address, or empty for no e-mail subscription")
    return text


def _model_version(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if text and not VERSION_PATTERN.fullmatch(text):
        raise _fail(
            "model_version",
            value,
            "a staged model version (16 hex digits, as `python -m scripts.stage_model --list` shows), "
            "or empty for the default source's model",
        )
    return text


def _instance_vcpus(value: Any) -> int | None:
    if value is None or str(value).strip().lower() in {"", "none", "null"}:
        return None
    return _as_int("instance_vcpus", value, 1, 1024)


def _idle_minutes(value: Any) -> int | None:
    if value is None or str(value).strip().lower() in {"", "none", "null"}:
        return None
    low, high = AUTO_PAUSE_IDLE_MINUTES
    return _as_int("auto_pause_idle_minutes", value, low, high)


def _check_cpu_target(settings: Settings) -> Settings:
    # Autoscaling tracks CPUUtilization summed over the vCPUs: without their number the target means nothing.
    if settings.autoscaling and settings.vcpus is None:
        raise _fail(
            "instance_vcpus",
            "",
            f"the vCPUs of {settings.instance_type} when autoscaling is on: the project does not know them "
            "(stacks/instance_types.py), and the CPU target is per vCPU",
        )
    return settings


def _log_retention(value: Any) -> int:
    days = _as_int("log_retention_days", value, 1, 3653)
    if days not in LOG_RETENTION_DAYS:
        raise _fail("log_retention_days", value, f"one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return days


def load_settings(context: Mapping[str, Any]) -> Settings:
    """Validate raw context values (strings from -c, or JSON values from cdk.json) into Settings."""
    missing = [f.name for f in fields(Settings) if f.name not in context]
    if missing:
        raise SettingsError(
            f"settings missing from the CDK context: {', '.join(missing)} (cdk.json holds every default)"
        )
    instance_count = _as_int("instance_count", context["instance_count"], 1, 100)
    raw_max = context["max_instance_count"]
    if raw_max is None or str(raw_max).strip().lower() in {"", "none", "null"}:
        max_instance_count = instance_count
    else:
        max_instance_count = _as_int("max_instance_count", raw_max, 1, 100)
        if max_instance_count < instance_count:
            raise _fail(
                "max_instance_count",
                raw_max,
                f"at least instance_count ({instance_count}), or empty for no autoscaling",
            )
    throttle_rate = _as_float("throttle_rate", context["throttle_rate"], 0, 10000)
    throttle_burst = _as_int("throttle_burst", context["throttle_burst"], 1, 5000)
    settings = Settings(
        instance_type=_instance_type(context["instance_type"]),
        instance_count=instance_count,
        max_instance_count=max_instance_count,
        model_prefix=_model_prefix(context["model_prefix"]),
        model_version=_model_version(context["model_version"]),
        keep_model_versions=_as_int("keep_model_versions", context["keep_model_versions"], 1, 50),
        throttle_rate=throttle_rate,
        throttle_burst=throttle_burst,
        cors_origins=_cors_origins(context["cors_origins"]),
        retain_model_bucket=_as_bool("retain_model_bucket", context["retain_model_bucket"]),
        log_retention_days=_log_retention(context["log_retention_days"]),
        alarm_email=_alarm_email(context["alarm_email"]),
        target_cpu_percent=_as_float("target_cpu_percent", context["target_cpu_percent"], 0, 100),
        instance_vcpus=_instance_vcpus(context["instance_vcpus"]),
        batch_instance_type=_instance_type(context["batch_instance_type"], "batch_instance_type", "transform"),
        batch_instance_count=_as_int("batch_instance_count", context["batch_instance_count"], 1, 100),
        **{key: _model_speed_setting(key, context[key]) for key in model_speed_keys()},
        api_keys=_as_bool("api_keys", context["api_keys"]),
        auto_pause_idle_minutes=_idle_minutes(context["auto_pause_idle_minutes"]),
        wake_on_request=_as_bool("wake_on_request", context["wake_on_request"]),
    )
    return _check_cpu_target(settings)


def default_context(cdk_json: Path = CDK_JSON) -> dict[str, Any]:
    """cdk.json's context as the CLI passes it: every setting's default and the CDK feature flags."""
    return dict(json.loads(cdk_json.read_text(encoding="utf-8"))["context"])


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    """Turn ['key=value', ...] (the scripts' -c flags, as the CDK CLI takes them) into a dict."""
    overrides: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"-c {pair!r} is not allowed: use -c key=value, e.g. -c instance_type=ml.m5.xlarge")
        overrides[key.strip()] = value
    unknown = sorted(set(overrides) - {f.name for f in fields(Settings)})
    if unknown:
        raise SettingsError(
            f"unknown setting(s): {', '.join(unknown)}; known settings: {', '.join(f.name for f in fields(Settings))}"
        )
    return overrides


def settings_from_files(overrides: Mapping[str, Any] | None = None, cdk_json: Path = CDK_JSON) -> Settings:
    """Settings as the CDK CLI would see them: cdk.json's defaults, then -c overrides."""
    return load_settings({**default_context(cdk_json), **(overrides or {})})
