"""Alarms and the dashboard for the request path: the endpoint's in its stack, the API's and the Lambda's in theirs."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.api_contract import (
    LAMBDA_TIMEOUT_SECONDS,
    METRICS_NAMESPACE,
    PAUSED_ANSWERS_METRIC,
    POWERTOOLS_SERVICE_NAME,
)

PERIOD = Duration.minutes(5)
# Near API Gateway's 29 s ceiling, users start seeing 504s.
API_LATENCY_P99_MS = 20_000
# The front end plans a request's calls inside the function's window (translator/plan.py): a call that takes half of
# it leaves room for no other, so when the slowest tenth of calls is there the model is slower than the plan assumes
# (calibrate, or scale out) and users soon get 413s and 504s. SageMaker reports ModelLatency in microseconds.
MODEL_LATENCY_P90_SECONDS = LAMBDA_TIMEOUT_SECONDS / 2
MODEL_LATENCY_P90_US = int(MODEL_LATENCY_P90_SECONDS * 1_000_000)
# Two periods in a row: one slow period (a cold instance after scale-out) is not worth a page.
MODEL_LATENCY_PERIODS = 2
API_5XX_PER_PERIOD = 5


@dataclass(frozen=True)
class AlarmSpec:
    """One failure mode: its metric, the threshold it alarms at (>=), for how many periods, and what it means."""

    name: str
    metric: cloudwatch.IMetric
    threshold: float
    periods: int
    description: str


def add_alarms(scope: Construct, topic: sns.ITopic, specs: list[AlarmSpec]) -> dict[str, cloudwatch.Alarm]:
    """Alarms that notify the topic when they fire and when they clear; no data counts as healthy."""
    alarms = {}
    for spec in specs:
        alarm = spec.metric.create_alarm(
            scope,
            spec.name,
            alarm_description=spec.description,
            threshold=spec.threshold,
            evaluation_periods=spec.periods,
            datapoints_to_alarm=spec.periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(topic))
        alarm.add_ok_action(actions.SnsAction(topic))
        alarms[spec.name] = alarm
    return alarms


class EndpointMonitoring(Construct):
    """The one alarm topic of the service, the endpoint's alarms, and the endpoint's dashboard widgets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        variant_name: str,
        alarm_email: str | None,
        control_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self._dimensions = {"EndpointName": endpoint_name, "VariantName": variant_name}
        self.topic = self._topic(alarm_email)
        errors = cloudwatch.MathExpression(
            # A period with 4XX but no 5XX datapoint (or the reverse) would otherwise have no sum at all.
            expression="FILL(e4, 0) + FILL(e5, 0)",
            using_metrics={
                "e4": self._metric("Invocation4XXErrors", "Sum"),
                "e5": self._metric("Invocation5XXErrors", "Sum"),
            },
            label="Endpoint invocation errors",
            period=PERIOD,
        )
        latency = self._metric("ModelLatency", "p90")
        self.alarms = add_alarms(self, self.topic, self._alarm_specs(errors, latency, control_function))
        self.widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(title="Endpoint invocations", left=[self._metric("Invocations", "Sum"), errors]),
            cloudwatch.GraphWidget(title="Model latency (µs)", left=[self._metric("ModelLatency", "p50"), latency]),
            cloudwatch.GraphWidget(
                title="Endpoint instances",
                left=[self._metric("CPUUtilization", "Average", namespace="/aws/sagemaker/Endpoints")],
            ),
        ]

    def _alarm_specs(
        self, errors: cloudwatch.IMetric, latency: cloudwatch.IMetric, control_function: lambda_.IFunction
    ) -> list[AlarmSpec]:
        """One alarm per failure mode of the endpoint and of what pauses and resumes it."""
        return [
            AlarmSpec("EndpointInvocationErrors", errors, 1, 1, "The SageMaker endpoint answered invocation errors"),
            AlarmSpec(
                "ModelLatency",
                latency,
                MODEL_LATENCY_P90_US,
                MODEL_LATENCY_PERIODS,
                f"The model's p90 latency is at least {MODEL_LATENCY_P90_SECONDS:g} s; "
                f"requests get {LAMBDA_TIMEOUT_SECONDS} s in all: the model is slower than the front end plans for",
            ),
            # A pause, resume or idle check that fails leaves the endpoint billing (or a paused service asleep).
            AlarmSpec(
                "EndpointControlErrors",
                control_function.metric_errors(period=PERIOD, statistic="Sum"),
                1,
                1,
                "The endpoint control function failed: a pause, resume or auto-pause check did not happen",
            ),
        ]

    def _topic(self, alarm_email: str | None) -> sns.Topic:
        # One topic for every alarm of the service, here because the endpoint stack deploys before the API stack (which
        # imports it) and runs, and costs, on its own: its alarms must reach someone even before the API exists.
        # Not encrypted with a key of our own: alarm messages carry alarm names, metric values and thresholds, never
        # user text; SNS's AWS-managed key can't be used (CloudWatch may not use it), and a customer managed key costs
        # 1 USD a month and outlives `cdk destroy` by its 7 to 30 day deletion window.
        topic = sns.Topic(self, "AlarmTopic", display_name="Seq2seq translate alarms", enforce_ssl=True)
        if alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        return topic

    def _metric(self, name: str, statistic: str, *, namespace: str = "AWS/SageMaker") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=namespace, metric_name=name, dimensions_map=self._dimensions, statistic=statistic, period=PERIOD
        )


