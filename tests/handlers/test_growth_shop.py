"""/shop and /buy: listing, every refusal, delivery, and purchases that race.

Why: a purchase moves real value. It must never take more points than a member has, never
sell more than the stock or the per-member limit, never lower lifetime points (spending must
not demote) — also when two purchases run at the same time, in one process or in two
processes sharing the database (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.models_growth import ShopPurchase, ShopStock
from domain.actions import AddRole
from domain.i18n import t
from tests.handlers.test_growth_support import (
    COMMUNITY,
    MOD,
    T0,
    cmd,
    community,
    ledger,
    member,
    one_text,
    points,
    rows,
    say,
    stats,
    texts,
)

ANN, BOB, MIA = member("ann"), member("bob"), member("mia")
ITEMS = [
    {"id": "sticker", "price": 60, "names": {"en": "Sticker pack", "zh": "贴纸包"}},
    {"id": "badge_pin", "price": 50, "stock": 1, "names": {"en": "Enamel pin"}},
    {"id": "shoutout", "price": 40, "per_member_limit": 1},
    {"id": "helper_role", "price": 10, "kind": "role", "payload": {"role": "helper"}},
    {"id": "custom_title", "price": 20, "kind": "title", "per_member_limit": 3},
]


def shop_community(**growth: Any) -> dict[str, Any]:
    return community(shop={"items": ITEMS}, **growth)


async def grant(app: Any, who: str, amount: int) -> None:
    await cmd(app, MIA, "points", f"grant {who.split(':')[1]} {amount} shop test", roles=MOD)


@pytest.fixture
async def app(make_app: Any, sqlite_url: str) -> Any:
    app = await make_app(sqlite_url, communities=[shop_community()])
    await say(app, ANN, T0)
    await say(app, BOB, T0)
    return app


async def test_shop_lists_items_with_stock_and_the_members_balance(app: Any) -> None:
    reply = (await cmd(app, ANN, "shop"))[0]
    assert reply.ephemeral
    assert reply.text.splitlines() == [
        "Points shop — you have 10 points to spend:",
        "sticker — Sticker pack: 60 points",
        "badge_pin — Enamel pin: 50 points (1 left)",
        "shoutout — shoutout: 40 points",
        "helper_role — helper_role: 10 points",
        "custom_title — custom_title: 20 points",
        "Buy with /buy ITEM.",
    ]
    zh = one_text(await cmd(app, ANN, "shop", locale="zh"))
    assert "sticker — 贴纸包：60 积分" in zh.splitlines()


async def test_buying_takes_the_balance_but_never_lifetime_points(app: Any) -> None:
    await grant(app, ANN, 100)
    done = texts(await cmd(app, ANN, "buy", "sticker"))
    assert done == [t("growth.buy.done", "en", item="Sticker pack", price=60, balance=50),
                    t("growth.buy.recorded", "en")]
    assert await points(app, ANN) == (50, 110)
    spend = [r for r in await ledger(app, ANN) if r["reason"] == "purchase"]
    assert [(r["delta"], r["lifetime_delta"], r["category"]) for r in spend] == [(-60, 0,
                                                                                  "spend")]
    assert await rows(app, select(ShopPurchase.item_id, ShopPurchase.price)) == [
        ("sticker", 60)]


async def test_every_refusal_changes_nothing(app: Any) -> None:
    await grant(app, ANN, 40)  # balance 50
    before = (await ledger(app), await stats(app, ANN))
    cases = [
        ("", t("growth.buy.usage", "en")),
        ("unicorn", t("growth.refusal.unknown_item", "en", item="unicorn")),
        ("sticker", t("growth.refusal.not_enough_points", "en", item="Sticker pack",
                      price=60, balance=50)),
        ("custom_title", t("growth.buy.title_usage", "en", item_id="custom_title", max=64)),
        ("custom_title @here", t("growth.buy.title_usage", "en", item_id="custom_title",
                                 max=64)),
    ]
    for args, expected in cases:
        actions = await cmd(app, ANN, "buy", args)
        assert one_text(actions) == expected, args
        assert actions[0].ephemeral
    assert (await ledger(app), await stats(app, ANN)) == before
    zh = one_text(await cmd(app, ANN, "buy", "sticker", locale="zh"))
    assert zh == t("growth.refusal.not_enough_points", "zh", item="贴纸包", price=60,
                   balance=50)


async def test_stock_and_per_member_limits(app: Any) -> None:
    await grant(app, ANN, 200)
    await grant(app, BOB, 200)
    assert "You bought Enamel pin" in texts(await cmd(app, ANN, "buy", "badge_pin"))[0]
    assert one_text(await cmd(app, BOB, "buy", "badge_pin")) == t(
        "growth.refusal.out_of_stock", "en", item="Enamel pin")
    assert "You bought" in texts(await cmd(app, BOB, "buy", "shoutout"))[0]
    assert one_text(await cmd(app, BOB, "buy", "shoutout")) == t(
        "growth.refusal.limit_reached", "en", item="shoutout", limit=1)
    assert await rows(app, select(ShopStock.item_id, ShopStock.sold)) == [("badge_pin", 1)]


async def test_role_items_add_the_role_and_titles_show_on_the_profile(app: Any) -> None:
    await grant(app, ANN, 100)
    actions = await cmd(app, ANN, "buy", "helper_role")
    assert AddRole(COMMUNITY, ANN, "helper") in actions
    actions = await cmd(app, ANN, "buy", "custom_title Compost Queen")
    assert t("growth.buy.title_set", "en", title="Compost Queen") in texts(actions)
    profile = one_text(await cmd(app, ANN, "profile"))
    assert profile.splitlines()[0] == "ann — Newcomer · “Compost Queen”"


async def test_stage_discount_applies(make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[shop_community(stages={
        "active": {"min_points": 50, "shop_discount_pct": 25}})])
    await say(app, ANN, T0)
    await grant(app, ANN, 100)  # lifetime 110: active, 25 % off
    listing = one_text(await cmd(app, ANN, "shop"))
    assert "sticker — Sticker pack: 45 points (your price after 25% off)" in listing
    bought = texts(await cmd(app, ANN, "buy", "sticker"))[0]
    assert bought.startswith("You bought Sticker pack for 45 points")
    assert await points(app, ANN) == (65, 110)


async def _race(apps: list[Any], calls: list[tuple[str, str]]) -> list[str]:
    answers = await asyncio.gather(*(
        cmd(apps[i % len(apps)], who, "buy", item) for i, (who, item) in enumerate(calls)))
    return ["\n".join(texts(a)) for a in answers]


async def _two_apps(make_app: Any, url: str) -> list[Any]:
    first = await make_app(url, communities=[shop_community()])
    second = await make_app(url, communities=[shop_community()])
    return [first, second]


async def test_racing_purchases_never_overspend(make_app: Any, db_url: str) -> None:
    apps = await _two_apps(make_app, db_url)
    await say(apps[0], ANN, T0)
    await grant(apps[0], ANN, 90)  # 100: enough for one sticker (60), not two
    answers = await _race(apps, [(ANN, "sticker")] * 8)
    assert sum("You bought" in a for a in answers) == 1, answers
    assert sum("costs 60 points but you have 40" in a for a in answers) == 7, answers
    balance, lifetime = await points(apps[1], ANN)
    assert (balance, lifetime) == (40, 100)


async def test_racing_buyers_never_oversell_stock(make_app: Any, db_url: str) -> None:
    apps = await _two_apps(make_app, db_url)
    buyers = [member(f"b{i}") for i in range(4)]
    for who in buyers:
        await say(apps[0], who, T0)
        await grant(apps[0], who, 100)
    answers = await _race(apps, [(who, "badge_pin") for who in buyers])
    assert sum("You bought" in a for a in answers) == 1, answers
    assert sum("sold out" in a for a in answers) == 3, answers
    assert await rows(apps[0], select(ShopStock.sold)) == [(1,)]
    assert await rows(apps[0], select(func.count()).select_from(ShopPurchase)) == [(1,)]
    for who in buyers:
        balance, _ = await points(apps[1], who)
        assert balance in (110, 60)


async def test_racing_purchases_respect_the_per_member_limit(make_app: Any,
                                                             db_url: str) -> None:
    apps = await _two_apps(make_app, db_url)
    await say(apps[0], ANN, T0)
    await grant(apps[0], ANN, 490)
    answers = await _race(apps, [(ANN, "shoutout")] * 4)
    assert sum("You bought" in a for a in answers) == 1, answers
    assert await points(apps[0], ANN) == (460, 500)
