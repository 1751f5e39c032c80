"""stacks/endpoint.py: the image, the execution role, model, config, endpoint and autoscaling."""

import json

import pytest
from aws_cdk.assertions import Capture, Match

from stacks.image_map import seq2seq_image_map
from stacks.names import ENDPOINT_STACK
from stacks.settings import default_context

STACK = ENDPOINT_STACK
# Known registries of the seq2seq image, as published in SageMaker's documentation for built-in algorithms.
KNOWN_REGISTRIES = {
    "us-east-1": "811284229777",
    "us-west-2": "433757028032",
    "eu-west-1": "685385470294",
    "ap-northeast-2": "306986355934",
}
MODEL_PREFIX = default_context()["model_prefix"]


def only(synthesized, type_name, prefix=""):
    resources = synthesized.template(STACK).find_resources(type_name).items()
    ((logical_id, resource),) = [(key, value) for key, value in resources if key.startswith(prefix)]
    return logical_id, resource


def test_image_comes_from_a_mapping_of_every_region_in_the_sdk_map(default_app):
    registries = seq2seq_image_map().registries
    assert len(registries) >= 30
    mapping = default_app.template(STACK).find_mappings("Seq2SeqImage")["Seq2SeqImage"]
    assert mapping == {region: {"account": account} for region, account in registries.items()}


@pytest.mark.parametrize("region,account", sorted(KNOWN_REGISTRIES.items()))
def test_mapping_resolves_to_the_right_account(default_app, region, account):
    default_app.template(STACK).has_mapping("Seq2SeqImage", {region: {"account": account}})


def test_china_regions_use_the_partition_url_suffix(default_app):
    default_app.template(STACK).has_mapping(
        "Seq2SeqImage", {"cn-north-1": Match.any_value(), "cn-northwest-1": Match.any_value()}
    )
    # The host ends in amazonaws.com.cn there: the image URI must take the suffix from the partition, not a literal.
    default_app.template(STACK).has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "PrimaryContainer": Match.object_like(
                {
                    "Image": {
                        "Fn::Join": [
                            "",
                            [
                                {"Fn::FindInMap": ["Seq2SeqImage", {"Ref": "AWS::Region"}, "account"]},
                                ".dkr.ecr.",
                                {"Ref": "AWS::Region"},
                                ".",
                                {"Ref": "AWS::URLSuffix"},
                                "/seq2seq:1",
                            ],
                        ]
                    }
                }
            )
        },
    )


def test_deploy_to_a_region_without_the_image_is_refused_with_a_message(default_app):
    rule = default_app.templates[STACK]["Rules"]["RegionHasSeq2SeqImage"]
    (assertion,) = rule["Assertions"]
    description = assertion["AssertDescription"]
    assert "not offered in this region" in description and "us-east-1" in description
    assert assertion["Assert"]["Fn::Contains"][1] == {"Ref": "AWS::Region"}


def test_model_reads_the_version_the_staged_model_resource_answers(default_app):
    staged_id, _ = only(default_app, "Custom::StagedModel")
    default_app.template(STACK).has_resource_properties(
        "AWS::SageMaker::Model",
        {"PrimaryContainer": Match.object_like({"ModelDataUrl": {"Fn::GetAtt": [staged_id, "ModelDataUrl"]}})},
    )


def test_the_staged_model_resource_stages_the_default_source_unless_a_version_is_asked_for(default_app, custom_app):
    for synthesized, requested in ((default_app, ""), (custom_app, "0123456789abcdef")):
        synthesized.template(STACK).has_resource_properties(
            "Custom::StagedModel",
            {
                "Mode": "stage",
                "Prefix": MODEL_PREFIX,
                "RequestedVersion": requested,
                "Keep": "3",
                "Bucket": {"Fn::ImportValue": Match.any_value()},
                "ServiceTimeout": "720",
            },
        )


