"""The SageMaker side: execution role, model, endpoint config, endpoint, its autoscaling and its alarms."""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Aws, CfnMapping, CfnOutput, CfnRule, Duration, Fn, Stack
from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks.image_map import IMAGE_VERSION, ImageMap, seq2seq_image_map
from stacks.monitoring import EndpointMonitoring
from stacks.names import ENDPOINT_LOG_GROUP_PREFIX, ENDPOINT_OUTPUT
from stacks.settings import Settings

VARIANT_NAME = "AllTraffic"
IMAGE_MAPPING = "Seq2SeqImage"
# Adding an instance takes several minutes: don't add another before the first serves, and shrink slowly.
SCALE_OUT_COOLDOWN = Duration.minutes(10)
SCALE_IN_COOLDOWN = Duration.minutes(20)
# SageMaker fetches model.tar.gz and the image itself, outside the container, and the seq2seq container serves from
# /opt/ml/model alone: it needs no network. SageMaker's guide ("Run training and inference containers in
# internet-free mode") names only Chainer and Reinforcement Learning as containers that need it (they read S3).
NETWORK_ISOLATION = True


class EndpointStack(Stack):
    """Serves the staged seq2seq model on a real-time SageMaker endpoint, and owns the service's alarm topic."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, model_bucket: s3.IBucket, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        image_map = seq2seq_image_map()
        registry = self._image_registry(image_map)
        self.execution_role = self._execution_role(image_map, registry)
        # The container needs model.tar.gz only: an exact key leaves no wildcard to explain.
        model_bucket.grant_read(self.execution_role, settings.model_key)
        self.model = self._model(
            image=f"{registry}.dkr.ecr.{Aws.REGION}.{Aws.URL_SUFFIX}/{image_map.repository}:{IMAGE_VERSION}",
            model_data_url=model_bucket.s3_url_for_object(settings.model_key),
            model_version=settings.model_version,
        )
        self.endpoint_config = self._endpoint_config(settings)
        self.endpoint = self._endpoint(settings)
        self.endpoint_name = self.endpoint.attr_endpoint_name
        # Ref is the ARN with the name as SageMaker writes it (lower case): the only safe IAM resource.
        self.endpoint_arn = self.endpoint.ref
        self.variant_name = VARIANT_NAME
        if settings.autoscaling:
            self._add_autoscaling(settings)
        self.monitoring = EndpointMonitoring(
            self,
            "Monitoring",
            endpoint_name=self.endpoint_name,
            variant_name=VARIANT_NAME,
            alarm_email=settings.alarm_email,
        )
        self.alarm_topic = self.monitoring.topic
        CfnOutput(
            self, ENDPOINT_OUTPUT, value=self.endpoint_name, description="SageMaker endpoint serving the seq2seq model"
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
        # SageMaker names the group after the endpoint, whose name CloudFormation picks after this policy exists, and
        # creates it itself (declaring it would need a fixed endpoint name): make deploy sets its retention
        # (scripts/aws/endpoint_logs.py) and make destroy deletes it.
        endpoint_logs = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"{ENDPOINT_LOG_GROUP_PREFIX}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[endpoint_logs],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": ["/aws/sagemaker/Endpoints"]}},
            )
        )
        return role

    def _model(self, *, image: str, model_data_url: str, model_version: str) -> sagemaker.CfnModel:
        """The SageMaker model: the seq2seq image serving one artifact, isolated from the network."""
        model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.execution_role.role_arn,
            enable_network_isolation=NETWORK_ISOLATION,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=image,
                model_data_url=model_data_url,
                environment={"MODEL_VERSION": model_version} if model_version else None,
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
        return sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            # Autoscaling moves the instance count away from instance_count; a rollout (a new config) must keep the
            # scaled fleet, not shrink it back. Only count and weight are kept: a new instance type still applies.
            retain_all_variant_properties=True if settings.autoscaling else None,
        )

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
        target.node.add_dependency(self.endpoint)
        target.scale_to_track_metric(
            "InvocationsPerInstance",
            target_value=settings.invocations_per_instance,
            predefined_metric=autoscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
            scale_out_cooldown=SCALE_OUT_COOLDOWN,
            scale_in_cooldown=SCALE_IN_COOLDOWN,
        )
