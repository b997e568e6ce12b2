"""Cheap text analysis for anti-farming: effective length, language script, fingerprint.

This runs once per message on the ingest hot path, so it is written for CPython speed:
ASCII text (most chat) goes through ``bytes.translate`` + ``bytes.split`` (both C loops) and
never touches a regex; other text uses one precompiled regex pass. Nothing is compiled or
allocated per call beyond the token list.

Fingerprint
    A *bottom-k MinHash sketch*: every shingle is hashed with CRC-32 (stable across processes,
    unlike ``hash()``, so fingerprints survive a restart in the stored member state) and the
    ``k`` smallest hashes are kept as a ``frozenset``. Shingles are lower-cased words for
    space-separated scripts and character bigrams for CJK runs (Chinese has no spaces, so
    words are meaningless there). Case, punctuation, whitespace, emoji and zero-width
    padding never reach a shingle, so they cannot make a repeat look new. When both sets are
    smaller than ``k`` the sketch *is* the shingle set and Jaccard similarity is exact; for
    longer texts the standard bottom-k estimator is used.

Script
    A message counts as Chinese when its CJK characters outweigh its ASCII letters (a CJK
    character weighs ``cjk_weight`` letters) and it has no kana or Hangul (Japanese/Korean),
    and as English (Latin) when ASCII letters dominate and there are at least
    ``MIN_LATIN_LETTERS`` of them.
"""

from __future__ import annotations

import re
import unicodedata
from zlib import crc32

LANG_EN = 1
LANG_ZH = 2
MIN_LATIN_LETTERS = 3
DEFAULT_SKETCH_SIZE = 24

_CJK_CLASS = (
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han ideographs (ext A, unified, compat)
    "\uac00-\ud7af"  # Hangul syllables
    "\U00020000-\U0003ffff"  # Han ext B+
)
# One pass yields CJK runs and words of every other script; \W and "_" separate tokens.
_TOKEN_RE = re.compile(f"[{_CJK_CLASS}]+|[^\\W_{_CJK_CLASS}]+")
# Kana or Hangul in a CJK message means Japanese or Korean, not Chinese.
_NOT_CHINESE_RE = re.compile("[\u3040-\u30ff\uac00-\ud7af]")
# Precomputed slices of 2 consecutive 3-byte UTF-8 characters: bigrams without bytecode.
_BIGRAM_SLICES = tuple(slice(3 * i, 3 * i + 6) for i in range(4096))
_ZERO_WIDTH_RE = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]+")

# ASCII fast path: upper -> lower, [a-z0-9] kept, everything else (incl. "_") -> space.
_ASCII_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122) else 32
    for c in range(256)
)
_DIGITS_AND_SPACE = b"0123456789 "

EMPTY_FINGERPRINT: frozenset[int] = frozenset()


