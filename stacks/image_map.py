"""Where SageMaker's seq2seq image lives in each region, from the SageMaker Python SDK's own image map."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# The SDK's map, shipped by the sagemaker-core distribution (SDK v3); SDK v2 kept it one level up.
_MAP_PATHS = ("core/image_uri_config/seq2seq.json", "image_uri_config/seq2seq.json")
IMAGE_VERSION = "1"


class ImageMapError(RuntimeError):
    """The SDK's seq2seq image map could not be found or read."""


@dataclass(frozen=True)
class ImageMap:
    """Registry account per region and the repository name of one image version."""

    repository: str
    registries: dict[str, str]

    @property
    def regions(self) -> list[str]:
        return sorted(self.registries)


def _map_file() -> Path:
    # find_spec on the top-level package locates it without importing it (importing costs ~1 s).
    spec = importlib.util.find_spec("sagemaker")
    for base in (spec.submodule_search_locations or []) if spec else []:
        for relative in _MAP_PATHS:
            candidate = Path(base) / relative
            if candidate.is_file():
                return candidate
    raise ImageMapError(
        "the SageMaker SDK's seq2seq image map was not found: install requirements-sdk.txt (make setup does)"
    )


@cache
def seq2seq_image_map(version: str = IMAGE_VERSION) -> ImageMap:
    """The seq2seq image's repository and per-region registry accounts for an image version."""
    path = _map_file()
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))["versions"][version]
        registries = {str(region): str(account) for region, account in entry["registries"].items()}
        repository = str(entry["repository"])
    except (OSError, ValueError, KeyError, AttributeError) as error:
        raise ImageMapError(
            f"the SageMaker SDK's image map {path.name} has no usable version {version!r}: {error}"
        ) from error
    if not registries:
        raise ImageMapError(f"the SageMaker SDK's image map {path.name} lists no region for version {version!r}")
    return ImageMap(repository=repository, registries=registries)