def test_the_staging_function_answers_before_cloudformation_stops_waiting(default_app):
    function_id, function = only(default_app, "AWS::Lambda::Function", "StagedModel")
    assert function["Properties"]["Timeout"] == 600 and function["Properties"]["Runtime"] == "python3.14"
    default_app.template(STACK).has_resource_properties(
        "Custom::StagedModel", {"ServiceToken": {"Fn::GetAtt": [function_id, "Arn"]}}
    )


def test_the_staging_function_reads_only_the_public_model_folders_and_writes_only_the_model_prefix(default_app):
    _, policy = only(default_app, "AWS::IAM::Policy", "StagedModel")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    resources = json.dumps([s["Resource"] for s in statements])
    assert "sagemaker-example-files-prod-" in resources and "sagemaker-sample-files/models/seq2seq-data/*" in resources
    writes = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert writes and all(f"/{MODEL_PREFIX}*" in json.dumps(s["Resource"]) for s in writes)
    source = next(s for s in statements if "sagemaker-sample-files" in json.dumps(s["Resource"]))
    assert sorted(source["Action"]) == ["s3:GetObject", "s3:GetObjectTagging"]


def test_model_is_created_after_its_role_and_the_roles_policy(default_app):
    role_id, _ = only(default_app, "AWS::IAM::Role", "ExecutionRole")
    policy_id, _ = only(default_app, "AWS::IAM::Policy", "ExecutionRole")
    default_app.template(STACK).has_resource(
        "AWS::SageMaker::Model", {"DependsOn": Match.array_with([policy_id, role_id])}
    )


def test_model_runs_isolated_from_the_network(default_app):
    default_app.template(STACK).has_resource_properties("AWS::SageMaker::Model", {"EnableNetworkIsolation": True})


@pytest.mark.parametrize(
    "type_name,name_property",
    [("AWS::SageMaker::Model", "ModelName"), ("AWS::SageMaker::EndpointConfig", "EndpointConfigName")],
)
def test_no_physical_names_on_model_or_config(default_app, type_name, name_property):
    # Model and config are replaced whenever anything changes; a fixed name would collide.
    default_app.template(STACK).has_resource_properties(type_name, {name_property: Match.absent()})


def test_the_endpoint_is_named_after_its_stack_and_owns_its_log_group(custom_app):
    template = custom_app.template(STACK)
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": {"Ref": "AWS::StackName"}})
    group_id, group = only(custom_app, "AWS::Logs::LogGroup", "EndpointLogs")
    assert group["Properties"]["LogGroupName"] == {
        "Fn::Join": ["", ["/aws/sagemaker/Endpoints/", {"Ref": "AWS::StackName"}]]
    }
    assert group["Properties"]["RetentionInDays"] == custom_app.service.settings.log_retention_days
    assert group["DeletionPolicy"] == "Delete"
    # Deleted after the endpoint: a running endpoint would write to it (and SageMaker would create it again).
    template.has_resource("AWS::SageMaker::Endpoint", {"DependsOn": Match.array_with([group_id])})


def test_endpoint_config_defaults_to_one_ml_m4_xlarge(default_app):
    template = default_app.template(STACK)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ProductionVariants": [
                Match.object_like(
                    {"InstanceType": "ml.m4.xlarge", "InitialInstanceCount": 1, "VariantName": "AllTraffic"}
                )
            ]
        },
    )
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)


def test_without_autoscaling_an_update_applies_the_configs_instance_count(default_app):
    default_app.template(STACK).has_resource_properties(
        "AWS::SageMaker::Endpoint", {"RetainAllVariantProperties": Match.absent()}
    )


def test_with_autoscaling_an_update_keeps_the_scaled_instance_count(custom_app):
    # A new model means a new config, whose InitialInstanceCount would otherwise reset the scaled fleet.
    assert custom_app.service.settings.max_instance_count > custom_app.service.settings.instance_count
    custom_app.template(STACK).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {"RetainAllVariantProperties": True, "ExcludeRetainedVariantProperties": Match.absent()},
    )


def test_overrides_change_instance_type_and_count(custom_app):
    custom_app.template(STACK).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 2})]},
    )


