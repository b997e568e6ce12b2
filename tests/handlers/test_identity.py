"""Identity linking (/link, /unlink) through the real pipeline and database.

Why: a link merges two accounts' identities, so it must only ever happen with a fresh,
unused code from the *other* platform, must be all-or-nothing in the database, must be
audited on both sides, and must explain every refusal in the member's language. The pure
rules (code shape, verdict order, merging) are checked with hypothesis as well.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.storage.models import AuditEntry, LinkCode, Member, Person
from domain import identity as rules
from domain.actions import DirectMessage, Reply
from domain.events import CommandInvoked
from domain.i18n import t
from domain.identity import IssuedCode, MemberRef, MergePlan, Verdict

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DC = "dc:100"  # a Discord guild (English)
DC2 = "dc:300"  # another Discord guild
TG = "tg:-200"  # a Telegram group (Chinese)
TG2 = "tg:-201"  # another Telegram group
COMMUNITIES = [
    {"platform": "discord", "id": "100", "name": "Guild", "language": "en"},
    {"platform": "discord", "id": "300", "name": "Other guild", "language": "en"},
    {"platform": "telegram", "id": "-200", "name": "Group", "language": "zh"},
    {"platform": "telegram", "id": "-201", "name": "Other group", "language": "en"},
]
INVOCATIONS = itertools.count(1)
CODE_RE = re.compile(rf"\b([{rules.ALPHABET}]{{{rules.CODE_LENGTH}}})\b")


@pytest.fixture
async def app(make_app: Any, db_url: str) -> Any:
    return await make_app(db_url, communities=COMMUNITIES)


def cmd(community: str, member: str, name: str, args: str = "", *, at: datetime = T0,
        roles: frozenset[str] = frozenset({"member"}), locale: str | None = None,
        member_name: str = "") -> CommandInvoked:
    # Every invocation is a distinct interaction/message, as on the platforms (the pipeline
    # drops a redelivered command with the same key).
    return CommandInvoked(community_id=community, member_id=member, at=at, name=name,
                          args=args, channel_id=f"{community}-chan", roles=roles,
                          locale=locale, member_name=member_name or member.split(":")[1],
                          interaction_id=f"i{next(INVOCATIONS)}")


async def run(app: Any, event: CommandInvoked) -> list[Any]:
    return list(await app.pipeline.process(event))


def only_reply(actions: list[Any]) -> Reply:
    assert len(actions) == 1, actions
    reply = actions[0]
    assert isinstance(reply, Reply) and reply.ephemeral, reply
    return reply


async def issue(app: Any, community: str, member: str, *, at: datetime = T0,
                name: str = "") -> str:
    """Ask for a code and return it (from the ephemeral reply or the direct message)."""
    actions = await run(app, cmd(community, member, "link", at=at, member_name=name))
    texts = [a.text for a in actions if isinstance(a, (Reply, DirectMessage))]
    codes = {m.group(1) for text in texts for m in CODE_RE.finditer(text)}
    assert len(codes) == 1, texts
    return codes.pop()


async def rows(app: Any, stmt: Any) -> list[Any]:
    async with app.sessions() as session:
        return list((await session.execute(stmt)).all())


async def person_of(app: Any, community: str, member: str) -> int | None:
    got = await rows(app, select(Member.person_id).where(Member.community_id == community,
                                                         Member.member_id == member))
    assert got, f"no member row {community}/{member}"
    return got[0][0]


async def audit(app: Any, action: str) -> list[Any]:
    return await rows(app, select(AuditEntry.community_id, AuditEntry.actor_id,
                                  AuditEntry.target_id, AuditEntry.details)
                      .where(AuditEntry.action == action).order_by(AuditEntry.id))


# -- issuing -------------------------------------------------------------------------------


async def test_code_is_random_private_and_stored_for_ten_minutes(app: Any) -> None:
    actions = await run(app, cmd(DC, "dc:1", "link"))
    reply = only_reply(actions)  # ephemeral: on Discord only the caller sees it
    code = CODE_RE.search(reply.text).group(1)  # type: ignore[union-attr]
    assert set(code) <= set(rules.ALPHABET) and len(code) == 8
    assert reply.text == t("identity.code", "en", code=code, minutes=10)
    stored = await rows(app, select(LinkCode.code, LinkCode.community_id, LinkCode.member_id,
                                    LinkCode.expires_at))
    assert stored == [(code, DC, "dc:1", T0 + timedelta(minutes=10))]
    issued = await audit(app, "identity.code_issued")
    assert [(c, a) for c, a, _, _ in issued] == [(DC, "dc:1")]
    assert code not in str(issued)  # the secret never lands in the audit log

    other = await issue(app, DC, "dc:2")
    assert other != code
    # Asking again replaces the member's old code: only the newest works.
    again = await issue(app, DC, "dc:1", at=T0 + timedelta(minutes=1))
    codes = {c for (c,) in await rows(app, select(LinkCode.code))}
    assert codes == {other, again}


async def test_on_telegram_the_code_goes_by_direct_message(app: Any) -> None:
    actions = await run(app, cmd(TG, "tg:5", "link"))
    dms = [a for a in actions if isinstance(a, DirectMessage)]
    replies = [a for a in actions if isinstance(a, Reply)]
    assert len(dms) == 1 and len(replies) == 1
    dm = dms[0]
    assert dm.member_id == "tg:5" and dm.fallback_channel_id == f"{TG}-chan"
    code = CODE_RE.search(dm.text).group(1)  # type: ignore[union-attr]
    assert dm.text == t("identity.code", "zh", code=code, minutes=10)  # group language
    # A Telegram group has no private replies: the visible answer must not hold the code.
    assert code not in replies[0].text
    assert replies[0].text == t("identity.code_sent_privately", "zh")


# -- redeeming -----------------------------------------------------------------------------


async def test_code_from_discord_entered_on_telegram_links_both_accounts(app: Any) -> None:
    code = await issue(app, DC, "dc:1", name="Alice")
    typed = f"{code[:4].lower()}-{code[4:]}"  # case and a dash are forgiven
    reply = only_reply(await run(app, cmd(TG, "tg:5", "link", typed,
                                          at=T0 + timedelta(minutes=9))))
    assert reply.text == t("identity.linked", "zh", platform="Discord", name="Alice")

    person = await person_of(app, DC, "dc:1")
    assert person is not None and person == await person_of(app, TG, "tg:5")
    assert await rows(app, select(func.count()).select_from(Person)) == [(1,)]
    assert await rows(app, select(LinkCode.code)) == []  # one-time: used up
    linked = await audit(app, "identity.linked")
    assert sorted(c for c, *_ in linked) == sorted([DC, TG])  # both sides can see it
    for _, actor, target, details in linked:
        assert (actor, target) == ("tg:5", "dc:1")
        assert details["person_id"] == person
        assert details["accounts"] == [[DC, "dc:1"], [TG, "tg:5"]]

    # The same code cannot be used twice.
    again = only_reply(await run(app, cmd(TG2, "tg:6", "link", code,
                                          at=T0 + timedelta(minutes=9))))
    assert again.text == t("identity.unknown", "en", code=code)
    assert await person_of(app, TG2, "tg:6") is None


async def test_expired_code_is_refused_and_removed(app: Any) -> None:
    code = await issue(app, DC, "dc:1")
    late = T0 + rules.CODE_TTL
    reply = only_reply(await run(app, cmd(TG2, "tg:5", "link", code, at=late)))
    assert reply.text == t("identity.expired", "en", code=code, minutes=10)
    assert await rows(app, select(LinkCode.code)) == []
    assert await person_of(app, DC, "dc:1") is None
    assert await person_of(app, TG2, "tg:5") is None


async def test_own_code_is_refused_and_stays_usable(app: Any) -> None:
    code = await issue(app, DC, "dc:1")
    same_place = only_reply(await run(app, cmd(DC, "dc:1", "link", code)))
    assert same_place.text == t("identity.own", "en")
    # The same Discord account in another guild is still the same account.
    other_guild = only_reply(await run(app, cmd(DC2, "dc:1", "link", code, locale="zh-CN")))
    assert other_guild.text == t("identity.own", "zh")  # the caller's client language
    stranger = only_reply(await run(app, cmd(DC2, "dc:2", "link", code)))
    assert stranger.text == t("identity.same_platform", "en", platform="Discord")
    assert await person_of(app, DC, "dc:1") is None
    # None of those mistakes used the code up: the owner can still link.
    linked = only_reply(await run(app, cmd(TG2, "tg:5", "link", code)))
    assert linked.text.startswith("Linked")


async def test_a_code_typed_in_a_telegram_group_by_mistake_is_cancelled(app: Any) -> None:
    """Telegram command arguments are public: a code shown there must stop working, or
    anyone on Discord could link their account to its owner's."""
    code = await issue(app, TG2, "tg:5")  # sent by DM ...
    oops = only_reply(await run(app, cmd(TG2, "tg:5", "link", code)))  # ... typed in public
    assert oops.text == f"{t('identity.own', 'en')} {t('identity.code_cancelled', 'en')}"
    assert await rows(app, select(LinkCode.code)) == []
    stranger = only_reply(await run(app, cmd(DC, "dc:9", "link", code)))
    assert stranger.text == t("identity.unknown", "en", code=code)
    assert await person_of(app, TG2, "tg:5") is None

    other = await issue(app, TG2, "tg:5")
    by_another = only_reply(await run(app, cmd(TG, "tg:6", "link", other)))
    assert by_another.text == (t("identity.same_platform", "zh", platform="Telegram") + " "
                               + t("identity.code_cancelled", "zh"))
    assert await rows(app, select(LinkCode.code)) == []


