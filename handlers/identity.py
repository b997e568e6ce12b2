"""``/link``: join a member's Discord and Telegram accounts into one identity.

``/link`` with nothing after it hands out a one-time code, privately (an ephemeral reply
where the platform has them, a direct message on Telegram). ``/link CODE`` sent from the
other platform's account joins both ``members`` rows to one ``persons`` row, which features
use to share points and badges across a community group. ``/unlink MEMBER`` (admins) undoes
a link made by mistake or with a compromised account. Every link, unlink and wrong code is
audited; wrong codes are also what the guessing limit counts.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from domain import identity as rules
from domain.actions import Action, DirectMessage, Reply
from domain.events import CommandInvoked, platform_of
from domain.i18n import t
from domain.identity import Account, IssuedCode, MemberRef, MergePlan, Verdict
from handlers.ports import Context
from handlers.registry import registry

CODE_ATTEMPTS = 5  # fresh codes tried when one collides with a live code (≈ never)
MINUTES = int(rules.CODE_TTL.total_seconds() // 60)
WINDOW_MINUTES = int(rules.ATTEMPT_WINDOW.total_seconds() // 60)


class IdentityStore(Protocol):
    """What linking needs from storage (``uow.identity``; see bot/storage/repos/identity)."""

    async def issue_code(self, member_id: str, code: str, expires_at: datetime,
                         now: datetime) -> None: ...

    async def code_taken(self, code: str) -> bool: ...

    async def find_code(self, code: str) -> IssuedCode | None: ...

    async def consume_code(self, code: str) -> bool: ...

    async def account(self, ref: MemberRef) -> Account | None: ...

    async def link(self, first: MemberRef, second: MemberRef, plan: MergePlan,
                   now: datetime) -> int: ...

    async def unlink(self, ref: MemberRef) -> int | None: ...

    async def failed_attempts(self, member_id: str, since: datetime) -> int: ...

    async def audit_in(self, community_id: str, at: datetime, actor_id: str, action: str, *,
                       target_id: str | None = None,
                       details: dict[str, Any] | None = None) -> None: ...


def _store(ctx: Context) -> IdentityStore:
    store: IdentityStore = ctx.uow.identity
    return store


def _reply(ctx: Context, event: CommandInvoked, key: str, **fields: object) -> list[Action]:
    return [Reply(ctx.community_id, event.channel_id, t(key, ctx.lang, **fields),
                  ephemeral=True)]


def _platform_name(community_id: str, lang: str) -> str:
    return t(f"identity.platform.{platform_of(community_id)}", lang)


@registry.command("link", summary="identity.summary.link")
async def link_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    given = event.args.strip()
    if not given:
        return await _issue(event, ctx)
    return await _redeem(event, ctx, given)


async def _issue(event: CommandInvoked, ctx: Context) -> list[Action]:
    store = _store(ctx)
    code = rules.new_code(secrets.choice)
    for _ in range(CODE_ATTEMPTS - 1):
        if not await store.code_taken(code):
            break
        code = rules.new_code(secrets.choice)
    await store.issue_code(event.member_id, code, rules.expires_at(ctx.now), ctx.now)
    # The code itself is a secret: the audit row records that one was issued, not which.
    ctx.uow.audit(event.member_id, "identity.code_issued",
                  details={"expires_at": rules.expires_at(ctx.now).isoformat()})
    text = t("identity.code", ctx.lang, code=code, minutes=MINUTES)
    if rules.private_reply_possible(ctx.community_id):
        return [Reply(ctx.community_id, event.channel_id, text, ephemeral=True)]
    return [
        DirectMessage(ctx.community_id, event.member_id, text,
                      fallback_channel_id=event.channel_id),
        Reply(ctx.community_id, event.channel_id,
              t("identity.code_sent_privately", ctx.lang), ephemeral=True),
    ]


async def _redeem(event: CommandInvoked, ctx: Context, given: str) -> list[Action]:
    store = _store(ctx)
    caller = MemberRef(ctx.community_id, event.member_id)
    since = ctx.now - rules.ATTEMPT_WINDOW
    if rules.too_many_attempts(await store.failed_attempts(event.member_id, since)):
        return _reply(ctx, event, "identity.too_many_attempts", minutes=WINDOW_MINUTES)
    code = rules.normalise_code(given)
    if code is None:
        shown = given if len(given) <= 40 else given[:39] + "…"
        return _reply(ctx, event, "identity.malformed", given=shown,
                      length=rules.CODE_LENGTH, example="K7QM-3XPA")
    issued = await store.find_code(code)
    issuer = await store.account(issued.owner) if issued is not None else None
    if issuer is None:  # the issuing member's data was erased since: the code is void
        issued = None
    mine = await store.account(caller)
    verdict = rules.judge(issued, caller, ctx.now,
                          issuer_person=issuer.person_id if issuer else None,
                          caller_person=mine.person_id if mine else None)
    # Where command arguments are public (a Telegram group), a wrongly entered code is burnt.
    public = not rules.private_reply_possible(ctx.community_id)
    cancelled = False
    if issued is not None and rules.consumes_code(verdict, seen_by_others=public):
        if not await store.consume_code(code):
            verdict = Verdict.UNKNOWN  # someone redeemed it a moment ago
        cancelled = verdict in (Verdict.OWN, Verdict.SAME_PLATFORM)
    if verdict is Verdict.UNKNOWN:
        ctx.uow.audit(event.member_id, rules.FAILED_AUDIT_ACTION, reason="unknown link code")
        return _reply(ctx, event, "identity.unknown", code=code)
    if verdict is Verdict.EXPIRED:
        return _reply(ctx, event, "identity.expired", code=code, minutes=MINUTES)
    assert issued is not None and issuer is not None
    other_platform = _platform_name(issued.community_id, ctx.lang)
    if verdict in (Verdict.OWN, Verdict.SAME_PLATFORM):
        text = (t("identity.own", ctx.lang) if verdict is Verdict.OWN
                else t("identity.same_platform", ctx.lang, platform=other_platform))
        if cancelled:
            text += " " + t("identity.code_cancelled", ctx.lang)
        return [Reply(ctx.community_id, event.channel_id, text, ephemeral=True)]
    if verdict is Verdict.ALREADY_LINKED:
        return _reply(ctx, event, "identity.already_linked", platform=other_platform,
                      name=issuer.label)
    plan = rules.plan_merge(issuer.person_id, mine.person_id if mine else None)
    person_id = await store.link(issued.owner, caller, plan, ctx.now)
    details = {"person_id": person_id, "merged_person_id": plan.absorb,
               "accounts": [[issued.community_id, issued.member_id],
                            [caller.community_id, caller.member_id]]}
    ctx.uow.audit(event.member_id, "identity.linked", target_id=issued.member_id,
                  details=details)
    if issued.community_id != ctx.community_id:
        await store.audit_in(issued.community_id, ctx.now, event.member_id, "identity.linked",
                             target_id=issued.member_id, details=details)
    return _reply(ctx, event, "identity.linked", platform=other_platform, name=issuer.label)


@registry.command("unlink", role="admin", summary="identity.summary.unlink")
async def unlink_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    needle = event.args.strip()
    if not needle:
        return _reply(ctx, event, "identity.unlink_usage")
    found = await ctx.uow.find_member(needle)
    if found is None:
        return _reply(ctx, event, "identity.member_not_found", name=needle)
    name = found.get("display_name") or found["member_id"]
    target = MemberRef(ctx.community_id, found["member_id"])
    former = await _store(ctx).unlink(target)
    if former is None:
        return _reply(ctx, event, "identity.not_linked", name=name)
    ctx.uow.audit(event.member_id, "identity.unlinked", target_id=target.member_id,
                  details={"person_id": former})
    return _reply(ctx, event, "identity.unlinked", name=name)