def analyse(
    text: str,
    sketch_size: int = DEFAULT_SKETCH_SIZE,
    cjk_weight: int = 2,
    known_languages: int = 0,
) -> tuple[int, frozenset[int], int]:
    """Return ``(effective_length, fingerprint, language_mask)`` for ``text``.

    ``effective_length`` counts letters and digits only (each CJK character counts
    ``cjk_weight``), so ``"!!! 😀😀"`` is empty and ``"ok!!!!!!"`` is 2 long.
    ``known_languages`` (a mask of languages already recorded for the member) lets the
    language detection skip work whose answer would change nothing; the returned mask may
    then omit those languages.
    """
    if text.isascii():
        normal = text.encode().translate(_ASCII_TABLE)
        words = normal.split()
        if not words:
            return 0, EMPTY_FINGERPRINT, 0
        length = len(normal) - normal.count(32)
        lang = 0
        if not known_languages & LANG_EN and length >= MIN_LATIN_LETTERS and (
            len(normal.translate(None, _DIGITS_AND_SPACE)) >= MIN_LATIN_LETTERS
        ):
            lang = LANG_EN
        fingerprint = frozenset(map(crc32, words))
    else:
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        # Zero-width characters are non-printable, so printable text (most single-line
        # messages) needs no regex pass.
        if not text.isprintable() and _ZERO_WIDTH_RE.search(text) is not None:
            text = _ZERO_WIDTH_RE.sub("", text)
        tokens = _TOKEN_RE.findall(text.casefold())
        if not tokens:
            return 0, EMPTY_FINGERPRINT, 0
        hashes: set[int] = set()
        add = hashes.add
        update = hashes.update
        length = 0
        cjk_chars = 0
        latin = 0
        for token in tokens:
            first = token[0]
            if first < "\u3040" or not (
                "\u3400" <= first <= "\u9fff"
                or "\u3040" <= first <= "\u30ff"
                or "\uac00" <= first <= "\ud7af"
                or "\uf900" <= first <= "\ufaff"
                or "\U00020000" <= first <= "\U0003ffff"
            ):
                add(crc32(token.encode()))
                length += len(token)
                if token.isascii():
                    latin += len(token) if token.isalpha() else sum(map(str.isalpha, token))
                continue
            size = len(token)
            cjk_chars += size
            encoded = token.encode()
            if size == 1:
                add(crc32(encoded))
            elif len(encoded) == 3 * size and size <= len(_BIGRAM_SLICES):  # all 3-byte chars
                update(map(crc32, map(encoded.__getitem__, _BIGRAM_SLICES[: size - 1])))
            else:
                update(crc32(token[i : i + 2].encode()) for i in range(size - 1))
        length += cjk_weight * cjk_chars
        lang = 0
        if cjk_chars and not known_languages & LANG_ZH and cjk_weight * cjk_chars >= latin \
                and _NOT_CHINESE_RE.search(text) is None:
            lang = LANG_ZH
        elif not known_languages & LANG_EN and latin >= MIN_LATIN_LETTERS and (
            not cjk_chars or cjk_weight * cjk_chars < latin
        ):
            lang = LANG_EN
        fingerprint = frozenset(hashes)
    if len(fingerprint) > sketch_size:
        return length, frozenset(sorted(fingerprint)[:sketch_size]), lang
    return length, fingerprint, lang


def fingerprint(text: str, sketch_size: int = DEFAULT_SKETCH_SIZE) -> frozenset[int]:
    """The near-duplicate fingerprint of ``text`` (see the module docstring)."""
    return analyse(text, sketch_size)[1]


def effective_length(text: str, cjk_weight: int = 2) -> int:
    """Letters and digits in ``text``, CJK characters counting ``cjk_weight`` each."""
    return analyse(text, DEFAULT_SKETCH_SIZE, cjk_weight)[0]


def similarity(a: frozenset[int], b: frozenset[int], sketch_size: int = DEFAULT_SKETCH_SIZE
               ) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two fingerprints.

    Exact when both sketches are smaller than ``sketch_size`` (the sketch is then the whole
    set). Otherwise only hashes up to the smaller of the two maxima are fully known in both
    sketches, and the Jaccard ratio over that prefix is the unbiased bottom-k estimate.
    """
    if not a or not b:
        return 0.0
    if len(a) < sketch_size and len(b) < sketch_size:
        common = len(a & b)
        return common / (len(a) + len(b) - common)
    limit = min(max(a), max(b))
    union = [h for h in a | b if h <= limit]
    common = sum(1 for h in union if h in a and h in b)
    return common / len(union)


def is_near_duplicate(
    candidate: frozenset[int],
    recent: list[frozenset[int]] | tuple[frozenset[int], ...],
    threshold: float,
    sketch_size: int = DEFAULT_SKETCH_SIZE,
) -> bool:
    """True when ``candidate`` is at least ``threshold`` similar to any of ``recent``.

    For exact shingle sets (both smaller than ``sketch_size``, the common case) Jaccard
    >= t  <=>  |A∩B| >= t·(|A|+|B|-|A∩B|); sizes too different to reach t (Jaccard <=
    min/max) are skipped before any set operation.
    """
    if not candidate:
        return False
    size = len(candidate)
    exact = size < sketch_size
    low = threshold * size
    for old in recent:
        other = len(old)
        if exact and other < sketch_size:
            if other < low or size < threshold * other:
                continue
            common = len(candidate & old)
            if common and common >= threshold * (size + other - common):
                return True
        elif similarity(candidate, old, sketch_size) >= threshold:
            return True
    return False
