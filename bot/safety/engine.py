"""The compiled line-1 filter of one community.

Built once from :class:`SafetySettings` (rebuild it when the config changes) and then asked
about every message with :meth:`FilterEngine.check`. The expensive parts are compiled up
front so a message costs a few microseconds:

* every keyword term of the community — all lists, the per-channel extras included — goes
  into ONE pyahocorasick automaton, so matching is a single C-level pass however many
  thousands of terms there are; whole-word mode is checked on the match boundaries only
  (terms in scripts without word spaces — Chinese, Japanese, Thai… — match as substrings);
* admin regexes go into one RE2 ``Set`` (one linear-time pass says which patterns match);
  only the matching ones are searched again for their evidence span;
* structural rules are the pure functions of :mod:`domain.safety.structural`, with each
  member's recent-message history kept in a bounded in-memory LRU (or passed in).

Per-channel overrides are resolved into a plan per channel at build time, so ``check`` does
no config lookups beyond one dict access.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.safety.config import (
    CATEGORIES,
    CATEGORY_PREFIX,
    ChannelOverride,
    KeywordList,
    RegexRule,
    Rule,
    SafetySettings,
    compile_re2,
)
from domain.safety import structural as st
from domain.safety.normalise import normalise, normalise_folded
from domain.safety.strikes import StrikeLadder
from domain.safety.verdict import RuleHit, Verdict, decide

# Scripts written without spaces between words: a whole-word check is meaningless there.
_CONTINUOUS_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x30FF),  # CJK punctuation, Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Katakana ext
    (0x3400, 0x4DBF),  # CJK ext A
    (0x4E00, 0x9FFF),  # CJK unified
    (0xF900, 0xFAFF),  # CJK compatibility
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0x20000, 0x3FFFF),  # CJK ext B+
)


def is_continuous_script(char: str) -> bool:
    cp = ord(char)
    return any(lo <= cp <= hi for lo, hi in _CONTINUOUS_RANGES)


def _is_word_char(char: str) -> bool:
    """A character that would make a whole-word match part of a longer word."""
    return (char.isalnum() or char == "_") and not is_continuous_script(char)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of the line-1 filters for one message.

    ``text`` is the normalised message (feed it to the spam model and scorers), ``folded``
    its case-folded form; keyword spans index ``folded``, regex spans index ``text``.
    """

    text: str
    folded: str
    hits: tuple[RuleHit, ...]
    newcomer: bool
    history: st.MemberHistory
    links: tuple[st.Link, ...] = ()
    skipped: bool = False

    @property
    def verdict(self) -> Verdict:
        return decide(self.hits)


@dataclass(slots=True)
class _Plan:
    """Everything ``check`` needs for one channel, resolved from the overrides."""

    enabled: bool
    keywords: dict[int, st.RuleSpec]
    regexes: dict[int, st.RuleSpec]
    structural: st.StructuralRules
    spam: tuple[Any, st.RuleSpec] | None
    categories: dict[str, tuple[float, st.RuleSpec]] = field(default_factory=dict)


