"""MEE6 export parsing: JSON and CSV shapes, line-numbered errors, never crashes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.growth.levels import mee6_total
from domain.growth.mee6 import MAX_ERRORS, parse_mee6

ANN = "123456789012345678"
BOB = "223456789012345678"


def rows(result):
    return [(r.member_id, r.xp) for r in result.rows]


def test_json_list():
    result = parse_mee6(json.dumps([{"id": ANN, "xp": 4500, "username": "ann"},
                                    {"user_id": int(BOB), "XP": "1,200"}], indent=1))
    assert result.ok and result.format == "json"
    assert rows(result) == [(ANN, 4500), (BOB, 1200)]
    assert result.rows[0].username == "ann"


def test_mee6_api_players_object_with_detailed_xp_and_line_numbers():
    text = (
        '{\n "page": 0,\n "players": [\n'
        f'  {{"id": "{ANN}", "detailed_xp": [5, 155, 105]}},\n'
        f'  {{"id": "{BOB}", "xp": 70, "level": 0}}\n ]\n}}'
    )
    result = parse_mee6(text)
    assert rows(result) == [(ANN, 105), (BOB, 70)]
    assert [r.line for r in result.rows] == [4, 5]


def test_json_mapping_of_ids():
    result = parse_mee6(json.dumps({ANN: 300, BOB: {"xp": 20}}))
    assert rows(result) == [(ANN, 300), (BOB, 20)]


def test_level_without_xp_uses_the_mee6_curve():
    result = parse_mee6(json.dumps([{"id": ANN, "level": 5}]))
    assert rows(result) == [(ANN, mee6_total(5))] and result.rows[0].xp_from_level


def test_csv_with_header_and_various_separators():
    for sep in (",", ";", "\t", "|"):
        text = f"\ufeffUser ID{sep}Username{sep}XP{sep}Level\n{ANN}{sep}ann{sep}4500{sep}7\n" \
               f"\n{BOB}{sep}bob{sep}80{sep}0\n"
        result = parse_mee6(text)
        assert result.ok and result.format == "csv", sep
        assert rows(result) == [(ANN, 4500), (BOB, 80)]
        assert [r.line for r in result.rows] == [2, 4]


def test_bad_rows_are_reported_with_line_what_and_how_to_fix():
    text = "\n".join([
        "id,xp",
        f"{ANN},100",
        "abc,5",
        f"{BOB},12x",
        f"{ANN},7",
        "333,-4",
        f"444,{10**13}",
        "555",
        ",9",
    ])
    result = parse_mee6(text)
    assert rows(result) == [(ANN, 100)]
    codes = [(e.line, e.code) for e in result.errors]
    assert codes == [(3, "bad_id"), (4, "bad_xp"), (5, "duplicate"), (6, "negative_xp"),
                     (7, "absurd_xp"), (8, "csv_columns"), (9, "missing_id")]
    message = result.errors[1].message()
    assert message.startswith("line 4:") and "12x" in message and "digits" in message
    assert result.errors[2].message("zh").startswith("第 5 行")
    assert "line 2" in result.errors[2].message()  # points at the first occurrence


def test_structural_problems():
    assert parse_mee6("").errors[0].code == "empty"
    assert parse_mee6("  \n ").format == "empty"
    bad = parse_mee6('[\n {"id": "1", "xp": 5},\n {"id": "2" "xp": 6}\n]')
    assert bad.errors[0].code == "json_syntax" and bad.errors[0].line == 3
    assert not bad.rows
    header = parse_mee6("name,score\nann,5\n")
    assert header.errors[0].code == "csv_header" and "id,xp" in header.errors[0].message()
    assert parse_mee6("[1, 2]").errors[0].code == "not_an_object"
    assert parse_mee6('{"players": 5}').errors[0].code in {"bad_id", "json_shape"}
    assert parse_mee6("[" * 100_000).errors[0].code == "json_syntax"
    assert parse_mee6('[{"id": "1", "xp": 1e400}]').errors[0].code == "bad_xp"
    trailing = parse_mee6('[{"id": "1", "xp": 5}] extra')
    assert trailing.rows and trailing.errors[0].code == "json_syntax"


def test_error_list_is_bounded():
    text = "id,xp\n" + "\n".join(f"x{i},1" for i in range(MAX_ERRORS + 50))
    result = parse_mee6(text)
    assert len(result.errors) == MAX_ERRORS + 1
    assert result.errors[-1].code == "too_many_errors"


@settings(max_examples=300)
@given(st.text())
def test_never_crashes_on_arbitrary_text(text):
    result = parse_mee6(text)
    for problem in result.errors:
        assert problem.line >= 1
        assert problem.message("en") and problem.message("zh")
    for row in result.rows:
        assert row.member_id.isdigit() and row.xp >= 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.sampled_from(["id", "xp", "level", "players", "name", "x"])
                      | st.text(max_size=5), children, max_size=5),
    max_leaves=30,
)


@given(json_values)
def test_never_crashes_on_arbitrary_json(value):
    result = parse_mee6(json.dumps(value))
    assert all(problem.message() for problem in result.errors)
