"""SafetySettings validation: refuse bad rules at load time with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.safety.config import CATEGORIES, SafetySettings
from domain.safety.verdict import parse_action


def test_defaults_are_complete_and_round_trip() -> None:
    settings = SafetySettings()
    assert set(settings.categories) == set(CATEGORIES)
    assert settings.categories["medical_claims"].action == parse_action("hold")
    assert settings.categories["financial_promises"].action == parse_action("hold")
    dumped = settings.model_dump()
    assert dumped["flood"]["action"] == "timeout 5m"
    assert SafetySettings.model_validate(dumped) == settings
    assert settings.strikes.build().max_strikes == 7


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a", "missing )"),
        ("(?<=a)b", "invalid perl operator"),
        ("a{1001}", "invalid repetition size"),
        ("(a)\\1", "invalid escape"),
    ],
)
def test_invalid_regex_is_refused_with_re2_reason(pattern: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        SafetySettings.model_validate({"regexes": [{"id": "bad", "pattern": pattern}]})
    message = str(info.value)
    assert "RE2 cannot compile" in message
    assert reason in message
    assert "regexes.0.pattern" in message


def test_unknown_keys_and_bad_actions_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        SafetySettings.model_validate({"keyword": []})
    with pytest.raises(ValidationError, match="timeout needs a duration"):
        SafetySettings.model_validate({"flood": {"action": "timeout"}})
    with pytest.raises(ValidationError, match="unknown action"):
        SafetySettings.model_validate({"caps": {"action": "shout"}})


def test_ids_are_unique_and_not_reserved() -> None:
    with pytest.raises(ValidationError, match="already used"):
        SafetySettings.model_validate({
            "keywords": [{"id": "a", "terms": ["x"]}],
            "regexes": [{"id": "a", "pattern": "y"}],
        })
    with pytest.raises(ValidationError, match="reserved"):
        SafetySettings.model_validate({"keywords": [{"id": "links", "terms": ["x"]}]})


def test_channel_overrides_must_name_existing_rules() -> None:
    with pytest.raises(ValidationError, match="no rule with id 'cap'"):
        SafetySettings.model_validate({"channels": {"dc:1": {"disable": ["cap"]}}})
    ok = SafetySettings.model_validate({
        "keywords": [{"id": "words", "terms": ["x"]}],
        "channels": {"dc:1": {"disable": ["caps", "category:hate"],
                              "rules": {"words": {"action": "ban"}}}},
    })
    assert ok.channels["dc:1"].rules["words"].action == parse_action("ban")


def test_partial_categories_keep_defaults() -> None:
    settings = SafetySettings.model_validate({"categories": {"hate": {"threshold": 0.9}}})
    assert settings.categories["hate"].threshold == 0.9
    assert settings.categories["hate"].action == parse_action("hold")
    assert settings.categories["self_harm"].action == parse_action("log")
    with pytest.raises(ValidationError, match="unknown category 'spam'"):
        SafetySettings.model_validate({"categories": {"spam": {}}})


def test_keyword_terms_file_and_empty_terms(tmp_path: Path) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("# comment\nfree nitro\n\n加微信\n", encoding="utf-8")
    settings = SafetySettings.model_validate(
        {"keywords": [{"id": "f", "terms": ["a"], "terms_file": str(terms)}]}
    )
    assert settings.keywords[0].terms == ["a", "free nitro", "加微信"]
    with pytest.raises(ValidationError, match=r"does-not-exist\.txt"):
        SafetySettings.model_validate(
            {"keywords": [{"id": "f", "terms_file": str(tmp_path / "does-not-exist.txt")}]}
        )
    with pytest.raises(ValidationError, match="empty after normalisation"):
        SafetySettings.model_validate({"keywords": [{"id": "f", "terms": ["\u200b \u200d"]}]})


def test_domains_and_scorer_settings_are_checked() -> None:
    settings = SafetySettings.model_validate(
        {"links": {"deny_domains": ["https://www.Grabify.link/x"]}}
    )
    assert settings.links.deny_domains == ["grabify.link"]
    with pytest.raises(ValidationError, match="not a domain"):
        SafetySettings.model_validate({"links": {"deny_domains": ["nodot"]}})
    with pytest.raises(ValidationError, match="needs model"):
        SafetySettings.model_validate({"scorer": {"backend": "transformers"}})
    with pytest.raises(ValidationError, match="is not a category"):
        SafetySettings.model_validate({"scorer": {"label_map": {"toxic": "rudeness"}}})


def test_strike_ladder_is_validated() -> None:
    with pytest.raises(ValidationError, match="not a strike action"):
        SafetySettings.model_validate({"strikes": {"ladder": {"1": "delete"}}})
    settings = SafetySettings.model_validate(
        {"strikes": {"ladder": {"2": "timeout 10m", "4": "ban"}, "expire_after": "7d"}}
    )
    ladder = settings.strikes.build()
    assert ladder.max_strikes == 4 and ladder.expire_after.days == 7
