"""Hostile input through the real pipeline: ``hearth bench fuzz`` and tests/ops/test_fuzz.py.

Why: a bot in a large community sees everything people (and spammers, and broken clients)
can send — megabyte messages, zalgo, right-to-left overrides and zero-width joiners, NUL
bytes, emoji soup, commands with every kind of wrong argument, members nobody has seen,
events for servers that are not configured, edits of messages that never existed, the same
event three times and events from last year after events from today. None of it may crash
the process, lose other members' data, or leave a member who typed a command without an
answer.

How: a seeded generator (``random.Random`` — this runs in production installs, where
hypothesis is not present) builds events, commands for EVERY registered command with random
arguments, roles and locales, button presses, and raw JSON Lines (including invalid UTF-8)
decoded by :mod:`bot.eventcodec` exactly as ``hearth replay`` does. Everything goes through
``build_app`` + ``Pipeline.process_many`` on a throwaway SQLite file. A failure is any ERROR
log record with a traceback from Hearth code (the pipeline logs a handler exception with
the event and skips it; a command failure is logged and answered with an apology), a batch
flush that rolled back, or an exception escaping the pipeline or the decoder. Each failure
names the handler (innermost Hearth frame) and the input that triggered it.

Inputs that once broke Hearth (``REGRESSIONS``: lone surrogates, JSON nested 100,000 deep,
out-of-range times) are part of every run, and each has its own regression test.
"""

from __future__ import annotations

import json
import logging
import random
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    VoiceSessionEnded,
)

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
COMMUNITIES = (("console", "fuzz", "en"), ("discord", "424242", "zh"),
               ("telegram", "-100777", "en"))
UNKNOWN_COMMUNITIES = ("dc:999999", "tg:-1", "console:ghost")
ROLES = ("member", "moderator", "admin", "expert")
LOCALES = (None, "en", "en-US", "zh", "zh-CN", "zh_TW", "fr", "", "xx-YY", "ZH-hans", "🏳️")
# What these inputs did before they were fixed; kept as the regression tests' reasons.
REGRESSIONS = {
    "lone_surrogate": (
        "text with a lone UTF-16 surrogate (JSON '\\ud800', which Python's json and the "
        "platform clients decode) cannot be encoded for the database: the whole batch flush "
        "fails and every event in it is dropped. Fix: replace lone surrogates (U+FFFD) at "
        "the pipeline boundary (Pipeline._one / eventcodec / adapters) and make the batch "
        "writer isolate a poison event instead of dropping the batch."),
    "deep_json": (
        "a JSON Lines line nested ~100,000 levels deep makes json.loads raise RecursionError, "
        "which bot.eventcodec.read_jsonl does not catch: `hearth replay` stops at that line. "
        "Fix: catch RecursionError in read_jsonl and report the line as not valid JSON."),
    "far_future_time": (
        "an event dated at the end of the calendar (a replay line with "
        "'9999-12-31T23:59:59+14:00') reaches the handlers, and any handler computing "
        "at + delta raises OverflowError (seen in handlers/safety_cases.py "
        "schedule_review_sla via domain/safety/review.py deadlines). Fix: eventcodec (and "
        "the adapters) should refuse times outside a sane range (e.g. years 1970-2200) with "
        "an EventFormatError naming the field."),
    "epoch_overflow": (
        "a JSON Lines event whose 'at' is a huge epoch number (1e20), or an ISO time that "
        "leaves years 1-9999 once converted to UTC ('0001-01-01T00:00:00+14:00'), makes "
        "datetime raise OverflowError (not a ValueError), which "
        "bot.eventcodec.read_jsonl does not catch: `hearth replay` stops at that line. Fix: "
        "catch OverflowError/OSError in eventcodec._parse_time and raise EventFormatError."),
}

COMBINING = [chr(c) for c in range(0x300, 0x370)]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a",
             "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
             "\u00ad", "\u180e", "\u034f"]
WORDS = ["hello", "thanks", "help", "question", "free", "nitro", "crypto", "你好", "谢谢",
         "问题", "免费", "加微信", "kill", "die", "hurt", "sad", "alone", "great", "release",
         "bug", "fix", "@everyone", "@here", "http://x.example/a?b=c", "discord.gg/abc",
         "<@123>", "<#456>", "<@&789>", "<:pepe:111>", "🎉", "🙂", "😭", "🔥", "💰"]
