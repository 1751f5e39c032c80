"""stacks/monitoring.py: one alarm per failure mode, the endpoint's with the endpoint, all on one topic."""

import re

import pytest
from aws_cdk.assertions import Match

from stacks.api_contract import (
    LAMBDA_TIMEOUT_SECONDS,
    METRICS_NAMESPACE,
    PAUSED_ANSWERS_METRIC,
    POWERTOOLS_SERVICE_NAME,
)
from stacks.names import API_STACK, ENDPOINT_STACK

API_ALARMS = {"5XXError", "Latency", "Errors", "Throttles"}


def metric_stat(name: str) -> dict:
    return Match.object_like({"MetricStat": Match.object_like({"Metric": Match.object_like({"MetricName": name})})})


def test_the_endpoints_alarms_live_in_the_endpoint_stack(default_app):
    template = default_app.template(ENDPOINT_STACK)
    template.resource_count_is("AWS::CloudWatch::Alarm", 3)
    errors = Match.array_with([metric_stat("Invocation4XXErrors"), metric_stat("Invocation5XXErrors")])
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"Metrics": errors})
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "ModelLatency"})
    # A failed pause, resume or idle check would leave the endpoint billing unnoticed.
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": Match.string_like_regexp("^EndpointControl")}}],
            "Threshold": 1,
        },
    )


def test_the_api_stack_alarms_on_the_api_and_the_lambda_only(default_app):
    template = default_app.template(API_STACK)
    template.resource_count_is("AWS::CloudWatch::Alarm", len(API_ALARMS))
    for metric in API_ALARMS - {"5XXError"}:
        template.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": metric})
    # 5XX answers through metric math (test_api_latency_and_5xx_thresholds).
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"Metrics": Match.array_with([metric_stat("5XXError")])})


def test_one_topic_in_the_endpoint_stack_gets_every_alarm_and_every_recovery(default_app):
    default_app.template(API_STACK).resource_count_is("AWS::SNS::Topic", 0)
    endpoint = default_app.template(ENDPOINT_STACK)
    ((topic_id, _),) = endpoint.find_resources("AWS::SNS::Topic").items()
    endpoint.all_resources_properties(
        "AWS::CloudWatch::Alarm", {"AlarmActions": [{"Ref": topic_id}], "OKActions": [{"Ref": topic_id}]}
    )
    imported = {"Fn::ImportValue": Match.string_like_regexp(f"^{ENDPOINT_STACK}:.*AlarmTopic")}
    default_app.template(API_STACK).all_resources_properties(
        "AWS::CloudWatch::Alarm", {"AlarmActions": [imported], "OKActions": [imported]}
    )
    # Every alarm of both stacks: the four above the API and the endpoint's three.
    default_app.template(API_STACK).resource_count_is("AWS::CloudWatch::Alarm", 4)
    endpoint.resource_count_is("AWS::CloudWatch::Alarm", 3)


@pytest.mark.parametrize("stack", [API_STACK, ENDPOINT_STACK])
def test_alarms_treat_no_data_as_healthy_and_keep_generated_names(default_app, stack):
    default_app.template(stack).all_resources_properties(
        "AWS::CloudWatch::Alarm",
        {
            "TreatMissingData": "notBreaching",
            "AlarmName": Match.absent(),
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        },
    )


def test_one_dashboard_shows_the_whole_request_path(default_app):
    default_app.template(ENDPOINT_STACK).resource_count_is("AWS::CloudWatch::Dashboard", 0)
    template = default_app.template(API_STACK)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    for title in ("API requests and errors", "Lambda", "Endpoint invocations", "Model latency", "Endpoint instances"):
        widget = Match.string_like_regexp(re.escape(f'"title":"{title}'))
        template.has_resource_properties(
            "AWS::CloudWatch::Dashboard", {"DashboardBody": {"Fn::Join": ["", Match.array_with([widget])]}}
        )


def test_model_latency_alarm_fires_when_one_call_takes_half_the_functions_window(default_app):
    # ModelLatency is in microseconds; a call that long leaves no room for another in one request.
    default_app.template(ENDPOINT_STACK).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ModelLatency",
            "Namespace": "AWS/SageMaker",
            "ExtendedStatistic": "p90",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": LAMBDA_TIMEOUT_SECONDS * 1_000_000 / 2,
            "DatapointsToAlarm": 2,
            "EvaluationPeriods": 2,
            "Period": 300,
        },
    )
    assert LAMBDA_TIMEOUT_SECONDS * 1_000_000 / 2 <= 14_000_000


def test_api_latency_and_5xx_thresholds(default_app):
    template = default_app.template(API_STACK)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "Latency", "ExtendedStatistic": "p99", "Threshold": 20_000, "EvaluationPeriods": 3},
    )
    # 5XX answers less the function's paused and starting answers: a paused service is its owner's choice.
    paused = {
        "Namespace": METRICS_NAMESPACE,
        "MetricName": PAUSED_ANSWERS_METRIC,
        "Dimensions": [{"Name": "service", "Value": POWERTOOLS_SERVICE_NAME}],
    }
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Threshold": 5,
            "EvaluationPeriods": 1,
            "Metrics": Match.array_with(
                [
                    Match.object_like({"Expression": "FILL(errors, 0) - FILL(paused, 0)"}),
                    Match.object_like(
                        {
                            "Id": "errors",
                            "MetricStat": Match.object_like({"Metric": Match.object_like({"MetricName": "5XXError"})}),
                        }
                    ),
                    Match.object_like(
                        {"Id": "paused", "MetricStat": Match.object_like({"Metric": paused, "Stat": "Sum"})}
                    ),
                ]
            ),
        },
    )


@pytest.mark.parametrize("fixture", ["default_app", "custom_app"])
def test_error_sums_count_a_missing_series_as_zero(fixture, request):
    # In metric math a+b has no value where either series has no datapoint: 5XX errors alone would not alarm.
    alarms = (
        request.getfixturevalue(fixture)
        .template(ENDPOINT_STACK)
        .find_resources("AWS::CloudWatch::Alarm", {"Properties": {"Metrics": Match.any_value()}})
    )
    expressions = [m["Expression"] for a in alarms.values() for m in a["Properties"]["Metrics"] if "Expression" in m]
    assert expressions
    for expression in expressions:
        series = [i for i in re.findall(r"\b[a-z]\w*\b", expression) if i != "FILL"]
        assert series and all(f"FILL({i}, 0)" in expression for i in series), expression


def test_no_e_mail_subscription_by_default(default_app):
    default_app.template(ENDPOINT_STACK).resource_count_is("AWS::SNS::Subscription", 0)


def test_alarm_email_subscribes_to_the_topic(custom_app):
    custom_app.template(ENDPOINT_STACK).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_the_topic_takes_tls_only_and_no_key_of_our_own(default_app):
    template = default_app.template(ENDPOINT_STACK)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.absent()})
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )
