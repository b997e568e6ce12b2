"""Message catalogues: every member-facing string in English and Chinese, same placeholders.

Why: a missing translation or a placeholder that exists in one language only crashes a reply
(KeyError in ``str.format``) for exactly the members who use that language.
"""

from __future__ import annotations

import string

import pytest

from domain.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalog, normalise_language, t


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_catalogue_is_not_empty_and_has_core_messages() -> None:
    messages = catalog()
    assert {"core.unknown_command", "core.not_allowed", "core.help", "core.error"} <= set(
        messages)


@pytest.mark.parametrize("key", sorted(catalog()))
def test_every_key_has_every_language_with_the_same_placeholders(key: str) -> None:
    texts = catalog()[key]
    assert set(texts) >= set(LANGUAGES), f"{key}: missing {set(LANGUAGES) - set(texts)}"
    unknown = set(texts) - set(LANGUAGES)
    assert not unknown, f"{key}: languages not served: {unknown}"
    for lang in LANGUAGES:
        assert isinstance(texts[lang], str) and texts[lang].strip(), f"{key}.{lang} is empty"
    english = placeholders(texts["en"])
    for lang in LANGUAGES:
        assert placeholders(texts[lang]) == english, (
            f"{key}: {lang} uses {sorted(placeholders(texts[lang]))}, en uses {sorted(english)}")
        # every template renders with its own fields
        texts[lang].format(**{name: "x" for name in english})


def test_t_renders_and_falls_back_to_english() -> None:
    assert t("core.unknown_command", "en", name="rank") == (
        "I don't know the command /rank. Try /help.")
    assert t("core.unknown_command", "zh", name="rank") == "我不认识命令 /rank。试试 /help。"
    english = t("core.unknown_command", "en", name="x")
    assert t("core.unknown_command", "fr", name="x") == english
    assert t("core.unknown_command", None, name="x") == english
    assert t("core.unknown_command", "zh-TW", name="x") == t("core.unknown_command", "zh",
                                                            name="x")


def test_unknown_key_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match=r"no message 'core\.nope'"):
        t("core.nope", "en")


@pytest.mark.parametrize(("given", "expected"), [
    ("zh-CN", "zh"), ("zh_TW", "zh"), ("ZH", "zh"), ("zh-Hans-CN", "zh"), ("en-US", "en"),
    ("en", "en"), ("fr", DEFAULT_LANGUAGE), ("", DEFAULT_LANGUAGE), (None, DEFAULT_LANGUAGE),
])
def test_normalise_language(given: str | None, expected: str) -> None:
    assert normalise_language(given) == expected


def test_catalogue_modules_only_hold_plain_data() -> None:
    """Keys are namespaced by feature (``feature.key``) so modules cannot collide silently."""
    for key in catalog():
        assert "." in key and key == key.strip(), key
