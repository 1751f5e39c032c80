"""Form bodies as LibreTranslate clients send them: URL-encoded and multipart, a repeated field as a list."""

from __future__ import annotations

import pytest
from translator.errors import BadRequest
from translator.forms import read_form


def test_url_encoded_fields_and_a_repeated_field_as_a_list() -> None:
    form = read_form("q=Hello&q=World&source=en&api_key=", "application/x-www-form-urlencoded; charset=utf-8")
    assert form == {"q": ["Hello", "World"], "source": "en", "api_key": ""}


def test_multipart_fields() -> None:
    body = (
        '--xyz\r\nContent-Disposition: form-data; name="q"\r\n\r\nGrüß dich\r\n'
        '--xyz\r\nContent-Disposition: form-data; name="target"\r\n\r\nde\r\n--xyz--\r\n'
    )
    assert read_form(body, "multipart/form-data; boundary=xyz") == {"q": "Grüß dich", "target": "de"}


def test_a_multipart_body_with_the_wrong_boundary_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="boundary"):
        read_form("--abc\r\nno parts here\r\n--abc--\r\n", "multipart/form-data; boundary=xyz")


def test_an_empty_body_has_no_fields_and_json_is_not_a_form() -> None:
    assert read_form("", "application/x-www-form-urlencoded") == {}
    with pytest.raises(ValueError, match="application/json is not a form"):
        read_form("{}", "application/json")
