"""Crisis steps, reminders and the 5-Why postmortem parser (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.safety.crisis import (
    MAX_WHYS,
    ImprovementAction,
    parse_postmortem,
    parse_title,
    step_name,
    step_reminder,
)
from domain.safety.review import ArgumentError


def test_postmortem_parses_whys_and_owned_actions() -> None:
    report = parse_postmortem(
        "why: spam got through | why2: the model never saw it\n"
        "action: add local examples @alice | action: review weekly — <@123>")
    assert report.whys == ("spam got through", "the model never saw it")
    assert report.actions == (ImprovementAction("add local examples", "@alice"),
                              ImprovementAction("review weekly", "<@123>"))
    zh = parse_postmortem("why：没人值班 | action：排班表 @小明")
    assert zh.actions[0].owner == "@小明"


@pytest.mark.parametrize(("text", "key"), [
    ("", "safety.postmortem.usage"),
    ("action: x @a", "safety.postmortem.usage"),
    ("why: a", "safety.postmortem.need_action"),
    ("why: a | action: fix it", "safety.postmortem.action_owner"),
    ("why: a | action: @bob", "safety.postmortem.action_owner"),
    ("why: a | because reasons", "safety.postmortem.bad_part"),
    ("why: | action: x @a", "safety.postmortem.bad_part"),
    (" | ".join(["why: x"] * (MAX_WHYS + 1)) + " | action: y @z",
     "safety.postmortem.too_many_whys"),
])
def test_postmortem_errors(text: str, key: str) -> None:
    with pytest.raises(ArgumentError) as info:
        parse_postmortem(text)
    assert info.value.key == key


@given(st.text(max_size=300))
def test_postmortem_parser_only_raises_argument_errors(text: str) -> None:
    try:
        report = parse_postmortem(text)
    except ArgumentError:
        return
    assert 1 <= len(report.whys) <= MAX_WHYS and report.actions
    assert all(a.owner and a.text for a in report.actions)


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="|\n\r@<>:：",
                                               blacklist_categories=("Cs", "Zl", "Zp")),
                        min_size=1, max_size=30).filter(str.strip), min_size=1, max_size=5),
       st.text(alphabet="abcdefgh", min_size=1, max_size=10))
def test_postmortem_round_trip(whys: list[str], owner: str) -> None:
    text = " | ".join(f"why: {w}" for w in whys) + f" | action: fix things @{owner}"
    report = parse_postmortem(text)
    assert report.whys == tuple(" ".join(w.split()) for w in whys)
    assert report.actions == (ImprovementAction("fix things", f"@{owner}"),)


def test_steps_and_reminders() -> None:
    assert step_name("ACK") == "acknowledge" and step_name("public") == "statement"
    with pytest.raises(ArgumentError):
        step_name("coffee")
    assert parse_title("  Raid   on #general ") == "Raid on #general"
    with pytest.raises(ArgumentError):
        parse_title("   ")
    assert step_reminder(done=False, crisis_open=True, page=0, max_pages=3).repage
    last = step_reminder(done=False, crisis_open=True, page=2, max_pages=3)
    assert last.remind and not last.repage
    assert not step_reminder(done=True, crisis_open=True, page=0, max_pages=3).remind
    assert not step_reminder(done=False, crisis_open=False, page=0, max_pages=3).remind
