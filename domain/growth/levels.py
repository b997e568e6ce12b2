"""Levels from lifetime XP: the MEE6 curve by default, linear or a custom table.

MEE6 (the bot most communities migrate from) needs ``5·L² + 50·L + 100`` XP to go from
level L to L+1, so reaching level L takes the cumulative sum

    T(L) = 5·(L-1)·L·(2L-1)/6 + 25·L·(L-1) + 100·L        (T(1) = 100, T(2) = 255 ...)

Using the same curve means ``hearth import mee6`` keeps everyone's level. ``level_for``
inverts T with a float Newton estimate and then corrects it with exact integer comparisons,
so the answer is exact for any integer XP (arbitrarily large values use binary search).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum


class CurveKind(StrEnum):
    MEE6 = "mee6"
    LINEAR = "linear"
    TABLE = "table"


@dataclass(frozen=True, slots=True)
class LevelProgress:
    level: int
    xp_into_level: int  # XP earned since reaching ``level``
    xp_for_level: int  # XP the whole step from ``level`` to ``level + 1`` takes
    xp_to_next: int  # XP still missing for ``level + 1``


def mee6_step(level: int) -> int:
    """XP to go from ``level`` to ``level + 1`` on the MEE6 curve."""
    return 5 * level * level + 50 * level + 100


def mee6_total(level: int) -> int:
    """Total XP needed to reach ``level`` on the MEE6 curve (exact integer)."""
    if level <= 0:
        return 0
    return 5 * (level - 1) * level * (2 * level - 1) // 6 + 25 * level * (level - 1) + 100 * level


_FLOAT_EXACT = 2**53


def _mee6_level(xp: int) -> int:
    if xp < _FLOAT_EXACT:
        # T(L) = 5/3 L^3 + 22.5 L^2 + 75.83 L; Newton from the cubic term's root.
        x = float(xp)
        guess = (0.6 * x) ** (1.0 / 3.0)
        for _ in range(3):
            value = (5.0 / 3.0) * guess**3 + 22.5 * guess**2 + (455.0 / 6.0) * guess - x
            slope = 5.0 * guess**2 + 45.0 * guess + 455.0 / 6.0
            guess -= value / slope
        level = max(0, int(guess))
    else:
        low, high = 0, 1
        while mee6_total(high) <= xp:
            low, high = high, high * 2
        while high - low > 1:
            mid = (low + high) // 2
            if mee6_total(mid) <= xp:
                low = mid
            else:
                high = mid
        level = low
    while mee6_total(level + 1) <= xp:
        level += 1
    while level > 0 and mee6_total(level) > xp:
        level -= 1
    return level


@dataclass(frozen=True, slots=True)
class LevelCurve:
    """How XP maps to levels.

    - ``mee6``: the MEE6 curve above.
    - ``linear``: every level takes ``xp_per_level``.
    - ``table``: ``table[i]`` is the total XP to reach level ``i + 1`` (strictly increasing);
      past the end, levels continue with the table's last step so growth never stops.
    """

    kind: str = CurveKind.MEE6
    xp_per_level: int = 100
    table: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in tuple(CurveKind):
            raise ValueError(f"unknown level curve {self.kind!r}; use mee6, linear or table")
        if self.kind == CurveKind.LINEAR and self.xp_per_level <= 0:
            raise ValueError("linear level curve needs xp_per_level > 0")
        if self.kind == CurveKind.TABLE:
            if not self.table:
                raise ValueError("table level curve needs at least one threshold")
            previous = 0
            for index, value in enumerate(self.table):
                if value <= previous:
                    raise ValueError(
                        f"level table entry {index + 1} ({value}) must be greater than "
                        f"the previous one ({previous})"
                    )
                previous = value

    def _table_step(self) -> int:
        table = self.table
        return table[-1] - table[-2] if len(table) > 1 else table[0]

    def total_for(self, level: int) -> int:
        """Total XP needed to reach ``level``."""
        if level <= 0:
            return 0
        if self.kind == CurveKind.MEE6:
            return mee6_total(level)
        if self.kind == CurveKind.LINEAR:
            return level * self.xp_per_level
        table = self.table
        if level <= len(table):
            return table[level - 1]
        return table[-1] + (level - len(table)) * self._table_step()

    def level_for(self, xp: int) -> int:
        """The level reached with ``xp`` total XP (``xp`` >= 0)."""
        if xp < 0:
            raise ValueError(f"XP cannot be negative (got {xp})")
        if self.kind == CurveKind.MEE6:
            return _mee6_level(xp)
        if self.kind == CurveKind.LINEAR:
            return xp // self.xp_per_level
        table = self.table
        if xp < table[-1]:
            return bisect_right(table, xp)
        return len(table) + (xp - table[-1]) // self._table_step()

    def progress(self, xp: int) -> LevelProgress:
        """Level, XP into it, the step's size and XP still missing for the next level."""
        level = self.level_for(xp)
        base = self.total_for(level)
        step = self.total_for(level + 1) - base
        into = xp - base
        return LevelProgress(level, into, step, step - into)


MEE6_CURVE = LevelCurve()


def level_up(curve: LevelCurve, xp_before: int, xp_after: int) -> int | None:
    """The new level if going from ``xp_before`` to ``xp_after`` crossed one, else None.

    Cheap when nothing was crossed (one threshold comparison), so it can run on every award.
    """
    if xp_after <= xp_before:
        return None
    before = curve.level_for(xp_before)
    if xp_after < curve.total_for(before + 1):
        return None
    return curve.level_for(xp_after)


def level_for(xp: int, curve: LevelCurve = MEE6_CURVE) -> int:
    """Module-level shortcut: ``curve.level_for(xp)``."""
    return curve.level_for(xp)


def progress(xp: int, curve: LevelCurve = MEE6_CURVE) -> LevelProgress:
    """Module-level shortcut: ``curve.progress(xp)``."""
    return curve.progress(xp)
