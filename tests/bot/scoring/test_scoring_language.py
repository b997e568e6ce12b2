"""Per-message language detection and text cleaning."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scoring.language import detect_language, profile, split_scripts, strip_noise

ZALGO = "h̸̢̛̛̺̼͉̼̭̖̗̔͑̈́̂̓̀̔̿e̷̡̬͙̟͖̐̈́̊͌̋ͅl̶̢̛͓̭̜͎̱̪̠̓̊́̈́̏̓l̵̨̤͔̯͇̞̀͋̓ͅo̶̧̰̠̘̒͊̀͆̈ friend, great game"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("thanks everyone, that was a great stream", "en"),
        ("lol same", "en"),
        ("the build is broken again", "en"),
        ("谢谢大家，今天很开心", "zh"),
        ("這個版本真好用", "zh"),
        ("yyds", "zh"),
        ("这个 PR 太棒了 great job", "zh"),
        ("hola amigo, ¿qué tal estás?", "other"),
        ("merci beaucoup, c'est très bien", "other"),
        ("Привет, как дела?", "other"),
        ("今日はとても楽しかったです", "other"),
        ("오늘 정말 재미있었어요", "other"),
        ("kubernetes", "other"),
        ("", "none"),
        ("😂😂😂", "none"),
        ("```print('hi')```", "none"),
        ("12345 !!! ...", "none"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_strip_noise_removes_code_links_mentions_zero_width_and_zalgo() -> None:
    raw = "hey <@12345> see https://x.y/z and `kill -9 1` ```\nrm -rf /\n``` ok\u200b"
    assert strip_noise(raw) == "hey see and ok"
    assert strip_noise(ZALGO) == "hello friend, great game"
    assert strip_noise("ｈｅｌｌｏ！") == "hello!"
    assert strip_noise("café") == "café"
    assert strip_noise("```unclosed fence\nkill -9") == ""


def test_mixed_profile_and_split() -> None:
    prof = profile("这个 bug 太烦了, honestly I hate this release")
    assert prof.mixed and prof.lang in ("zh", "en")
    han, latin = split_scripts(strip_noise("这个bug太烦了 honestly I hate this"))
    assert "太烦了" in han and "honestly i hate this" in latin.lower()


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_detection_never_raises_and_is_known(text: str) -> None:
    assert detect_language(text) in ("en", "zh", "other", "none")
