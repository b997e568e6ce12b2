"""Feature commands mounted on the ``hearth`` CLI (bench, import, spam, sentiment …)."""

from __future__ import annotations
