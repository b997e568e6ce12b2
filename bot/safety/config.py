"""Safety settings (pydantic v2): rules per community, overrides per channel.

Shape of the ``[safety]`` section (also valid inside a ``[[communities]]`` override)::

    [safety]
    dry_run = false
    [[safety.keywords]]
    id = "scam-words"
    terms = ["free nitro", "airdrop claim", "加微信"]
    mode = "whole_word"          # or "substring"
    action = "delete+warn"
    [[safety.regexes]]
    id = "wallet"
    pattern = '\\b(?:0x[0-9a-f]{40}|T[1-9A-HJ-NP-Za-km-z]{33})\\b'
    action = "hold"
    [safety.links]
    deny_domains = ["grabify.link"]
    [safety.strikes]
    ladder = { 1 = "warn", 3 = "timeout 1h", 5 = "timeout 1d", 7 = "ban" }
    expire_after = "30d"
    [safety.review]               # line 2: where review items go
    mod_channel_id = "dc:555"
    expert_channel_id = "dc:556"
    [safety.sla]                  # line 3: escalation deadlines
    acknowledge = "60m"
    [safety.channels."dc:1234"]   # per-channel override
    disable = ["caps"]
    rules = { "scam-words" = { action = "hold" } }

Why validate so much here: a typo in a safety rule must stop the bot at config load with
the file position and the reason (RE2's own message for a bad regex), never silently turn a
filter off at 3 a.m.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from domain.safety.normalise import normalise_folded
from domain.safety.strikes import DEFAULT_LADDER, StrikeLadder
from domain.safety.verdict import RuleAction, parse_action, parse_duration

CATEGORIES: tuple[str, ...] = (
    "self_harm",
    "medical_claims",
    "financial_promises",
    "scams",
    "hate",
    "harassment",
    "sexual_content",
    "violence_threats",
    "personal_data",
    "extremism",
    "illegal_goods",
    "misinformation",
)

# Distress is not a violation (the care flow answers it), and keyword evidence is too weak
# to hide "misinformation"; everything else goes to a human. Medical and financial claims
# are held by default: their spread is what the community asked to stop.
DEFAULT_CATEGORY_ACTIONS: dict[str, str] = {name: "hold" for name in CATEGORIES} | {
    "self_harm": "log",
    "misinformation": "log",
}

STRUCTURAL_RULE_IDS = (
    "links",
    "invites",
    "mentions",
    "caps",
    "repeated",
    "flood",
    "duplicates",
    "newcomer",
)
RESERVED_RULE_IDS = frozenset((*STRUCTURAL_RULE_IDS, "spam"))
CATEGORY_PREFIX = "category:"

DEFAULT_LABEL_MAP: dict[str, str] = {
    "toxic": "harassment",
    "toxicity": "harassment",
    "severe_toxic": "harassment",
    "severe_toxicity": "harassment",
    "insult": "harassment",
    "offensive": "harassment",
    "obscene": "sexual_content",
    "sexual_explicit": "sexual_content",
    "sexual": "sexual_content",
    "threat": "violence_threats",
    "violence": "violence_threats",
    "identity_hate": "hate",
    "identity_attack": "hate",
    "hate": "hate",
    "self-harm": "self_harm",
    "self_harm": "self_harm",
}


def _action(value: Any) -> RuleAction:
    if isinstance(value, dict) and "kind" in value:  # a dumped RuleAction
        return RuleAction(value["kind"], value.get("seconds", 0))
    return parse_action(value)


ActionSpec = Annotated[
    RuleAction,
    BeforeValidator(_action),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["hold", "delete+warn", "timeout 10m"]}),
]
DurationSeconds = Annotated[
    int,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "examples": ["30s", "10m", "1h", "30d"]}),
]
RuleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(Section):
    enabled: bool = Field(True, description="Turn the rule off without deleting it.")
    action: ActionSpec = Field(
        parse_action("hold"),
        description="log | warn | hold | delete | delete+warn | timeout DURATION | ban",
    )
    dry_run: bool = Field(
        False, description="Log what the rule would have done and do nothing."
    )


class KeywordList(Rule):
    """A list of words/phrases matched after normalisation (homoglyphs, spacing undone)."""

    id: RuleId = Field(description="Unique rule id, shown to moderators and in the audit log.")
    terms: list[str] = Field(default_factory=list, description="Words or phrases.")
    terms_file: str | None = Field(
        None, description="Optional UTF-8 file with one more term per line ('#' comments)."
    )
    mode: Literal["whole_word", "substring"] = Field(
        "whole_word",
        description="whole_word: 'ass' does not match 'class'. Terms in Chinese/Japanese/"
        "Thai script always match as substrings (those scripts have no word spaces).",
    )

    @model_validator(mode="before")
    @classmethod
    def _load_terms_file(cls, data: Any) -> Any:
        """Fold ``terms_file`` into ``terms`` once, so a dumped config needs no file."""
        if not isinstance(data, dict) or not data.get("terms_file"):
            return data
        name = data["terms_file"]
        try:
            lines = Path(name).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"terms_file {name!r}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ValueError(f"terms_file {name!r} is not UTF-8 text") from None
        extra = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        return {**data, "terms": [*data.get("terms", []), *extra], "terms_file": None}

    @model_validator(mode="after")
    def _check_terms(self) -> KeywordList:
        for index, term in enumerate(self.terms):
            if not normalise_folded(term):
                raise ValueError(
                    f"keyword list {self.id!r}: term {index + 1} ({term!r}) is empty after "
                    "normalisation (only spaces or invisible characters)"
                )
        return self


class RegexRule(Rule):
    """An admin regex run by RE2 (linear time: no catastrophic backtracking)."""

    id: RuleId = Field(description="Unique rule id.")
    pattern: str = Field(description="RE2 syntax (no look-around or backreferences).")
    case_sensitive: bool = Field(False, description="Match letter case exactly.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        compile_re2(value, case_sensitive=True)
        return value


def compile_re2(pattern: str, *, case_sensitive: bool) -> Any:
    """Compile with google-re2; ``ValueError`` carries RE2's reason for refusing it."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = case_sensitive
    options.max_mem = 8 << 20
    if not pattern:
        raise ValueError("regex is empty")
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        raw = exc.args[0] if exc.args else ""
        reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        reason = reason or "unknown error"
        raise ValueError(
            f"RE2 cannot compile {pattern!r}: {reason} (RE2 has no look-around or "
            "backreferences; see https://github.com/google/re2/wiki/Syntax)"
        ) from None


