"""Alarms and a dashboard for the whole request path: API, Lambda, endpoint."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.api_contract import ENDPOINT_READ_TIMEOUT_SECONDS

PERIOD = Duration.minutes(5)
# Near API Gateway's 29 s ceiling, users start seeing 504s.
API_LATENCY_P99_MS = 20_000
# The Lambda answers 504 once a read from the endpoint takes ENDPOINT_READ_TIMEOUT_SECONDS: warn while the slowest
# tenth of requests is at half that, before users get those 504s. SageMaker reports ModelLatency in microseconds.
MODEL_LATENCY_P90_SECONDS = ENDPOINT_READ_TIMEOUT_SECONDS / 2
MODEL_LATENCY_P90_US = int(MODEL_LATENCY_P90_SECONDS * 1_000_000)
# Two periods in a row: one slow period (a cold instance after scale-out) is not worth a page.
MODEL_LATENCY_PERIODS = 2
API_5XX_PER_PERIOD = 5


class Monitoring(Construct):
    """An SNS topic (e-mail when configured), one alarm per failure mode, and a dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        function: lambda_.IFunction,
        endpoint_name: str,
        variant_name: str,
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "AlarmTopic", display_name="Seq2seq translate alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))

        endpoint_dimensions = {"EndpointName": endpoint_name, "VariantName": variant_name}

        def endpoint_metric(name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/SageMaker",
                metric_name=name,
                dimensions_map=endpoint_dimensions,
                statistic=statistic,
                period=PERIOD,
            )

        api_5xx = api.metric_server_error(period=PERIOD, statistic="Sum")
        api_latency = api.metric_latency(period=PERIOD, statistic="p99")
        fn_errors = function.metric_errors(period=PERIOD, statistic="Sum")
        fn_throttles = function.metric_throttles(period=PERIOD, statistic="Sum")
        model_errors = cloudwatch.MathExpression(
            # A period with 4XX but no 5XX datapoint (or the reverse) would otherwise have no sum at all.
            expression="FILL(e4, 0) + FILL(e5, 0)",
            using_metrics={
                "e4": endpoint_metric("Invocation4XXErrors", "Sum"),
                "e5": endpoint_metric("Invocation5XXErrors", "Sum"),
            },
            label="Endpoint invocation errors",
            period=PERIOD,
        )
        model_latency = endpoint_metric("ModelLatency", "p90")

        specs = [
            ("Api5xx", api_5xx, API_5XX_PER_PERIOD, 1, "The API answered 5XX errors"),
            ("ApiLatency", api_latency, API_LATENCY_P99_MS, 3, "API p99 latency is close to API Gateway's 29 s limit"),
            ("LambdaErrors", fn_errors, 1, 1, "The translate Lambda failed (unhandled error or timeout)"),
            ("LambdaThrottles", fn_throttles, 1, 1, "The translate Lambda was throttled"),
            ("EndpointInvocationErrors", model_errors, 1, 1, "The SageMaker endpoint answered invocation errors"),
            (
                "ModelLatency",
                model_latency,
                MODEL_LATENCY_P90_US,
                MODEL_LATENCY_PERIODS,
                (
                    f"The model's p90 latency is at least {MODEL_LATENCY_P90_SECONDS:g} s; "
                    f"the API answers 504 when the endpoint takes {ENDPOINT_READ_TIMEOUT_SECONDS} s"
                ),
            ),
        ]
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, metric, threshold, periods, description in specs:
            alarm = metric.create_alarm(
                self,
                name,
                alarm_description=description,
                threshold=threshold,
                evaluation_periods=periods,
                datapoints_to_alarm=periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(actions.SnsAction(self.topic))
            alarm.add_ok_action(actions.SnsAction(self.topic))
            self.alarms[name] = alarm

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
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Endpoint invocations", left=[endpoint_metric("Invocations", "Sum"), model_errors]
            ),
            cloudwatch.GraphWidget(
                title="Model latency (µs)", left=[endpoint_metric("ModelLatency", "p50"), model_latency]
            ),
            cloudwatch.GraphWidget(
                title="Endpoint instances",
                left=[
                    cloudwatch.Metric(
                        namespace="/aws/sagemaker/Endpoints",
                        metric_name="CPUUtilization",
                        dimensions_map=endpoint_dimensions,
                        period=PERIOD,
                    )
                ],
            ),
        )
        self.alarm_names = [alarm.alarm_name for alarm in self.alarms.values()]
