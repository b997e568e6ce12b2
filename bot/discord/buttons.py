"""Moderation buttons that keep working across restarts.

Every button Hearth sends is a :class:`HearthButton`, a ``DynamicItem`` whose template matches
any custom_id: discord.py routes a press on any such button — even on a message sent before
the last restart — to :meth:`HearthButton.callback`, which hands the custom_id to the adapter
as a ``ButtonPressed`` event. The custom_id itself carries the binding (e.g. the queue item).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import discord

from domain.actions import Button

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}
MAX_BUTTONS = 25
MAX_CUSTOM_ID = 100
MAX_LABEL = 80


class ButtonSink(Protocol):
    async def on_button(self, interaction: discord.Interaction, custom_id: str) -> None: ...


class HearthButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?s)(?P<custom_id>.+)"):
    """A button whose press becomes a domain ``ButtonPressed`` with its custom_id."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> HearthButton:
        assert isinstance(item, discord.ui.Button)
        return cls(
            discord.ui.Button(
                label=item.label, style=item.style, custom_id=match["custom_id"], row=item.row
            )
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        sink: ButtonSink | None = getattr(interaction.client, "hearth_buttons", None)
        if sink is not None:
            await sink.on_button(interaction, self.custom_id)


def make_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """A persistent view (no timeout) of Hearth buttons, or None when there are none.

    Raises ValueError for buttons Discord would reject, naming the offending one.
    """
    if not buttons:
        return None
    if len(buttons) > MAX_BUTTONS:
        raise ValueError(f"{len(buttons)} buttons; Discord allows at most {MAX_BUTTONS}")
    view = discord.ui.View(timeout=None)
    for button in buttons:
        if not 1 <= len(button.custom_id) <= MAX_CUSTOM_ID:
            raise ValueError(
                f"button {button.label!r}: custom_id must be 1-{MAX_CUSTOM_ID} characters"
            )
        view.add_item(
            HearthButton(
                discord.ui.Button(
                    label=button.label[:MAX_LABEL] or "·",
                    custom_id=button.custom_id,
                    style=STYLES.get(button.style, discord.ButtonStyle.secondary),
                )
            )
        )
    return view