def _domain(value: str) -> str:
    raw = value.strip().lower()
    for prefix in ("https://", "http://"):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
    raw = raw.split("/", 1)[0].removeprefix("www.").rstrip(".")
    if "." not in raw or " " in raw or not raw:
        raise ValueError(f"{value!r} is not a domain like 'example.com'")
    return raw


class LinksRule(Rule):
    action: ActionSpec = Field(parse_action("delete"), description="Action for a bad link.")
    deny_domains: list[str] = Field(
        default_factory=list, description="Domains (and their subdomains) never allowed."
    )
    allow_domains: list[str] = Field(
        default_factory=list,
        description="If set, links to any other domain fire the rule (allow-list mode).",
    )

    @field_validator("deny_domains", "allow_domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        return [_domain(v) for v in values]


class InvitesRule(Rule):
    action: ActionSpec = Field(parse_action("delete"))
    allowed: list[str] = Field(
        default_factory=list,
        description="Invites that are fine, e.g. 'discord.gg/ourserver', 't.me/ourgroup'.",
    )

    @field_validator("allowed")
    @classmethod
    def _invites(cls, values: list[str]) -> list[str]:
        out = []
        for v in values:
            raw = v.strip().lower().removeprefix("https://").removeprefix("http://")
            out.append(raw.removeprefix("www.").rstrip("/"))
        return out


class MentionsRule(Rule):
    action: ActionSpec = Field(parse_action("delete"))
    max_mentions: int = Field(5, ge=1, description="More mentions than this fire the rule.")


class CapsRule(Rule):
    action: ActionSpec = Field(parse_action("log"))
    min_letters: int = Field(12, ge=1, description="Ignore messages with fewer letters.")
    max_ratio: float = Field(0.7, gt=0, le=1, description="Share of capitals allowed.")


class RepeatedRule(Rule):
    action: ActionSpec = Field(parse_action("log"))
    max_run: int = Field(15, ge=3, description="Same character this many times in a row.")


class FloodRule(Rule):
    action: ActionSpec = Field(parse_action("timeout 5m"))
    max_messages: int = Field(6, ge=1, description="More messages than this in the window.")
    window: DurationSeconds = Field(10, description="Window, e.g. '10s'.")


class DuplicatesRule(Rule):
    action: ActionSpec = Field(parse_action("delete"))
    max_channels: int = Field(3, ge=2, description="Same text in this many channels fires.")
    max_copies: int = Field(4, ge=2, description="Same text this many times anywhere fires.")
    window: DurationSeconds = Field(120, description="Window, e.g. '2m'.")
    min_length: int = Field(10, ge=1, description="Shorter texts ('ok', 'lol') are ignored.")


class NewcomerRule(Rule):
    action: ActionSpec = Field(parse_action("hold"))
    first_messages: int = Field(
        5, ge=0, description="A member's first N messages get the stricter checks."
    )
    tenure: DurationSeconds = Field(86400, description="Members younger than this too.")
    allow_links: bool = Field(False, description="Let newcomers post links.")
    max_mentions: int = Field(2, ge=0, description="Mentions allowed to a newcomer.")


class SpamRule(Rule):
    action: ActionSpec = Field(parse_action("hold"))
    threshold: float = Field(0.5, gt=0, lt=1, description="Spam probability that fires.")
    newcomer_threshold: float = Field(
        0.35, gt=0, lt=1, description="Lower bar for newcomers' first messages."
    )
    min_chars: int = Field(8, ge=0, description="Shorter messages are not scored.")
    scope: Literal["all", "newcomers"] = Field(
        "all",
        description="all: score every message. newcomers: only newcomers' messages (as "
        "tg-spam does; about 0.1 ms less per established member's message, but spam from "
        "compromised old accounts is then left to the keyword, regex and category rules).",
    )


class CategoryRule(Rule):
    threshold: float = Field(0.5, gt=0, le=1, description="Score at which the category fires.")


class ScorerSettings(Section):
    backend: Literal["keywords", "transformers"] = Field(
        "keywords",
        description="keywords: offline patterns (en+zh). transformers: a Hugging Face "
        "text-classification model (id or local path), combined with the patterns.",
    )
    model: str | None = Field(
        None, description="e.g. 'textdetox/xlmr-base-toxicity-classifier' or a local path."
    )
    label_map: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_LABEL_MAP),
        description="Model label (lower-case) -> category name; unmapped labels are ignored.",
    )
    batch_size: int = Field(16, ge=1, le=256)
    max_length: int = Field(256, ge=16, le=4096, description="Tokens per message (truncated).")

    @model_validator(mode="after")
    def _check(self) -> ScorerSettings:
        if self.backend == "transformers" and not self.model:
            raise ValueError("backend 'transformers' needs model = '<hub id or local path>'")
        for label, category in self.label_map.items():
            if category not in CATEGORIES:
                raise ValueError(
                    f"label_map[{label!r}] = {category!r} is not a category; use one of "
                    + ", ".join(CATEGORIES)
                )
        return self