def failed_answers(api: apigw.RestApi) -> cloudwatch.IMetric:
    """The API's 5XX answers less a paused or starting service's 503s, which are its owner's choice, not failures."""
    paused = cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=PAUSED_ANSWERS_METRIC,
        dimensions_map={"service": POWERTOOLS_SERVICE_NAME},
        period=PERIOD,
        statistic="Sum",
    )
    return cloudwatch.MathExpression(
        expression="FILL(errors, 0) - FILL(paused, 0)",
        using_metrics={"errors": api.metric_server_error(period=PERIOD, statistic="Sum"), "paused": paused},
        period=PERIOD,
        label="5XX answers, not counting a paused service's",
    )


class ApiMonitoring(Construct):
    """The API's and the Lambda's alarms on the service's topic, and one dashboard for the whole request path."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        function: lambda_.IFunction,
        topic: sns.ITopic,
        endpoint_widgets: list[cloudwatch.IWidget],
    ) -> None:
        super().__init__(scope, construct_id)
        api_5xx = failed_answers(api)
        api_latency = api.metric_latency(period=PERIOD, statistic="p99")
        fn_errors = function.metric_errors(period=PERIOD, statistic="Sum")
        fn_throttles = function.metric_throttles(period=PERIOD, statistic="Sum")
        self.alarms = add_alarms(
            self,
            topic,
            [
                AlarmSpec("Api5xx", api_5xx, API_5XX_PER_PERIOD, 1, "The API answered 5XX errors"),
                AlarmSpec(
                    "ApiLatency",
                    api_latency,
                    API_LATENCY_P99_MS,
                    3,
                    "API p99 latency is close to API Gateway's 29 s limit",
                ),
                AlarmSpec("LambdaErrors", fn_errors, 1, 1, "The translate Lambda failed (unhandled error or timeout)"),
                AlarmSpec("LambdaThrottles", fn_throttles, 1, 1, "The translate Lambda was throttled"),
            ],
        )
        # One page for the request path, front to back: the endpoint's widgets come from its own monitoring.
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[api.metric_count(period=PERIOD), api.metric_client_error(period=PERIOD), api_5xx],
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)", left=[api.metric_latency(period=PERIOD, statistic="p50"), api_latency]
            ),
            cloudwatch.GraphWidget(
                title="Lambda",
                left=[function.metric_invocations(period=PERIOD), fn_errors, fn_throttles],
                right=[function.metric_duration(period=PERIOD, statistic="p90")],
            ),
        )
        self.dashboard.add_widgets(*endpoint_widgets)
