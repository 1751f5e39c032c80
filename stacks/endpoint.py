"""The SageMaker side: execution role, model, endpoint config, endpoint and its autoscaling."""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Aws, CfnMapping, CfnOutput, CfnRule, Duration, Fn, Stack
from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks.image_map import IMAGE_VERSION, seq2seq_image_map
from stacks.names import ENDPOINT_LOG_GROUP_PREFIX, ENDPOINT_OUTPUT
from stacks.settings import Settings

VARIANT_NAME = "AllTraffic"
IMAGE_MAPPING = "Seq2SeqImage"
# Adding an instance takes several minutes: don't add another before the first serves, and shrink slowly.
SCALE_OUT_COOLDOWN = Duration.minutes(10)
SCALE_IN_COOLDOWN = Duration.minutes(20)


class EndpointStack(Stack):
    """Serves the staged seq2seq model on a real-time SageMaker endpoint."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, model_bucket: s3.IBucket, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        image_map = seq2seq_image_map()
        mapping = CfnMapping(
            self,
            IMAGE_MAPPING,
            mapping={region: {"account": account} for region, account in sorted(image_map.registries.items())},
        )
        CfnRule(
            self,
            "RegionHasSeq2SeqImage",
            assertions=[
                {
                    "assert": Fn.condition_contains(image_map.regions, Aws.REGION),
                    "assertDescription": f"SageMaker's seq2seq image is not offered in this region; deploy to one of: {', '.join(image_map.regions)}",
                }
            ],
        )
        registry = mapping.find_in_map(Aws.REGION, "account")
        image = f"{registry}.dkr.ecr.{Aws.REGION}.{Aws.URL_SUFFIX}/{image_map.repository}:{IMAGE_VERSION}"

        self.execution_role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Lets the seq2seq endpoint read its model, pull its image and write its logs",
        )
        # The container needs model.tar.gz only: an exact key leaves no wildcard to explain.
        model_bucket.grant_read(self.execution_role, settings.model_key)
        ecr.Repository.from_repository_attributes(
            self,
            "Seq2SeqRepository",
            repository_name=image_map.repository,
            repository_arn=self.format_arn(
                service="ecr", account=registry, resource="repository", resource_name=image_map.repository
            ),
        ).grant_pull(self.execution_role)
        # SageMaker names the group after the endpoint, whose name CloudFormation picks after this policy exists, and
        # creates it itself (declaring it would need a fixed endpoint name): make deploy sets its retention
        # (scripts/aws/endpoint_logs.py) and make destroy deletes it.
        self.execution_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[
                    self.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"{ENDPOINT_LOG_GROUP_PREFIX}*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        self.execution_role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": ["/aws/sagemaker/Endpoints"]}},
            )
        )

        environment = {"MODEL_VERSION": settings.model_version} if settings.model_version else None
        self.model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.execution_role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=image,
                model_data_url=model_bucket.s3_url_for_object(settings.model_key),
                environment=environment,
            ),
        )
        # SageMaker checks at create time that the role can read the model: the policy must exist first.
        self.model.node.add_dependency(self.execution_role)
        self.model.node.add_dependency(self.execution_role.node.find_child("DefaultPolicy"))

        self.endpoint_config = sagemaker.CfnEndpointConfig(
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
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            # Autoscaling moves the instance count away from instance_count; a rollout (a new config) must keep the
            # scaled fleet, not shrink it back. Only count and weight are kept: a new instance type still applies.
            retain_all_variant_properties=True if settings.autoscaling else None,
        )
        self.endpoint_name = self.endpoint.attr_endpoint_name
        # Ref is the ARN with the name as SageMaker writes it (lower case): the only safe IAM resource.
        self.endpoint_arn = self.endpoint.ref
        self.variant_name = VARIANT_NAME

        if settings.autoscaling:
            self._add_autoscaling(settings)

        CfnOutput(
            self, ENDPOINT_OUTPUT, value=self.endpoint_name, description="SageMaker endpoint serving the seq2seq model"
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
