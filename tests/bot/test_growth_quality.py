"""Content quality scores and creation points (the scheduled ``score_posts`` job).

Why: the score feeds highlights and digests and pays creation points, so it must follow the
configured weights from what really happened to a post within its reach window — distinct
people reacting and replying, helpful marks, repeats of the author's earlier posts, safety
hits — and paying creation points must be idempotent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.growth.quality import score_posts
from bot.storage.models import Activity
from bot.storage.models_growth import PostQuality
from domain.growth.quality import QualityRules, score_post
from domain.growth.text import fingerprint
from tests.handlers.test_growth_support import (
    COMMUNITY,
    MOD,
    T0,
    cmd,
    community,
    ledger,
    member,
    points,
    react,
    rows,
    say,
    unreact,
)

ANN, BOB, CAT, DAN = (member(n) for n in ("ann", "bob", "cat", "dan"))
TEXT = ("Here is how I set up the community compost: three bins, brown and green layers, "
        "turn it weekly and keep it as damp as a wrung-out sponge.")
H = timedelta(hours=1)


@pytest.fixture
async def app(make_app: Any, sqlite_url: str) -> Any:
    return await make_app(sqlite_url, communities=[community(
        quality={"interactions_per_point": 2})])


async def scores(app: Any) -> dict[str, tuple[float, int, dict[str, Any]]]:
    found = await rows(app, select(PostQuality.message_id, PostQuality.score,
                                   PostQuality.interactions, PostQuality.components))
    return {m: (s, n, c) for m, s, n, c in found}


async def test_scores_follow_what_happened_within_the_window(app: Any) -> None:
    post, _ = await say(app, ANN, T0, TEXT)
    await react(app, BOB, T0 + H, post, ANN, emoji="🌱")
    await react(app, CAT, T0 + H, post, ANN, emoji="🌱")
    await react(app, DAN, T0 + H, post, ANN, emoji="👀")
    await unreact(app, DAN, T0 + 2 * H, post, ANN, emoji="👀")  # taken back: not counted
    await say(app, DAN, T0 + 3 * H, reply_to=(post, ANN))
    await say(app, BOB, T0 + 80 * H, reply_to=(post, ANN))  # after the 72 h window
    await cmd(app, member("mia"), "helpful", post, roles=MOD, at=T0 + 4 * H)
    repeat, _ = await say(app, ANN, T0 + 5 * H, TEXT)

    early = await score_posts(app, COMMUNITY, now=T0 + 50 * H)
    assert early.scored == 0  # no window has closed yet
    run = await score_posts(app, COMMUNITY, now=T0 + 78 * H)
    found = await scores(app)
    assert set(found) >= {post, repeat}
    expected = score_post(
        text=TEXT, author_id=ANN, posted_at=T0, earlier_fingerprints=[],
        interactions=[(BOB, T0 + H), (CAT, T0 + H), (DAN, T0 + 3 * H)], replies=1,
        helpful_marks=1, rules=QualityRules(interactions_per_point=2))
    score, interactions, components = found[post]
    assert score == pytest.approx(expected.score, abs=1e-6)
    assert interactions == 4  # two reactions, one reply, one helpful mark
    assert components["reach"] == pytest.approx(expected.reach, abs=1e-4)
    assert found[repeat][2]["originality"] == 0.0  # repeats the earlier post
    assert run.scored == len(found)
    assert expected.originality == 1.0 and fingerprint(TEXT)


async def test_a_post_blocked_by_safety_scores_no_compliance(app: Any) -> None:
    post, _ = await say(app, ANN, T0, TEXT)
    async with app.sessions() as session:
        await session.execute(update(Activity).where(Activity.message_id == post)
                              .values(deleted=True))
        await session.commit()
    await score_posts(app, COMMUNITY, now=T0 + 80 * H)
    assert (await scores(app))[post][2]["compliance"] == 0.0


async def test_creation_points_are_paid_once(app: Any) -> None:
    post, _ = await say(app, ANN, T0, TEXT)
    for i, fan in enumerate((BOB, CAT, DAN, member("eve"), member("fay"))):
        await react(app, fan, T0 + (i + 1) * H, post, ANN)
    await say(app, BOB, T0 + 2 * H, reply_to=(post, ANN))
    run = await score_posts(app, COMMUNITY, now=T0 + 80 * H)
    score, interactions, _ = (await scores(app))[post]
    units = int(interactions * score // 2)
    assert units >= 1 and run.creation_units == {ANN: units}
    creation = [r for r in await ledger(app, ANN) if r["reason"] == "creation"]
    assert [(r["delta"], r["category"], r["source_key"]) for r in creation] == [
        (units, "creation", f"creation:{units}")]
    again = await score_posts(app, COMMUNITY, now=T0 + 81 * H)
    assert again.creation_units == {} and again.scored == 0
    await points(app, ANN)  # totals still equal the ledger
