"""Near-duplicate fingerprints, effective length and language detection."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.growth.text import (
    LANG_EN,
    LANG_ZH,
    analyse,
    effective_length,
    fingerprint,
    is_near_duplicate,
    similarity,
)

THRESHOLD = 0.7

LATIN = "abcdefghijklmnopqrstuvwxyz0123456789éüñ"
HAN = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着"
    "去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主"
    "行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二"
    "理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走"
    "电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市"
    "眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提"
    "感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它"
    "许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青"
    "管夫连远资队跟带花快条院变联言权往展该领深艺观即空"
)


def _words(alphabet: str, min_size: int = 1, max_size: int = 12) -> st.SearchStrategy:
    return st.lists(st.text(alphabet, min_size=2, max_size=8), min_size=min_size,
                    max_size=max_size)


def _disguise(words: list[str], rng: random.Random) -> str:
    """The same text as a spammer would vary it: case, spacing, punctuation, emoji."""
    out = []
    for word in words:
        word = word.upper() if rng.random() < 0.5 else word
        out.append(word + rng.choice(["", "!", "?!", "...", ",", "，", "！", "~", " 😀"]))
    sep = rng.choice([" ", "  ", "\t", " \n ", " \u200b "])
    padding = rng.choice(["", "🔥🔥 ", "✨", "   ", "** "])
    return padding + sep.join(out) + rng.choice(["", " 🙏🙏", "!!!", "。", "\u200b"])


@given(words=_words(LATIN + HAN[:40]), seed=st.integers(0, 2**32))
def test_exact_repeat_is_always_a_duplicate_modulo_case_space_punctuation_emoji(words, seed):
    rng = random.Random(seed)
    original = " ".join(words)
    variant = _disguise(words, rng)
    assert fingerprint(original) == fingerprint(variant)
    assert is_near_duplicate(fingerprint(variant), [fingerprint(original)], THRESHOLD)


@given(a=_words("abcdefghijklm"), b=_words("nopqrstuvwxyz"))
def test_texts_without_common_words_are_never_duplicates(a, b):
    fa, fb = fingerprint(" ".join(a)), fingerprint(" ".join(b))
    assert similarity(fa, fb) == 0.0
    assert not is_near_duplicate(fb, [fa], THRESHOLD)


@given(a=st.text(HAN[:150], min_size=2, max_size=60),
       b=st.text(HAN[150:], min_size=2, max_size=60))
def test_chinese_texts_with_different_characters_are_never_duplicates(a, b):
    assert not is_near_duplicate(fingerprint(b), [fingerprint(a)], THRESHOLD)


@settings(max_examples=50)
@given(a=_words("abcdefghijklm", 30, 80), b=_words("nopqrstuvwxyz", 30, 80))
def test_long_unrelated_texts_are_not_duplicates_even_as_sketches(a, b):
    assert not is_near_duplicate(fingerprint(" ".join(b)), [fingerprint(" ".join(a))],
                                 THRESHOLD)


def test_almost_the_same_text_is_a_duplicate():
    base = "does anyone know when the next community meetup in berlin will happen"
    assert is_near_duplicate(fingerprint(base + " please"), [fingerprint(base)], THRESHOLD)
    changed = base.replace("berlin", "munich")
    assert similarity(fingerprint(changed), fingerprint(base)) >= THRESHOLD
    assert is_near_duplicate(fingerprint(changed), [fingerprint(base)], THRESHOLD)


def test_chinese_repeat_with_other_punctuation_and_emoji_is_a_duplicate():
    a = "大家好，今天的活动几点开始？"
    b = "大家好!!今天的活动几点开始 😀😀"
    assert is_near_duplicate(fingerprint(b), [fingerprint(a)], THRESHOLD)
    c = "请问明天下午的会议在哪个房间"
    assert not is_near_duplicate(fingerprint(c), [fingerprint(a)], THRESHOLD)


def test_full_width_and_zero_width_tricks_do_not_hide_a_repeat():
    a = fingerprint("free nitro here")
    assert fingerprint("ＦＲＥＥ ｎｉｔｒｏ ｈｅｒｅ") == a
    assert fingerprint("fr\u200bee ni\u200dtro here") == a


def test_long_text_sketch_is_bounded_and_still_catches_a_repeat():
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghij") for _ in range(6)) for _ in range(200)]
    text = " ".join(words)
    fp = fingerprint(text, sketch_size=24)
    assert len(fp) == 24
    assert is_near_duplicate(fingerprint(text + " extra words here"), [fp], THRESHOLD)


def test_different_messages_sharing_a_few_words_are_not_duplicates():
    a = fingerprint("the meetup is on saturday at the library")
    b = fingerprint("i read a great book at the library yesterday")
    assert not is_near_duplicate(b, [a], THRESHOLD)


def test_effective_length_ignores_punctuation_emoji_and_weights_cjk():
    assert effective_length("ok!!!!!! 😀😀") == 2
    assert effective_length("!!! ... 🎉") == 0
    assert effective_length("hello world") == 10
    assert effective_length("谢谢你") == 6
    assert effective_length("谢谢你", cjk_weight=3) == 9


def test_language_detection():
    assert analyse("thanks, that helped a lot")[2] == LANG_EN
    assert analyse("谢谢，帮了大忙")[2] == LANG_ZH
    assert analyse("我今天用了 Python 写代码")[2] == LANG_ZH
    assert analyse("I love 火锅 so much")[2] == LANG_EN
    assert analyse("こんにちは世界")[2] == 0  # Japanese
    assert analyse("12345 678")[2] == 0
    assert analyse("ok")[2] == 0
    # Already-known languages may be skipped, never wrongly added.
    assert analyse("thanks a lot", known_languages=LANG_EN)[2] == 0


@given(st.text())
def test_analyse_never_crashes_and_is_consistent(text):
    length, fp, lang = analyse(text)
    assert length >= 0
    assert (length == 0) == (not fp)
    assert lang in (0, LANG_EN, LANG_ZH)
    assert len(fp) <= 24