async def test_unknown_and_malformed_codes_are_explained(app: Any) -> None:
    unknown = only_reply(await run(app, cmd(TG, "tg:5", "link", "ABCD EFGH")))
    assert unknown.text == t("identity.unknown", "zh", code="ABCDEFGH")
    bad = only_reply(await run(app, cmd(DC, "dc:1", "link", "hello0")))
    assert bad.text == t("identity.malformed", "en", given="hello0", length=8,
                         example="K7QM-3XPA")
    assert "hello0" in bad.text and "8" in bad.text
    long = only_reply(await run(app, cmd(DC, "dc:1", "link", "x" * 500)))
    assert len(long.text) < 400  # a pasted essay is not echoed back in full


async def test_wrong_guesses_are_capped(app: Any) -> None:
    code = await issue(app, DC, "dc:1")
    for n in range(rules.MAX_FAILED_ATTEMPTS):
        guess = "".join(rules.ALPHABET[(n + i) % len(rules.ALPHABET)] for i in range(8))
        assert guess != code
        await run(app, cmd(TG2, "tg:5", "link", guess, at=T0 + timedelta(seconds=n)))
    assert len(await audit(app, rules.FAILED_AUDIT_ACTION)) == rules.MAX_FAILED_ATTEMPTS
    blocked = only_reply(await run(app, cmd(TG2, "tg:5", "link", code,
                                            at=T0 + timedelta(minutes=1))))
    assert blocked.text == t("identity.too_many_attempts", "en", minutes=10)
    assert await person_of(app, TG2, "tg:5") is None
    # Once the window has passed, the member may try again (with a fresh code).
    later = T0 + rules.ATTEMPT_WINDOW + timedelta(minutes=1)
    fresh = await issue(app, DC, "dc:1", at=later)
    ok = only_reply(await run(app, cmd(TG2, "tg:5", "link", fresh, at=later)))
    assert ok.text.startswith("Linked")


