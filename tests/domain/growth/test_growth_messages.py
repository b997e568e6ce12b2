"""The growth catalogue: both languages, same placeholders, every refusal covered."""

from __future__ import annotations

import string

import pytest

from domain.growth.badges import DEFAULT_BADGES
from domain.growth.mee6 import parse_mee6
from domain.growth.points import RefusalReason
from domain.growth.shop import ShopRefusal
from domain.growth.stages import DEFAULT_STAGE_NAMES
from domain.growth.teams import TeamRefusal
from domain.i18n import t
from domain.messages.growth import MESSAGES


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_en_and_zh_with_the_same_placeholders(key):
    texts = MESSAGES[key]
    assert set(texts) == {"en", "zh"} and all(texts.values())
    assert _fields(texts["en"]) == _fields(texts["zh"])


@pytest.mark.parametrize("reason", [*RefusalReason, *ShopRefusal, *TeamRefusal,
                                    "unknown_member", "missing_reason"])
def test_every_refusal_has_a_message(reason):
    assert f"growth.refusal.{reason}" in MESSAGES


def test_names_for_default_badges_stages_and_categories():
    for rule in DEFAULT_BADGES:
        assert f"growth.badge.{rule.id}" in MESSAGES
    for name in DEFAULT_STAGE_NAMES:
        assert f"growth.stage.{name}" in MESSAGES
    for category in ("activity", "helping", "creation"):
        assert f"growth.category.{category}" in MESSAGES


def test_every_mee6_error_code_renders():
    samples = ["", "[1]", "x,y\n1,2", "id,xp\n1", "id,xp\nabc,1\n2,x\n3,-1\n4,1\n4,1\n,1",
               "[{\"id\": \"1\"}]", "[{\"id\": \"5\", \"xp\": 99999999999999}]", "{",
               "id,xp\n\"1,2\n"]
    codes = set()
    for text in samples:
        for problem in parse_mee6(text).errors:
            codes.add(problem.code)
            assert problem.message("en").startswith(f"line {problem.line}:")
            assert problem.message("zh").startswith(f"第 {problem.line} 行")
    mee6_keys = {k.rsplit(".", 1)[1] for k in MESSAGES if k.startswith("growth.mee6.")}
    assert codes <= mee6_keys
    assert len(codes) >= 10


def test_catalogue_is_discovered():
    assert t("growth.refusal.out_of_stock", "zh-CN", item="头衔") == "头衔已售罄。"
