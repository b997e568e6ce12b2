"""Structural rules: what a message *is* rather than which words it holds.

Links to denied (or not allowed) domains, invite links to other servers/groups, mention
spam, shouting, character floods, message floods, the same text pasted across channels, and
stricter checks for newcomers (the first messages of a new member are where spam bots strike,
as tg-spam observed). These rules need a little memory — the member's recent messages — so
the caller passes the history in and gets the updated history back: the functions stay pure
and the caller decides where history lives.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.safety.verdict import RuleAction, RuleHit

# Hosts written without a scheme only count as links with a well-known TLD, so "node.js",
# "e.g." or "v1.2" are not links. With a scheme any TLD counts.
_BARE_TLD_TEXT = (
    "com net org info biz io co me xyz top site online club vip shop store app dev link live "
    "pro fun icu win bid loan work click money cash finance bet casino ru su cn hk tw jp kr uk "
    "us de fr nl eu in ai gg ly cc tv ws tk ml ga cf gq ee im ca au br ua kz by vn th ph sg my "
    "pw rs cx ch at be pl cz se fi dk pt gr tr ir mx ar cl za ng ae nz website space world "
    "today network digital tech email gift claims bonus promo"
)
BARE_TLDS = frozenset(_BARE_TLD_TEXT.split())

_URL = re.compile(
    r"(?<![\w.@/-])(?:(?P<scheme>[a-z][a-z0-9+.-]{1,15})://)?"
    r"(?P<host>(?:[\w](?:[\w-]{0,61}[\w])?\.)+(?P<tld>[\w-]{2,63}))"
    r"(?::\d{1,5})?(?P<path>/[^\s<>\"']*)?"
)
_MENTION = re.compile(r"<@[!&]?\d+>|@everyone\b|@here\b|(?<![\w@.])@[a-z][a-z0-9_]{3,31}\b")
_UPPER_RUNS = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯЁΑ-Ω]+")
_CASED_RUNS = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿА-яЁёΑ-Ωα-ω]+")

INVITE_HOSTS = {
    "discord.gg": "",
    "dsc.gg": "",
    "discord.com": "/invite/",
    "discordapp.com": "/invite/",
    "discord.me": "",
    "t.me": "",
    "telegram.me": "",
    "telegram.dog": "",
}


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """Identity and outcome of one structural rule."""

    rule_id: str
    action: RuleAction
    dry_run: bool = False

    def hit(self, kind: str, evidence: str, span: tuple[int, int] | None = None) -> RuleHit:
        return RuleHit(self.rule_id, kind, self.action, self.dry_run, evidence, span)


@dataclass(frozen=True, slots=True)
class LinkRule:
    spec: RuleSpec
    deny_domains: frozenset[str] = frozenset()
    allow_domains: frozenset[str] = frozenset()  # empty: every domain not denied is fine


@dataclass(frozen=True, slots=True)
class InviteRule:
    spec: RuleSpec
    allowed: frozenset[str] = frozenset()  # e.g. {"discord.gg/ourserver", "t.me/ourgroup"}


@dataclass(frozen=True, slots=True)
class MentionRule:
    spec: RuleSpec
    max_mentions: int = 5


@dataclass(frozen=True, slots=True)
class CapsRule:
    spec: RuleSpec
    min_letters: int = 12
    max_ratio: float = 0.7


@dataclass(frozen=True, slots=True)
class RepeatRule:
    spec: RuleSpec
    max_run: int = 15


@dataclass(frozen=True, slots=True)
class FloodRule:
    spec: RuleSpec
    max_messages: int = 6
    window: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class DuplicateRule:
    spec: RuleSpec
    max_channels: int = 3
    max_copies: int = 4
    window: timedelta = timedelta(seconds=120)
    min_length: int = 10


@dataclass(frozen=True, slots=True)
class NewcomerRule:
    spec: RuleSpec
    first_messages: int = 5
    tenure: timedelta = timedelta(hours=24)
    allow_links: bool = False
    max_mentions: int = 2


@dataclass(frozen=True, slots=True)
class StructuralRules:
    """The enabled structural rules of one channel; ``None`` means the rule is off."""

    links: LinkRule | None = None
    invites: InviteRule | None = None
    mentions: MentionRule | None = None
    caps: CapsRule | None = None
    repeated: RepeatRule | None = None
    flood: FloodRule | None = None
    duplicates: DuplicateRule | None = None
    newcomer: NewcomerRule | None = None

    @property
    def history_window(self) -> timedelta:
        windows = [timedelta(0)]
        if self.flood:
            windows.append(self.flood.window)
        if self.duplicates:
            windows.append(self.duplicates.window)
        return max(windows)


@dataclass(frozen=True, slots=True)
class RecentMessage:
    at: datetime
    channel_id: str
    digest: str


@dataclass(frozen=True, slots=True)
class MemberHistory:
    """A member's recent messages, oldest first (bounded by the rules' windows)."""

    recent: tuple[RecentMessage, ...] = ()

    MAX_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the structural rules look at.

    ``text`` is the normalised text (case kept), ``folded`` its case-folded form. ``mentions``
    is the adapter's mention count (Discord/Telegram entities); text mentions are counted too.
    ``joined_at``/``message_count`` describe tenure; ``None`` means unknown (not a newcomer
    by that measure).
    """

    text: str
    folded: str
    channel_id: str
    at: datetime
    mentions: int = 0
    joined_at: datetime | None = None
    message_count: int | None = None


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    host: str
    path: str
    span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class StructuralResult:
    hits: tuple[RuleHit, ...]
    history: MemberHistory
    newcomer: bool
    links: tuple[Link, ...] = field(default=())


