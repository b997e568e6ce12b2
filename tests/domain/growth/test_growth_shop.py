"""Points shop: decisions, discount rounding, no overspending."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.growth.points import Refusal
from domain.growth.shop import (
    Purchase,
    ShopItem,
    ShopRefusal,
    apply_purchase,
    best_discount,
    decide_purchase,
    discounted_price,
)
from domain.growth.state import MemberGrowthState

TITLE = ShopItem("title", price=500, stock=3, per_member_limit=1, kind="title")


def test_purchase_carries_the_numbers_for_the_conditional_write():
    decision = decide_purchase(TITLE, balance=800, bought_count=0, stock_left=3)
    assert decision == Purchase("title", 500, 500, 0, 300, 2)
    change = decision.change()
    assert (change.lifetime_delta, change.balance_delta) == (0, -500)


@pytest.mark.parametrize("item,balance,bought,stock,reason", [
    (None, 1000, 0, None, ShopRefusal.UNKNOWN_ITEM),
    (TITLE, 499, 0, 3, ShopRefusal.NOT_ENOUGH_POINTS),
    (TITLE, 1000, 0, 0, ShopRefusal.OUT_OF_STOCK),
    (TITLE, 1000, 1, 3, ShopRefusal.LIMIT_REACHED),
])
def test_refusals(item, balance, bought, stock, reason):
    decision = decide_purchase(item, balance, bought, stock)
    assert isinstance(decision, Refusal) and decision.reason == reason


@pytest.mark.parametrize("pct", [-1, 101, True, 5.5])
def test_invalid_discount_is_refused(pct):
    assert decide_purchase(TITLE, 1000, 0, 3, pct).reason == ShopRefusal.INVALID_DISCOUNT


@pytest.mark.parametrize("price,pct,expected", [
    (100, 15, 85), (99, 10, 90), (1, 50, 1), (100, 100, 0), (0, 30, 0), (7, 0, 7),
])
def test_discount_rounds_up(price, pct, expected):
    assert discounted_price(price, pct) == expected


@given(st.integers(0, 10**9), st.integers(0, 100))
def test_discount_never_exceeds_the_percentage(price, pct):
    paid = discounted_price(price, pct)
    assert price * (100 - pct) <= paid * 100 < price * (100 - pct) + 100
    assert 0 <= paid <= price


def test_best_discount_does_not_stack():
    assert best_discount([5, 10, 3]) == 10 and best_discount([]) == 0


def test_apply_purchase_spends_balance_not_lifetime():
    s = MemberGrowthState(lifetime={"activity": 800}, lifetime_total=800, balance=800)
    apply_purchase(s, decide_purchase(TITLE, s.balance, 0, 3))
    assert (s.balance, s.lifetime_total, s.spent) == (300, 800, 500)


@given(balance=st.integers(0, 5000),
       items=st.lists(st.tuples(st.integers(0, 900), st.one_of(st.none(), st.integers(0, 4)),
                                st.one_of(st.none(), st.integers(1, 3)),
                                st.integers(0, 100)), min_size=1, max_size=5),
       attempts=st.lists(st.integers(0, 4), max_size=40))
def test_shop_never_overspends_or_oversells(balance, items, attempts):
    catalogue = [ShopItem(f"i{n}", price, stock, limit)
                 for n, (price, stock, limit, _) in enumerate(items)]
    discounts = [pct for *_, pct in items]
    stock = [item.stock for item in catalogue]
    bought = [0] * len(catalogue)
    spent = 0
    left = balance
    for attempt in attempts:
        n = attempt % len(catalogue)
        decision = decide_purchase(catalogue[n], left, bought[n], stock[n], discounts[n])
        if isinstance(decision, Purchase):
            left = decision.balance_after
            spent += decision.price
            bought[n] += 1
            stock[n] = decision.stock_after
    assert left >= 0 and spent + left == balance
    for n, item in enumerate(catalogue):
        assert stock[n] is None or stock[n] >= 0
        if item.stock is not None:
            assert bought[n] <= item.stock
        if item.per_member_limit is not None:
            assert bought[n] <= item.per_member_limit


def test_bad_items_are_rejected():
    with pytest.raises(ValueError, match="price"):
        ShopItem("x", price=-1)
    with pytest.raises(ValueError, match="per_member_limit"):
        ShopItem("x", price=1, per_member_limit=0)
