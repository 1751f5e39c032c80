"""EndpointControl: the endpoint stack's function that pauses and resumes it through CloudFormation, and its schedule."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import ArnFormat, Aws, DefaultStackSynthesizer, Duration, Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.custom_resource_function import custom_resource_function
from stacks.names import PAUSED_PARAMETER

FUNCTION_SOURCE = Path(__file__).resolve().parent / "endpoint_control_function"
# A pause or resume is one DescribeStacks and one UpdateStack; a check adds a DescribeEndpoint and a metric read.
TIMEOUT = Duration.seconds(60)
# The auto-pause check: often enough that the endpoint goes within a third of the idle time after it fell idle (each
# idle hour costs the instance's price), rarely enough to stay a handful of free invocations; 5 minutes is
# SageMaker's finest Invocations metric period worth reading, an hour the most a long idle time needs.
MIN_CHECK_MINUTES = 5
MAX_CHECK_MINUTES = 60


def package_files(source: Path = FUNCTION_SOURCE) -> dict[str, Path]:
    """The function's package: every Python file of its directory, and nothing else (it is CDK-free, boto3 only)."""
    return {
        str(path.relative_to(source)): path for path in sorted(source.rglob("*.py")) if "__pycache__" not in path.parts
    }


def check_interval_minutes(idle_minutes: int) -> int:
    """How often the auto-pause check runs for a given idle time."""
    return max(MIN_CHECK_MINUTES, min(MAX_CHECK_MINUTES, idle_minutes // 3))


def default_synthesizer(stack: Stack) -> DefaultStackSynthesizer:
    """The stack's synthesizer, which must be CDK's default: it names the execution role and the bootstrap version."""
    if not isinstance(stack.synthesizer, DefaultStackSynthesizer):
        raise TypeError(f"{stack.stack_name}: EndpointControl expects the DefaultStackSynthesizer")
    return stack.synthesizer


def bootstrap_version_parameter(synthesizer: DefaultStackSynthesizer) -> str:
    """The SSM parameter name of the CDK bootstrap version the stack's template reads (its BootstrapVersion)."""
    qualifier = synthesizer.bootstrap_qualifier or DefaultStackSynthesizer.DEFAULT_QUALIFIER
    return DefaultStackSynthesizer.DEFAULT_BOOTSTRAP_STACK_VERSION_SSM_PARAMETER.replace("${Qualifier}", qualifier)


class EndpointControl(Construct):
    """Pauses or resumes the endpoint by updating its own stack's Paused parameter; checks for idleness on a schedule.

    Attributes: function (invoke it with {"action": "pause" | "resume" | "check"}), rule (the schedule, or None).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        endpoint_arn: str,
        endpoint_config_arn: str,
        idle_minutes: int | None,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = custom_resource_function(
            self,
            description="Pauses and resumes the seq2seq endpoint through its CloudFormation stack",
            source=FUNCTION_SOURCE,
            files=package_files(),
            timeout=TIMEOUT,
            log_retention_days=log_retention_days,
        )
        environment = {
            "STACK_NAME": Aws.STACK_NAME,
            "ENDPOINT_NAME": endpoint_name,
            "PAUSED_PARAMETER": PAUSED_PARAMETER,
        }
        if idle_minutes is not None:
            environment["IDLE_MINUTES"] = str(idle_minutes)
        for name, value in environment.items():
            self.function.add_environment(name, value)
        self._grant_stack_update()
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig"],
                resources=[endpoint_arn, endpoint_config_arn],
            )
        )
        # GetMetricStatistics has no resource-level permissions (acknowledged in stacks/nag_acknowledgments.py).
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["cloudwatch:GetMetricStatistics"], resources=["*"])
        )
        self.rule = self._schedule(idle_minutes) if idle_minutes is not None else None

    def _grant_stack_update(self) -> None:
        stack = Stack.of(self)
        synthesizer = default_synthesizer(stack)
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["cloudformation:DescribeStacks", "cloudformation:UpdateStack"], resources=[Aws.STACK_ID]
            )
        )
        # A stack deployed by `cdk deploy` keeps the bootstrap's CloudFormation execution role, and every later
        # update runs with it: UpdateStack must be allowed to pass it (to CloudFormation only). The function itself
        # never touches SageMaker's endpoint: that role creates and deletes it.
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[Fn.sub(synthesizer.cloud_formation_execution_role_arn)],
                conditions={"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
            )
        )
        # The template's BootstrapVersion is an SSM parameter type, which CloudFormation resolves with the caller's
        # rights on every update, UsePreviousValue or not (CDK's own deploy role holds this permission for it).
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ssm:GetParameters"],
                resources=[
                    stack.format_arn(
                        service="ssm",
                        resource="parameter",
                        resource_name=bootstrap_version_parameter(synthesizer).lstrip("/"),
                        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                    )
                ],
            )
        )

    def _schedule(self, idle_minutes: int) -> events.Rule:
        minutes = check_interval_minutes(idle_minutes)
        return events.Rule(
            self,
            "IdleCheck",
            description=f"Pauses the endpoint after {idle_minutes} minutes without a request (checked every {minutes})",
            schedule=events.Schedule.rate(Duration.minutes(minutes)),
            targets=[
                targets.LambdaFunction(
                    self.function,
                    event=events.RuleTargetInput.from_object({"action": "check"}),
                    # The next check comes within minutes; a retried one would only repeat it.
                    retry_attempts=0,
                )
            ],
        )