def test_a_new_model_means_a_new_config_which_the_endpoint_moves_onto(custom_app):
    # A changed model property replaces the model, which replaces the config, which the endpoint moves onto.
    template = custom_app.template(STACK)
    model_id, _ = only(custom_app, "AWS::SageMaker::Model")
    config_id, _ = only(custom_app, "AWS::SageMaker::EndpointConfig")
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"ModelName": {"Fn::GetAtt": [model_id, "ModelName"]}})]},
    )
    template.has_resource_properties(
        "AWS::SageMaker::Endpoint", {"EndpointConfigName": {"Fn::GetAtt": [config_id, "EndpointConfigName"]}}
    )


def execution_statements(synthesized) -> list[dict]:
    _, policy = only(synthesized, "AWS::IAM::Policy", "ExecutionRole")
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_execution_role_uses_no_wildcard_actions(default_app):
    statements = execution_statements(default_app)
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions and not any(a.endswith(":*") or a == "*" for a in actions)
    wildcard = [s for s in statements if s["Resource"] == "*"]
    assert all(s["Action"] == "ecr:GetAuthorizationToken" or "Condition" in s for s in wildcard)


def test_execution_role_reads_the_staged_models_only(default_app):
    s3_statement = next(s for s in execution_statements(default_app) if "s3:GetObject*" in s["Action"])
    object_arns = [json.dumps(r) for r in s3_statement["Resource"]]
    assert any(f"/{MODEL_PREFIX}*/model.tar.gz" in arn for arn in object_arns)
    assert not any('/*"' in arn for arn in object_arns)


def test_execution_role_pulls_the_seq2seq_image_and_writes_endpoint_logs(default_app):
    statements = execution_statements(default_app)
    ecr_statement = next(s for s in statements if "ecr:BatchGetImage" in s["Action"])
    assert ":repository/seq2seq" in json.dumps(ecr_statement["Resource"])
    logs_statement = next(s for s in statements if "logs:PutLogEvents" in s["Action"])
    group_id, _ = only(default_app, "AWS::Logs::LogGroup", "EndpointLogs")
    assert logs_statement["Resource"] == {"Fn::GetAtt": [group_id, "Arn"]}


def test_outputs_endpoint_name(default_app):
    endpoint_id, _ = only(default_app, "AWS::SageMaker::Endpoint")
    default_app.template(STACK).has_output("EndpointName", {"Value": {"Fn::GetAtt": [endpoint_id, "EndpointName"]}})


def test_autoscaling_tracks_the_variants_cpu_scaled_by_its_vcpus_with_slow_cooldowns(custom_app):
    endpoint_id, _ = only(custom_app, "AWS::SageMaker::Endpoint")
    template = custom_app.template(STACK)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "CustomizedMetricSpecification": {
                    "Namespace": "/aws/sagemaker/Endpoints",
                    "MetricName": "CPUUtilization",
                    "Statistic": "Average",
                    "Dimensions": Match.array_with(
                        [
                            {"Name": "EndpointName", "Value": {"Fn::GetAtt": [endpoint_id, "EndpointName"]}},
                            {"Name": "VariantName", "Value": "AllTraffic"},
                        ]
                    ),
                },
                # 60 % per vCPU on the 4 vCPUs of an ml.m5.xlarge: CloudWatch sums over them.
                "TargetValue": 240,
                "ScaleOutCooldown": 300,
                "ScaleInCooldown": 900,
            },
        },
    )


def test_autoscaling_targets_the_variant_after_the_endpoint_exists(custom_app):
    endpoint_id, _ = only(custom_app, "AWS::SageMaker::Endpoint")
    resource_id = Capture()
    template = custom_app.template(STACK)
    template.has_resource(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "DependsOn": Match.array_with([endpoint_id]),
            "Properties": Match.object_like(
                {
                    "MinCapacity": 2,
                    "MaxCapacity": 4,
                    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                    "ServiceNamespace": "sagemaker",
                    "ResourceId": resource_id,
                }
            ),
        },
    )
    assert "/variant/AllTraffic" in json.dumps(resource_id.as_object())
