"""A deterministic simulated community for the demo, benchmarks and tests.

Why one module: every feature (growth, safety, feelings, lifecycle, insights) needs realistic
traffic, and they must all see the same community. Seeded randomness makes runs repeatable.
Personas: newcomers who lurk, regulars, experts who answer questions, leaders, drifters who
go quiet (some come back), a couple of point farmers and spammers, a few members in distress,
and a heated thread — in English, Chinese and both.

Two opt-in extensions for insights (``hearth demo`` turns both on; the defaults keep the
original stream event for event): ``realistic_reactions`` stops members who drifted away
from reacting and lets members react in proportion to how engaged they are, so "silent"
really is silent, lets newcomers lose interest unless somebody replied to them in their
first week, lets some regulars fade out over a few weeks (life happens), and has a moderator
mark some experts' answers helpful so the expert and leader stages are reachable. Passing an
``exposures`` list runs a wake-up nudge experiment (members silent for a week are nudged on
a weekly day, assigned to an arm by the same stable hash as ``domain.insights.abtest``) where
the "social" arm really brings more members back within the window. The extensions draw
from a second random stream; with both off, the main stream is untouched.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.events import (
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
    VoiceSessionEnded,
)
from domain.insights.abtest import assign_arm

START = datetime(2026, 1, 5, tzinfo=UTC)
CHANNELS = ("general", "help", "showcase", "random", "events")

EN_OPEN = ["Hey all,", "Quick question:", "FYI", "Honestly", "So", "Today I learned",
           "Does anyone know", "Just shipped", "Thanks everyone,", "Heads up:"]
EN_BODY = [
    "how do I configure the reverse proxy for the dashboard", "the new release fixed my build",
    "I wrote a guide on setting up the dev environment", "my tests keep timing out on CI",
    "what's the best way to learn async Python", "the meetup on Friday was great",
    "I'm stuck on the migration step, any tips", "here is a screenshot of my garden project",
    "we planted 40 trees at the community day", "the docs for the plugin API are confusing",
    "I finally understood how the cache invalidation works", "anyone up for a code review",
    "the benchmark numbers look much better now", "I love how friendly this place is",
    "can someone explain the difference between threads and processes",
    "the event schedule for next month is posted", "I translated the FAQ into Chinese",
    "my PR got merged, first contribution", "the recycling drive collected 200 kg",
    "this error message makes no sense to me",
]
EN_CLOSE = ["", "!", " :)", " 🙂", " lol", "?", " — thoughts?", " 🎉", " thanks!", "..."]
ZH_OPEN = ["大家好，", "请问", "分享一下：", "说实话", "今天学到了", "有人知道", "刚刚发布了",
           "谢谢大家，", "提醒一下：", "我觉得"]
ZH_BODY = [
    "怎么配置反向代理", "新版本修好了我的构建问题", "我写了一篇开发环境搭建指南",
    "CI 上的测试总是超时", "学习异步编程有什么好方法", "周五的线下活动太棒了",
    "数据库迁移这一步卡住了", "这是我的阳台花园照片", "社区植树日我们种了四十棵树",
    "插件接口的文档看不太懂", "终于搞懂缓存失效了", "有人愿意帮我看看代码吗",
    "性能数据好多了", "这里的氛围真好", "线程和进程有什么区别", "下个月的活动安排发出来了",
    "我把常见问题翻译成了英文", "第一次贡献代码就被合并了", "回收活动收集了两百公斤",
    "这个报错完全看不懂",
]
ZH_CLOSE = ["", "！", "～", "😊", "哈哈", "？", "，大家怎么看？", "🎉", "，谢谢！", "。"]
SPAM = [
    "💰 Earn $5000 a week from home!!! DM me now for the secret crypto signal 🚀",
    "FREE NITRO giveaway 👉 disc0rd-gift.example/claim click fast",
    "加微信领取免费比特币，日赚三千，名额有限！！！",
    "Invest in our token today, guaranteed 300% returns, join t.me/pumpgroup",
]
DISTRESS = [
    "I don't think I can keep going anymore, everyone would be better off without me",
    "不想活了，真的撑不下去了",
    "wrote letters to my kids tonight, just in case",
]
HEATED = [
    "this decision is ridiculous and the mods are clueless",
    "seriously? you people never listen, this is a joke",
    "stop defending them, the update broke everything and nobody cares",
    "这个决定太离谱了，管理员根本不听意见",
    "I'm so tired of this toxic nonsense",
]
EMOJI = ["👍", "❤️", "😂", "🎉", "🙏", "🔥", "👀"]


@dataclass
class Persona:
    member_id: str
    name: str
    kind: str
    lang: str
    join_day: int
    rate: float
    active_p: float
    leave_day: int | None = None
    return_day: int | None = None
    team: str | None = None
    recent_texts: list[str] = field(default_factory=list)
    joined_at: datetime | None = None  # set when the join event is generated
    left: bool = False  # a MemberLeft was generated (a return then re-joins)
    # realistic mode: a newcomer's interest fades with this half-life (days) unless
    # somebody replied to them in their first week ("welcomed": they stay)
    half_life: float | None = None
    welcomed: bool = False
    drift_from: int | None = None  # realistic mode: a regular starts to fade on this day
    engagement: float = 1.0  # today's share of their usual activity

    def present(self, at: datetime) -> bool:
        """In the community at ``at``: joined before it and not gone."""
        return self.joined_at is not None and self.joined_at < at and not self.left

    def away(self, day: int) -> bool:
        """A drifter past their leave day who has not come back yet."""
        return self.leave_day is not None and self.leave_day <= day and (
            self.return_day is None or day < self.return_day)


# The nudge experiment of the realistic demo: name, arms (control first), outcome window,
# the share of nudged members the "social" nudge brings back within the window, and who is
# nudged (members silent for this many days, checked every ``NUDGE_EVERY`` days).
NUDGE_EXPERIMENT = "wakeup-social"
NUDGE_ARMS = ("control", "social")
NUDGE_WINDOW_MINUTES = 240
NUDGE_EFFECT = 0.35
NUDGE_SILENT_DAYS = 7
NUDGE_EVERY = 7
# Realistic mode: a moderator marks this share of experts' and leaders' replies helpful
# (``/helpful``), so members can reach the expert and leader stages.
HELPFUL_SHARE = 0.12
REGULARS_WHO_DRIFT = 0.3


@dataclass(frozen=True, slots=True)
class SimulatedExposure:
    """A member nudged in the simulated experiment (what a nudge log would record)."""

    experiment: str
    member_id: str
    arm: str
    at: datetime


PERSONA_MIX = (("newcomer", 0.33, 0.6, 0.25), ("regular", 0.35, 5.0, 0.65),
               ("expert", 0.09, 9.0, 0.8), ("leader", 0.03, 12.0, 0.9),
               ("drifter", 0.18, 4.5, 0.6), ("farmer", 0.01, 40.0, 0.9),
               ("spammer", 0.01, 3.0, 0.3))


def _people(rng: random.Random, members: int, days: int, community: str) -> list[Persona]:
    prefix = community.split(":", 1)[0]
    people: list[Persona] = []
    for i in range(members):
        roll, acc, kind, rate, active_p = rng.random(), 0.0, "regular", 5.0, 0.6
        for k, share, r, p in PERSONA_MIX:
            acc += share
            if roll < acc:
                kind, rate, active_p = k, r, p
                break
        lang = rng.choices(["en", "zh", "both"], weights=[0.6, 0.3, 0.1])[0]
        early = kind in ("expert", "leader", "regular", "drifter") and rng.random() < 0.7
        join_day = 0 if early else rng.randrange(0, max(1, days - 3))
        if kind == "spammer":
            join_day = rng.randrange(days // 3, days - 1)
        p = Persona(f"{prefix}:u{i:04d}", f"user{i:04d}", kind, lang, join_day,
                    rate * rng.uniform(0.9, 2.1), active_p)
        if kind == "drifter":
            p.leave_day = rng.randrange(max(join_day + 5, days // 4), max(join_day + 6, days - 5))
            if rng.random() < 0.35:
                p.return_day = min(days - 1, p.leave_day + rng.randrange(7, 25))
        if kind in ("regular", "expert", "leader") and rng.random() < 0.4:
            p.team = f"team{rng.randrange(6)}"
        people.append(p)
    return people


def _text(rng: random.Random, p: Persona, lang: str) -> str:
    if p.kind == "farmer":
        return rng.choice(["gm", "gm!", "GM gm", "hello", "hi hi", "nice"]) if rng.random() < .6 \
            else (p.recent_texts[-1] if p.recent_texts else "good morning everyone")
    if lang == "zh":
        return rng.choice(ZH_OPEN) + rng.choice(ZH_BODY) + rng.choice(ZH_CLOSE)
    return f"{rng.choice(EN_OPEN)} {rng.choice(EN_BODY)}{rng.choice(EN_CLOSE)}"


def _engagement(p: Persona, day: int, side: random.Random) -> float:
    """Realistic mode: newcomers lose interest over time unless somebody welcomed them."""
    if p.drift_from is not None and p.leave_day is not None and day >= p.drift_from:
        span = max(1, p.leave_day - p.drift_from)
        p.engagement = max(0.15, 1 - (day - p.drift_from) / span * 0.85)
        return p.engagement
    if p.kind != "newcomer" or p.welcomed:
        return 1.0
    if p.half_life is None:
        p.half_life = side.uniform(4.0, 20.0)
    p.engagement = 0.5 ** (max(0, day - p.join_day) / p.half_life)
    return p.engagement


def _life_happens(people: list[Persona], days: int, side: random.Random) -> None:
    """Realistic mode: some regulars drift away too, fading over one to three weeks first."""
    for p in people:
        if p.kind == "regular" and days >= 12 and side.random() < REGULARS_WHO_DRIFT:
            p.leave_day = side.randrange(max(p.join_day + 10, days // 4), days + days // 2)
            p.drift_from = p.leave_day - side.randrange(7, 22)


def _welcome(p: Persona, day: int) -> None:
    if p.kind == "newcomer" and day - p.join_day <= 7:
        p.welcomed = True


def _nudge(people: list[Persona], day: int, day_start: datetime,
           last_active: dict[str, datetime], nudged: set[str],
           exposures: list[SimulatedExposure], todays: list[Event], side: random.Random,
           community: str, nudge_no: int) -> int:
    """Nudge members silent for ``NUDGE_SILENT_DAYS`` (once each); in the "social" arm
    ``NUDGE_EFFECT`` of them post within the window. Returns the running message number."""
    when = day_start + timedelta(hours=10)
    quiet_since = when - timedelta(days=NUDGE_SILENT_DAYS)
    for p in people:
        if p.member_id in nudged or not p.present(when) or p.kind == "spammer":
            continue
        seen = last_active.get(p.member_id, p.joined_at)
        if seen is None or seen > quiet_since:
            continue
        nudged.add(p.member_id)
        arm = assign_arm(NUDGE_EXPERIMENT, p.member_id, NUDGE_ARMS)
        exposures.append(SimulatedExposure(NUDGE_EXPERIMENT, p.member_id, arm, when))
        if arm != "social" or side.random() >= NUDGE_EFFECT:
            continue
        nudge_no += 1
        at = when + timedelta(minutes=side.uniform(10, NUDGE_WINDOW_MINUTES - 30))
        lang = side.choice(["en", "zh"]) if p.lang == "both" else p.lang
        todays.append(MessagePosted(community, p.member_id, at, channel_id="general",
                                    message_id=f"nudge-{nudge_no}", text=_text(side, p, lang),
                                    member_name=p.name))
        last_active[p.member_id] = at
    return nudge_no


def simulate(*, members: int = 500, days: int = 60, seed: int = 7,
             community: str = "console:demo", start: datetime = START,
             realistic_reactions: bool = False,
             exposures: list[SimulatedExposure] | None = None) -> Iterator[Event]:
    """Yield the community's events in time order (deterministic for a given seed).

    ``realistic_reactions`` and ``exposures`` turn on the insights extensions described in
    the module docstring; the nudge experiment appends its exposures to ``exposures``.
    """
    rng = random.Random(seed)
    side = random.Random(seed * 7919 + 17)  # the extensions' own stream
    people = _people(rng, members, days, community)
    by_id = {p.member_id: p for p in people}
    if realistic_reactions:
        _life_happens(people, days, side)
    last_active: dict[str, datetime] = {}
    nudged: set[str] = set()
    nudge_no = 0
    moderator = next((q for q in people if q.kind == "leader" and q.join_day == 0), None) \
        if realistic_reactions else None
    message_no = 0
    recent: dict[str, list[tuple[str, str, bool, datetime]]] = {c: [] for c in CHANNELS}
    carry: list[Event] = []  # events that fall after midnight (late reactions, replies)
    distress_days = {rng.randrange(days // 2, days): DISTRESS[i] for i in range(len(DISTRESS))}
    heated_day = days * 2 // 3
    for day in range(days):
        day_start = start + timedelta(days=day)
        todays: list[Event] = []
        if exposures is not None and day >= 2 * NUDGE_EVERY and day % NUDGE_EVERY == 0:
            nudge_no = _nudge(people, day, day_start, last_active, nudged, exposures, todays,
                              side, community, nudge_no)
        for p in people:
            if day == p.join_day:
                p.joined_at = day_start + timedelta(hours=rng.uniform(0, 23))
                todays.append(MemberJoined(community, p.member_id, p.joined_at,
                                           member_name=p.name))
            if day == p.return_day and p.left:
                p.joined_at, p.left = day_start + timedelta(hours=8), False
                todays.append(MemberJoined(community, p.member_id, p.joined_at,
                                           member_name=p.name))
            if day < p.join_day:
                continue
            if p.leave_day is not None and p.leave_day <= day and (
                    p.return_day is None or day < p.return_day):
                continue
            activity = p.active_p * (1.0 if p.kind != "drifter" or p.leave_day is None
                                     else max(0.2, 1 - (day - p.join_day) /
                                              max(1, p.leave_day - p.join_day) * 0.7))
            if realistic_reactions:
                activity *= _engagement(p, day, side)
            if rng.random() > activity:
                continue
            count = max(1, int(rng.expovariate(1 / p.rate))) if p.rate >= 1 else 1
            hour_bias = rng.choice([10, 14, 20, 22]) if p.kind != "newcomer" else 19
            for _ in range(min(count, 60)):
                at = day_start + timedelta(
                    hours=max(0.0, min(23.99, rng.gauss(hour_bias, 3.5))),
                    seconds=rng.uniform(0, 59))
                assert p.joined_at is not None
                if at <= p.joined_at:  # nobody speaks before joining
                    at = p.joined_at + timedelta(minutes=1 + message_no % 45)
                message_no += 1
                lang = rng.choice(["en", "zh"]) if p.lang == "both" else p.lang
                channel = rng.choices(CHANNELS, weights=[5, 3, 1, 2, 1])[0]
                text = _text(rng, p, lang) if p.kind != "spammer" else rng.choice(SPAM)
                reply_to: tuple[str, str, bool, datetime] | None = None
                if recent[channel] and rng.random() < (0.55 if p.kind == "expert" else 0.28):
                    reply_to = rng.choice(recent[channel][-20:])
                    if reply_to[1] == p.member_id:
                        reply_to = None
                    elif realistic_reactions and reply_to[1] in by_id:
                        _welcome(by_id[reply_to[1]], day)
                if reply_to is not None and at <= reply_to[3]:
                    # a reply comes after the message it answers (response times stay real)
                    at = reply_to[3] + timedelta(seconds=30 + message_no % 600)
                mid = f"{message_no}"
                todays.append(MessagePosted(
                    community, p.member_id, at, channel_id=channel, message_id=mid, text=text,
                    member_name=p.name,
                    reply_to_message_id=reply_to[0] if reply_to else None,
                    reply_to_member_id=reply_to[1] if reply_to else None,
                    starts_thread=rng.random() < 0.02,
                ))
                p.recent_texts = [*p.recent_texts, text][-3:]
                last_active[p.member_id] = max(at, last_active.get(p.member_id, at))
                if (moderator is not None and reply_to is not None and moderator is not p
                        and p.kind in ("expert", "leader")
                        and side.random() < HELPFUL_SHARE):
                    marked = at + timedelta(minutes=side.uniform(20, 120))
                    if moderator.present(marked):
                        todays.append(CommandInvoked(
                            community, moderator.member_id, marked, name="helpful", args=mid,
                            channel_id=channel, roles=frozenset({"member", "moderator"}),
                            member_name=moderator.name, interaction_id=f"helpful-{mid}"))
                recent[channel].append((mid, p.member_id, p.kind in ("expert", "leader"), at))
                if len(recent[channel]) > 60:
                    recent[channel] = recent[channel][-40:]
                reactions = rng.random() * (2.5 if p.kind in ("expert", "leader") else 1.0)
                reacted: set[tuple[str, str]] = set()
                for _ in range(int(reactions * 2) if p.kind not in ("spammer", "farmer") else 0):
                    fan = people[rng.randrange(len(people))]
                    emoji = rng.choice(EMOJI)
                    if (fan.member_id, emoji) in reacted:
                        continue  # platforms allow one reaction per member and emoji
                    reacted.add((fan.member_id, emoji))
                    reacted_at = at + timedelta(minutes=rng.uniform(1, 90))
                    if realistic_reactions and (fan.away(day) or side.random()
                                                > fan.active_p * fan.engagement):
                        continue
                    if fan.member_id != p.member_id and fan.present(reacted_at):
                        last_active[fan.member_id] = max(
                            reacted_at, last_active.get(fan.member_id, reacted_at))
                        todays.append(ReactionAdded(
                            community, fan.member_id, reacted_at,
                            channel_id=channel, message_id=mid, emoji=emoji,
                            target_member_id=p.member_id))
            if p.kind in ("regular", "leader") and rng.random() < 0.05:
                todays.append(VoiceSessionEnded(
                    community, p.member_id,
                    max(day_start + timedelta(hours=21), p.joined_at + timedelta(hours=1)),
                    channel_id="voice", minutes=round(rng.uniform(5, 90), 1),
                    session_id=f"{p.member_id}:{day}"))
            if p.leave_day == day + 1 and rng.random() < 0.3:
                p.left = True
                last = max((e.at for e in todays if e.member_id == p.member_id),
                           default=p.joined_at)
                todays.append(MemberLeft(community, p.member_id,
                                         max(day_start + timedelta(hours=23),
                                             last + timedelta(minutes=5))))
        if day in distress_days:
            when = day_start + timedelta(hours=23, minutes=30)
            here = [q for q in people if q.present(when)] or people
            victim = here[rng.randrange(len(here))]
            message_no += 1
            todays.append(MessagePosted(community, victim.member_id, when,
                                        channel_id="random", message_id=f"{message_no}",
                                        text=distress_days[day], member_name=victim.name))
        if day == heated_day:
            base = day_start + timedelta(hours=20)
            here = [q for q in people if q.present(base)] or people
            for i in range(40):
                p = here[rng.randrange(len(here))]
                message_no += 1
                todays.append(MessagePosted(community, p.member_id,
                                            base + timedelta(seconds=20 * i),
                                            channel_id="general", message_id=f"{message_no}",
                                            text=rng.choice(HEATED), member_name=p.name))
        todays.extend(carry)
        todays.sort(key=lambda e: e.at)
        tomorrow = day_start + timedelta(days=1)
        carry = [e for e in todays if e.at >= tomorrow]
        yield from (e for e in todays if e.at < tomorrow)
    yield from carry
