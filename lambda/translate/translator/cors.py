"""CORS of the Lambda's own answers (errors included), from the origins the stack puts in CORS_ORIGINS."""

from __future__ import annotations

from translator.rest_resolver import CORSConfig

# Browsers may read Retry-After on a cross-origin 429/503 only when it is exposed.
EXPOSE_HEADERS = ["Retry-After", "X-Service-State"]
MAX_AGE_SECONDS = 600


def cors_config(origins: str | None) -> CORSConfig:
    """CORS for comma-separated origins (or "*", also when none are given)."""
    allowed = [origin.strip() for origin in (origins or "*").split(",") if origin.strip()] or ["*"]
    return CORSConfig(
        allow_origin=allowed[0], extra_origins=allowed[1:], expose_headers=EXPOSE_HEADERS, max_age=MAX_AGE_SECONDS
    )