async def test_linking_two_linked_groups_merges_them_into_the_older_person(app: Any) -> None:
    first = await issue(app, DC, "dc:1")
    await run(app, cmd(TG, "tg:5", "link", first))
    second = await issue(app, DC2, "dc:7")
    await run(app, cmd(TG2, "tg:9", "link", second))
    p1, p2 = await person_of(app, DC, "dc:1"), await person_of(app, DC2, "dc:7")
    assert p1 is not None and p2 is not None and p1 < p2

    third = await issue(app, DC2, "dc:7")  # now the Discord side of group 2 ...
    reply = only_reply(await run(app, cmd(TG, "tg:5", "link", third)))  # ... meets group 1
    assert reply.text == t("identity.linked", "zh", platform="Discord", name="7")
    for community, member in ((DC, "dc:1"), (TG, "tg:5"), (DC2, "dc:7"), (TG2, "tg:9")):
        assert await person_of(app, community, member) == p1
    assert await rows(app, select(Person.id)) == [(p1,)]
    merged = await audit(app, "identity.linked")
    assert merged[-1][3]["merged_person_id"] == p2

    already = await issue(app, DC, "dc:1")
    again = only_reply(await run(app, cmd(TG2, "tg:9", "link", already)))
    assert again.text == t("identity.already_linked", "en", platform="Discord", name="1")


