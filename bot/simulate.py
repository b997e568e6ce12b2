"""A deterministic simulated community for the demo, benchmarks and tests.

Why one module: every feature (growth, safety, feelings, lifecycle, insights) needs realistic
traffic, and they must all see the same community. Seeded randomness makes runs repeatable.
Personas: newcomers who lurk, regulars, experts who answer questions, leaders, drifters who
go quiet (some come back), a couple of point farmers and spammers, a few members in distress,
and a heated thread — in English, Chinese and both.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.events import (
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
    VoiceSessionEnded,
)

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

    def present(self, at: datetime) -> bool:
        """In the community at ``at``: joined before it and not gone."""
        return self.joined_at is not None and self.joined_at < at and not self.left


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


def simulate(*, members: int = 500, days: int = 60, seed: int = 7,
             community: str = "console:demo", start: datetime = START) -> Iterator[Event]:
    """Yield the community's events in time order (deterministic for a given seed)."""
    rng = random.Random(seed)
    people = _people(rng, members, days, community)
    message_no = 0
    recent: dict[str, list[tuple[str, str, bool, datetime]]] = {c: [] for c in CHANNELS}
    carry: list[Event] = []  # events that fall after midnight (late reactions, replies)
    distress_days = {rng.randrange(days // 2, days): DISTRESS[i] for i in range(len(DISTRESS))}
    heated_day = days * 2 // 3
    for day in range(days):
        day_start = start + timedelta(days=day)
        todays: list[Event] = []
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
                    if fan.member_id != p.member_id and fan.present(reacted_at):
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
