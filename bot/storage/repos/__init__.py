"""Feature repositories, discovered by name.

Each module defines one class with a ``name`` attribute (e.g. ``name = "identity"``) and an
``__init__(self, session, community_id)``. Units of work expose it as ``uow.<name>``, so a
feature adds its queries without touching a shared file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any


@cache
def feature_repositories() -> dict[str, type[Any]]:
    found: dict[str, type[Any]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            name = getattr(value, "name", None) if isinstance(value, type) else None
            if isinstance(name, str) and value.__module__ == module.__name__:
                if name in found:
                    raise ValueError(f"repository name {name!r} defined twice")
                found[name] = value
    return found