async def test_unlink_is_admin_only_and_dissolves_a_pair(app: Any) -> None:
    code = await issue(app, DC, "dc:1")
    await run(app, cmd(TG, "tg:5", "link", code))
    refused = only_reply(await run(app, cmd(DC, "dc:2", "unlink", "dc:1")))
    assert refused.text == t("core.not_allowed", "en", name="unlink",
                             role=t("core.role.admin", "en"))
    assert await person_of(app, DC, "dc:1") is not None

    admin = frozenset({"member", "admin"})
    usage = only_reply(await run(app, cmd(DC, "dc:2", "unlink", roles=admin)))
    assert usage.text == t("identity.unlink_usage", "en")
    missing = only_reply(await run(app, cmd(DC, "dc:2", "unlink", "nobody", roles=admin)))
    assert missing.text == t("identity.member_not_found", "en", name="nobody")
    done = only_reply(await run(app, cmd(DC, "dc:2", "unlink", "dc:1", roles=admin)))
    assert done.text == t("identity.unlinked", "en", name="1")
    assert await person_of(app, DC, "dc:1") is None
    assert await person_of(app, TG, "tg:5") is None  # a person of one links nothing
    assert await rows(app, select(func.count()).select_from(Person)) == [(0,)]
    assert [(c, a, tgt) for c, a, tgt, _ in await audit(app, "identity.unlinked")] == [
        (DC, "dc:2", "dc:1")]
    not_linked = only_reply(await run(app, cmd(DC, "dc:2", "unlink", "dc:1", roles=admin)))
    assert not_linked.text == t("identity.not_linked", "en", name="1")


async def test_unlinking_one_of_three_keeps_the_others_together(app: Any) -> None:
    await run(app, cmd(TG, "tg:5", "link", await issue(app, DC, "dc:1")))
    await run(app, cmd(TG2, "tg:9", "link", await issue(app, DC, "dc:1")))
    person = await person_of(app, DC, "dc:1")
    assert person is not None and person == await person_of(app, TG2, "tg:9")
    admin = frozenset({"member", "admin"})
    await run(app, cmd(TG, "tg:1", "unlink", "tg:5", roles=admin))
    assert await person_of(app, TG, "tg:5") is None
    assert await person_of(app, DC, "dc:1") == person == await person_of(app, TG2, "tg:9")


async def test_concurrent_redemptions_link_at_most_once(app: Any) -> None:
    code = await issue(app, DC, "dc:1")
    results = await asyncio.gather(
        *(run(app, cmd(group, member, "link", code))
          for group, member in ((TG, "tg:5"), (TG2, "tg:6"), (TG2, "tg:7"))))
    texts = [a.text for actions in results for a in actions]
    assert sum(text.startswith(("Linked", "关联成功")) for text in texts) == 1, texts
    people = [await person_of(app, g, m) for g, m in ((TG, "tg:5"), (TG2, "tg:6"),
                                                       (TG2, "tg:7"))]
    assert sum(p is not None for p in people) == 1
    assert await rows(app, select(func.count()).select_from(Person)) == [(1,)]