class FilterEngine:
    """Compiled keyword automaton + RE2 set + structural rules for one community."""

    def __init__(self, settings: SafetySettings, *, history_size: int = 10_000) -> None:
        import ahocorasick

        self.settings = settings
        self._history: OrderedDict[str, st.MemberHistory] = OrderedDict()
        self._history_size = history_size
        self.ladder: StrikeLadder = settings.strikes.build()

        self._lists: list[KeywordList] = settings.all_keyword_lists()
        self._list_index = {kw.id: i for i, kw in enumerate(self._lists)}
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[int, bool, bool]]] = {}
        for index, kw in enumerate(self._lists):
            for term in kw.terms:
                folded = normalise_folded(term)
                substring = kw.mode == "substring" or any(
                    is_continuous_script(c) for c in folded
                )
                need_left = not substring and _is_word_char(folded[0])
                need_right = not substring and _is_word_char(folded[-1])
                entries.setdefault(folded, []).append((index, need_left, need_right))
        for folded, where in entries.items():
            self._automaton.add_word(folded, (len(folded), tuple(where)))
        self.term_count = len(entries)
        if entries:
            self._automaton.make_automaton()

        self._regex_rules: list[RegexRule] = list(settings.regexes)
        for override in settings.channels.values():
            self._regex_rules.extend(override.regexes)
        self._regex_index = {rx.id: i for i, rx in enumerate(self._regex_rules)}
        self._regexes = [
            compile_re2(rx.pattern, case_sensitive=rx.case_sensitive) for rx in self._regex_rules
        ]
        self._regex_set = self._build_set(self._regex_rules)

        self._default_plan = self._plan(None)
        self._plans = {
            channel: self._plan(override) for channel, override in settings.channels.items()
        }

    # --- building ---------------------------------------------------------------------

    @staticmethod
    def _build_set(rules: list[RegexRule]) -> Any:
        """One RE2 Set for all patterns; ``None`` (search one by one) if RE2 declines."""
        if not rules:
            return None
        import re2

        options = re2.Options()
        options.log_errors = False
        options.max_mem = 64 << 20
        regex_set = re2.Set.SearchSet(options)
        try:
            for rx in rules:
                regex_set.Add(rx.pattern if rx.case_sensitive else f"(?i:{rx.pattern})")
            regex_set.Compile()
        except re2.error:
            return None
        return regex_set

    def _spec(self, rule_id: str, rule: Rule, override: ChannelOverride | None) -> st.RuleSpec:
        action, dry_run = rule.action, rule.dry_run or self.settings.dry_run
        change = override.rules.get(rule_id) if override else None
        if change is not None:
            if change.action is not None:
                action = change.action
            if change.dry_run is not None:
                dry_run = change.dry_run or self.settings.dry_run
        return st.RuleSpec(rule_id, action, dry_run)

    def _enabled(self, rule_id: str, rule: Rule, override: ChannelOverride | None) -> bool:
        if override is None:
            return rule.enabled
        if rule_id in override.disable:
            return False
        change = override.rules.get(rule_id)
        if change is not None and change.enabled is not None:
            return change.enabled
        return rule.enabled

    def _plan(self, override: ChannelOverride | None) -> _Plan:
        s = self.settings
        own_lists = {kw.id for kw in override.keywords} if override else set()
        own_regexes = {rx.id for rx in override.regexes} if override else set()
        keywords = {
            i: self._spec(kw.id, kw, override)
            for i, kw in enumerate(self._lists)
            if (i < len(s.keywords) or kw.id in own_lists) and self._enabled(kw.id, kw, override)
        }
        regexes = {
            i: self._spec(rx.id, rx, override)
            for i, rx in enumerate(self._regex_rules)
            if (i < len(s.regexes) or rx.id in own_regexes) and self._enabled(rx.id, rx, override)
        }

        def pick(name: str) -> Any:
            replaced = getattr(override, name, None) if override else None
            rule = replaced if replaced is not None else getattr(s, name)
            return (rule, self._spec(name, rule, override)) if self._enabled(
                name, rule, override
            ) else (None, None)

        links, links_spec = pick("links")
        invites, invites_spec = pick("invites")
        mentions, mentions_spec = pick("mentions")
        caps, caps_spec = pick("caps")
        repeated, repeated_spec = pick("repeated")
        flood, flood_spec = pick("flood")
        dup, dup_spec = pick("duplicates")
        newcomer, newcomer_spec = pick("newcomer")
        spam, spam_spec = pick("spam")
        rules = st.StructuralRules(
            links=st.LinkRule(links_spec, frozenset(links.deny_domains),
                              frozenset(links.allow_domains)) if links else None,
            invites=st.InviteRule(invites_spec, frozenset(invites.allowed)) if invites else None,
            mentions=st.MentionRule(mentions_spec, mentions.max_mentions) if mentions else None,
            caps=st.CapsRule(caps_spec, caps.min_letters, caps.max_ratio) if caps else None,
            repeated=st.RepeatRule(repeated_spec, repeated.max_run) if repeated else None,
            flood=st.FloodRule(flood_spec, flood.max_messages,
                               timedelta(seconds=flood.window)) if flood else None,
            duplicates=st.DuplicateRule(dup_spec, dup.max_channels, dup.max_copies,
                                        timedelta(seconds=dup.window),
                                        dup.min_length) if dup else None,
            newcomer=st.NewcomerRule(newcomer_spec, newcomer.first_messages,
                                     timedelta(seconds=newcomer.tenure), newcomer.allow_links,
                                     newcomer.max_mentions) if newcomer else None,
        )
        categories = {}
        for name in CATEGORIES:
            rule = s.categories[name]
            rule_id = CATEGORY_PREFIX + name
            if self._enabled(rule_id, rule, override):
                categories[name] = (rule.threshold, self._spec(rule_id, rule, override))
        return _Plan(
            enabled=s.enabled and (override.enabled if override else True),
            keywords=keywords,
            regexes=regexes,
            structural=rules,
            spam=(spam, spam_spec) if spam else None,
            categories=categories,
        )

    def plan_for(self, channel_id: str) -> _Plan:
        return self._plans.get(channel_id, self._default_plan)

    # --- checking ---------------------------------------------------------------------

    def keyword_hits(self, folded: str, plan: _Plan) -> list[RuleHit]:
        if not self.term_count or not plan.keywords:
            return []
        found: dict[int, RuleHit] = {}
        specs = plan.keywords
        last = len(folded) - 1
        for end, (length, where) in self._automaton.iter(folded):
            start = end - length + 1
            for index, need_left, need_right in where:
                if index in found:
                    continue
                spec = specs.get(index)
                if spec is None:
                    continue
                if need_left and start > 0 and _is_word_char(folded[start - 1]):
                    continue
                if need_right and end < last and _is_word_char(folded[end + 1]):
                    continue
                found[index] = spec.hit("keyword", folded[start : end + 1], (start, end + 1))
        return list(found.values())

    def regex_hits(self, text: str, plan: _Plan) -> list[RuleHit]:
        if not plan.regexes:
            return []
        if self._regex_set is not None:
            matched = self._regex_set.Match(text) or ()
            candidates = [i for i in matched if i in plan.regexes]
        else:
            candidates = list(plan.regexes)
        hits = []
        for index in sorted(candidates):
            m = self._regexes[index].search(text)
            if m is not None:
                hits.append(plan.regexes[index].hit("regex", m.group(), m.span()))
        return hits

    def check(
        self,
        text: str,
        *,
        member_id: str,
        channel_id: str,
        at: datetime,
        mentions: int = 0,
        joined_at: datetime | None = None,
        message_count: int | None = None,
        history: st.MemberHistory | None = None,
    ) -> CheckResult:
        """Run normalisation, keywords, regexes and structural rules on one message.

        ``history`` overrides the engine's own memory of the member's recent messages (for
        replays and tests); the updated history is returned either way and, when the
        engine's memory was used, stored back.
        """
        plan = self.plan_for(channel_id)
        normalised = normalise(text)
        folded = normalised.casefold()
        if not plan.enabled:
            return CheckResult(normalised, folded, (), False, history or st.MemberHistory(),
                               skipped=True)
        own_memory = history is None
        if own_memory:
            history = self._history.get(member_id) or st.MemberHistory()
        hits = self.keyword_hits(folded, plan)
        hits.extend(self.regex_hits(normalised, plan))
        facts = st.MessageFacts(normalised, folded, channel_id, at, mentions, joined_at,
                                message_count)
        result = st.evaluate(facts, history, plan.structural)
        hits.extend(result.hits)
        if own_memory:
            self._remember(member_id, result.history)
        return CheckResult(normalised, folded, tuple(hits), result.newcomer, result.history,
                           result.links)

    def check_event(
        self,
        event: Any,
        *,
        joined_at: datetime | None = None,
        message_count: int | None = None,
    ) -> CheckResult:
        """:meth:`check` for a ``domain.events.MessagePosted``."""
        return self.check(
            event.text,
            member_id=event.member_id,
            channel_id=event.channel_id,
            at=event.at,
            mentions=len(event.mentions),
            joined_at=joined_at,
            message_count=message_count,
        )

    def adopt_history(self, other: FilterEngine) -> None:
        """Take over ``other``'s memory of recent messages (config reload keeps flood and
        duplicate detection running across the rebuild)."""
        for member_id, history in other._history.items():
            self._remember(member_id, history)

    def _remember(self, member_id: str, history: st.MemberHistory) -> None:
        self._history[member_id] = history
        self._history.move_to_end(member_id)
        while len(self._history) > self._history_size:
            self._history.popitem(last=False)

    # --- model-based rules ------------------------------------------------------------

    def spam_hit(
        self, probability: float, *, channel_id: str, newcomer: bool, text: str = ""
    ) -> RuleHit | None:
        """A hit when the spam model's ``probability`` crosses this channel's threshold."""
        plan = self.plan_for(channel_id)
        if not plan.enabled or plan.spam is None:
            return None
        rule, spec = plan.spam
        if text and len(text) < rule.min_chars:
            return None
        threshold = rule.newcomer_threshold if newcomer else rule.threshold
        if probability < threshold:
            return None
        return RuleHit(spec.rule_id, "spam", spec.action, spec.dry_run,
                       f"spam probability {probability:.2f}", None, probability)

    def spam_scored(self, text: str, channel_id: str, *, newcomer: bool = True) -> bool:
        """Whether the spam model should score this message at all (saves model calls)."""
        plan = self.plan_for(channel_id)
        if not plan.enabled or plan.spam is None:
            return False
        rule = plan.spam[0]
        if rule.scope == "newcomers" and not newcomer:
            return False
        return len(text) >= rule.min_chars

    def category_hits(
        self,
        scores: Mapping[str, float],
        *,
        channel_id: str,
        evidence: Mapping[str, str] | None = None,
    ) -> list[RuleHit]:
        """Hits for sensitive categories scoring at or above their threshold."""
        plan = self.plan_for(channel_id)
        if not plan.enabled:
            return []
        hits = []
        for name, score in scores.items():
            entry = plan.categories.get(name)
            if entry is None or score < entry[0]:
                continue
            spec = entry[1]
            detail = (evidence or {}).get(name) or f"{name} score {score:.2f}"
            hits.append(RuleHit(spec.rule_id, "category", spec.action, spec.dry_run, detail,
                                None, float(score)))
        return hits

    @staticmethod
    def decide(hits: Iterable[RuleHit]) -> Verdict:
        """One verdict from line-1, spam and category hits (dry-run already on the hits)."""
        return decide(hits)
