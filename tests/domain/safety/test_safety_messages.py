"""Safety catalogue: every string in English and Chinese with the same fields."""

from __future__ import annotations

import string

from domain.i18n import t
from domain.messages.safety import MESSAGES


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_en_and_zh_with_same_fields() -> None:
    for key, texts in MESSAGES.items():
        assert key.startswith("safety."), key
        assert texts.get("en") and texts.get("zh"), key
        assert fields(texts["en"]) == fields(texts["zh"]), key


def test_rendering_through_i18n() -> None:
    assert t("safety.warned", "en", reason="spam", count=2, max=7) == (
        "Warning: spam. This is strike 2 of 7."
    )
    assert "第 2 次" in t("safety.warned", "zh-CN", reason="垃圾信息", count=2, max=7)
    assert "held for review" in t("safety.held", "en", case=12)
    assert "#12" in t("safety.held", "zh", case=12)