class StrikeSettings(Section):
    ladder: dict[int, ActionSpec] = Field(
        default_factory=lambda: {k: parse_action(v) for k, v in DEFAULT_LADDER.items()},
        description="Active strike count -> warn | timeout DURATION | ban.",
    )
    expire_after: DurationSeconds = Field(30 * 86400, description="Strikes lapse after this.")
    notify_expiry: bool = Field(
        False, description="Send the member a direct message when one of their strikes expires."
    )

    @model_validator(mode="after")
    def _check(self) -> StrikeSettings:
        self.build()
        return self

    def build(self) -> StrikeLadder:
        return StrikeLadder.from_mapping(self.ladder, self.expire_after)


ChannelRef = Annotated[str, Field(min_length=1, max_length=64)]


class ReviewSettings(Section):
    """Line 2: where review items go and how moderators' decisions act."""

    mod_channel_id: ChannelRef | None = Field(
        None,
        description="Channel that receives new review items with decision buttons, e.g. "
        "'dc:1234' or 'tg:-100…' (an id without a prefix gets this community's platform "
        "prefix). Unset: items only appear in /queue.",
    )
    expert_channel_id: ChannelRef | None = Field(
        None,
        description="Channel for escalations (line 3). Unset: escalations go to the mod channel.",
    )
    crisis_channel_id: ChannelRef | None = Field(
        None,
        description="Channel for crisis reminders and status updates. Unset: the expert channel.",
    )
    mod_role_id: str | None = Field(
        None, description="Role pinged with new review items (Discord role id), optional."
    )
    expert_role_id: str | None = Field(
        None, description="Role paged on escalations (Discord role id), optional."
    )
    expert_mention: str | None = Field(
        None,
        description="Text that pages the experts, used instead of the role mention, e.g. "
        "'@alice @bob' on Telegram (which has no roles).",
    )
    delete_held: bool = Field(
        True,
        description="Delete a held message while it waits for review (stops its spread); "
        "approving it reposts the text on the member's behalf.",
    )
    timeout: DurationSeconds = Field(
        3600, description="Timeout length of '/review ID timeout' when no duration is given."
    )
    queue_size: int = Field(10, ge=1, le=50, description="Items /queue lists by default.")
    notify_member: bool = Field(
        True, description="Tell members (direct message) when their message is held or removed."
    )


