"""Points shop: purchase decisions as values.

``decide_purchase`` is pure: it checks one purchase against the numbers the handler read.
Two racing purchases can both pass this check, so the storage layer must make the write
conditional (``UPDATE ... SET balance = balance - :price WHERE balance >= :price`` and the
same for stock / per-member count) and treat "0 rows updated" as the refusal this function
would have given. The decision carries the exact numbers for that conditional write.

Discount rounding: the discounted price is ``ceil(price * (100 - pct) / 100)`` computed in
integers — a discount never takes off more than the configured percentage, and an item
that costs something never becomes free unless the discount is 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.growth.points import LedgerChange, Refusal, apply_change
from domain.growth.rules import Source
from domain.growth.state import MemberGrowthState

SPEND_CATEGORY = "spend"


class ItemKind(StrEnum):
    ROLE_COLOUR = "role_colour"
    TITLE = "title"
    PINNED_INTRO = "pinned_intro"
    ROLE = "role"
    CUSTOM = "custom"


class ShopRefusal(StrEnum):
    UNKNOWN_ITEM = "unknown_item"
    NOT_ENOUGH_POINTS = "not_enough_points"
    OUT_OF_STOCK = "out_of_stock"
    LIMIT_REACHED = "limit_reached"
    INVALID_DISCOUNT = "invalid_discount"


@dataclass(frozen=True, slots=True)
class ShopItem:
    """``stock``/``per_member_limit`` of ``None`` mean unlimited. ``payload`` is what the
    handler needs to deliver the item (role id, colour, title text ...)."""

    id: str
    price: int
    stock: int | None = None
    per_member_limit: int | None = None
    kind: str = ItemKind.CUSTOM
    payload: Mapping[str, Any] = field(default_factory=dict, compare=False)
    names: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.price < 0:
            raise ValueError(f"shop item {self.id!r}: price must be >= 0")
        if self.stock is not None and self.stock < 0:
            raise ValueError(f"shop item {self.id!r}: stock must be >= 0 or unlimited")
        if self.per_member_limit is not None and self.per_member_limit < 1:
            raise ValueError(f"shop item {self.id!r}: per_member_limit must be >= 1")


@dataclass(frozen=True, slots=True)
class Purchase:
    item_id: str
    price: int  # after discount: what leaves the balance
    list_price: int
    discount_pct: int
    balance_after: int
    stock_after: int | None  # None = unlimited

    def change(self) -> LedgerChange:
        """The ledger row: balance only — spending never touches lifetime points."""
        return LedgerChange(SPEND_CATEGORY, 0, -self.price, Source.PURCHASE,
                            f"buy:{self.item_id}")


def discounted_price(price: int, discount_pct: int) -> int:
    """``ceil(price * (100 - discount_pct) / 100)`` with integers (see module docstring)."""
    return -(-price * (100 - discount_pct) // 100)


def decide_purchase(
    item: ShopItem | None,
    balance: int,
    bought_count: int,
    stock_left: int | None,
    discount_pct: int = 0,
) -> Purchase | Refusal:
    """May the member buy ``item`` now? Checks in order: item exists, stock, per-member
    limit, balance. ``stock_left`` is the live stock (``None`` = unlimited)."""
    if item is None:
        return Refusal(ShopRefusal.UNKNOWN_ITEM, Source.PURCHASE)
    if isinstance(discount_pct, bool) or not isinstance(discount_pct, int) \
            or not 0 <= discount_pct <= 100:
        return Refusal(ShopRefusal.INVALID_DISCOUNT, Source.PURCHASE)
    if stock_left is not None and stock_left <= 0:
        return Refusal(ShopRefusal.OUT_OF_STOCK, Source.PURCHASE)
    if item.per_member_limit is not None and bought_count >= item.per_member_limit:
        return Refusal(ShopRefusal.LIMIT_REACHED, Source.PURCHASE)
    price = discounted_price(item.price, discount_pct)
    if balance < price:
        return Refusal(ShopRefusal.NOT_ENOUGH_POINTS, Source.PURCHASE)
    return Purchase(
        item_id=item.id,
        price=price,
        list_price=item.price,
        discount_pct=discount_pct,
        balance_after=balance - price,
        stock_after=None if stock_left is None else stock_left - 1,
    )


def apply_purchase(state: MemberGrowthState, purchase: Purchase) -> LedgerChange:
    """Take the price from the cached state (after the conditional write succeeded)."""
    change = purchase.change()
    apply_change(state, change)
    return change


def best_discount(discounts: list[int] | tuple[int, ...]) -> int:
    """Perks do not stack: the best single discount applies (clamped to 0..100)."""
    return max(0, min(100, max(discounts, default=0)))
