"""stacks/endpoint.py: the image, the execution role, model, config, endpoint and autoscaling."""

import pytest
from aws_cdk.assertions import Capture, Match

from stacks.image_map import seq2seq_image_map
from stacks.names import BATCH_JOB_PREFIX, ENDPOINT_STACK
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
    default_app.template(STACK).has_mapping(
        "Seq2SeqImage", Match.exact({region: {"account": account} for region, account in registries.items()})
    )


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
    # The assertions package has no has_rule: the template's Rules section is matched like any other.
    assertion = {
        "Assert": {"Fn::Contains": [Match.any_value(), {"Ref": "AWS::Region"}]},
        "AssertDescription": Match.string_like_regexp("not offered in this region.*us-east-1"),
    }
    default_app.template(STACK).template_matches({"Rules": {"RegionHasSeq2SeqImage": {"Assertions": [assertion]}}})


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
    template = default_app.template(STACK)
    function = Capture()
    template.has_resource_properties("Custom::StagedModel", {"ServiceToken": {"Fn::GetAtt": [function, "Arn"]}})
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Timeout": 600, "Runtime": "python3.14"}}
    )
    assert function.as_string() in functions


def arn(*parts) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, *parts]]}


def statement(**fields) -> dict:
    """A policy holding a statement with these fields (among others)."""
    return {"PolicyDocument": {"Statement": Match.array_with([Match.object_like(fields)])}}


BUCKET = {"Fn::ImportValue": Match.any_value()}


def in_bucket(suffix: str) -> dict:
    return {"Fn::Join": ["", [BUCKET, suffix]]}


def test_the_staging_function_reads_only_the_public_model_folders(default_app):
    public_folders = [
        arn(":s3:::sagemaker-example-files-prod-", {"Ref": "AWS::Region"}, "/models/seq2seq-data/*"),
        arn(":s3:::sagemaker-sample-files/models/seq2seq-data/*"),
    ]
    default_app.template(STACK).has_resource_properties(
        "AWS::IAM::Policy", statement(Action=["s3:GetObject", "s3:GetObjectTagging"], Resource=public_folders)
    )


def test_the_stack_writes_only_the_model_prefix_and_the_batch_jobs_folder(default_app):
    template = default_app.template(STACK)
    writes, model_prefix = Match.array_with(["s3:PutObject"]), [BUCKET, in_bucket(f"/{MODEL_PREFIX}*")]
    template.has_resource_properties("AWS::IAM::Policy", statement(Action=writes, Resource=model_prefix))
    # The model's role writes the batch jobs' output (Batch Transform runs with it); nothing writes elsewhere.
    batch_jobs = [BUCKET, in_bucket(f"/{BATCH_JOB_PREFIX}*")]
    elsewhere = statement(Action=writes, Resource=Match.not_(model_prefix))
    found = template.find_resources("AWS::IAM::Policy", {"Properties": elsewhere})
    assert list(found) == [only(default_app, "AWS::IAM::Policy", "ExecutionRole")[0]]
    template.has_resource_properties("AWS::IAM::Policy", statement(Action=writes, Resource=batch_jobs))


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
    endpoint_logs = {
        "Properties": {
            "LogGroupName": {"Fn::Join": ["", ["/aws/sagemaker/Endpoints/", {"Ref": "AWS::StackName"}]]},
            "RetentionInDays": custom_app.service.settings.log_retention_days,
        },
        "DeletionPolicy": "Delete",
    }
    ((group_id, _),) = template.find_resources("AWS::Logs::LogGroup", endpoint_logs).items()
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


def has_execution_statement(synthesized, **fields) -> None:
    role_id, _ = only(synthesized, "AWS::IAM::Role", "ExecutionRole")
    synthesized.template(STACK).has_resource_properties(
        "AWS::IAM::Policy", {**statement(**fields), "Roles": [{"Ref": role_id}]}
    )


def test_execution_role_uses_no_wildcard_actions(default_app):
    # About every statement of the role: a walk over them all.
    statements = execution_statements(default_app)
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions and not any(a.endswith(":*") or a == "*" for a in actions)
    wildcard = [s for s in statements if s["Resource"] == "*"]
    assert all(s["Action"] == "ecr:GetAuthorizationToken" or "Condition" in s for s in wildcard)


def test_execution_role_reads_the_staged_models_only(default_app):
    has_execution_statement(
        default_app,
        Action=Match.array_with(["s3:GetObject*"]),
        Resource=[BUCKET, in_bucket(f"/{MODEL_PREFIX}*/model.tar.gz")],
    )


def test_execution_role_pulls_the_seq2seq_image(default_app):
    repository = {"Fn::Join": ["", Match.array_with([Match.string_like_regexp(":repository/seq2seq$")])]}
    has_execution_statement(default_app, Action=Match.array_with(["ecr:BatchGetImage"]), Resource=repository)


def test_execution_role_writes_the_endpoints_log_group(default_app):
    group_id, _ = only(default_app, "AWS::Logs::LogGroup", "EndpointLogs")
    has_execution_statement(
        default_app, Action=Match.array_with(["logs:PutLogEvents"]), Resource={"Fn::GetAtt": [group_id, "Arn"]}
    )


def test_outputs_endpoint_name(default_app):
    # The stack's name, which the endpoint takes: an output may not name the endpoint, which goes while paused.
    default_app.template(STACK).has_output("EndpointName", {"Value": ENDPOINT_STACK})


def test_autoscaling_tracks_the_variants_cpu_scaled_by_its_vcpus_with_slow_cooldowns(custom_app):
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
                            {"Name": "EndpointName", "Value": ENDPOINT_STACK},
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
                    "ResourceId": f"endpoint/{ENDPOINT_STACK}/variant/AllTraffic",
                }
            ),
        },
    )
