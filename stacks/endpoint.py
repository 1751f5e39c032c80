"""The SageMaker side: execution role, model, endpoint config, endpoint, its autoscaling and its alarms."""

from __future__ import annotations

from typing import Any

from aws_cdk import (
    Aws,
    CfnCondition,
    CfnMapping,
    CfnOutput,
    CfnParameter,
    CfnRule,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks.endpoint_control import EndpointControl
from stacks.endpoint_control_function.control import VARIANT_NAME
from stacks.image_map import IMAGE_VERSION, ImageMap, seq2seq_image_map
from stacks.log_groups import retention
from stacks.model_bucket import model_bucket_in
from stacks.monitoring import EndpointMonitoring
from stacks.names import (
    BATCH_JOB_PREFIX,
    CONTROL_FUNCTION_OUTPUT,
    ENDPOINT_LOG_GROUP_PREFIX,
    ENDPOINT_OUTPUT,
    ENDPOINT_START_MINUTES,
    MODEL_FILE,
    MODEL_OUTPUT,
    PAUSED_PARAMETER,
    PAUSED_VALUES,
)
from stacks.settings import Settings
from stacks.staged_model import StagedModel

IMAGE_MAPPING = "Seq2SeqImage"
ENDPOINT_NAMESPACE = "/aws/sagemaker/Endpoints"
# A new instance takes about 5 to 10 minutes to start and load the model. Scaling out again 5 minutes after the
# last step lets a load that keeps rising add capacity while the first instance is still starting (target tracking
# only adds what the metric asks for); scaling in waits 15 minutes so that a short lull does not remove an instance
# that would take another 10 minutes to bring back.
SCALE_OUT_COOLDOWN = Duration.minutes(5)
SCALE_IN_COOLDOWN = Duration.minutes(15)
# SageMaker fetches model.tar.gz and the image itself, outside the container, and the seq2seq container serves from
# /opt/ml/model alone: it needs no network. SageMaker's guide ("Run training and inference containers in
# internet-free mode") names only Chainer and Reinforcement Learning as containers that need it (they read S3).
NETWORK_ISOLATION = True
RUNNING_CONDITION = "Running"
# The exports a deployed API stack imported before the endpoint could be paused (they named the endpoint resource):
# kept with the same names and values, from the stack instead, so that the endpoint stack's update is not refused
# while that API stack still imports them. Nothing imports them once the API stack is updated too.
EARLIER_EXPORTS = {
    "ExportsOutputFnGetAttEndpointEndpointNameFB2209DA": "name",
    "ExportsOutputRefEndpoint27807E75": "arn",
}


class EndpointStack(Stack):
    """Serves the staged seq2seq model on a real-time SageMaker endpoint, and owns the service's alarm topic."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, model_bucket: s3.IBucket, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        model_bucket = model_bucket_in(self, model_bucket)
        self.running = self._paused_condition()
        image_map = seq2seq_image_map()
        registry = self._image_registry(image_map)
        self.staged_model_prefix = settings.model_prefix
        self.staged_model = self._staged_model(settings, model_bucket)
        self.endpoint_log_group = self._endpoint_log_group(settings)
        self.execution_role = self._execution_role(image_map, registry)
        # Every staged version's model, not only the one served now: an older endpoint config (a rollback, a
        # replaced instance while an update runs) must still load the artifact it was built for.
        model_bucket.grant_read(self.execution_role, f"{settings.model_prefix}*/{MODEL_FILE}")
        # Batch Transform jobs of this model run with its role: they read their input and write their output there.
        model_bucket.grant_read_write(self.execution_role, f"{BATCH_JOB_PREFIX}*")
        self.model = self._model(
            image=f"{registry}.dkr.ecr.{Aws.REGION}.{Aws.URL_SUFFIX}/{image_map.repository}:{IMAGE_VERSION}",
            model_data_url=self.staged_model.model_data_url,
        )
        self.endpoint_config = self._endpoint_config(settings)
        self.endpoint = self._endpoint(settings)
        # Deleted after the endpoint, which would otherwise write to it (and SageMaker create it again) while going.
        self.endpoint.node.add_dependency(self.endpoint_log_group)
        self.endpoint_name, self.endpoint_arn = self._endpoint_identity()
        self.variant_name = VARIANT_NAME
        if settings.autoscaling:
            self._add_autoscaling(settings)
        self.control = EndpointControl(
            self,
            "EndpointControl",
            endpoint_name=self.endpoint_name,
            endpoint_arn=self.endpoint_arn,
            endpoint_config_arn=self.endpoint_config.ref,
            idle_minutes=settings.auto_pause_idle_minutes,
            log_retention_days=settings.log_retention_days,
        )
        self.monitoring = EndpointMonitoring(
            self,
            "Monitoring",
            endpoint_name=self.endpoint_name,
            variant_name=VARIANT_NAME,
            alarm_email=settings.alarm_email,
            control_function=self.control.function,
        )
        self.alarm_topic = self.monitoring.topic
        self._outputs()

    def _paused_condition(self) -> CfnCondition:
        """The Paused parameter, and the condition every resource that exists only while serving carries."""
        paused = CfnParameter(
            self,
            PAUSED_PARAMETER,
            type="String",
            allowed_values=list(PAUSED_VALUES),
            default=PAUSED_VALUES[0],
            description="true removes the SageMaker endpoint (and its cost) and keeps everything else; false brings "
            f"it back (about {ENDPOINT_START_MINUTES} minutes). Set by `make pause` and `make resume`; a later deploy "
            "keeps it.",
        )
        running = Fn.condition_equals(paused.value_as_string, PAUSED_VALUES[0])
        return CfnCondition(self, RUNNING_CONDITION, expression=running)

    def _endpoint_identity(self) -> tuple[str, str]:
        """The endpoint's name and ARN, from the stack alone: nothing may reference the endpoint, which comes and goes.

        The name is the stack's (the endpoint resource names itself so); the stack name is a literal, so the ARN can
        carry it in lower case, as SageMaker writes names inside ARNs, and IAM compares ARNs case-sensitively.
        """
        if Token.is_unresolved(self.stack_name):
            raise ValueError("the endpoint stack needs a literal stack name: its endpoint's ARN is built from it")
        arn = self.format_arn(service="sagemaker", resource="endpoint", resource_name=self.stack_name.lower())
        return self.stack_name, arn

    def _outputs(self) -> None:
        CfnOutput(
            self, ENDPOINT_OUTPUT, value=self.endpoint_name, description="SageMaker endpoint serving the seq2seq model"
        )
        # Batch Transform jobs run the same SageMaker model, without the endpoint.
        CfnOutput(
            self, MODEL_OUTPUT, value=self.model.attr_model_name, description="SageMaker model of the version served"
        )
        CfnOutput(
            self,
            CONTROL_FUNCTION_OUTPUT,
            value=self.control.function.function_name,
            description='Pauses and resumes the endpoint: invoke with {"action": "pause" | "resume"}',
        )
        # Exported whether or not the API stack imports them (it does with wake_on_request): an export can't be
        # deleted while imported, so turning wake_on_request off would otherwise fail this stack's update.
        self.export_value(self.control.function.function_arn)
        self.export_value(self.control.function.function_name)
        values = {"name": self.endpoint_name, "arn": self.endpoint_arn}
        for export, value in EARLIER_EXPORTS.items():
            CfnOutput(self, export, value=values[value], export_name=f"{self.stack_name}:{export}")

    def _staged_model(self, settings: Settings, model_bucket: s3.IBucket) -> StagedModel:
        return StagedModel(
            self,
            "StagedModel",
            bucket=model_bucket,
            prefix=settings.model_prefix,
            requested_version=settings.model_version,
            keep=settings.keep_model_versions,
            log_retention_days=settings.log_retention_days,
        )

    def _endpoint_log_group(self, settings: Settings) -> logs.LogGroup:
        # The endpoint's name comes from the stack (an endpoint is replaced only when its name changes), so the
        # stack can declare the log group SageMaker writes to, and `cdk destroy` deletes it.
        return logs.LogGroup(
            self,
            "EndpointLogs",
            log_group_name=f"{ENDPOINT_LOG_GROUP_PREFIX}{Aws.STACK_NAME}",
            retention=retention(settings.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _image_registry(self, image_map: ImageMap) -> str:
        """The image's registry account in the deploying region, refused with a message where there is none."""
        mapping = CfnMapping(
            self,
            IMAGE_MAPPING,
            mapping={region: {"account": account} for region, account in sorted(image_map.registries.items())},
        )
        regions = ", ".join(image_map.regions)
        CfnRule(
            self,
            "RegionHasSeq2SeqImage",
            assertions=[
                {
                    "assert": Fn.condition_contains(image_map.regions, Aws.REGION),
                    "assertDescription": f"SageMaker's seq2seq image is not offered in this region; deploy to one of: {regions}",
                }
            ],
        )
        return mapping.find_in_map(Aws.REGION, "account")

    def _execution_role(self, image_map: ImageMap, registry: str) -> iam.Role:
        """The role SageMaker assumes: pull the seq2seq image, write the endpoint's logs and metrics."""
        role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Lets the seq2seq endpoint read its model, pull its image and write its logs",
        )
        ecr.Repository.from_repository_attributes(
            self,
            "Seq2SeqRepository",
            repository_name=image_map.repository,
            repository_arn=self.format_arn(
                service="ecr", account=registry, resource="repository", resource_name=image_map.repository
            ),
        ).grant_pull(role)
        # The endpoint's own group (declared above), and only it.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[self.endpoint_log_group.log_group_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": [ENDPOINT_NAMESPACE]}},
            )
        )
        return role

    def _model(self, *, image: str, model_data_url: str) -> sagemaker.CfnModel:
        """The SageMaker model: the seq2seq image serving one staged version for ever, isolated from the network."""
        model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.execution_role.role_arn,
            enable_network_isolation=NETWORK_ISOLATION,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=image,
                model_data_url=model_data_url,
            ),
        )
        # SageMaker checks at create time that the role can read the model: the policy must exist first.
        model.node.add_dependency(self.execution_role)
        model.node.add_dependency(self.execution_role.node.find_child("DefaultPolicy"))
        return model

    def _endpoint_config(self, settings: Settings) -> sagemaker.CfnEndpointConfig:
        # No name: every property change replaces the config, and a fixed name would collide.
        return sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=VARIANT_NAME,
                    model_name=self.model.attr_model_name,
                    initial_instance_count=settings.instance_count,
                    instance_type=settings.instance_type,
                    initial_variant_weight=1.0,
                )
            ],
        )

    def _endpoint(self, settings: Settings) -> sagemaker.CfnEndpoint:
        endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            # Derived from the stack, never a literal: unique per stack, and an endpoint keeps its name for life.
            endpoint_name=Aws.STACK_NAME,
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            # Autoscaling moves the instance count away from instance_count; a rollout (a new config) must keep the
            # scaled fleet, not shrink it back. Only count and weight are kept: a new instance type still applies.
            retain_all_variant_properties=True if settings.autoscaling else None,
        )
        # Paused: the endpoint (the only part that bills by the hour) goes; model, config and the rest stay.
        endpoint.cfn_options.condition = self.running
        return endpoint

    def _add_autoscaling(self, settings: Settings) -> None:
        target = autoscaling.ScalableTarget(
            self,
            "ScalableTarget",
            service_namespace=autoscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"endpoint/{self.endpoint_name}/variant/{VARIANT_NAME}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            min_capacity=settings.instance_count,
            max_capacity=settings.max_instance_count,
        )
        # The scalable target alone: its role exists paused or not, and may not wait on the conditional endpoint.
        target.node.default_child.node.add_dependency(self.endpoint)
        # One invocation may carry one sentence or hundreds: the model's CPU, not the call count, follows its load.
        # CloudWatch sums CPUUtilization over the instance's vCPUs (0-400 % on 4 vCPUs), so the per-vCPU setting is
        # scaled by them; the average over the variant's instances is what target tracking keeps at the target.
        cpu = cloudwatch.Metric(
            namespace=ENDPOINT_NAMESPACE,
            metric_name="CPUUtilization",
            dimensions_map={"EndpointName": self.endpoint_name, "VariantName": VARIANT_NAME},
            statistic=cloudwatch.Stats.AVERAGE,
        )
        policy = target.scale_to_track_metric(
            "CpuUtilization",
            target_value=settings.target_cpu_utilization,
            custom_metric=cpu,
            scale_out_cooldown=SCALE_OUT_COOLDOWN,
            scale_in_cooldown=SCALE_IN_COOLDOWN,
        )
        # Both name the endpoint, and Application Auto Scaling refuses a target whose endpoint does not exist.
        for scaling in (target, policy):
            scaling.node.default_child.cfn_options.condition = self.running
