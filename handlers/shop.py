"""``/shop`` and ``/buy ITEM``: spend points on what the community offers.

A purchase is one transaction that cannot overspend or oversell, even when two purchases
race (two buttons pressed at once, two processes on PostgreSQL):

1. the buyer's ``member_stats`` row is locked (``GrowthPort.fresh_state``), so purchases by
   the same member queue up and the per-member count read next is exact;
2. the domain decides with the locked numbers (stock, limit, balance, stage discount);
3. stock is taken with ``UPDATE … SET sold = sold + 1 WHERE sold < stock`` (other members
   may race for the last unit) and the balance with ``UPDATE … SET balance = balance - price
   WHERE balance >= price``; "0 rows updated" is the refusal the domain would have given;
4. the purchase row and a ledger row (balance only: spending never lowers lifetime points,
   so it never demotes) are written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.actions import Action, AddRole, Reply
from domain.events import CommandInvoked
from domain.growth.points import Refusal
from domain.growth.shop import (
    SPEND_CATEGORY,
    ItemKind,
    ShopItem,
    ShopRefusal,
    apply_purchase,
    decide_purchase,
    discounted_price,
)
from domain.growth.teams import TeamRefusal, check_team_name
from domain.i18n import t
from handlers.growth_common import command_setup, disabled, refuse, reply
from handlers.growth_runtime import CompiledGrowth
from handlers.ports import Context
from handlers.registry import registry

TITLE_MAX = 64


def item_name(item: ShopItem, lang: str) -> str:
    return item.names.get(lang) or item.names.get("en") or item.id


def _discount(compiled: CompiledGrowth, stage: str) -> int:
    stages = compiled.stages
    return stages.stages[stages.index(stage)].perks.shop_discount_pct


@registry.command("shop", feature="growth", summary="growth.summary.shop")
async def shop_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    setup = await command_setup(ctx)
    if setup is None:
        return []
    runtime, compiled, _ = setup
    if not compiled.shop_enabled:
        return disabled(ctx, event, "growth.shop_feature_name")
    items = list(compiled.shop.values())
    if not items:
        return reply(ctx, event, "growth.shop.empty")
    stats = await ctx.uow.stats(event.member_id) or {}
    discount = _discount(compiled, str(stats.get("stage") or ""))
    store = await runtime.store(ctx)
    sold = await store.stock_sold([item.id for item in items])
    lines = [t("growth.shop.title", ctx.lang, balance=int(stats.get("balance") or 0))]
    for item in items:
        extra = ""
        if item.stock is not None:
            extra += t("growth.shop.stock", ctx.lang, left=max(0, item.stock - sold.get(
                item.id, 0)))
        if discount and item.price:
            extra += t("growth.shop.discount", ctx.lang, pct=discount)
        lines.append(t("growth.shop.item", ctx.lang, item_id=item.id,
                       name=item_name(item, ctx.lang),
                       price=discounted_price(item.price, discount), extra=extra))
    lines.append(t("growth.shop.footer", ctx.lang))
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines), ephemeral=True)]


@registry.command("buy", feature="growth", summary="growth.summary.buy")
async def buy_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    """``/buy ITEM`` (``/buy custom_title TEXT`` for a title item)."""
    setup = await command_setup(ctx)
    if setup is None:
        return []
    runtime, compiled, _ = setup
    if not compiled.shop_enabled:
        return disabled(ctx, event, "growth.shop_feature_name")
    item_id, _, detail = event.args.strip().partition(" ")
    item_id, detail = item_id.lower(), detail.strip()
    if not item_id:
        return reply(ctx, event, "growth.buy.usage")
    item = compiled.shop.get(item_id)
    if item is None:
        return refuse(ctx, event, ShopRefusal.UNKNOWN_ITEM.value, item=item_id[:48])
    name = item_name(item, ctx.lang)
    title: str | None = None
    if item.kind == ItemKind.TITLE:
        checked = check_team_name(detail, (), min_length=1, max_length=TITLE_MAX)
        if isinstance(checked, TeamRefusal):
            return reply(ctx, event, "growth.buy.title_usage", item_id=item.id, max=TITLE_MAX)
        title = checked
    member = event.member_id
    state = await runtime.fresh_state(ctx, member)  # locks the buyer's row until commit
    store = await runtime.store(ctx)
    bought = await store.bought_count(member, item.id) if item.per_member_limit else 0
    stock_left = None
    if item.stock is not None:
        stock_left = item.stock - (await store.stock_sold([item.id])).get(item.id, 0)
    decision = decide_purchase(item, state.balance, bought, stock_left,
                               _discount(compiled, state.stage))
    if isinstance(decision, Refusal):
        price = discounted_price(item.price, _discount(compiled, state.stage))
        return refuse(ctx, event, decision.reason, item=name, price=price,
                      balance=state.balance, limit=item.per_member_limit or 0,
                      pct=_discount(compiled, state.stage))
    if item.stock is not None and not await store.take_stock(item.id, item.stock):
        return refuse(ctx, event, ShopRefusal.OUT_OF_STOCK.value, item=name)
    if not await store.spend(member, decision.price):
        if item.stock is not None:
            await store.return_stock(item.id)
        return refuse(ctx, event, ShopRefusal.NOT_ENOUGH_POINTS.value, item=name,
                      price=decision.price, balance=state.balance)
    purchase_id = await store.record_purchase(member, item.id, decision.price, title, ctx.now)
    change = apply_purchase(state, decision)
    # The balance column was already taken by the conditional UPDATE: the ledger row is
    # inserted directly, not staged with counters (that would take the price twice).
    await store.insert_ledger({
        "community_id": ctx.community_id, "member_id": member,
        "delta": change.balance_delta, "lifetime_delta": 0, "category": SPEND_CATEGORY,
        "reason": "purchase", "source_key": f"buy:{purchase_id}", "actor_id": member,
        "note": item.id, "at": ctx.now,
    })
    uow = ctx.uow
    uow.add_stats(member, **runtime.persisted_fields(state))
    uow.audit(member, "growth.purchase", target_id=item.id,
              details={"price": decision.price, "list_price": decision.list_price,
                       "discount_pct": decision.discount_pct, "purchase_id": purchase_id,
                       "detail": title})
    actions: list[Action] = reply(ctx, event, "growth.buy.done", item=name,
                                  price=decision.price, balance=state.balance)
    role = str(item.payload.get("role", "")).strip()
    if item.kind in (ItemKind.ROLE, ItemKind.ROLE_COLOUR) and role:
        actions.append(AddRole(ctx.community_id, member, role))
    elif title is not None:
        actions.extend(reply(ctx, event, "growth.buy.title_set", title=title))
    else:
        actions.extend(reply(ctx, event, "growth.buy.recorded"))
    return actions
