"""Members' privacy rights: see everything stored about you, and have it erased.

``/mydata`` exports every row about the member (found generically across all tables by the
``privacy`` port) as JSON, by direct message, or as a file on console. ``/forgetme`` asks
for confirmation; ``/forgetme confirm`` erases: free text and names are dropped and the
member's rows move to an anonymous owner so the community's totals stay right. Both run in
the command's own transaction, so an erasure is all or nothing.

The daily ``retention_sweep`` timer drops message text older than ``[privacy]
message_text_days`` (scores and counts stay).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.actions import Action, DirectMessage, Reply
from domain.events import CommandInvoked
from domain.i18n import t
from handlers.ports import Context
from handlers.registry import registry

CONFIRM_WORDS = frozenset({"confirm", "确认", "yes"})
RETENTION_KIND = "retention_sweep"
SYSTEM_ACTOR = "hearth"


class ExportResult(Protocol):
    rows: int
    tables: int
    text: str
    path: str | None

    @property
    def size(self) -> int: ...


class ErasureResult(Protocol):
    @property
    def rows(self) -> int: ...

    def summary(self) -> dict[str, Any]: ...


class PrivacyPort(Protocol):
    """Implemented by ``bot.ops.privacy.PrivacyService`` (``ctx.services["privacy"]``)."""

    async def export(self, uow: Any, settings: Any, member_id: str,
                     now: datetime) -> ExportResult: ...

    async def erase(self, uow: Any, settings: Any, member_id: str) -> ErasureResult: ...

    async def drop_old_text(self, uow: Any, before: datetime) -> int: ...


def _port(ctx: Context) -> PrivacyPort | None:
    return ctx.services.get("privacy")


def _settings(ctx: Context) -> Any:
    return getattr(ctx.settings, "privacy", None)


@registry.command("mydata", summary="privacy.summary.mydata")
async def mydata(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    port = _port(ctx)
    if port is None:
        return [Reply(ctx.community_id, event.channel_id, t("privacy.unavailable", ctx.lang),
                      ephemeral=True)]
    export = await port.export(ctx.uow, ctx.settings, event.member_id, ctx.now)
    community = getattr(ctx.settings, "name", ctx.community_id)
    if ctx.community_id.startswith("console:"):
        return [Reply(ctx.community_id, event.channel_id, t(
            "privacy.export_file", ctx.lang, rows=export.rows, tables=export.tables,
            path=export.path or "-"), ephemeral=True)]
    settings = _settings(ctx)
    limit = getattr(settings, "dm_limit_chars", 20_000)
    if len(export.text) > limit:
        name = (export.path or "").replace("\\", "/").rsplit("/", 1)[-1] or "-"
        return [Reply(ctx.community_id, event.channel_id, t(
            "privacy.export_too_large", ctx.lang, rows=export.rows,
            size=max(1, export.size // 1024), file=name), ephemeral=True)]
    header = t("privacy.export_dm", ctx.lang, community=community, rows=export.rows,
               tables=export.tables)
    # No fallback channel: personal data must never be posted where others can read it.
    return [DirectMessage(ctx.community_id, event.member_id, f"{header}\n{export.text}"),
            Reply(ctx.community_id, event.channel_id,
                  t("privacy.export_sent", ctx.lang, rows=export.rows), ephemeral=True)]


@registry.command("forgetme", summary="privacy.summary.forgetme")
async def forgetme(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    port = _port(ctx)
    if port is None:
        return [Reply(ctx.community_id, event.channel_id, t("privacy.unavailable", ctx.lang),
                      ephemeral=True)]
    settings = _settings(ctx)
    if settings is not None and not getattr(settings, "forget_enabled", True):
        return [Reply(ctx.community_id, event.channel_id, t("privacy.forget_disabled",
                                                            ctx.lang), ephemeral=True)]
    given = " ".join(event.args.split())
    if not given:
        return [Reply(ctx.community_id, event.channel_id, t("privacy.forget_confirm", ctx.lang),
                      ephemeral=True)]
    if given.lower() not in CONFIRM_WORDS:
        shown = given if len(given) <= 40 else given[:39] + "…"
        return [Reply(ctx.community_id, event.channel_id,
                      t("privacy.forget_bad_argument", ctx.lang, given=shown), ephemeral=True)]
    result = await port.erase(ctx.uow, ctx.settings, event.member_id)
    summary = result.summary()
    ctx.uow.audit(SYSTEM_ACTOR, "privacy.erased", target_id=summary.get("anon_id"),
                  reason="member request (/forgetme)",
                  details={k: v for k, v in summary.items() if k != "anon_id"})
    return [Reply(ctx.community_id, event.channel_id,
                  t("privacy.forgotten", ctx.lang, rows=result.rows), ephemeral=True)]


@registry.timer(RETENTION_KIND)
async def retention_sweep(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """Drop message text older than the community's ``message_text_days`` (0: keep)."""
    settings = _settings(ctx)
    days = int(getattr(settings, "message_text_days", 0) or 0)
    port = _port(ctx)
    if days <= 0 or port is None or not ctx.community_id:
        return []
    dropped = await port.drop_old_text(ctx.uow, ctx.now - timedelta(days=days))
    if dropped:
        ctx.uow.audit(SYSTEM_ACTOR, "privacy.retention", reason=f"text older than {days} days",
                      details={"texts_dropped": dropped, "days": days})
    return []
