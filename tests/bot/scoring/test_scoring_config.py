"""The [sentiment] config section and its conversion to domain policies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.scoring.config import SentimentSettings


def test_defaults_are_offline_and_sane() -> None:
    cfg = SentimentSettings()
    assert cfg.backend == "lexicon" and cfg.model is None
    assert cfg.distress.sla_minutes == 8
    assert cfg.distress_policy().sla == timedelta(minutes=8)
    assert cfg.mood_policy().window == timedelta(minutes=5)
    assert cfg.question_policy().wait == timedelta(minutes=10)
    assert cfg.tone_policy().lookback == timedelta(hours=6)
    assert cfg.effective_label_map()["positive"] == "pos"
    sections = [SentimentSettings, *(type(getattr(cfg, n)) for n in
                                      ("tone", "mood", "questions", "distress", "toxicity"))]
    for section in sections:
        for name, f in section.model_fields.items():
            assert f.description, f"{section.__name__}.{name} has no description"


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError, match="backend_name"):
        SentimentSettings(backend_name="lexicon")
    with pytest.raises(ValidationError, match="sla"):
        SentimentSettings(distress={"sla": 5})


def test_transformers_backend_needs_a_model() -> None:
    with pytest.raises(ValidationError, match="needs `model`"):
        SentimentSettings(backend="transformers")
    cfg = SentimentSettings(backend="transformers", model="org/model",
                            label_map={"LABEL_0": "neg"})
    assert cfg.effective_label_map()["label_0"] == "neg"


def test_bad_values_are_explained() -> None:
    with pytest.raises(ValidationError, match="batch_size"):
        SentimentSettings(batch_size=0)
    with pytest.raises(ValidationError, match="gentle_below"):
        SentimentSettings(tone={"gentle_below": 0.5, "cheerful_above": 0.2})
    with pytest.raises(ValidationError, match="unknown placeholder"):
        SentimentSettings(tone={"templates": {"tone.welcome.gentle": {"en": "Hi {nick}"}}})
    with pytest.raises(ValidationError, match="label_map"):
        SentimentSettings(label_map={"LABEL_0": "negative"})


def test_config_values_reach_the_policies() -> None:
    cfg = SentimentSettings(
        distress={"sla_minutes": 3, "cooldown_minutes": 60, "max_pages": 2,
                  "helplines": {"en": ["988"], "zh": ["12356"]}},
        mood={"slowmode_seconds": 15, "window_minutes": 2},
    )
    dp = cfg.distress_policy()
    assert (dp.sla, dp.cooldown, dp.max_pages) == (timedelta(minutes=3), timedelta(hours=1), 2)
    mp = cfg.mood_policy()
    assert mp.slowmode_seconds == 15 and mp.window == timedelta(minutes=2)


def test_scoring_modes_and_case_role_are_checked() -> None:
    assert SentimentSettings().scoring_mode == "async"
    assert SentimentSettings(scoring_mode="ordered").scoring_mode == "ordered"
    with pytest.raises(ValidationError, match="scoring_mode"):
        SentimentSettings(scoring_mode="sync")
    assert SentimentSettings().distress.case_role == "moderator"
    with pytest.raises(ValidationError, match="case_role"):
        SentimentSettings(distress={"case_role": "member"})
