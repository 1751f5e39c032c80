"""cdk-nag (AwsSolutions) and cfn-lint over every synthesized template."""

import json

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_s3 as s3
from cfnlint.api import lint

from stacks.service import STACK_NAMES, new_app
from tests.fixtures.cdk_app import PAUSING_SETTINGS, build_app

ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
# The templates are region-agnostic; lint them against regions where the seq2seq image is offered
# (cfn-lint's own spec lacks SageMaker in a few regions the SDK's image map lists, e.g. me-central-1).
LINT_REGIONS = ["us-east-1", "us-west-2", "eu-central-1", "eu-west-1", "ap-northeast-2"]


@pytest.fixture(scope="session")
def every_option_app(synthesize):
    """API keys, auto-pause and wake on request on (the synth is shared with tests/stacks/test_pausing_templates.py)."""
    return synthesize(PAUSING_SETTINGS)


def acknowledgments(service):
    found = []
    for stack in (service.bucket, service.endpoint, service.api):
        for construct in stack.node.find_all():
            for entry in construct.node.metadata:
                if entry.type == ACKNOWLEDGED:
                    found.extend((construct.node.path, rule, reason) for rule, reason in entry.data.items())
    return found


def test_cdk_nag_passes_and_every_acknowledgment_has_a_reason(default_app, custom_app, every_option_app):
    # Synthesis ran the AwsSolutions plugin: an unacknowledged finding would have raised (see the next test).
    for synthesized in (default_app, custom_app, every_option_app):
        found = acknowledgments(synthesized.service)
        assert found
        for path, rule, reason in found:
            assert "AwsSolutions-" in rule, (path, rule)
            assert len(reason.split()) >= 8, f"{path} {rule}: the reason must say why"


def test_cdk_nag_fails_synth_on_an_unacknowledged_finding(tmp_path):
    app, service = build_app(outdir=tmp_path)
    s3.Bucket(service.bucket, "UncheckedBucket")  # no TLS enforcement, no access logs
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for plugin in report["pluginReports"] for v in plugin["violations"]}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules
    assert all(
        "UncheckedBucket" in r["constructPath"]
        for p in report["pluginReports"]
        for v in p["violations"]
        for r in v["violatingConstructs"]
    )


@pytest.mark.parametrize("fixture", ["default_app", "custom_app", "every_option_app"])
def test_cfn_lint_finds_no_error(fixture, request):
    synthesized = request.getfixturevalue(fixture)
    for name in STACK_NAMES:
        matches = lint(json.dumps(synthesized.templates[name]), regions=LINT_REGIONS)
        errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
        assert not errors, f"{name}: {errors}"
        # Only redundant-DependsOn warnings, some of them CDK's own, are expected.
        assert {m.rule.id for m in matches if m.rule.id[0] in "EW"} <= {"W3005"}, name


def test_the_app_skips_cdks_builtin_template_validation_and_keeps_cdk_nag(tmp_path):
    # An empty stack is what CDK's built-in validation reports (a template without resources), in a report file.
    plain = App(outdir=str(tmp_path / "plain"))
    Stack(plain, "Empty")
    plain.synth()
    assert (tmp_path / "plain" / "validation-report.json").is_file()
    ours = new_app({}, outdir=str(tmp_path / "ours"))
    Stack(ours, "Empty")
    ours.synth()
    assert not (tmp_path / "ours" / "validation-report.json").exists()
