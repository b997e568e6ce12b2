"""Growth wiring, called by ``bot.bootstrap.configure_features`` for every app.

Installs the growth state codec on the shared state cache, puts the ``GrowthService`` (the
handlers' ``GrowthPort``) into ``services["growth"]`` and adds the growth part of the
``hearth demo`` summary.
"""

from __future__ import annotations

from typing import Any

from bot.config import Config
from bot.growth.codec import GrowthCodec
from bot.growth.service import GrowthService
from bot.storage.cache import StateCache


def configure(config: Config, cache: StateCache, services: dict[str, Any]) -> None:
    service = services.get("growth")
    if service is None:
        service = services["growth"] = GrowthService(GrowthCodec())
    cache.codec = getattr(service, "codec", None) or GrowthCodec()
    register_summary()


def register_summary() -> None:
    """Add the growth section to the demo summary once per process."""
    from bot import demo
    from bot.growth.summary import TITLE, show_growth_summary

    if all(title != TITLE for title, _ in demo.SUMMARY_SECTIONS):
        demo.SUMMARY_SECTIONS.append((TITLE, show_growth_summary))
