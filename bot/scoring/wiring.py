"""Wire the Feelings feature into an app (called by ``bot.bootstrap.configure_features``).

Registers:

* ``services["feelings"]`` — the :class:`~bot.scoring.service.FeelingsService` (the handlers'
  ``FeelingsPort``); ``App.close()`` calls its ``aclose()`` (finish queued results, stop);
* ``services["background"]`` += its ``start_background`` — ``hearth run`` starts model
  loading at start-up instead of on the first message, and logs what loaded or why not;
* the demo's summary section (support cases, time to page, mood alerts).

Injection for tests and tools: a ``services`` dict passed to ``build_app`` may already hold
``"sentiment_scorer"`` (a SentimentScorer) and/or ``"distress_detector"`` (a loaded
DistressDetector), e.g. to share one embedding model across many apps; a ready-made
``"feelings"`` service is left alone.
"""

from __future__ import annotations

from typing import Any


def configure(config: Any, cache: Any, services: dict[str, Any]) -> None:
    from bot.scoring.config import SentimentSettings
    from bot.scoring.service import FeelingsService

    settings = getattr(config, "sentiment", None)
    if not isinstance(settings, SentimentSettings):
        settings = SentimentSettings()
    if "feelings" not in services:
        service = FeelingsService(
            settings, sessions=_sessions(cache, services), cache=cache, services=services,
            scorer=services.get("sentiment_scorer"),
            detector=services.get("distress_detector"))
        services["feelings"] = service
        services.setdefault("background", []).append(service.start_background)
    _register_demo_summary()


def _sessions(cache: Any, services: dict[str, Any]) -> Any:
    """The session factory: ``services["sessions"]`` if the app provides it, else the one the
    state cache was built with (build_app creates both from the same engine)."""
    sessions = services.get("sessions") or getattr(cache, "sessions", None)
    return sessions if sessions is not None else cache._sessions


def _register_demo_summary() -> None:
    from bot.demo import SUMMARY_SECTIONS
    from bot.scoring.demo_summary import TITLE, show_feelings

    if all(title != TITLE for title, _ in SUMMARY_SECTIONS):
        SUMMARY_SECTIONS.append((TITLE, show_feelings))
