"""`cdk destroy` leaves nothing behind: no retained resource, no log group a service creates on its own."""

import pytest

from stacks.service import STACK_NAMES


@pytest.mark.parametrize("stack_name", STACK_NAMES)
def test_no_resource_is_retained_with_default_settings(default_app, stack_name):
    for logical_id, resource in default_app.templates[stack_name]["Resources"].items():
        assert resource.get("DeletionPolicy", "Delete") == "Delete", logical_id
        assert resource.get("UpdateReplacePolicy", "Delete") == "Delete", logical_id


@pytest.mark.parametrize("fixture", ["default_app", "custom_app"])
@pytest.mark.parametrize("stack_name", STACK_NAMES)
def test_every_function_logs_to_a_log_group_of_its_stack(fixture, stack_name, request):
    # Lambda creates /aws/lambda/<name> on a function's first run unless the function names a group: such a group
    # has no retention and outlives the stack. This covers CDK's own functions too (the bucket's auto-delete).
    resources = request.getfixturevalue(fixture).templates[stack_name]["Resources"]
    for logical_id, function in resources.items():
        if function["Type"] != "AWS::Lambda::Function":
            continue
        log_group_ref = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
        assert isinstance(log_group_ref, dict) and "Ref" in log_group_ref, f"{logical_id} has no declared log group"
        log_group = resources[log_group_ref["Ref"]]
        assert log_group["Type"] == "AWS::Logs::LogGroup", logical_id
        assert log_group.get("DeletionPolicy") == "Delete", logical_id


def test_the_buckets_auto_delete_function_is_covered(default_app):
    # The test above must not pass vacuously: the default bucket stack has CDK's auto-delete function.
    resources = default_app.templates["TranslateModelBucket"]["Resources"]
    functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 1
    assert "auto-deleting objects" in str(functions[0]["Properties"]["Description"])


@pytest.mark.parametrize("fixture", ["default_app", "custom_app"])
@pytest.mark.parametrize("stack_name", STACK_NAMES)
def test_every_log_group_expires_and_goes_with_its_stack(fixture, stack_name, request):
    synthesized = request.getfixturevalue(fixture)
    template = synthesized.template(stack_name)
    for logical_id, log_group in template.find_resources("AWS::Logs::LogGroup").items():
        assert log_group["DeletionPolicy"] == "Delete", logical_id
        assert log_group["Properties"]["RetentionInDays"] == synthesized.service.settings.log_retention_days, logical_id
