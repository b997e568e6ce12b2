"""Message catalogue lookup.

Every member-facing string lives in a catalogue module under ``domain/messages/`` as
``MESSAGES = {"key": {"en": "...", "zh": "..."}}``. Modules are discovered, so a feature adds
its own module without touching a shared file. Placeholders use ``str.format`` fields.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


@cache
def catalog() -> dict[str, dict[str, str]]:
    """All messages from every catalogue module, checked for duplicate keys."""
    from domain import messages as package

    merged: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for key, texts in getattr(module, "MESSAGES", {}).items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice (again in {info.name})")
            merged[key] = texts
    return merged


def normalise_language(lang: str | None) -> str:
    """Map locales like ``zh-CN``/``zh_TW``/``en-US`` to a catalogue language."""
    if not lang:
        return DEFAULT_LANGUAGE
    base = lang.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, /, **fields: object) -> str:
    """Render message ``key`` in ``lang`` (falls back to English), filling ``fields``."""
    texts = catalog().get(key)
    if texts is None:
        raise KeyError(f"no message {key!r} in the catalogue")
    template = texts.get(normalise_language(lang)) or texts[DEFAULT_LANGUAGE]
    return template.format(**fields)
