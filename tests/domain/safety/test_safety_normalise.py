"""Normalisation: what a human reads, idempotent, never crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.safety.normalise import fold, normalise, normalise_folded

# Characters attackers mix in: lookalikes, invisibles, marks, bidi controls, separators.
TRICKY = list(
    "abcdeopxyACEHKMOPT аеорсухАВЕКМНОРСТХлжпи αορνΑΒ .[]()/: \t\n"
    "\u200b\u200d\u202e\u2066\u0301\u0334\u0000\ufeffｆＦ。点 wxh加微信🅵ᴍ𝐟"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ｆｒｅｅ ｎｉｔｒｏ", "Free nitro"),  # fullwidth
        ("𝐟𝐫𝐞𝐞 𝐜𝐫𝐲𝐩𝐭𝐨", "free crypto"),  # mathematical bold
        ("раураl login", "paypal login"),  # Cyrillic р а у in a Latin word
        ("Visit РАУРАL now please", "Visit PAYPAL now please"),  # all-lookalike word, Latin text
        ("f\u200br\u200ce\u2060e", "free"),  # zero-width characters
        ("h̴̡e̸l̶l̷o̵", "hello"),  # zalgo marks
        ("free\u202e money\u202c", "free money"),  # bidi override
        ("a\x00b\x07c", "abc"),  # null byte and bell
        ("🅵🆁🅴🅴 ᴍᴏɴᴇʏ", "FREE money"),  # negative squared letters, small capitals
        ("f r e e  m o n e y", "free money"),  # spaced out, double space = word break
        ("w w w . s p a m . c o m", "www.spam.com"),
        ("example[.]com and hxxps://bad(.)site/x", "example.com and https://bad.site/x"),
        ("go to spam . com now", "go to spam.com now"),
        ("visit spam dot com", "visit spam.com"),
        ("加 微 信 领取", "加微信 领取"),  # spaced ideographs
        ("abc点com", "abc.com"),
        ("t.me / joinchat", "t.me/joinchat"),
        ("  lots   of\n\nspace  ", "lots of space"),
    ],
)
def test_normalise_undoes_evasions(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Привет, как дела?",  # Russian stays Russian
        "Это хорошо",
        "Καλημέρα σε όλους",  # Greek stays Greek
        "大家早上好 今天天气不错",
        "café naïve résumé",  # accents are spelling, not zalgo
        "the store. com is a word here",  # sentence punctuation is not a link
        "I have a cat",
        "नमस्ते दुनिया",  # Devanagari marks stay
        "مرحبا بالعالم",
    ],
)
def test_normal_text_is_left_alone(text: str) -> None:
    assert normalise(text) == text


def test_russian_word_with_latin_lookalike_becomes_russian() -> None:
    # "cлово" starts with a Latin c; the word is Russian, so the c is mapped to Cyrillic.
    assert normalise("cлово") == "слово"


def test_fold_is_case_insensitive_and_uses_casefold() -> None:
    assert fold("STRASSE") == fold("straße")
    assert normalise_folded("ＦＲＥＥ") == "free"


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        normalise(b"bytes")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_idempotent_on_arbitrary_unicode(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TRICKY), max_size=40).map("".join))
def test_idempotent_on_adversarial_mixtures(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert "\u200b" not in once and "\u202e" not in once and "\x00" not in once


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=4000))
def test_never_crashes_and_never_grows_whitespace(text: str) -> None:
    out = normalise(text)
    assert "  " not in out
    assert out == out.strip()


def test_long_and_hostile_inputs_do_not_crash() -> None:
    zalgo = "h" + "\u0336\u0334\u0321" * 300 + "i"
    assert normalise(zalgo) == "hi"
    emoji_flood = "😂" * 4000
    assert normalise(emoji_flood) == emoji_flood
    rtl = "\u202e" * 100 + "moc.evil" + "\u202c"
    assert normalise(rtl) == "moc.evil"
    nulls = "\x00" * 1000 + "x"
    assert normalise(nulls) == "x"
    assert normalise("a " * 2000).replace(" ", "") == "a" * 2000
