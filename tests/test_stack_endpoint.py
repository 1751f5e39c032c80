import json

import pytest
from aws_cdk.assertions import Match

from stacks.image_map import seq2seq_image_map
from stacks.settings import default_context

STACK = "TranslateEndpoint"
# Known registries of the seq2seq image, as published in SageMaker's documentation for built-in algorithms.
KNOWN_REGISTRIES = {
    "us-east-1": "811284229777",
    "us-west-2": "433757028032",
    "eu-west-1": "685385470294",
    "ap-northeast-2": "306986355934",
}


def resources_of(synthesized, type_name):
    return {k: v for k, v in synthesized.templates[STACK]["Resources"].items() if v["Type"] == type_name}


def only(synthesized, type_name):
    ((logical_id, resource),) = resources_of(synthesized, type_name).items()
    return logical_id, resource


def test_image_comes_from_a_mapping_of_every_region_in_the_sdk_map(default_app):
    mapping = default_app.templates[STACK]["Mappings"]["Seq2SeqImage"]
    registries = seq2seq_image_map().registries
    assert len(registries) >= 30
    assert mapping == {region: {"account": account} for region, account in registries.items()}
    _, model = only(default_app, "AWS::SageMaker::Model")
    image = json.dumps(model["Properties"]["PrimaryContainer"]["Image"])
    assert '"Fn::FindInMap": ["Seq2SeqImage", {"Ref": "AWS::Region"}, "account"]' in image
    assert '{"Ref": "AWS::URLSuffix"}' in image and "/seq2seq:1" in image
    assert "amazonaws.com" not in image


@pytest.mark.parametrize("region,account", sorted(KNOWN_REGISTRIES.items()))
def test_mapping_resolves_to_the_right_account(default_app, region, account):
    assert default_app.templates[STACK]["Mappings"]["Seq2SeqImage"][region]["account"] == account


def test_china_regions_use_the_partition_url_suffix(default_app):
    mapping = default_app.templates[STACK]["Mappings"]["Seq2SeqImage"]
    assert {"cn-north-1", "cn-northwest-1"} <= set(mapping)
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
    assert (
        "not offered in this region" in assertion["AssertDescription"] and "us-east-1" in assertion["AssertDescription"]
    )
    assert assertion["Assert"]["Fn::Contains"][1] == {"Ref": "AWS::Region"}


def test_model_reads_the_staged_key_and_depends_on_role_and_its_policy(default_app):
    _, model = only(default_app, "AWS::SageMaker::Model")
    role_id, _ = only(default_app, "AWS::IAM::Role")
    policy_id, _ = only(default_app, "AWS::IAM::Policy")
    assert {role_id, policy_id} <= set(model["DependsOn"])
    url = json.dumps(model["Properties"]["PrimaryContainer"]["ModelDataUrl"])
    assert default_context()["model_key"] in url and url.startswith('{"Fn::Join": ["", ["s3://"')
    assert "Environment" not in model["Properties"]["PrimaryContainer"]


def test_no_physical_names_on_model_config_or_endpoint(default_app):
    # Model and config are replaced whenever anything changes; a fixed name would collide.
    for type_name, name_property in [
        ("AWS::SageMaker::Model", "ModelName"),
        ("AWS::SageMaker::EndpointConfig", "EndpointConfigName"),
        ("AWS::SageMaker::Endpoint", "EndpointName"),
    ]:
        _, resource = only(default_app, type_name)
        assert name_property not in resource["Properties"], type_name


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


def test_model_version_changes_the_model(custom_app, default_app):
    _, model = only(custom_app, "AWS::SageMaker::Model")
    assert model["Properties"]["PrimaryContainer"]["Environment"] == {"MODEL_VERSION": "0123456789abcdef"}
    # A changed model property replaces the model, which replaces the config, which the endpoint moves onto.
    _, config = only(custom_app, "AWS::SageMaker::EndpointConfig")
    model_id, _ = only(custom_app, "AWS::SageMaker::Model")
    assert config["Properties"]["ProductionVariants"][0]["ModelName"] == {"Fn::GetAtt": [model_id, "ModelName"]}
    _, endpoint = only(custom_app, "AWS::SageMaker::Endpoint")
    config_id, _ = only(custom_app, "AWS::SageMaker::EndpointConfig")
    assert endpoint["Properties"]["EndpointConfigName"] == {"Fn::GetAtt": [config_id, "EndpointConfigName"]}


def test_execution_role_reads_the_model_only_pulls_the_image_and_writes_endpoint_logs(default_app):
    _, policy = only(default_app, "AWS::IAM::Policy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any(a.endswith(":*") or a == "*" for a in actions)
    s3_statement = next(s for s in statements if "s3:GetObject*" in s["Action"])
    object_arns = [json.dumps(r) for r in s3_statement["Resource"]]
    assert any(default_context()["model_key"] in arn for arn in object_arns)
    assert not any('/*"' in arn for arn in object_arns)
    ecr_statement = next(s for s in statements if "ecr:BatchGetImage" in s["Action"])
    assert ":repository/seq2seq" in json.dumps(ecr_statement["Resource"])
    logs_statement = next(s for s in statements if "logs:PutLogEvents" in s["Action"])
    assert "log-group:/aws/sagemaker/Endpoints/*" in json.dumps(logs_statement["Resource"])
    wildcard = [s for s in statements if s["Resource"] == "*"]
    assert all(s["Action"] == "ecr:GetAuthorizationToken" or "Condition" in s for s in wildcard)


def test_outputs_endpoint_name(default_app):
    endpoint_id, _ = only(default_app, "AWS::SageMaker::Endpoint")
    outputs = default_app.template(STACK).find_outputs("EndpointName")
    assert outputs["EndpointName"]["Value"] == {"Fn::GetAtt": [endpoint_id, "EndpointName"]}


def test_autoscaling_tracks_invocations_per_instance_with_slow_cooldowns(custom_app):
    template = custom_app.template(STACK)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "MinCapacity": 2,
            "MaxCapacity": 4,
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "ServiceNamespace": "sagemaker",
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                "TargetValue": 300,
                "ScaleOutCooldown": 600,
                "ScaleInCooldown": 1200,
            },
        },
    )
    _, target = next(iter(resources_of(custom_app, "AWS::ApplicationAutoScaling::ScalableTarget").items()))
    endpoint_id, _ = only(custom_app, "AWS::SageMaker::Endpoint")
    assert endpoint_id in target["DependsOn"]
    assert "/variant/AllTraffic" in json.dumps(target["Properties"]["ResourceId"])
