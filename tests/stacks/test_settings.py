import importlib.util
import re
import tarfile
from pathlib import Path

import pytest

from stacks.settings import SettingsError, default_context, load_settings, parse_overrides, settings_from_files


def settings_with(**overrides):
    return load_settings({**default_context(), **overrides})


def test_defaults_come_from_cdk_json():
    settings = settings_from_files()
    assert settings.instance_type == "ml.m4.xlarge"
    assert settings.instance_count == 1 and settings.max_instance_count == 1 and not settings.autoscaling
    assert settings.model_prefix == "sagemaker/seq2seq/eng-german/pretrained_model/"
    assert settings.keep_model_versions == 3 and settings.model_version == ""
    assert settings.target_cpu_percent == 60 and settings.vcpus == 4 and settings.target_cpu_utilization == 240
    assert settings.cors_origins == ("*",)
    assert settings.retain_model_bucket is False
    assert settings.alarm_email is None


def test_cli_strings_are_coerced():
    settings = settings_with(
        instance_count="2",
        max_instance_count="5",
        retain_model_bucket="TRUE",
        throttle_rate="2.5",
        cors_origins="https://a.example, https://b.example/",
    )
    assert (settings.instance_count, settings.max_instance_count, settings.retain_model_bucket) == (2, 5, True)
    assert settings.throttle_rate == 2.5 and settings.autoscaling
    assert settings.cors_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(
    "key,value,expected",
    [
        ("instance_type", "m4.xlarge", "starts with 'ml.'"),
        ("instance_type", "ml.t2.medium", "times out on burstable ml.t2"),
        ("instance_count", "0", "a whole number from 1 to 100"),
        ("instance_count", "two", "a whole number from 1 to 100"),
        ("instance_count", True, "a whole number from 1 to 100"),
        ("max_instance_count", "0", "a whole number from 1 to 100"),
        ("model_prefix", "/abs/models/", "without a leading '/'"),
        ("model_prefix", "models/model.tar.gz", "ending in '/'"),
        ("keep_model_versions", "0", "a whole number from 1 to 50"),
        ("keep_model_versions", "51", "a whole number from 1 to 50"),
        ("target_cpu_percent", "0", "a number above 0 and at most 100"),
        ("target_cpu_percent", "150", "a number above 0 and at most 100"),
        ("instance_vcpus", "0", "a whole number from 1 to 1024"),
        ("throttle_rate", "0", "a number above 0"),
        ("throttle_rate", "nan", "a number above 0"),
        ("throttle_burst", "-1", "a whole number from 1 to 5000"),
        ("cors_origins", "example.com", "comma-separated list of origins"),
        ("cors_origins", "*,https://a.example", "comma-separated list of origins"),
        ("cors_origins", "", "comma-separated list of origins"),
        ("retain_model_bucket", "maybe", "true or false"),
        ("log_retention_days", "10", "one of 1, 3, 5"),
        ("alarm_email", "not-an-address", "an e-mail address"),
        ("model_version", "has spaces", "16 hex digits"),
        ("model_version", "0123456789ABCDEF", "16 hex digits"),
    ],
)
def test_bad_values_name_the_key_and_what_is_allowed(key, value, expected):
    with pytest.raises(SettingsError) as error:
        settings_with(**{key: value})
    message = str(error.value)
    assert f"setting '{key}'" in message and expected in message and f"-c {key}=" in message


def test_max_instance_count_below_instance_count_is_refused():
    with pytest.raises(
        SettingsError, match=r"'max_instance_count' = '1' is not allowed: at least instance_count \(2\)"
    ):
        settings_with(instance_count="2", max_instance_count="1")


def test_autoscaling_on_an_instance_type_of_unknown_vcpus_needs_instance_vcpus():
    with pytest.raises(SettingsError, match="setting 'instance_vcpus'.*ml.g4dn.xlarge when autoscaling is on"):
        settings_with(instance_type="ml.g4dn.xlarge", max_instance_count="3")
    settings = settings_with(instance_type="ml.g4dn.xlarge", max_instance_count="3", instance_vcpus="4")
    assert settings.target_cpu_utilization == 240
    # Without autoscaling the vCPUs are never needed.
    assert settings_with(instance_type="ml.g4dn.xlarge").vcpus is None