# -- the pure rules ------------------------------------------------------------------------

codes = st.text(alphabet=rules.ALPHABET, min_size=8, max_size=8)
NOW = T0


@given(codes, st.sampled_from(["", "-", " ", "_"]), st.booleans())
def test_normalise_accepts_the_ways_people_copy_a_code(code: str, sep: str,
                                                       lower: bool) -> None:
    typed = code[:4] + sep + code[4:]
    assert rules.normalise_code(typed.lower() if lower else typed) == code


@given(st.text(max_size=20))
def test_normalise_returns_only_valid_codes(text: str) -> None:
    result = rules.normalise_code(text)
    if result is not None:
        assert len(result) == 8 and set(result) <= set(rules.ALPHABET)


@pytest.mark.parametrize("typed", ["ABCDEFG0", "ABCDEFGO", "ABCDEFG1", "ABCDEFGI",
                                   "ABCDEFGL", "ABCDEFG", "ABCDEFGHJ", "", "ÄBCDEFGH"])
def test_normalise_rejects_look_alikes_and_wrong_lengths(typed: str) -> None:
    assert rules.normalise_code(typed) is None


def test_new_code_uses_the_whole_alphabet() -> None:
    seen = {ch for _ in range(400) for ch in rules.new_code(secrets.choice)}
    assert seen == set(rules.ALPHABET)
    assert not set("01OIL") & set(rules.ALPHABET)


def issued_by(community: str, member: str, *, minutes: int = 5) -> IssuedCode:
    return IssuedCode("ABCDEFGH", community, member, NOW + timedelta(minutes=minutes))


@pytest.mark.parametrize(("issued", "caller", "persons", "verdict"), [
    (None, MemberRef(TG, "tg:5"), (None, None), Verdict.UNKNOWN),
    (issued_by(DC, "dc:1", minutes=0), MemberRef(TG, "tg:5"), (None, None), Verdict.EXPIRED),
    (issued_by(DC, "dc:1", minutes=0), MemberRef(DC, "dc:1"), (None, None), Verdict.EXPIRED),
    (issued_by(DC, "dc:1"), MemberRef(DC2, "dc:1"), (None, None), Verdict.OWN),
    (issued_by(DC, "dc:1"), MemberRef(DC2, "dc:2"), (None, None), Verdict.SAME_PLATFORM),
    (issued_by(DC, "dc:1"), MemberRef(TG, "tg:5"), (3, 3), Verdict.ALREADY_LINKED),
    (issued_by(DC, "dc:1"), MemberRef(TG, "tg:5"), (3, 4), Verdict.OK),
    (issued_by(DC, "dc:1"), MemberRef(TG, "tg:5"), (None, None), Verdict.OK),
])
def test_judge(issued: IssuedCode | None, caller: MemberRef,
               persons: tuple[int | None, int | None], verdict: Verdict) -> None:
    assert rules.judge(issued, caller, NOW, issuer_person=persons[0],
                       caller_person=persons[1]) is verdict


@pytest.mark.parametrize("verdict", list(Verdict))
def test_which_attempts_use_a_code_up(verdict: Verdict) -> None:
    final = verdict in (Verdict.OK, Verdict.EXPIRED, Verdict.ALREADY_LINKED)
    mistake = verdict in (Verdict.OWN, Verdict.SAME_PLATFORM)
    assert rules.consumes_code(verdict, seen_by_others=False) is final
    assert rules.consumes_code(verdict, seen_by_others=True) is (final or mistake)


@given(st.none() | st.integers(1, 50), st.none() | st.integers(1, 50))
def test_plan_merge_ends_with_one_person(issuer: int | None, caller: int | None) -> None:
    plan = rules.plan_merge(issuer, caller)
    existing = {p for p in (issuer, caller) if p is not None}
    if not existing:
        assert plan == MergePlan(None)
        return
    assert plan.keep == min(existing)
    assert plan.absorb == (max(existing) if len(existing) == 2 else None)