def extract_links(folded: str) -> list[Link]:
    """Links in case-folded normalised text: scheme URLs, ``www.`` hosts, bare domains."""
    if "." not in folded:
        return []
    links: list[Link] = []
    # Visit only the whitespace-separated tokens that hold a dot: a long message costs a
    # few C-level find() calls instead of the URL pattern tried at every position.
    size = len(folded)
    dot = folded.find(".")
    while dot != -1:
        base = max(folded.rfind(" ", 0, dot), folded.rfind("\n", 0, dot)) + 1
        ends = [e for e in (folded.find(" ", dot), folded.find("\n", dot)) if e != -1]
        end = min(ends) if ends else size
        token = folded[base:end]
        dot = folded.find(".", end)
        for m in _URL.finditer(token):
            host = m.group("host").rstrip(".")
            tld = m.group("tld")
            if not m.group("scheme") and tld not in BARE_TLDS and not tld.startswith("xn--"):
                continue
            if tld.isdigit():
                continue
            if host.startswith("www."):
                host = host[4:]
            start, end = m.span()
            links.append(Link(m.group(), host, m.group("path") or "", (base + start, base + end)))
    return links


def domain_matches(host: str, domains: frozenset[str]) -> str | None:
    """The entry of ``domains`` that ``host`` is or is a subdomain of."""
    if host in domains:
        return host
    parts = host.split(".")
    for i in range(1, len(parts) - 1):
        parent = ".".join(parts[i:])
        if parent in domains:
            return parent
    return None


def invite_of(link: Link) -> str | None:
    """``host/path`` when ``link`` invites to a Discord server or Telegram chat."""
    marker = INVITE_HOSTS.get(link.host)
    if marker is None:
        return None
    path = link.path.rstrip("/")
    if marker:
        if not path.startswith(marker) or len(path) <= len(marker):
            return None
        return f"{link.host}{path}"
    if len(path) < 2:
        return None
    return f"{link.host}{path}"


def count_mentions(folded: str, reported: int) -> int:
    """Mentions the platform reported, or those visible in the text, whichever is larger."""
    if "@" not in folded:
        return reported
    return max(reported, len(_MENTION.findall(folded)))


_ASCII_UPPER = bytes(range(65, 91))
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))


def caps_ratio(text: str) -> tuple[int, float]:
    """(cased letters, share of them upper-case), counted with C-level scans."""
    if text.isascii():
        raw = text.encode("ascii")
        cased = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
        if not cased:
            return 0, 0.0
        upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
        return cased, upper / cased
    cased = sum(map(len, _CASED_RUNS.findall(text)))
    if not cased:
        return 0, 0.0
    upper = sum(map(len, _UPPER_RUNS.findall(text)))
    return cased, upper / cased


_REPEAT_CACHE: dict[int, re.Pattern[str]] = {}


def longest_repeat_at_least(text: str, run: int) -> re.Match[str] | None:
    """The first run of one character repeated ``run`` or more times."""
    run = max(run, 2)
    distinct = set(text)
    if len(distinct) <= 96:
        # A substring search per distinct character beats a backreference regex that is
        # tried at every position.
        best = None
        for char in distinct:
            at = text.find(char * run)
            if at >= 0 and (best is None or at < best):
                best = at
        if best is None:
            return None
        return _run_at(text, best)
    pattern = _REPEAT_CACHE.get(run)
    if pattern is None:
        pattern = re.compile(r"(.)\1{" + str(run - 1) + ",}", re.DOTALL)
        _REPEAT_CACHE[run] = pattern
    return pattern.search(text)


