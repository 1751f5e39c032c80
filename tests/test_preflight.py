"""make preflight, the command: settings checked first, then every precondition, one line per outcome."""

from __future__ import annotations

from scripts import preflight


def test_preflight_command_rejects_a_bad_setting_by_name(capsys):
    assert preflight.main(["-c", "instance_type=t2.micro"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("preflight: setting 'instance_type' = 't2.micro' is not allowed")
