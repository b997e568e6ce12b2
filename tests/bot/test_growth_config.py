"""Growth settings: defaults, conversions to domain values, validation messages."""

from __future__ import annotations

import tomllib
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ValidationError

from bot.growth_config import GrowthSettings
from domain.growth.badges import DEFAULT_BADGES, BadgeIndex
from domain.growth.levels import LevelCurve
from domain.growth.quality import QualityRules
from domain.growth.rules import GrowthRules, Source, SourceRule
from domain.growth.stages import StageRules


def _all_models(model: type[BaseModel], seen: set | None = None):
    seen = seen if seen is not None else set()
    if model in seen:
        return
    seen.add(model)
    yield model
    for info in model.model_fields.values():
        for arg in (info.annotation, *getattr(info.annotation, "__args__", ())):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    yield from _all_models(inner, seen)


def test_every_field_has_a_default_and_a_description_and_extra_is_forbidden():
    for model in _all_models(GrowthSettings):
        assert model.model_config.get("extra") == "forbid", model.__name__
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"
            assert not info.is_required(), f"{model.__name__}.{name} has no default"


def test_defaults_convert_to_the_domain_defaults():
    settings = GrowthSettings()
    rules = settings.to_rules()
    domain = GrowthRules()
    for field in ("cooldown_seconds", "min_length", "duplicate_threshold", "duplicate_memory",
                  "daily_cap", "capped_sources", "team_boost", "categories"):
        assert getattr(rules, field) == getattr(domain, field), field
    assert dict(rules.sources) == dict(domain.sources)
    assert settings.to_stage_rules() == StageRules()
    assert settings.to_level_curve() == LevelCurve()
    assert settings.to_quality_rules() == QualityRules()
    index = settings.to_badge_index()
    assert isinstance(index, BadgeIndex)
    assert [r.id for r in index.rules] == [r.id for r in DEFAULT_BADGES]
    assert set(settings.to_shop_items()) == {"custom_title", "pinned_intro", "role_colour"}


def test_toml_with_custom_category_channels_and_timezone():
    config = tomllib.loads("""
timezone = "Asia/Shanghai"
categories = ["activity", "helping", "creation", "green"]
[points.event_attended]
points = 40
category = "green"
[anti_farming]
cooldown_seconds = 30
daily_cap = 200
[channels]
multipliers = { "dc:111" = 2.0 }
no_points = ["dc:222"]
[teams]
boost = 3.0
[[badges]]
id = "green_hero"
names = { en = "Green hero", zh = "环保达人" }
conditions = { "lifetime:green" = 500 }
[[shop.items]]
id = "tree"
price = 50
kind = "custom"
stock = 10
""")
    settings = GrowthSettings.model_validate(config)
    rules = settings.to_rules()
    assert rules.tz == ZoneInfo("Asia/Shanghai")
    assert rules.sources[Source.EVENT_ATTENDED] == SourceRule(40, "green")
    assert (rules.cooldown_seconds, rules.daily_cap, rules.team_boost) == (30, 200, 3.0)
    assert rules.channel_multipliers == {"dc:111": 2.0}
    assert rules.no_points_channels == frozenset({"dc:222"})
    assert settings.to_badge_index().rules[0].names["zh"] == "环保达人"
    assert settings.to_shop_items()["tree"].stock == 10


def test_disabled_teams_mean_no_boost():
    assert GrowthSettings.model_validate({"teams": {"enabled": False}}).to_rules().team_boost == 1


@pytest.mark.parametrize("config,message", [
    ({"cooldown": 60}, "Extra inputs are not permitted"),
    ({"anti_farming": {"cooldown_seconds": -1}}, "greater than or equal to 0"),
    ({"anti_farming": {"capped_sources": ["likes"]}}, "unknown source"),
    ({"quality": {"weights": {"originality": 0.5}}}, "must add up to 1"),
    ({"stages": {"expert": {"min_points": 50}}}, "thresholds must increase"),
    ({"stages": {"active": {"top_percent": 10}, "expert": {"top_percent": 20}}},
     "must be smaller"),
    ({"stages": {"leader": {"min_points": None, "min_active_days": None,
                            "min_helpful": None}}}, "has no criteria"),
    ({"stages": {"leader": {"min_points": 1000, "min_active_days": 14, "min_helpful": 5}}},
     "same thresholds"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"channels": {"no_points": ["123"]}}, "namespaced"),
    ({"channels": {"multipliers": {"dc:1": 50}}}, "use 0..10"),
    ({"points": {"message": {"points": 5, "category": "green"}}}, "not in categories"),
    ({"categories": ["activity", "Activity"]}, "lowercase"),
    ({"categories": ["activity", "helping", "creation", "spend"]}, "reserved"),
    ({"badges": [{"id": "x", "conditions": {"karma": 5}}]}, "unknown badge stat"),
    ({"badges": [{"id": "x", "conditions": {"lifetime:green": 5}}]}, "not in categories"),
    ({"badges": [{"id": "x", "conditions": {}}]}, "at least one condition"),
    ({"badges": [{"id": "a", "conditions": {"messages": 1}},
                 {"id": "a", "conditions": {"helpful": 1}}]}, "unique"),
    ({"shop": {"items": [{"id": "a"}, {"id": "a"}]}}, "unique"),
    ({"shop": {"items": [{"id": "c", "kind": "role_colour"}]}}, "payload.colour"),
    ({"shop": {"items": [{"id": "r", "kind": "role"}]}}, "payload.role"),
    ({"shop": {"items": [{"id": "Bad Id"}]}}, "lowercase"),
    ({"levels": {"curve": "table"}}, "table is empty"),
    ({"levels": {"curve": "table", "table": [100, 50]}}, "must be greater"),
    ({"admin_category": "karma"}, "admin_category"),
])
def test_invalid_settings_explain_what_to_fix(config, message):
    with pytest.raises(ValidationError) as error:
        GrowthSettings.model_validate(config)
    assert message in str(error.value)


def test_json_schema_is_available_for_docs():
    schema = GrowthSettings.model_json_schema()
    assert "anti_farming" in schema["properties"]
