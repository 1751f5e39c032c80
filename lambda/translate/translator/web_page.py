"""The web page the API serves at GET /, read once per cold start (the package is read-only)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "static" / "index.html"
PLACEHOLDER_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Translate</title>"
    '<p>The translation API is up: POST JSON {"text": "Hello"} to ./translate.</p></html>'
)
CONTENT_TYPE = "text/html; charset=utf-8"


@cache
def page_html() -> str:
    """The page, or a one-line placeholder when the package was built without it."""
    return PAGE.read_text(encoding="utf-8") if PAGE.is_file() else PLACEHOLDER_PAGE
