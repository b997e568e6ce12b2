"""Use cases: one function per event or command, registered in ``handlers.registry``."""

from __future__ import annotations

import importlib
import pkgutil

_SKIP = {"registry", "ports", "context"}


def load_all() -> None:
    """Import every handler module so its registrations run (idempotent)."""
    import handlers as package

    for info in pkgutil.walk_packages(package.__path__, prefix="handlers."):
        if info.name.rsplit(".", 1)[-1] not in _SKIP:
            importlib.import_module(info.name)
