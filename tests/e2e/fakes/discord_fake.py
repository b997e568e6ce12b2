"""A fake Discord: REST API and gateway websocket on 127.0.0.1, for driving real discord.py.

It keeps just enough state to be honest with the client: guilds/roles/channels/members sent
in GUILD_CREATE, messages the bot posts (with their components, so button presses can carry
the original message), interaction callbacks and follow-ups, sessions with sequence numbers
and a replay log (so RESUME after a dropped socket delivers what was missed), and queued
failures (e.g. a 429 with ``Via`` header that discord.py must retry).

Pitfalls it respects (see shared/notes/e2e-platforms.md): content-type exactly
``application/json``; interaction callbacks answer with a JSON body; interaction and webhook
routes carry no bot Authorization header.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (Discord API docs).
ADMINISTRATOR = 1 << 3
BAN_MEMBERS = 1 << 2
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
MANAGE_ROLES = 1 << 28
MODERATE_MEMBERS = 1 << 40
MANAGE_CHANNELS = 1 << 4
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | (1 << 16) | (1 << 6)  # + history, reactions

_counter = itertools.count(1)


def snowflake(at: datetime | None = None) -> int:
    """A Discord snowflake for ``at`` (now by default), unique within this process."""
    ms = int((at or datetime.now(UTC)).timestamp() * 1000)
    return ((ms - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


def iso(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).isoformat()


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id), "username": name, "global_name": name, "discriminator": "0",
        "avatar": None, "bot": bot, "public_flags": 0,
    }


def role_payload(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id), "name": name, "permissions": str(permissions),
        "position": position, "color": 0, "hoist": False, "managed": False,
        "mentionable": False, "flags": 0,
    }


def text_channel_payload(channel_id: int, guild_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": name,
        "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None,
        "rate_limit_per_user": 0, "topic": None, "last_message_id": None,
    }


def voice_channel_payload(channel_id: int, guild_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(channel_id), "type": 2, "guild_id": str(guild_id), "name": name,
        "position": 1, "permission_overwrites": [], "nsfw": False, "parent_id": None,
        "bitrate": 64000, "user_limit": 0, "rtc_region": None, "rate_limit_per_user": 0,
    }


@dataclass
class FakeMember:
    user_id: int
    name: str
    roles: list[int] = field(default_factory=list)
    bot: bool = False

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles], "joined_at": iso(), "deaf": False,
            "mute": False, "flags": 0, "nick": None, "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user_payload(self.user_id, self.name, bot=self.bot)
        return data


@dataclass
class FakeGuild:
    guild_id: int
    name: str
    owner_id: int
    roles: dict[int, dict[str, Any]] = field(default_factory=dict)
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)

    def add_role(self, name: str, permissions: int, position: int) -> int:
        role_id = snowflake()
        self.roles[role_id] = role_payload(role_id, name, permissions, position)
        return role_id

    def add_text_channel(self, name: str) -> int:
        channel_id = snowflake()
        self.channels[channel_id] = text_channel_payload(channel_id, self.guild_id, name)
        return channel_id

    def add_voice_channel(self, name: str) -> int:
        channel_id = snowflake()
        self.channels[channel_id] = voice_channel_payload(channel_id, self.guild_id, name)
        return channel_id

    def add_member(self, user_id: int, name: str, roles: Iterable[int] = (), *,
                   bot: bool = False) -> FakeMember:
        member = FakeMember(user_id, name, list(roles), bot)
        self.members[user_id] = member
        return member

    def permissions_of(self, user_id: int) -> int:
        """Guild-level permissions (everyone + member roles; owner gets everything)."""
        if user_id == self.owner_id:
            return (1 << 53) - 1
        value = int(self.roles[self.guild_id]["permissions"])
        member = self.members.get(user_id)
        for role_id in member.roles if member else []:
            value |= int(self.roles[role_id]["permissions"])
        if value & ADMINISTRATOR:
            return (1 << 53) - 1
        return value

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id), "name": self.name, "owner_id": str(self.owner_id),
            "unavailable": False, "icon": None, "features": [], "member_count": len(self.members),
            "large": False, "roles": list(self.roles.values()),
            "channels": list(self.channels.values()), "threads": [], "emojis": [],
            "stickers": [], "voice_states": [], "presences": [], "afk_channel_id": None,
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "system_channel_id": None,
            "preferred_locale": "en-US", "premium_tier": 0, "nsfw_level": 0,
            "members": [m.payload() for m in self.members.values()],
            "joined_at": iso(),
        }


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    authorized: bool


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


@dataclass
class Session:
    session_id: str
    shard: tuple[int, int]
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None


class FakeDiscord:
    """Run with ``async with FakeDiscord() as fake:``; point the client at
    ``fake.api_base_url`` and ``fake.gateway_url``."""

    def __init__(self, *, token: str) -> None:
        self.token = token
        self.bot_id = snowflake()
        self.app_id = self.bot_id
        self.guilds: dict[int, FakeGuild] = {}
        self.requests: list[Recorded] = []
        self.gateway_frames: list[dict[str, Any]] = []  # every frame the client sent
        self.sessions: dict[str, Session] = {}
        self.messages: dict[int, dict[str, Any]] = {}  # id -> message the bot created
        self.dm_channels: dict[int, int] = {}  # dm channel id -> user id
        self.dm_refused: set[int] = set()
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.interaction_responses: dict[int, list[dict[str, Any]]] = {}
        self._interaction_channels: dict[str, int] = {}  # interaction id / token -> channel
        self.connections = 0
        self.close_on_identify: int | None = None  # e.g. 4014: disallowed intents
        self._failures: list[Failure] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = []
        self._setup_routes()

    # -- server lifecycle ------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gw", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001)
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gw"

    # -- scenario helpers ------------------------------------------------------------------

    def add_guild(self, name: str, owner_id: int) -> FakeGuild:
        guild_id = snowflake()
        guild = FakeGuild(guild_id, name, owner_id)
        guild.roles[guild_id] = role_payload(guild_id, "@everyone", MEMBER_PERMISSIONS, 0)
        self.guilds[guild_id] = guild
        return guild

    def fail_next(
        self, method: str, path_regex: str, *, status: int = 429, times: int = 1,
        body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with an error."""
        if status == 429:
            body = body or {"message": "You are being rate limited.", "retry_after": 0.05,
                            "global": False}
            headers = {"Via": "1.1 google", "Retry-After": "1",
                       "X-RateLimit-Scope": "user", **(headers or {})}
        self._failures.append(Failure(method, re.compile(path_regex), status, body or {},
                                      headers or {}, times))

    def requests_to(self, method: str, path_regex: str) -> list[Recorded]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 3.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every request/frame)."""
        async def waiter() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result
        return await asyncio.wait_for(waiter(), timeout)

    async def wait_request(
        self, method: str, path_regex: str, *, count: int = 1, timeout: float = 3.0
    ) -> Recorded:
        found = await self.wait_for(
            lambda: len(self.requests_to(method, path_regex)) >= count
            and self.requests_to(method, path_regex), timeout,
        )
        return found[count - 1]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _session_for(self, guild_id: int | None) -> Session:
        live = list(self.sessions.values())
        if not live:
            raise RuntimeError("no gateway session: has the client connected?")
        if guild_id is None:
            return live[-1]
        for session in reversed(live):
            shard_id, count = session.shard
            if (guild_id >> 22) % count == shard_id:
                return session
        raise RuntimeError(f"no session serves guild {guild_id}")

    async def dispatch(self, event: str, data: dict[str, Any], *,
                       guild_id: int | None = None) -> int:
        """Send a gateway DISPATCH (logged for replay even while the socket is down)."""
        session = self._session_for(guild_id if guild_id is not None else
                                    _maybe_int(data.get("guild_id")))
        return await self._send_dispatch(session, event, data)

    async def _send_dispatch(self, session: Session, event: str, data: dict[str, Any]) -> int:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        ws = session.ws
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):  # replayed on RESUME
                await ws.send_str(json.dumps(frame))
        return session.seq

    async def drop_connection(self, guild_id: int | None = None, code: int = 4000) -> None:
        """Close the gateway socket as a network drop would (the session stays resumable)."""
        session = self._session_for(guild_id)
        ws = session.ws
        session.ws = None
        if ws is not None:
            await ws.close(code=code, message=b"dropped by test")

    # -- payload builders ------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return user_payload(self.bot_id, "HearthBot", bot=True)

    def message_create(
        self, guild: FakeGuild, channel_id: int, author: FakeMember, content: str, *,
        reply_to: dict[str, Any] | None = None, mentions: Iterable[FakeMember] = (),
    ) -> dict[str, Any]:
        message_id = snowflake()
        data: dict[str, Any] = {
            "id": str(message_id), "channel_id": str(channel_id), "guild_id": str(guild.guild_id),
            "author": user_payload(author.user_id, author.name, bot=author.bot),
            "member": author.payload(with_user=False), "content": content,
            "timestamp": iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [
                {**user_payload(m.user_id, m.name), "member": m.payload(with_user=False)}
                for m in mentions
            ],
            "mention_roles": [], "attachments": [], "embeds": [], "pinned": False,
            "type": 0, "flags": 0, "components": [],
        }
        if reply_to is not None:
            data["type"] = 19
            data["message_reference"] = {"message_id": reply_to["id"],
                                         "channel_id": reply_to["channel_id"],
                                         "guild_id": str(guild.guild_id)}
            data["referenced_message"] = reply_to
        return data

    def _interaction_base(
        self, guild: FakeGuild, channel_id: int, user: FakeMember, locale: str, kind: int
    ) -> dict[str, Any]:
        interaction_id = snowflake()
        token = secrets.token_urlsafe(24)
        self._interaction_channels[str(interaction_id)] = channel_id
        self._interaction_channels[token] = channel_id
        return {
            "id": str(interaction_id), "application_id": str(self.app_id), "type": kind,
            "token": token, "version": 1,
            "guild_id": str(guild.guild_id), "channel_id": str(channel_id),
            "channel": guild.channels[channel_id],
            "guild": {"id": str(guild.guild_id), "locale": "en-US", "features": []},
            "member": {**user.payload(), "permissions": str(guild.permissions_of(user.user_id))},
            "locale": locale, "guild_locale": "en-US",
            "app_permissions": str(guild.permissions_of(self.bot_id)),
            "entitlements": [], "authorizing_integration_owners": {"0": str(guild.guild_id)},
            "context": 0, "attachment_size_limit": 8 * 1024 * 1024,
        }

    def command_interaction(
        self, guild: FakeGuild, channel_id: int, user: FakeMember, name: str,
        args: str | None = None, *, group: str | None = None, locale: str = "en-US",
    ) -> dict[str, Any]:
        data = self._interaction_base(guild, channel_id, user, locale, 2)
        options = [{"name": "args", "type": 3, "value": args}] if args is not None else []
        if group is not None:
            options = [{"name": name, "type": 1, "options": options}]
            name = group
        registered = {c["name"]: c for c in self.commands.get(guild.guild_id, [])}
        command_id = registered[name]["id"] if name in registered else str(snowflake())
        data["data"] = {"id": command_id, "name": name, "type": 1, "options": options,
                        "guild_id": str(guild.guild_id)}
        return data

    def button_interaction(
        self, guild: FakeGuild, user: FakeMember, message: dict[str, Any], custom_id: str,
        *, locale: str = "en-US",
    ) -> dict[str, Any]:
        data = self._interaction_base(guild, int(message["channel_id"]), user, locale, 3)
        data["message"] = message
        data["data"] = {"custom_id": custom_id, "component_type": 2}
        return data

    # -- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        await ws.send_str(json.dumps({"op": 10, "s": None, "t": None,
                                      "d": {"heartbeat_interval": 41250}}))
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.gateway_frames.append(frame)
                await self._notify()
                op = frame.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "s": None, "t": None, "d": None}))
                elif op == 2:
                    session = await self._identify(ws, frame["d"])
                elif op == 6:
                    session = await self._resume(ws, frame["d"])
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            raise ConnectionResetError("bad token")
        if self.close_on_identify is not None:
            await ws.close(code=self.close_on_identify, message=b"Disallowed intent(s).")
            raise ConnectionResetError("identify refused")
        shard = tuple(data.get("shard") or (0, 1))
        session = Session(secrets.token_hex(16), (int(shard[0]), int(shard[1])))
        session.ws = ws
        self.sessions[session.session_id] = session
        shard_id, count = session.shard
        mine = [g for g in self.guilds.values() if (g.guild_id >> 22) % count == shard_id]
        await self._send_dispatch(session, "READY", {
            "v": 10, "user": self.bot_user(),
            "guilds": [{"id": str(g.guild_id), "unavailable": True} for g in mine],
            "session_id": session.session_id, "resume_gateway_url": self.gateway_url,
            "shard": [shard_id, count], "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [], "relationships": [],
        })
        for guild in mine:
            await self._send_dispatch(session, "GUILD_CREATE", guild.payload())
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": 9, "s": None, "t": None, "d": False}))
            return None
        session.ws = ws
        last = int(data.get("seq") or 0)
        for frame in [f for f in session.log if f["s"] > last]:
            await ws.send_str(json.dumps(frame))
        await self._send_dispatch(session, "RESUMED", {})
        return session

    # -- REST ------------------------------------------------------------------------------

    def _setup_routes(self) -> None:
        add = self._routes.append
        snow = r"(\d+)"
        add(("GET", re.compile(r"/users/@me"), self._me))
        add(("GET", re.compile(r"/oauth2/applications/@me"), self._application))
        add(("GET", re.compile(r"/gateway(/bot)?"), self._gateway_info))
        add(("GET", re.compile(r"/users/@me/guilds"), self._my_guilds))
        add(("POST", re.compile(r"/users/@me/channels"), self._create_dm))
        add(("POST", re.compile(rf"/channels/{snow}/messages"), self._create_message))
        add(("DELETE", re.compile(rf"/channels/{snow}/messages/{snow}"), self._no_content))
        add(("PATCH", re.compile(rf"/channels/{snow}"), self._edit_channel))
        add(("POST", re.compile(rf"/interactions/{snow}/([^/]+)/callback"), self._callback))
        add(("PATCH", re.compile(rf"/webhooks/{snow}/([^/]+)/messages/@original"),
             self._edit_original))
        add(("DELETE", re.compile(rf"/webhooks/{snow}/([^/]+)/messages/@original"),
             self._no_content))
        add(("POST", re.compile(rf"/webhooks/{snow}/([^/]+)"), self._followup))
        add(("PUT", re.compile(rf"/applications/{snow}/guilds/{snow}/commands"),
             self._put_commands))
        add(("PUT", re.compile(rf"/applications/{snow}/commands"), self._put_commands))
        add(("PUT", re.compile(rf"/guilds/{snow}/members/{snow}/roles/{snow}"), self._no_content))
        add(("DELETE", re.compile(rf"/guilds/{snow}/members/{snow}/roles/{snow}"),
             self._no_content))
        add(("GET", re.compile(rf"/guilds/{snow}/members/{snow}"), self._get_member))
        add(("PATCH", re.compile(rf"/guilds/{snow}/members/{snow}"), self._get_member))
        add(("PUT", re.compile(rf"/guilds/{snow}/bans/{snow}"), self._no_content))
        add(("DELETE", re.compile(rf"/guilds/{snow}/bans/{snow}"), self._no_content))
        add(("GET", re.compile(rf"/guilds/{snow}"), self._get_guild))

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        raw = await request.read()
        body: Any = None
        if raw and request.content_type == "application/json":
            body = json.loads(raw)
        elif raw and request.content_type.startswith("multipart/"):
            body = {"multipart": True}
        authorized = request.headers.get("Authorization") == f"Bot {self.token}"
        self.requests.append(Recorded(request.method, path, dict(request.query), body,
                                      authorized))
        await self._notify()
        for failure in self._failures:
            if failure.times > 0 and failure.method == request.method and \
                    failure.pattern.fullmatch(path):
                failure.times -= 1
                return _json(failure.body, failure.status, failure.headers)
        public = path.startswith(("/interactions/", "/webhooks/"))
        if not public and not authorized:
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                return await handler(request, match, body)
        return _json({"message": "404: Not Found", "code": 0}, 404)

    async def _me(self, *_: Any) -> web.Response:
        return _json({**self.bot_user(), "verified": True, "mfa_enabled": False, "flags": 0})

    async def _application(self, *_: Any) -> web.Response:
        return _json({
            "id": str(self.app_id), "name": "Hearth", "description": "", "icon": None,
            "bot_public": True, "bot_require_code_grant": False,
            "owner": user_payload(snowflake(), "owner"), "verify_key": "0" * 64, "flags": 0,
            "team": None, "summary": "", "rpc_origins": [],
        })

    async def _gateway_info(self, *_: Any) -> web.Response:
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})

    async def _my_guilds(self, *_: Any) -> web.Response:
        return _json([{"id": str(g.guild_id), "name": g.name, "icon": None, "owner": False,
                       "permissions": "0", "features": []} for g in self.guilds.values()])

    async def _create_dm(self, _request: web.Request, _m: Any, body: Any) -> web.Response:
        user_id = int(body["recipient_id"])
        channel_id = snowflake()
        self.dm_channels[channel_id] = user_id
        return _json({"id": str(channel_id), "type": 1, "last_message_id": None,
                      "recipients": [user_payload(user_id, f"user{user_id}")]})

    def _guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds.values() if channel_id in g.channels), None)

    def _bot_message(self, channel_id: int, body: dict[str, Any],
                     flags: int = 0) -> dict[str, Any]:
        message_id = snowflake()
        guild = self._guild_of_channel(channel_id)
        message = {
            "id": str(message_id), "channel_id": str(channel_id),
            "author": self.bot_user(), "content": body.get("content") or "",
            "timestamp": iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": False, "type": 0,
            "flags": flags | int(body.get("flags") or 0),
            "components": body.get("components") or [],
            "allowed_mentions": body.get("allowed_mentions"),
        }
        if guild is not None:
            message["guild_id"] = str(guild.guild_id)
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
            message["type"] = 19
        self.messages[message_id] = message
        return message

    async def _create_message(self, _r: web.Request, match: re.Match[str],
                              body: Any) -> web.Response:
        channel_id = int(match[1])
        user_id = self.dm_channels.get(channel_id)
        if user_id is not None and user_id in self.dm_refused:
            return _json({"message": "Cannot send messages to this user", "code": 50007}, 403)
        return _json(self._bot_message(channel_id, body or {}))

    async def _no_content(self, *_: Any) -> web.Response:
        return web.Response(status=204)

    async def _edit_channel(self, _r: web.Request, match: re.Match[str],
                            body: Any) -> web.Response:
        channel_id = int(match[1])
        guild = self._guild_of_channel(channel_id)
        if guild is None:
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        guild.channels[channel_id].update(body or {})
        return _json(guild.channels[channel_id])

    async def _callback(self, _r: web.Request, match: re.Match[str], body: Any) -> web.Response:
        interaction_id = int(match[1])
        self.interaction_responses.setdefault(interaction_id, []).append(body)
        kind = body["type"]
        data = body.get("data") or {}
        ephemeral = bool(int(data.get("flags") or 0) & 64)
        message = None
        if kind == 4:
            message = self._bot_message(self._interaction_channels.get(match[1], 0), data)
        response: dict[str, Any] = {
            "interaction": {"id": str(interaction_id), "type": 2,
                            "response_message_id": message["id"] if message else None,
                            "response_message_loading": kind == 5,
                            "response_message_ephemeral": ephemeral},
        }
        if message is not None:
            response["resource"] = {"type": kind, "message": message}
        else:
            response["resource"] = {"type": kind}
        return _json(response)

    async def _edit_original(self, _r: web.Request, match: re.Match[str],
                             body: Any) -> web.Response:
        return _json(self._bot_message(self._interaction_channels.get(match[2], 0), body or {}))

    async def _followup(self, _r: web.Request, match: re.Match[str], body: Any) -> web.Response:
        return _json(self._bot_message(self._interaction_channels.get(match[2], 0), body or {}))

    async def _put_commands(self, _r: web.Request, match: re.Match[str],
                            body: Any) -> web.Response:
        guild_id = int(match[2]) if match.lastindex and match.lastindex >= 2 else None
        stored = []
        for command in body or []:
            stored.append({"id": str(snowflake()), "application_id": str(self.app_id),
                           "version": str(snowflake()), "type": 1, **command})
            if guild_id is not None:
                stored[-1]["guild_id"] = str(guild_id)
        self.commands[guild_id] = stored
        return _json(stored)

    async def _get_member(self, _r: web.Request, match: re.Match[str],
                          _body: Any) -> web.Response:
        guild = self.guilds.get(int(match[1]))
        member = guild.members.get(int(match[2])) if guild else None
        if member is None:
            return _json({"message": "Unknown Member", "code": 10007}, 404)
        return _json(member.payload())

    async def _get_guild(self, _r: web.Request, match: re.Match[str],
                         _body: Any) -> web.Response:
        guild = self.guilds.get(int(match[1]))
        if guild is None:
            return _json({"message": "Unknown Guild", "code": 10004}, 404)
        payload = guild.payload()
        payload.pop("members")
        payload.pop("channels")
        return _json(payload)


def _maybe_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with content-type exactly ``application/json`` (discord.py checks it)."""
    return web.Response(
        status=status, body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )

