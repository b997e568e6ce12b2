"""Crisis playbooks: ``/crisis open|status|step|close|log`` and ``/postmortem``.

Opening a crisis starts the four golden-hour steps (acknowledge, assessment, first public
statement, remediation plan) with deadlines from ``safety.sla``; a ``crisis_step`` timer per
step reminds the crisis team in the crisis channel when a step is overdue and re-pages a few
times. Status updates are logged and posted. Closing asks for a 5-Why postmortem with
improvement actions and their owners, stored with the crisis; ``/crisis log`` (or
``hearth crisis export``) gives the whole timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.actions import Action, PostToChannel, Reply
from domain.events import CommandInvoked
from domain.i18n import t
from domain.safety.crisis import (
    CRISIS_STEPS,
    parse_postmortem,
    parse_title,
    step_name,
    step_reminder,
)
from domain.safety.review import ArgumentError, deadlines, parse_item_id
from handlers.ports import Context
from handlers.registry import registry
from handlers.safety_cases import channel, page, settings_of, sla_steps, store_for, with_page
from handlers.safety_ports import SafetyStore

MAX_UPDATE = 1000


def _reply(ctx: Context, event: CommandInvoked, key: str, **fields: object) -> list[Action]:
    return [Reply(ctx.community_id, event.channel_id, t(key, ctx.lang, **fields),
                  ephemeral=True)]


def _local(ctx: Context, at: datetime) -> str:
    try:
        zone = ZoneInfo(str(getattr(ctx.settings, "timezone", "UTC") or "UTC"))
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _post(ctx: Context, text: str, *, paged: bool = False) -> list[Action]:
    target = channel(ctx, "crisis")
    if target is None:
        return []
    return [PostToChannel(ctx.community_id, target,
                          with_page(page(ctx, "expert"), text) if paged else text)]


def _split_target(args: str) -> tuple[int | None, str]:
    """An optional leading ``#ID`` (which crisis) and the rest."""
    head, _, rest = args.strip().partition(" ")
    if head.startswith("#"):
        return parse_item_id(head), rest.strip()
    return None, args.strip()


async def _crisis(ctx: Context, store: SafetyStore, crisis_id: int | None, *,
                  open_only: bool) -> dict[str, Any] | None:
    return await store.crisis(crisis_id, open_only=open_only and crisis_id is None)


@registry.command("crisis", role="moderator", feature="safety", summary="safety.summary.crisis")
async def crisis_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    sub, _, rest = event.args.strip().partition(" ")
    sub = sub.lower()
    try:
        if sub == "open":
            return await _open(event, ctx, parse_title(rest))
        if sub in ("status", "update"):
            return await _status(event, ctx, rest)
        if sub == "step":
            verb, _, name = rest.strip().partition(" ")
            if verb.lower() != "done":
                raise ArgumentError("safety.crisis.usage")
            return await _step_done(event, ctx, name)
        if sub == "done":
            return await _step_done(event, ctx, rest)
        if sub == "close":
            return await _close(event, ctx, rest)
        if sub == "log":
            return await _log(event, ctx, rest)
    except ArgumentError as exc:
        return _reply(ctx, event, exc.key, **exc.fields)
    return _reply(ctx, event, "safety.crisis.usage")


async def _open(event: CommandInvoked, ctx: Context, title: str) -> list[Action]:
    store = store_for(ctx)
    due = deadlines(ctx.now, sla_steps(ctx))
    crisis_id = await store.open_crisis(title, event.member_id, ctx.now, due)
    for name, at in due.items():
        ctx.uow.schedule("crisis_step", at, {"crisis_id": crisis_id, "step": name, "page": 0},
                         idempotency_key=f"crisis_step:{ctx.community_id}:{crisis_id}:{name}:0")
    ctx.uow.audit(event.member_id, "crisis.opened", details={"crisis_id": crisis_id,
                                                             "title": title})
    steps = "; ".join(t("safety.crisis.step_due", ctx.lang, step=t(
        f"safety.crisis.step.{name}", ctx.lang), due=_local(ctx, at)) for name, at in due.items())
    text = t("safety.crisis.opened", ctx.lang, id=crisis_id, title=title, steps=steps)
    return [*_post(ctx, text, paged=True), *_reply(ctx, event, "safety.crisis.opened_reply",
                                                   id=crisis_id, steps=steps)]


