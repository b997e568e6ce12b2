"""``hearth console``: chat with Hearth in a terminal, through the real pipeline.

Plain lines are messages from you, ``/command args`` are commands, and Hearth's actions are
printed as they would be executed on a platform. Lines starting with ``:`` control the session:
``:as NAME`` switches member, ``:role ROLE`` changes your role, ``:advance 2h`` moves the
simulated clock forward (to see timers fire), ``:quit`` leaves.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.config import Config
from domain.actions import (
    Action,
    AddRole,
    Ban,
    DeleteMessage,
    DirectMessage,
    PostToChannel,
    RemoveRole,
    Reply,
    SetSlowMode,
    Timeout,
)
from domain.events import CommandInvoked, MessagePosted

_DURATION = re.compile(r"^(\d+)\s*([smhd])$")


def render(action: Action) -> str:
    """One line per action, as a person would see its effect."""
    if isinstance(action, Reply):
        extra = " (only you can see this)" if action.ephemeral else ""
        buttons = "".join(f" [{b.label}]" for b in action.buttons)
        return f"hearth{extra}: {action.text}{buttons}"
    if isinstance(action, PostToChannel):
        buttons = "".join(f" [{b.label}:{b.custom_id}]" for b in action.buttons)
        return f"hearth → #{action.channel_id}: {action.text}{buttons}"
    if isinstance(action, DirectMessage):
        return f"hearth → DM {action.member_id}: {action.text}"
    if isinstance(action, DeleteMessage):
        return f"[deleted message {action.message_id}: {action.reason}]"
    if isinstance(action, Timeout):
        return f"[timeout {action.member_id} for {action.seconds}s: {action.reason}]"
    if isinstance(action, Ban):
        return f"[ban {action.member_id}: {action.reason}]"
    if isinstance(action, AddRole):
        return f"[role +{action.role} for {action.member_id}]"
    if isinstance(action, RemoveRole):
        return f"[role -{action.role} for {action.member_id}]"
    if isinstance(action, SetSlowMode):
        return f"[slow mode {action.seconds}s in #{action.channel_id}]"
    return f"[{type(action).__name__}]"


class ConsoleSession:
    """State of one console chat; separated from I/O so tests can drive it."""

    def __init__(self, app, community: str, member: str, role: str,
                 lang: str | None, clock_offset: timedelta = timedelta()):
        self.app = app
        self.community_id = f"console:{community}"
        self.member = member
        self.role = role
        self.lang = lang
        self.offset = clock_offset
        self.counter = 0

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def handle(self, line: str) -> list[str]:
        line = line.strip()
        if not line:
            return []
        if line.startswith(":"):
            return await self._meta(line[1:].strip())
        self.counter += 1
        member_id = f"console:{self.member}"
        if line.startswith("/") and len(line) > 1:
            name, _, args = line[1:].partition(" ")
            roles = frozenset({"member", self.role})
            event = CommandInvoked(self.community_id, member_id, self.now(), name=name.lower(),
                                   args=args.strip(), channel_id="general", roles=roles,
                                   locale=self.lang, member_name=self.member)
        else:
            stamp = self.now()
            event = MessagePosted(self.community_id, member_id, stamp, channel_id="general",
                                  message_id=f"{stamp.timestamp():.6f}-{self.counter}",
                                  text=line, member_name=self.member)
        actions = await self.app.pipeline.process(event)
        await self.app.pipeline.flush()
        return [render(a) for a in actions]

    async def _meta(self, command: str) -> list[str]:
        word, _, rest = command.partition(" ")
        if word == "as" and rest:
            self.member = rest.strip()
            return [f"(you are now {self.member})"]
        if word == "role" and rest.strip() in {"member", "moderator", "admin", "expert"}:
            self.role = rest.strip()
            return [f"(your role is now {self.role})"]
        if word == "advance":
            match = _DURATION.match(rest.strip())
            if not match:
                return ["(usage: :advance 30m | 2h | 1d)"]
            amount, unit = int(match.group(1)), match.group(2)
            self.offset += timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours",
                                         "d": "days"}[unit]: amount})
            fired = await self._run_timers()
            return [f"(clock is now {self.now():%Y-%m-%d %H:%M} UTC)", *fired]
        return ["(console commands: :as NAME, :role ROLE, :advance 2h, :quit)"]

    async def _run_timers(self) -> list[str]:
        sweep = self.app.services.get("sweep")
        if sweep is None:
            return []
        actions = await sweep(self.now())
        return [render(a) for a in actions]


async def run_console(config: Config, *, community: str, member: str, role: str,
                      lang: str | None, stdin: TextIO | None = None,
                      stdout: TextIO | None = None) -> None:
    from bot.bootstrap import build_app

    source = stdin or sys.stdin
    out = stdout or sys.stdout
    if config.community(f"console:{community}") is None:
        print(f"error: community console:{community} is not in the config; add a "
              f'[[communities]] entry with platform = "console" and id = "{community}"',
              file=sys.stderr)
        raise SystemExit(2)
    app = await build_app(config)
    session = ConsoleSession(app, community, member, role, lang)
    ensure = app.services.get("time_ensure")
    if ensure is not None:
        # Announcements and digests from the config become scheduled rows, as under
        # `hearth run`, so `:advance` fires them too.
        await ensure(session.now())
    interactive = source.isatty()
    print(f"Hearth console — community console:{community}, you are {member} ({role}). "
          "Type messages, /help for commands, :quit to leave.", file=out)
    try:
        while True:
            if interactive:
                print("> ", end="", file=out, flush=True)
            line = source.readline()
            if not line or line.strip() in (":quit", ":q", "/quit"):
                break
            for text in await session.handle(line):
                print(text, file=out, flush=True)
    finally:
        await app.close()
