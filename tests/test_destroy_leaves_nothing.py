import pytest

from stacks.service import STACK_NAMES


@pytest.mark.parametrize("stack_name", STACK_NAMES)
def test_no_resource_is_retained_with_default_settings(default_app, stack_name):
    for logical_id, resource in default_app.templates[stack_name]["Resources"].items():
        assert resource.get("DeletionPolicy", "Delete") == "Delete", logical_id
        assert resource.get("UpdateReplacePolicy", "Delete") == "Delete", logical_id


def test_log_groups_are_declared_not_left_to_lambda(default_app):
    # A log group that Lambda creates on first write would outlive the stack.
    api = default_app.templates["TranslateApi"]["Resources"]
    functions = [r for r in api.values() if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == "handler.handler"]
    assert all("LogGroup" in f["Properties"].get("LoggingConfig", {}) for f in functions)