async def _status(event: CommandInvoked, ctx: Context, args: str) -> list[Action]:
    crisis_id, text = _split_target(args)
    text = " ".join(text.split())[:MAX_UPDATE]
    if not text:
        raise ArgumentError("safety.crisis.usage")
    store = store_for(ctx)
    crisis = await _crisis(ctx, store, crisis_id, open_only=True)
    if crisis is None or crisis["status"] != "open":
        return _reply(ctx, event, "safety.crisis.none_open")
    await store.add_crisis_update(crisis["id"], event.member_id, text, ctx.now)
    ctx.uow.audit(event.member_id, "crisis.status", details={"crisis_id": crisis["id"]})
    post = t("safety.crisis.status_post", ctx.lang, id=crisis["id"], title=crisis["title"],
             text=text, name=event.member_name or event.member_id)
    return [*_post(ctx, post), *_reply(ctx, event, "safety.crisis.status_saved",
                                       id=crisis["id"])]


async def _step_done(event: CommandInvoked, ctx: Context, args: str) -> list[Action]:
    crisis_id, raw = _split_target(args)
    if not raw:
        raise ArgumentError("safety.crisis.usage")
    name = step_name(raw)
    store = store_for(ctx)
    crisis = await _crisis(ctx, store, crisis_id, open_only=True)
    if crisis is None or crisis["status"] != "open":
        return _reply(ctx, event, "safety.crisis.none_open")
    if not await store.finish_step(crisis["id"], name, event.member_id, ctx.now):
        return _reply(ctx, event, "safety.crisis.step_already", step=t(
            f"safety.crisis.step.{name}", ctx.lang))
    ctx.uow.audit(event.member_id, "crisis.step_done", details={"crisis_id": crisis["id"],
                                                                "step": name})
    label = t(f"safety.crisis.step.{name}", ctx.lang)
    return [*_post(ctx, t("safety.crisis.step_done_post", ctx.lang, id=crisis["id"],
                          step=label, name=event.member_name or event.member_id)),
            *_reply(ctx, event, "safety.crisis.step_done", step=label)]


async def _close(event: CommandInvoked, ctx: Context, args: str) -> list[Action]:
    crisis_id, _ = _split_target(args)
    store = store_for(ctx)
    crisis = await _crisis(ctx, store, crisis_id, open_only=True)
    if crisis is None or crisis["status"] != "open":
        return _reply(ctx, event, "safety.crisis.none_open")
    await store.close_crisis(crisis["id"], event.member_id, ctx.now)
    ctx.uow.audit(event.member_id, "crisis.closed", details={"crisis_id": crisis["id"]})
    return [*_post(ctx, t("safety.crisis.closed_post", ctx.lang, id=crisis["id"],
                          title=crisis["title"])),
            *_reply(ctx, event, "safety.crisis.closed", id=crisis["id"])]


async def _log(event: CommandInvoked, ctx: Context, args: str) -> list[Action]:
    crisis_id, _ = _split_target(args)
    store = store_for(ctx)
    crisis = await _crisis(ctx, store, crisis_id, open_only=False)
    if crisis is None:
        return _reply(ctx, event, "safety.crisis.not_found")
    lines = await timeline(ctx, store, crisis)
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines), ephemeral=True)]


async def timeline(ctx: Context, store: SafetyStore, crisis: dict[str, Any]) -> list[str]:
    """The crisis log: opened, steps (due/done), updates, closed, postmortem."""
    lang = ctx.lang
    crisis_id = crisis["id"]
    entries: list[tuple[datetime, str]] = [(crisis["opened_at"], t(
        "safety.crisis.log.opened", lang, name=crisis["opened_by"]))]
    for step in await store.crisis_steps(crisis_id):
        label = t(f"safety.crisis.step.{step['name']}", lang)
        if step["done_at"] is not None:
            late = step["done_at"] > step["due_at"]
            entries.append((step["done_at"], t(
                "safety.crisis.log.step_late" if late else "safety.crisis.log.step_done", lang,
                step=label, name=step["done_by"] or "-", due=_local(ctx, step["due_at"]))))
        else:
            state = "safety.crisis.log.step_overdue" if step["due_at"] <= ctx.now else \
                "safety.crisis.log.step_pending"
            entries.append((step["due_at"], t(state, lang, step=label,
                                              due=_local(ctx, step["due_at"]))))
    for update in await store.crisis_updates(crisis_id):
        entries.append((update["at"], t("safety.crisis.log.update", lang,
                                        name=update["author_id"], text=update["text"])))
    if crisis["closed_at"] is not None:
        entries.append((crisis["closed_at"], t("safety.crisis.log.closed", lang,
                                               name=crisis["closed_by"] or "-")))
    postmortem = await store.postmortem(crisis_id)
    entries.sort(key=lambda pair: pair[0])
    lines = [t("safety.crisis.log.header", lang, id=crisis_id, title=crisis["title"],
               status=t(f"safety.crisis.status.{crisis['status']}", lang))]
    lines.extend(f"{_local(ctx, at)} · {text}" for at, text in entries)
    if postmortem is not None:
        lines.append(t("safety.crisis.log.postmortem", lang))
        lines.extend(t("safety.crisis.log.why", lang, n=i, text=why)
                     for i, why in enumerate(postmortem["whys"], 1))
        lines.extend(t("safety.crisis.log.action", lang, text=a["text"], owner=a["owner"])
                     for a in postmortem["actions"])
    elif crisis["status"] == "closed":
        lines.append(t("safety.crisis.log.no_postmortem", lang))
    return lines