INJECTION = ["'; DROP TABLE activity; --", "\" OR 1=1 --", "%s%s%s%n", "{0}{1}{name}",
             "%(text)s", "${jndi:ldap://x}", "<script>alert(1)</script>", "../../etc/passwd",
             "\\x00\\n", "NaN", "Infinity", "-0", "1e309", "null", "undefined", "{{7*7}}",
             "`rm -rf /`", "\r\n\r\nHTTP/1.1 200 OK"]
ARG_ATOMS = ["", " ", "0", "-1", "1", "42", "999999999999999999999999", "1e309", "-0.0", "NaN",
             "1.5", "½", "١٢٣", "１２３", "tomorrow", "in 5 minutes", "25:99", "2026-02-30",
             "-5m", "9999999d", "0s", "every monday 9:00", "Europe/Berlin", "Mars/Phobos",
             "confirm", "yes", "no", "all", "ack", "close", "approve", "reject", "buy",
             "join", "leave", "create", "list", "@alice", "<@1001>", "console:alice",
             "dc:1001", "tg:501", "#general", "--help", "-h", "\"quoted arg\"", "'single'",
             "x" * 300, "🎉" * 50]


@dataclass(slots=True)
class Failure:
    kind: str  # event | command | button | flush | decode | crash
    where: str  # the handler (file:function) or component that broke
    error: str
    input: str

    def line(self) -> str:
        return f"[{self.kind}] {self.where}: {self.error} <- {self.input}"


@dataclass(slots=True)
class FuzzReport:
    seed: int
    inputs: int = 0
    events: int = 0
    commands: int = 0
    buttons: int = 0
    jsonl_lines: int = 0
    jsonl_rejected: int = 0
    unknown_community: int = 0
    duplicates: int = 0
    actions: int = 0
    commands_by_name: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    silent_commands: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.silent_commands

    def failure_summary(self) -> dict[str, int]:
        return dict(Counter(f"{f.kind} {f.where}: {f.error.splitlines()[0][:120]}"
                            for f in self.failures))

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "inputs": self.inputs, "events": self.events,
                "commands": self.commands, "buttons": self.buttons,
                "jsonl_lines": self.jsonl_lines, "jsonl_rejected": self.jsonl_rejected,
                "unknown_community": self.unknown_community, "duplicates": self.duplicates,
                "actions": self.actions, "commands_by_name": dict(self.commands_by_name),
                "categories": dict(self.categories), "failures": len(self.failures),
                "failure_kinds": self.failure_summary(),
                "failure_examples": [f.line()[:600] for f in self.failures[:20]],
                "silent_commands": self.silent_commands[:20],
                "seconds": round(self.seconds, 2),
                "inputs_per_s": round(self.inputs / self.seconds) if self.seconds else None}