class SlaSettings(Section):
    """Line 3: deadlines after a review item or crisis opens (the "golden hour").

    Each step counts from the end of the previous one. A review item nobody has claimed by
    ``acknowledge`` escalates to the experts and is re-paged at the following deadlines; an
    item still undecided after ``remediation`` is paged a last time. Crisis steps use the
    same deadlines.
    """

    enabled: bool = Field(True, description="Schedule SLA timers for review items.")
    acknowledge: DurationSeconds = Field(
        3600, description="A moderator must claim a new item within this (default 60 min)."
    )
    assessment: DurationSeconds = Field(
        1800, description="Assessment due this long after the acknowledge deadline (30 min)."
    )
    statement: DurationSeconds = Field(
        900, description="First public statement due this long after the assessment (15 min)."
    )
    remediation: DurationSeconds = Field(
        86400, description="Remediation plan due this long after the statement (24 h)."
    )
    crisis_repage: DurationSeconds = Field(
        900, description="An overdue crisis step is re-paged this often."
    )
    crisis_max_pages: int = Field(
        3, ge=1, le=20, description="Reminders per overdue crisis step before giving up."
    )

    def steps(self) -> dict[str, int]:
        """Step name -> seconds after the previous step, in order."""
        return {
            "acknowledge": self.acknowledge,
            "assessment": self.assessment,
            "statement": self.statement,
            "remediation": self.remediation,
        }


class LearningSettings(Section):
    """How moderators' spam / not-spam verdicts retrain the spam model."""

    enabled: bool = Field(True, description="Retrain from moderators' verdicts.")
    retrain_after: int = Field(
        20, ge=1, description="Retrain once this many new verdicts arrived since the last model."
    )
    max_examples: int = Field(
        20_000, ge=10, description="Newest verdicts used per retraining (bounds its cost)."
    )
    reload_every: DurationSeconds = Field(
        600, description="How often a process checks the database for a newer model."
    )


class RuleOverride(Section):
    enabled: bool | None = None
    action: ActionSpec | None = None
    dry_run: bool | None = None


class ChannelOverride(Section):
    """Per-channel changes; keys of ``SafetySettings.channels`` are channel ids."""

    enabled: bool = Field(True, description="False: no line-1 filtering in this channel.")
    disable: list[str] = Field(default_factory=list, description="Rule ids turned off here.")
    rules: dict[str, RuleOverride] = Field(
        default_factory=dict, description="Per-rule action/dry_run/enabled changes."
    )
    keywords: list[KeywordList] = Field(default_factory=list, description="Extra lists here.")
    regexes: list[RegexRule] = Field(default_factory=list, description="Extra regexes here.")
    links: LinksRule | None = None
    invites: InvitesRule | None = None
    mentions: MentionsRule | None = None
    caps: CapsRule | None = None
    repeated: RepeatedRule | None = None
    flood: FloodRule | None = None
    duplicates: DuplicatesRule | None = None
    newcomer: NewcomerRule | None = None
    spam: SpamRule | None = None


def _default_categories() -> dict[str, CategoryRule]:
    return {
        name: CategoryRule(action=parse_action(DEFAULT_CATEGORY_ACTIONS[name]))
        for name in CATEGORIES
    }


