"""Offline lexicon backend: English (VADER), Chinese (chat lexicon), emoji, robustness."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scoring.lexicon import LexiconScorer, chinese_valence
from domain.sentiment import LABELS

LEX = LexiconScorer()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this community, you are all wonderful!", "pos"),
        ("thanks so much, that really helped", "pos"),
        ("this update is terrible and I hate it", "neg"),
        ("ugh, so annoying", "neg"),
        ("the meeting is at 3pm in room 2", "neu"),
        ("ok", "neu"),
        ("这个功能太好用了", "pos"),
        ("谢谢大家的帮助", "pos"),
        ("垃圾游戏，退钱", "neg"),
        ("我好难过", "neg"),
        ("明天下午三点见", "neu"),
        ("好的", "neu"),
    ],
)
def test_basic_labels(text: str, label: str) -> None:
    assert LEX.score(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("yyds", "pos"),
        ("666", "pos"),
        ("笑死", "pos"),
        ("这波绝了", "pos"),
        ("无语", "neg"),
        ("破防了", "neg"),
        ("真香", "pos"),
        ("心态崩了", "neg"),
        ("想死你们了", "pos"),
    ],
)
def test_chinese_chat_slang(text: str, label: str) -> None:
    assert LEX.score(text).label == label


def test_chinese_negation_flips_and_intensifiers_scale() -> None:
    assert LEX.score("我不开心").label == "neg"
    assert LEX.score("一点也不好玩").label == "neg"
    assert LEX.score("不是很好").label == "neg"
    assert LEX.score("别担心").label == "pos"
    plain, _ = chinese_valence("开心")
    strong, _ = chinese_valence("非常开心")
    weak, _ = chinese_valence("有点开心")
    assert weak < plain < strong
    suffix, _ = chinese_valence("开心死了")
    assert suffix > plain
    annoyed, _ = chinese_valence("烦死了")
    assert annoyed < 0


def test_a_not_a_question_is_not_negation() -> None:
    assert LEX.score("你是不是傻逼啊").label == "neg"


def test_contrast_weighs_the_second_half() -> None:
    assert LEX.score("虽然有点贵，但是真的很好吃").label == "pos"
    assert LEX.score("画面不错，但是太难用了").label == "neg"


@pytest.mark.parametrize(("text", "label"), [("😭😭😭", "neg"), ("😂", "pos"), ("💔", "neg"),
                                             ("🎉🎉", "pos"), ("谢谢 ❤️", "pos")])
def test_emoji(text: str, label: str) -> None:
    assert LEX.score(text).label == label


def test_unknown_language_is_neutral_not_guessed() -> None:
    for text in ("¡Odio esto, es horrible!", "Это ужасно, я ненавижу это", "最悪です、嫌いです"):
        sc = LEX.score(text)
        assert (sc.label, sc.confidence, sc.lang) == ("neu", 0.0, "other")


def test_mixed_message_scores_both_parts() -> None:
    sc = LEX.score("这个 PR 太棒了 great job everyone")
    assert sc.label == "pos"
    sc = LEX.score("服务器又挂了 this is so frustrating")
    assert sc.label == "neg"


def test_code_blocks_are_not_feelings() -> None:
    assert LEX.score("```\nkill -9 1234  # terrible hack\n```").label == "neu"
    assert LEX.score("this tool is great `die('error'); kill -9`").label == "pos"


def test_score_carries_backend_and_version() -> None:
    sc = LEX.score("great")
    assert sc.backend == "lexicon" and "vader" in sc.model_version and sc.lang == "en"
    assert not sc.backpressure


ROBUSTNESS = [
    "",
    "   ",
    "😂🔥💯🙏",
    "```python\nwhile True:\n    pass\n```",
    "awful " * 700,  # ~4,200 characters
    "好" * 4000,
    "h̸̢̛̛̺̼͉̼̭̖̗̔͑̈́̂̓̀̔̿e̷̡̬͙̟͖̐̈́̊͌̋ͅl̶̢̛͓̭̜͎̱̪̠̓̊́̈́̏̓l̵̨̤͔̯͇̞̀͋̓ͅo̶̧̰̠̘̒͊̀͆̈ I hate this",
    "这个 bug 太烦了 but the fix is great 😅",
    "\x00\x01\x02",
    "\u200b\u200d",
]


@pytest.mark.parametrize("text", ROBUSTNESS)
def test_awkward_messages_score_without_errors(text: str) -> None:
    sc = LEX.score(text)
    assert sc.label in LABELS and 0.0 <= sc.confidence <= 1.0


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_any_text_scores(text: str) -> None:
    sc = LEX.score(text)
    assert sc.label in LABELS and 0.0 <= sc.confidence <= 1.0
