"""Import a package's submodules without running the package's __init__, which imports much we never use."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def without_package_init(package: str, exports: Mapping[str, str] | None = None) -> Iterator[None]:
    """Inside the block, `import package.sub` loads only `sub` (and what it imports), not `package/__init__.py`.

    `exports` names what others import from the package itself (name -> the submodule defining it), as its __init__
    would re-export it. The bare package is removed again afterwards: a later `import package` runs the real
    __init__, which finds the submodules already loaded and uses them.
    """
    if package in sys.modules:
        yield
        return
    spec = importlib.util.find_spec(package)
    if spec is None or spec.submodule_search_locations is None:
        raise ModuleNotFoundError(f"No package named {package!r}", name=package)
    bare = types.ModuleType(package)
    bare.__path__ = list(spec.submodule_search_locations)
    bare.__spec__ = spec
    bare.__file__ = spec.origin
    sys.modules[package] = bare
    try:
        for name, submodule in (exports or {}).items():
            setattr(bare, name, getattr(importlib.import_module(f"{package}.{submodule}"), name))
        yield
    finally:
        if sys.modules.get(package) is bare:
            del sys.modules[package]