class SafetySettings(Section):
    """Line-1 safety of one community."""

    enabled: bool = Field(True, description="Master switch for automatic filtering.")
    dry_run: bool = Field(False, description="Every rule in dry-run: log only.")
    keywords: list[KeywordList] = Field(default_factory=list)
    regexes: list[RegexRule] = Field(default_factory=list)
    links: LinksRule = Field(default_factory=LinksRule)
    invites: InvitesRule = Field(default_factory=InvitesRule)
    mentions: MentionsRule = Field(default_factory=MentionsRule)
    caps: CapsRule = Field(default_factory=CapsRule)
    repeated: RepeatedRule = Field(default_factory=RepeatedRule)
    flood: FloodRule = Field(default_factory=FloodRule)
    duplicates: DuplicatesRule = Field(default_factory=DuplicatesRule)
    newcomer: NewcomerRule = Field(default_factory=NewcomerRule)
    spam: SpamRule = Field(default_factory=SpamRule)
    categories: dict[str, CategoryRule] = Field(
        default_factory=_default_categories,
        description="The 12 sensitive categories; unspecified ones keep their defaults.",
    )
    scorer: ScorerSettings = Field(default_factory=ScorerSettings)
    strikes: StrikeSettings = Field(default_factory=StrikeSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    learning: LearningSettings = Field(default_factory=LearningSettings)
    channels: dict[str, ChannelOverride] = Field(default_factory=dict)

    @field_validator("categories", mode="before")
    @classmethod
    def _fill_categories(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        unknown = [k for k in value if k not in CATEGORIES]
        if unknown:
            raise ValueError(
                f"unknown categor{'y' if len(unknown) == 1 else 'ies'} "
                f"{', '.join(map(repr, unknown))}; use: {', '.join(CATEGORIES)}"
            )
        merged: dict[str, Any] = {}
        for name in CATEGORIES:
            if name in value:
                given = value[name]
                if isinstance(given, dict) and "action" not in given:
                    given = {**given, "action": DEFAULT_CATEGORY_ACTIONS[name]}
                merged[name] = given
            else:
                merged[name] = {"action": DEFAULT_CATEGORY_ACTIONS[name]}
        return merged

    @model_validator(mode="after")
    def _check_ids(self) -> SafetySettings:
        seen: dict[str, str] = {}

        def claim(rule_id: str, where: str) -> None:
            if rule_id in RESERVED_RULE_IDS or rule_id.startswith(CATEGORY_PREFIX):
                raise ValueError(f"{where}: id {rule_id!r} is reserved for a built-in rule")
            if rule_id in seen:
                raise ValueError(f"{where}: id {rule_id!r} is already used by {seen[rule_id]}")
            seen[rule_id] = where

        for i, kw in enumerate(self.keywords):
            claim(kw.id, f"keywords[{i}]")
        for i, rx in enumerate(self.regexes):
            claim(rx.id, f"regexes[{i}]")
        community_ids = set(seen)
        for channel, override in self.channels.items():
            local = dict(seen)
            for i, kw in enumerate(override.keywords):
                where = f"channels[{channel!r}].keywords[{i}]"
                if kw.id in local or kw.id in RESERVED_RULE_IDS:
                    raise ValueError(f"{where}: id {kw.id!r} is already used")
                local[kw.id] = where
            for i, rx in enumerate(override.regexes):
                where = f"channels[{channel!r}].regexes[{i}]"
                if rx.id in local or rx.id in RESERVED_RULE_IDS:
                    raise ValueError(f"{where}: id {rx.id!r} is already used")
                local[rx.id] = where
            known = (
                community_ids
                | set(local)
                | RESERVED_RULE_IDS
                | {CATEGORY_PREFIX + c for c in CATEGORIES}
            )
            for rule_id in [*override.disable, *override.rules]:
                if rule_id not in known:
                    raise ValueError(
                        f"channels[{channel!r}]: no rule with id {rule_id!r}; known ids: "
                        + ", ".join(sorted(known))
                    )
        return self

    def all_keyword_lists(self) -> list[KeywordList]:
        lists = list(self.keywords)
        for override in self.channels.values():
            lists.extend(override.keywords)
        return lists
