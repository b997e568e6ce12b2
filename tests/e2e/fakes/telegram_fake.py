"""A fake Telegram Bot API server on 127.0.0.1, for driving real python-telegram-bot.

Requests arrive as ``POST /bot<TOKEN>/<method>`` with form or JSON parameters. getUpdates
honours ``offset`` (drops acknowledged updates) and long-polls up to ``timeout`` seconds.
The fake keeps chats, member statuses, the messages the bot sent and which users have
started the bot (DMs to others fail exactly like Telegram: 403 "bot can't initiate
conversation with a user"). Failures such as a 429 with ``retry_after`` can be queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True, "can_manage_topics": False,
}


def now_ts() -> int:
    return int(datetime.now(UTC).timestamp())


@dataclass
class TgUser:
    user_id: int
    first_name: str
    language_code: str = "en"
    is_bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": self.is_bot, "first_name": self.first_name,
                "language_code": self.language_code}


@dataclass
class TgChat:
    chat_id: int
    title: str
    type: str = "supergroup"
    statuses: dict[int, str] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": self.type, "title": self.title}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    method: str
    status: int
    body: dict[str, Any]
    times: int


class FakeTelegram:
    """Run with ``async with FakeTelegram(token) as fake:``; point PTB at ``fake.base_url``."""

    def __init__(self, token: str, *, bot_username: str = "HearthTestBot") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.calls: list[Call] = []
        self.chats: dict[int, TgChat] = {}
        self.started_bot: set[int] = set()  # users who pressed Start in a private chat
        self.sent: list[dict[str, Any]] = []  # messages the bot sent
        self.commands: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update = itertools.count(1)
        self._next_message = itertools.count(1000)
        self._failures: list[Failure] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    async def __aenter__(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing = True
        await self._notify()  # release pending long polls so shutdown is immediate
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- scenario helpers ------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Hearth",
                "username": self.bot_username, "can_join_groups": True,
                "can_read_all_group_messages": True, "supports_inline_queries": False}

    def add_chat(self, chat_id: int, title: str) -> TgChat:
        chat = TgChat(chat_id, title)
        self.chats[chat_id] = chat
        return chat

    def fail_next(self, method: str, *, status: int = 429, retry_after: float = 0.1,
                  times: int = 1, description: str | None = None) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            body["description"] = description or f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        else:
            body["description"] = description or "Bad Request"
        self._failures.append(Failure(method, status, body, times))

    def message(self, chat: TgChat, user: TgUser, text: str, *,
                reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": next(self._next_message), "date": now_ts(),
            "chat": chat.payload(), "from": user.payload(), "text": text,
        }
        match = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if match:
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
        if reply_to is not None:
            data["reply_to_message"] = reply_to
        return data

    async def push_update(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self._next_update)
        self._updates.append({"update_id": update_id, kind: payload})
        await self._notify()
        return update_id

    async def send_message_update(self, chat: TgChat, user: TgUser, text: str,
                                  **kwargs: Any) -> dict[str, Any]:
        message = self.message(chat, user, text, **kwargs)
        await self.push_update("message", message)
        return message

    async def press_button(self, user: TgUser, message: dict[str, Any], data: str) -> str:
        query_id = f"cbq{next(self._next_update)}"
        await self.push_update("callback_query", {
            "id": query_id, "from": user.payload(), "chat_instance": "ci-1",
            "message": message, "data": data,
        })
        return query_id

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 3.0) -> Any:
        async def waiter() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result
        return await asyncio.wait_for(waiter(), timeout)

    async def wait_call(self, method: str, count: int = 1, timeout: float = 3.0) -> Call:
        calls = await self.wait_for(
            lambda: len(self.calls_to(method)) >= count and self.calls_to(method), timeout
        )
        return calls[count - 1]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- Bot API ---------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw = await request.json()
            return dict(raw or {})
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if not isinstance(value, str):
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
            if key in ("text", "caption", "callback_data", "data") and \
                    not isinstance(params[key], str):
                params[key] = value  # keep text that happens to look like JSON as text
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params))
        await self._notify()
        for failure in self._failures:
            if failure.times > 0 and failure.method.lower() == method.lower():
                failure.times -= 1
                return _json(failure.body, failure.status)
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return _json({"ok": True, "result": result})

    async def _api_getme(self, _p: dict[str, Any]) -> Any:
        return self.bot_user()

    async def _api_deletewebhook(self, _p: dict[str, Any]) -> Any:
        return True

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = min(float(params.get("timeout") or 0), 2.0)
        if not self._updates and timeout > 0:
            async with self._changed:
                with_timeout = asyncio.wait_for(
                    self._changed.wait_for(lambda: bool(self._updates) or self._closing), timeout
                )
                with contextlib.suppress(TimeoutError):
                    await with_timeout
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        scope = (params.get("scope") or {"type": "default"})["type"]
        self.commands[(scope, params.get("language_code"))] = params.get("commands") or []
        return True

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id > 0 and chat_id not in self.started_bot:
            return _json({"ok": False, "error_code": 403,
                          "description": "Forbidden: bot can't initiate conversation with a "
                                         "user"}, 403)
        chat = self.chats.get(chat_id)
        chat_payload = chat.payload() if chat else {"id": chat_id, "type": "private",
                                                     "first_name": "user"}
        message: dict[str, Any] = {
            "message_id": next(self._next_message), "date": now_ts(), "chat": chat_payload,
            "from": self.bot_user(), "text": params["text"],
        }
        for key in ("reply_markup", "entities", "reply_parameters", "message_thread_id"):
            if key in params:
                message[key] = params[key]
        self.sent.append(message)
        return message

    async def _api_deletemessage(self, _p: dict[str, Any]) -> Any:
        return True

    async def _api_banchatmember(self, _p: dict[str, Any]) -> Any:
        return True

    async def _api_unbanchatmember(self, _p: dict[str, Any]) -> Any:
        return True

    async def _api_restrictchatmember(self, _p: dict[str, Any]) -> Any:
        return True

    async def _api_answercallbackquery(self, _p: dict[str, Any]) -> Any:
        return True

    async def _api_getchat(self, params: dict[str, Any]) -> Any:
        chat = self.chats[int(params["chat_id"])]
        return {**chat.payload(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False},
                "permissions": {"can_send_messages": True, "can_send_polls": True}}

    async def _api_getchatmember(self, params: dict[str, Any]) -> Any:
        chat = self.chats.get(int(params["chat_id"]))
        user_id = int(params["user_id"])
        status = chat.statuses.get(user_id, "member") if chat else "member"
        user = {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}
        if status == "administrator":
            return {"status": status, "user": user, **ADMIN_RIGHTS}
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        return {"status": status, "user": user}


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(data).encode(),
                        headers={"Content-Type": "application/json"})