def test_the_cpu_target_is_per_vcpu_and_scaled_by_the_instance_type():
    assert settings_with(instance_type="ml.m5.2xlarge", target_cpu_percent="50").target_cpu_utilization == 400


def test_missing_setting_is_named():
    context = default_context()
    del context["instance_type"]
    with pytest.raises(SettingsError, match="instance_type"):
        load_settings(context)


def test_overrides_parse_like_the_cdk_cli():
    assert parse_overrides(["instance_type=ml.m5.xlarge", "model_prefix=a/b=c/"]) == {
        "instance_type": "ml.m5.xlarge",
        "model_prefix": "a/b=c/",
    }
    with pytest.raises(SettingsError, match="use -c key=value"):
        parse_overrides(["instance_type"])
    with pytest.raises(SettingsError, match="unknown setting.*instnce_type.*known settings: instance_type"):
        parse_overrides(["instnce_type=ml.m5.xlarge"])


def known_feature_flags() -> set[str]:
    """Every feature flag the installed aws-cdk-lib defines (its cx-api module, read from the jsii bundle)."""
    jsii_dir = Path(importlib.util.find_spec("aws_cdk._jsii").origin).parent
    (bundle,) = jsii_dir.glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(bundle) as archive:
        features = archive.extractfile("package/cx-api/lib/features.js").read().decode()
    return set(re.findall(r'"(@aws-cdk/[\w-]+:\w+)"', features))


def test_every_feature_flag_in_cdk_json_is_one_aws_cdk_lib_knows():
    known = known_feature_flags()
    assert "@aws-cdk/core:stackRelativeExports" in known  # the reader works
    flags = {key for key in default_context() if key.startswith("@aws-cdk/")}
    assert flags and flags <= known, f"not feature flags of the installed aws-cdk-lib: {sorted(flags - known)}"


def test_model_speed_settings_default_to_the_front_ends_own_defaults():
    settings = settings_from_files()
    assert settings.model_step_ms is None and settings.model_concurrent_calls is None
    assert settings.model_speed_environment() == {}


def test_model_speed_settings_become_the_functions_model_variables():
    settings = settings_from_files({"model_step_ms": "25.5", "model_max_steps": "50", "model_concurrent_calls": "3"})
    assert settings.model_speed_environment() == {
        "MODEL_STEP_MS": "25.5",
        "MODEL_MAX_STEPS": "50",
        "MODEL_CONCURRENT_CALLS": "3",
    }


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("model_step_ms", "fast", "a number from 0"),
        ("model_call_ms", "-1", "a number from 0"),
        ("model_max_steps", "0", "a whole number from 1"),
        ("model_batch_sentences", "2.5", "a whole number from 1"),
        ("model_concurrent_calls", "true", "a whole number from 1"),
    ],
)
def test_a_bad_model_speed_setting_is_one_message_naming_it(key, value, allowed):
    with pytest.raises(SettingsError) as caught:
        settings_from_files({key: value})
    message = str(caught.value)
    assert f"setting '{key}' = '{value}' is not allowed: {allowed}" in message
    assert "\n" not in message


def test_what_calibrate_prints_is_what_the_settings_take():
    from translator.model_speed import DEFAULT

    from scripts.calibration.measure import context_settings

    flags = context_settings(DEFAULT.scaled(1.5))
    pairs = [flag.removeprefix("-c ") for flag in flags]
    settings = settings_from_files(parse_overrides(pairs))
    assert settings.model_step_ms == DEFAULT.step_ms * 1.5
    assert len(settings.model_speed_environment()) == len(pairs)


def test_batch_instances_are_settings_with_their_own_messages():
    settings = settings_from_files({"batch_instance_type": "ml.c5.2xlarge", "batch_instance_count": "3"})
    assert (settings.batch_instance_type, settings.batch_instance_count) == ("ml.c5.2xlarge", 3)
    with pytest.raises(
        SettingsError, match="setting 'batch_instance_type' = 'c5.2xlarge' is not allowed: a SageMaker transform"
    ):
        settings_from_files({"batch_instance_type": "c5.2xlarge"})
    with pytest.raises(
        SettingsError, match="setting 'batch_instance_count' = '0' is not allowed: a whole number from 1 to 100"
    ):
        settings_from_files({"batch_instance_count": "0"})