def _run_at(text: str, start: int) -> re.Match[str] | None:
    return re.compile(r"(.)\1*", re.DOTALL).match(text, start)


def digest(folded: str) -> str:
    """Stable short fingerprint of a message (same text in two channels -> same digest)."""
    return hashlib.blake2b(folded.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def is_newcomer(facts: MessageFacts, rule: NewcomerRule) -> bool:
    if facts.message_count is not None and facts.message_count < rule.first_messages:
        return True
    return facts.joined_at is not None and facts.at - facts.joined_at < rule.tenure


def evaluate(
    facts: MessageFacts, history: MemberHistory, rules: StructuralRules
) -> StructuralResult:
    """Run every enabled structural rule; return hits and the member's updated history."""
    hits: list[RuleHit] = []
    folded = facts.folded
    links = extract_links(folded)
    newcomer = rules.newcomer is not None and is_newcomer(facts, rules.newcomer)

    if links and rules.links is not None:
        rule = rules.links
        for link in links:
            denied = domain_matches(link.host, rule.deny_domains) if rule.deny_domains else None
            if denied:
                hits.append(rule.spec.hit("link_denied", f"{link.url} (denied: {denied})",
                                          link.span))
                break
            if rule.allow_domains and not domain_matches(link.host, rule.allow_domains):
                hits.append(rule.spec.hit("link_not_allowed", link.url, link.span))
                break

    if links and rules.invites is not None:
        rule_i = rules.invites
        for link in links:
            invite = invite_of(link)
            if invite and invite not in rule_i.allowed:
                hits.append(rule_i.spec.hit("invite", link.url, link.span))
                break

    mentions = count_mentions(folded, facts.mentions)
    if rules.mentions is not None and mentions > rules.mentions.max_mentions:
        hits.append(rules.mentions.spec.hit("mentions", f"{mentions} mentions"))

    if rules.caps is not None and len(facts.text) >= rules.caps.min_letters:
        cased, ratio = caps_ratio(facts.text)
        if cased >= rules.caps.min_letters and ratio > rules.caps.max_ratio:
            hits.append(rules.caps.spec.hit("caps", f"{ratio:.0%} capitals in {cased} letters"))

    if rules.repeated is not None and len(facts.text) >= rules.repeated.max_run:
        m = longest_repeat_at_least(facts.text, rules.repeated.max_run)
        if m is not None:
            hits.append(rules.repeated.spec.hit(
                "repeated", f"{m.group(1)!r} x{len(m.group())}", m.span()))

    if newcomer and rules.newcomer is not None:
        rule_n = rules.newcomer
        if links and not rule_n.allow_links:
            allowed = rules.links.allow_domains if rules.links else frozenset()
            for link in links:
                if not (allowed and domain_matches(link.host, allowed)):
                    hits.append(rule_n.spec.hit("newcomer_link", link.url, link.span))
                    break
        if mentions > rule_n.max_mentions:
            hits.append(rule_n.spec.hit("newcomer_mentions", f"{mentions} mentions"))

    # History-based rules.
    window = rules.history_window
    recent = [r for r in history.recent if facts.at - r.at < window]
    this = RecentMessage(facts.at, facts.channel_id, digest(folded))

    if rules.flood is not None:
        rule_f = rules.flood
        in_window = 1 + sum(1 for r in recent if facts.at - r.at < rule_f.window)
        if in_window > rule_f.max_messages:
            seconds = rule_f.window.total_seconds()
            hits.append(rule_f.spec.hit("flood", f"{in_window} messages in {seconds:g}s"))

    if rules.duplicates is not None and len(folded) >= rules.duplicates.min_length:
        rule_d = rules.duplicates
        same = [r for r in recent if r.digest == this.digest and facts.at - r.at < rule_d.window]
        channels = {r.channel_id for r in same} | {facts.channel_id}
        copies = len(same) + 1
        if len(channels) >= rule_d.max_channels:
            hits.append(rule_d.spec.hit("duplicate_channels",
                                        f"same text in {len(channels)} channels"))
        elif copies >= rule_d.max_copies:
            hits.append(rule_d.spec.hit("duplicate_copies", f"same text {copies} times"))

    recent.append(this)
    if len(recent) > MemberHistory.MAX_ENTRIES:
        recent = recent[-MemberHistory.MAX_ENTRIES :]
    new_history = MemberHistory(tuple(recent)) if window > timedelta(0) else MemberHistory()
    return StructuralResult(tuple(hits), new_history, newcomer, tuple(links))
