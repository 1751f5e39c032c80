"""The one Content-Type parser: the media type alone, lower-case, whatever the parameters."""

from __future__ import annotations

import pytest
from translator.media_types import FORM_TYPES, JSON, MULTIPART, URL_ENCODED, media_type


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("application/json", JSON),
        ("Application/JSON; charset=UTF-8", JSON),
        (" multipart/form-data ; boundary=xyz", MULTIPART),
        ("application/x-www-form-urlencoded;charset=utf-8", URL_ENCODED),
        ("", ""),
        (None, ""),
    ],
)
def test_the_media_type_without_parameters_in_lower_case(header, kind) -> None:
    assert media_type(header) == kind


def test_libretranslates_form_types() -> None:
    assert FORM_TYPES == {URL_ENCODED, MULTIPART} and JSON not in FORM_TYPES