# -- hostile values ---------------------------------------------------------------------------
class Generator:
    """Seeded source of hostile texts, ids, times, events and commands."""

    def __init__(self, rng: random.Random, *, huge_max: int = 200_000) -> None:
        self.rng = rng
        self.huge_max = huge_max
        self.members: dict[str, list[str]] = {}
        self.messages: dict[str, list[tuple[str, str]]] = {}
        self.sent: list[Event] = []
        self.categories: Counter = Counter()
        self._seq = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    # texts
    def text(self) -> str:
        r = self.rng
        kinds = ["plain", "huge", "zalgo", "bidi", "control", "emoji", "injection", "mentions",
                 "flood", "empty", "mixed", "lone_surrogate"]
        weights = [30, 2, 6, 6, 6, 6, 6, 6, 4, 4, 6, 6]
        kind = r.choices(kinds, weights)[0]
        self.categories[f"text:{kind}"] += 1
        words = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 12)))
        if kind == "plain":
            return words
        if kind == "huge":
            # Platforms cap messages at 2,000-4,096 characters; replays and consoles do not.
            roll = r.random()
            size = (r.choice([2_000, 4_096]) if roll < 0.95
                    else r.choice([16_384, 65_536, self.huge_max]))
            unit = r.choice(["a", "ab ", "长", "🎉", words + " ", "\n"])
            return (unit * (size // len(unit) + 1))[:size]
        if kind == "zalgo":
            return "".join(ch + "".join(r.choice(COMBINING) for _ in range(r.randint(5, 60)))
                           for ch in words[:40])
        if kind == "bidi":
            return "".join(ch + (r.choice(INVISIBLE) if r.random() < 0.5 else "")
                           for ch in words) + "\u202e" + "gnp.exe"
        if kind == "control":
            return "".join(r.choice([ch, "\x00", "\x07", "\x1b[31m", "\r", "\t", "\x7f",
                                     "\u2028", "\u0085"]) for ch in words)
        if kind == "emoji":
            return "".join(r.choice(["👨‍👩‍👧‍👦", "🏳️‍🌈", "🇨🇳", "🫠", "\U0001f9d1\u200d💻",
                                     "️", "🔟", "©️"]) for _ in range(r.randint(1, 300)))
        if kind == "injection":
            return r.choice(INJECTION) + " " + words
        if kind == "mentions":
            return " ".join(["@everyone"] * r.randint(1, 30) + [f"<@{r.randint(0, 10**19)}>"
                                                                 for _ in range(20)])
        if kind == "flood":
            return r.choice(["!", "?", "a", "哈", "😂"]) * r.randint(50, 3000)
        if kind == "empty":
            return r.choice(["", " ", "\n\n", "\u200b", "\x00"])
        if kind == "lone_surrogate":  # a known bug, generated only when asked
            return words + r.choice(["\ud800", "\udfff", "\udc00x"])
        return "".join(r.choice([w.upper(), w[::-1], w]) for w in words.split())

    def member(self, community: str) -> str:
        r = self.rng
        prefix = community.split(":", 1)[0]
        known = self.members.setdefault(community, [])
        roll = r.random()
        # Mostly people already seen (as in a real community: the state cache stays warm),
        # some newcomers, and a few ids no platform would send.
        if known and (roll < 0.88 or (len(known) > 400 and roll < 0.97)):
            return r.choice(known)
        if roll < 0.97:
            new = f"{prefix}:{r.randint(1, 10**18)}"
            known.append(new)
            return new
        self.categories["member:odd"] += 1
        return f"{prefix}:" + r.choice(["0", "-1", "∞", "a" * 60, "x y", "<@1>", "null",
                                        "%s", "ü", "\u200b"])

    def community(self) -> str:
        r = self.rng
        if r.random() < 0.04:
            self.categories["community:unknown"] += 1
            return r.choice(UNKNOWN_COMMUNITIES)
        platform, raw, _ = r.choice(COMMUNITIES)
        return {"console": "console:", "discord": "dc:", "telegram": "tg:"}[platform] + raw

    def at(self) -> datetime:
        r = self.rng
        roll = r.random()
        if roll < 0.85:  # roughly in order
            return T0 + timedelta(seconds=self._seq * 7 + r.randint(-30, 30))
        self.categories["time:odd"] += 1
        return r.choice([
            T0 - timedelta(days=r.randint(1, 800)),  # out of order, old
            T0 + timedelta(days=r.randint(1, 800)),  # far ahead
            datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=r.randint(0, 10)),
            datetime(2099, 12, 31, 23, 59, tzinfo=UTC),
        ])

    def channel(self) -> str:
        return self.rng.choice(["general", "help", "random", "0", "ch-" + "x" * 40, "🔥"])

    def message_ref(self, community: str) -> tuple[str, str] | None:
        sent = self.messages.get(community)
        if sent and self.rng.random() < 0.8:
            return self.rng.choice(sent)
        return None

    # events
    def event(self) -> Event:
        r = self.rng
        if self.sent and r.random() < 0.05:
            self.categories["event:duplicate"] += 1
            return r.choice(self.sent[-500:])
        community = self.community()
        member, at, n = self.member(community), self.at(), self._next()
        kind = r.choices(["message", "reaction", "edit", "delete", "join", "leave", "voice",
                          "unreaction"], [50, 16, 8, 5, 7, 3, 5, 3])[0]
        self.categories[f"event:{kind}"] += 1
        ref = self.message_ref(community)
        event: Event
        if kind == "message":
            message_id = str(n) if r.random() < 0.95 else r.choice(["", "0", "-1", "m" * 80])
            reply = ref if r.random() < 0.3 else None
            event = MessagePosted(
                community, member, at, channel_id=self.channel(), message_id=message_id,
                text=self.text(), member_name=self.text()[:r.choice([0, 32, 300])],
                reply_to_message_id=reply[0] if reply else None,
                reply_to_member_id=reply[1] if reply else None,
                thread_id=r.choice([None, None, "t1", str(n)]),
                starts_thread=r.random() < 0.05,
                mentions=tuple(self.member(community) for _ in range(r.choice([0, 0, 1, 5]))),
                attachments=r.choice([0, 0, 1, 10, -1, 10**9]))
            self.messages.setdefault(community, []).append((message_id, member))
        elif kind in ("reaction", "unreaction"):
            target = ref or (str(r.randint(1, 10**6)), self.member(community))
            emoji = r.choice(["👍", "🎉", "<:custom:123>", "", "x" * 200, "\u200b", "+1",
                              "👨‍👩‍👧‍👦", "✅"])
            cls = ReactionAdded if kind == "reaction" else ReactionRemoved
            event = cls(community, member, at, channel_id=self.channel(), message_id=target[0],
                        emoji=emoji, target_member_id=r.choice([target[1], None, member]))
        elif kind == "edit":
            target = ref or (str(r.randint(1, 10**6)), member)
            event = MessageEdited(community, r.choice([member, target[1]]), at,
                                  channel_id=self.channel(), message_id=target[0],
                                  text=self.text())
        elif kind == "delete":
            target = ref or (str(r.randint(1, 10**6)), member)
            event = MessageDeleted(community, target[1], at, channel_id=self.channel(),
                                   message_id=target[0])
        elif kind == "join":
            event = MemberJoined(community, member, at, member_name=self.text()[:64])
        elif kind == "leave":
            event = MemberLeft(community, member, at)
        else:
            minutes = r.choice([0.0, 0.5, 30.0, 600.0, 1e6, -5.0, float("nan"),
                                float("inf"), 1e308])
            event = VoiceSessionEnded(community, member, at, channel_id=self.channel(),
                                      minutes=minutes, session_id=r.choice(["", str(n)]))
        self.sent.append(event)
        if len(self.sent) > 2000:
            del self.sent[:1000]
        return event

    def arguments(self) -> str:
        r = self.rng
        parts = []
        for _ in range(r.choice([0, 1, 1, 2, 3, 6])):
            roll = r.random()
            if roll < 0.55:
                parts.append(r.choice(ARG_ATOMS))
            elif roll < 0.8:
                parts.append(self.text()[:r.choice([20, 200, 5000])])
            else:
                parts.append(r.choice(INJECTION))
        return " ".join(parts)

    def command(self, name: str) -> CommandInvoked:
        r = self.rng
        community = self.community() if r.random() < 0.97 else r.choice(UNKNOWN_COMMUNITIES)
        roles = frozenset(r.sample(ROLES, r.randint(0, 3))) or frozenset({"member"})
        self.categories["command"] += 1
        return CommandInvoked(community, self.member(community), self.at(), name=name,
                              args=self.arguments(), channel_id=self.channel(), roles=roles,
                              locale=r.choice(LOCALES), member_name=self.text()[:40],
                              interaction_id=f"fz{self._next()}")

    def unknown_command(self) -> CommandInvoked:
        name = self.rng.choice(["", "HELP", "help2", "ранг", "排行", "x" * 100, "/help",
                                "help me", "\u200bhelp"])
        return replace(self.command("help"), name=name)

    def button(self) -> ButtonPressed:
        r = self.rng
        community = self.community()
        self.categories["button"] += 1
        custom = r.choice(["review:claim:1", "review:approve:999999", "review:x", "review:",
                           "ack:", "ack:abc", "support:ack:1", "x" * 100, "", ":::",
                           f"review:claim:{r.randint(-5, 10**12)}"])
        return ButtonPressed(community, self.member(community), self.at(), custom_id=custom,
                             channel_id=self.channel(),
                             roles=frozenset(r.sample(ROLES, r.randint(1, 2))),
                             locale=r.choice(LOCALES))

    def jsonl_line(self) -> bytes:
        """One line of a replay file: valid hostile events, or broken in some way."""
        from bot.eventcodec import dumps

        r = self.rng
        roll = r.random()
        if roll < 0.55:
            self.categories["jsonl:valid"] += 1
            return dumps(self.event()).encode("utf-8", "surrogatepass")
        if roll < 0.62:
            self.categories["jsonl:lone_surrogate"] += 1
            return (b'{"type":"message","community_id":"console:fuzz","member_id":"console:s",'
                    b'"at":"2026-03-01T12:00:00Z","channel_id":"g","message_id":"s%d",'
                    b'"text":"x\\ud800y"}' % self._next())
        if roll < 0.64:
            self.categories["jsonl:deep"] += 1
            return b"[" * 100_000 + b"]" * 100_000
        self.categories["jsonl:broken"] += 1
        valid = json.loads(dumps(self.event()).encode("utf-8", "surrogatepass")
                           .decode("utf-8", "replace"))
        mutation = r.randrange(12)
        if mutation == 0:
            return r.choice([b"\xff\xfe\xfd", b'{"type":"message","text":"\xe4\xb8"}',
                             b"\xc0\x80", b"\xed\xa0\x80"])
        if mutation == 1:
            return json.dumps(valid)[: r.randint(1, 40)].encode()
        if mutation == 2:
            valid["at"] = r.choice(["yesterday", "", None, [], "2026-13-45", "NaN", True,
                                    "2026-03-01T25:00:00Z", "0000-01-01T00:00:00Z"])
            if r.random() < 0.3:
                self.categories["jsonl:time_out_of_range"] += 1
                valid["at"] = r.choice([1e20, -1e20, 1e300, "9999-12-31T23:59:59-14:00",
                                        "0001-01-01T00:00:00+14:00",
                                        "9999-12-31T23:59:59+14:00"])
        elif mutation == 3:
            valid.pop(r.choice(sorted(valid)), None)
        elif mutation == 4:
            valid["type"] = r.choice(["messages", "", None, 5, "MESSAGE", "command "])
        elif mutation == 5:
            valid[r.choice(["extra", "__class__", "", "text "])] = 1
        elif mutation == 6:
            valid["community_id"] = r.choice(["fuzz", "xx:1", "", None, 5, ":", "dc:"])
        elif mutation == 7:
            key = r.choice(sorted(valid))
            valid[key] = r.choice([None, [], {}, True, 1.5, -1, "x" * 1000, float("nan")])
        elif mutation == 8:
            return r.choice([b"[]", b"null", b"1", b'"text"', b"{}", b"   ", b"\x00",
                             b"\xef\xbb\xbf{}"])
        elif mutation == 9:
            valid["member_id"] = r.choice(["", None, True, ["a"], {"id": 1}, 1.5])
        elif mutation == 10:
            return (json.dumps(valid) + "garbage").encode()
        else:
            valid["minutes"] = r.choice(["NaN", "ten", None, 1e400])
        return json.dumps(valid, ensure_ascii=r.random() < 0.5, allow_nan=True).encode()


# -- failure capture --------------------------------------------------------------------------
class _Capture(logging.Handler):
    """Collects ERROR records with a traceback from Hearth's own loggers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("hearth", "bot", "handlers", "domain")):
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        out, self.records = self.records, []
        return out


def culprit(tb: Any) -> str:
    """The innermost frame in Hearth's code (handlers/ first, then domain/, bot/)."""
    frames = traceback.extract_tb(tb) if tb is not None else []
    for folder in ("/handlers/", "/domain/", "/bot/"):
        inside = [f for f in frames if folder in f.filename.replace("\\", "/")]
        if inside:
            frame = inside[-1]
            name = frame.filename.replace("\\", "/").split(folder, 1)[1]
            return f"{folder.strip('/')}/{name}:{frame.name}"
    return "unknown"


def _describe(item: Any) -> str:
    text = ascii(item)
    return text if len(text) <= 300 else text[:297] + "..."


def _record_failures(records: list[logging.LogRecord], kind: str, item: Any,
                     report: FuzzReport) -> None:
    for record in records:
        exc = record.exc_info[1] if record.exc_info else None
        where = culprit(record.exc_info[2]) if record.exc_info else record.name
        error = f"{type(exc).__name__}: {exc}" if exc else record.getMessage()
        report.failures.append(Failure(kind, where, error[:500], _describe(item)))


# -- the run ----------------------------------------------------------------------------------
def fuzz_config(database: Path) -> Any:
    from bot.config import default_config

    communities = [{"platform": p, "id": raw, "name": f"fuzz {p}", "language": lang}
                   for p, raw, lang in COMMUNITIES]
    return default_config(f"sqlite+aiosqlite:///{database}", communities=communities,
                          pipeline={"batch_size": 500, "flush_interval_ms": 50},
                          logging={"level": "WARNING"})


async def run_fuzz(total: int = 20_000, *, seed: int = 0, database: Path | None = None,
                   command_share: float = 0.1,
                   jsonl_share: float = 0.02, chunk: int = 300,
                   huge_max: int = 200_000) -> FuzzReport:
    """Push ``total`` hostile inputs through a fresh app; see the module docstring."""
    from bot.bootstrap import build_app
    from handlers.registry import registry

    report = FuzzReport(seed=seed)
    rng = random.Random(seed)
    gen = Generator(rng, huge_max=huge_max)
    folder = None
    if database is None:
        folder = tempfile.TemporaryDirectory(prefix="hearth-fuzz-")
        database = Path(folder.name) / "fuzz.db"
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    # Handlers log warnings for hostile input by design; keep them off the console.
    quiet = [(name, logging.getLogger(name).level) for name in ("hearth", "bot")]
    for name, _ in quiet:
        logging.getLogger(name).setLevel(logging.ERROR)
    started = time.perf_counter()
    app = await build_app(fuzz_config(database))
    flush_failures: list[tuple[list[Any], BaseException]] = []
    previous_failure = app.writer.on_failure

    def on_failure(batch: list[Any], exc: BaseException) -> None:
        flush_failures.append((batch, exc))
        if previous_failure is not None:
            previous_failure(batch, exc)

    app.writer.on_failure = on_failure
    names = sorted(registry.commands)
    try:
        pending: list[Event] = []
        command_no = 0
        while report.inputs < total:
            roll = rng.random()
            if roll < command_share:
                await _flush_events(app, pending, report, capture, flush_failures)
                pending = []
                if rng.random() < 0.05:
                    item = gen.unknown_command()
                else:
                    item = gen.command(names[command_no % len(names)])
                    command_no += 1
                await _one_command(app, item, report, capture)
                report.inputs += 1
            elif roll < command_share + 0.02:
                await _flush_events(app, pending, report, capture, flush_failures)
                pending = []
                await _one_button(app, gen.button(), report, capture)
                report.inputs += 1
            elif roll < command_share + 0.02 + jsonl_share:
                lines = [gen.jsonl_line() for _ in range(min(10, total - report.inputs))]
                report.inputs += len(lines)
                pending.extend(_decode(lines, report))
            else:
                pending.append(gen.event())
                report.inputs += 1
            if len(pending) >= chunk:
                await _flush_events(app, pending, report, capture, flush_failures)
                pending = []
        await _flush_events(app, pending, report, capture, flush_failures)
        await app.pipeline.flush()
        _record_flush_failures(flush_failures, report)
        _record_failures(capture.take(), "event", "(after the run)", report)
    finally:
        try:
            await app.close()
        finally:
            root.removeHandler(capture)
            for name, level in quiet:
                logging.getLogger(name).setLevel(level)
            if folder is not None:
                folder.cleanup()
    stats = app.pipeline.stats
    report.unknown_community = stats.unknown_community
    report.duplicates = stats.duplicates
    report.actions = stats.actions
    report.categories = gen.categories
    report.seconds = time.perf_counter() - started
    if stats.failed and not any(f.kind == "event" for f in report.failures):
        report.failures.append(Failure("event", "pipeline", f"{stats.failed} events failed "
                                       "without a logged traceback", ""))
    return report


async def _flush_events(app: Any, events: list[Event], report: FuzzReport, capture: _Capture,
                        flush_failures: list[tuple[list[Any], BaseException]]) -> None:
    if not events:
        return
    report.events += len(events)
    try:
        await app.pipeline.process_many(events)
    except Exception as exc:  # the pipeline must never raise for an event
        report.failures.append(Failure("crash", culprit(exc.__traceback__),
                                       f"{type(exc).__name__}: {exc}"[:500],
                                       _describe(events[:3])))
    records = capture.take()
    by_key = {}
    for item in events:
        by_key.setdefault(_key_text(item), item)
    for record in records:
        message = record.getMessage()
        culprit_item = next((item for key, item in by_key.items() if key and key in message),
                            "(one of the chunk's events)")
        _record_failures([record], "event", culprit_item, report)
    _record_flush_failures(flush_failures, report)


def _key_text(item: Event) -> str:
    from domain.events import event_key

    key = event_key(item)
    return f"key={key}" if key else ""


def _record_flush_failures(flush_failures: list[tuple[list[Any], BaseException]],
                           report: FuzzReport) -> None:
    while flush_failures:
        batch, exc = flush_failures.pop(0)
        keys = [getattr(s, "event_key", "?") for s in batch[:3]]
        report.failures.append(Failure(
            "flush", culprit(exc.__traceback__) + " (batch writer)",
            f"{type(exc).__name__}: {exc}"[:500], f"batch of {len(batch)} events, first {keys}"))


async def _one_command(app: Any, item: CommandInvoked, report: FuzzReport,
                       capture: _Capture) -> None:
    stats = app.pipeline.stats
    before = (stats.duplicates, stats.unknown_community)
    report.commands += 1
    report.commands_by_name[item.name] += 1
    try:
        actions = await app.pipeline.process_many([item])
    except Exception as exc:
        report.failures.append(Failure("crash", culprit(exc.__traceback__),
                                       f"{type(exc).__name__}: {exc}"[:500], _describe(item)))
        return
    _record_failures(capture.take(), "command", item, report)
    skipped = (stats.duplicates, stats.unknown_community) != before
    if not skipped and not actions:
        report.silent_commands.append(f"/{item.name} {item.args[:80]!a} roles="
                                      f"{sorted(item.roles)} in {item.community_id}")


async def _one_button(app: Any, item: ButtonPressed, report: FuzzReport,
                      capture: _Capture) -> None:
    report.buttons += 1
    try:
        await app.pipeline.process_many([item])
    except Exception as exc:
        report.failures.append(Failure("crash", culprit(exc.__traceback__),
                                       f"{type(exc).__name__}: {exc}"[:500], _describe(item)))
        return
    _record_failures(capture.take(), "button", item, report)


def _decode(lines: list[bytes], report: FuzzReport) -> list[Event]:
    """Decode raw lines with ``bot.eventcodec.read_jsonl`` (as ``hearth replay`` does)."""
    from bot.eventcodec import EventFormatError, read_jsonl

    events: list[Event] = []
    remaining = lines
    while remaining:
        with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as handle:
            handle.write(b"\n".join(line.replace(b"\n", b" ") for line in remaining) + b"\n")
            path = Path(handle.name)
        seen = 0
        try:
            for number, item in read_jsonl(path):
                seen = number
                report.jsonl_lines += 1
                if isinstance(item, EventFormatError):
                    report.jsonl_rejected += 1
                    if not str(item).strip():
                        report.failures.append(Failure("decode", "bot/eventcodec.py",
                                                       "empty error message",
                                                       _describe(remaining[number - 1])))
                else:
                    events.append(item)
            remaining = []
        except Exception as exc:  # the decoder must report a bad line, never raise
            bad = seen  # 0-based index of the line after the last one yielded …
            while bad < len(remaining) - 1 and not remaining[bad].strip():
                bad += 1  # … skipping blank lines, which the decoder passes over
            report.jsonl_lines += 1
            report.failures.append(Failure("decode", culprit(exc.__traceback__),
                                           f"{type(exc).__name__}: {exc}"[:300],
                                           _describe(remaining[bad][:200])))
            remaining = remaining[bad + 1:]
        finally:
            path.unlink(missing_ok=True)
    return events


def iter_report_lines(report: FuzzReport) -> Iterator[str]:
    yield (f"fuzzed {report.inputs:,} inputs in {report.seconds:.1f}s "
           f"({report.inputs / report.seconds:,.0f}/s): {report.events:,} events, "
           f"{report.commands:,} commands ({len(report.commands_by_name)} names), "
           f"{report.buttons:,} buttons, {report.jsonl_lines:,} JSONL lines "
           f"({report.jsonl_rejected:,} rejected with a message)")
    yield (f"skipped as duplicates: {report.duplicates:,}; for unknown communities: "
           f"{report.unknown_community:,}; actions produced: {report.actions:,}")
    yield f"failures: {len(report.failures)}; commands without a reply: " \
          f"{len(report.silent_commands)}"
    for line, count in sorted(report.failure_summary().items(), key=lambda kv: -kv[1]):
        yield f"  {count:>5} x {line}"
    for line in report.silent_commands[:10]:
        yield f"  no reply: {line}"