@registry.command("postmortem", role="moderator", feature="safety",
                  summary="safety.summary.postmortem")
async def postmortem_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    try:
        crisis_id, text = _split_target(event.args)
        if not text:
            raise ArgumentError("safety.postmortem.usage")
        report = parse_postmortem(text)
    except ArgumentError as exc:
        return _reply(ctx, event, exc.key, **exc.fields)
    store = store_for(ctx)
    crisis = await store.crisis(crisis_id)
    if crisis is None:
        return _reply(ctx, event, "safety.crisis.not_found")
    if crisis["status"] != "closed":
        return _reply(ctx, event, "safety.postmortem.close_first", id=crisis["id"])
    whys, actions = report.as_json()
    if not await store.add_postmortem(crisis["id"], event.member_id, whys, actions, ctx.now):
        return _reply(ctx, event, "safety.postmortem.exists", id=crisis["id"])
    ctx.uow.audit(event.member_id, "crisis.postmortem", details={
        "crisis_id": crisis["id"], "whys": len(whys), "actions": len(actions)})
    owners = ", ".join(sorted({a["owner"] for a in actions}))
    return [*_post(ctx, t("safety.postmortem.post", ctx.lang, id=crisis["id"],
                          title=crisis["title"], whys=len(whys), actions=len(actions),
                          owners=owners)),
            *_reply(ctx, event, "safety.postmortem.saved", id=crisis["id"], whys=len(whys),
                    actions=len(actions))]


@registry.timer("crisis_step")
async def crisis_step_due(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """A crisis step reached its deadline: remind the team while it is not done."""
    crisis_id, name, page_no = payload.get("crisis_id"), payload.get("step"), payload.get(
        "page", 0)
    if not isinstance(crisis_id, int) or name not in CRISIS_STEPS or not isinstance(page_no, int):
        raise ValueError(f"crisis_step payload must hold crisis_id, step in {CRISIS_STEPS} and "
                         f"page, got {payload!r}")
    store = store_for(ctx)
    crisis = await store.crisis(crisis_id)
    if crisis is None:
        return []
    step = next((s for s in await store.crisis_steps(crisis_id) if s["name"] == name), None)
    sla = settings_of(ctx).sla
    reminder = step_reminder(done=step is None or step["done_at"] is not None,
                             crisis_open=crisis["status"] == "open", page=page_no,
                             max_pages=sla.crisis_max_pages)
    if not reminder.remind:
        return []
    assert step is not None
    if reminder.repage:
        nxt = page_no + 1
        ctx.uow.schedule("crisis_step", ctx.now + timedelta(seconds=int(sla.crisis_repage)),
                         {"crisis_id": crisis_id, "step": name, "page": nxt},
                         idempotency_key=f"crisis_step:{ctx.community_id}:{crisis_id}:{name}:{nxt}")
    ctx.uow.audit("hearth", "crisis.reminder", details={"crisis_id": crisis_id, "step": name,
                                                        "page": page_no + 1})
    return _post(ctx, t("safety.crisis.reminder", ctx.lang, id=crisis_id, title=crisis["title"],
                        step=t(f"safety.crisis.step.{name}", ctx.lang),
                        due=_local(ctx, step["due_at"]), page=page_no + 1,
                        pages=sla.crisis_max_pages), paged=True)
