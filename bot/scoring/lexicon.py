"""Offline sentiment: VADER for English, a chat lexicon (+ snownlp prior) for Chinese.

Why these: both ship their data inside their PyPI packages, so Hearth scores sentiment on a
machine with no model hub and no GPU, at thousands of messages per second. VADER is made for
social-media English (negation, "but", caps, punctuation, emoji); we extend it with a few
chat-register words it lacks. For Chinese, snownlp alone is trained on product reviews and
misreads chat (insults, slang, hyperbole), so a hand-made chat lexicon with negation,
degree adverbs, contrast and emoji decides; snownlp speaks only when the lexicon finds no
sentiment word in a review-length text (12+ Han characters), damped so that only a very
sure snownlp verdict moves the label.

Unknown languages are scored neutral with confidence 0 — never guessed. Mixed Chinese/English
messages are scored per script and combined by how much of each there is.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Any

from bot.scoring import zh_lexicon as zh
from bot.scoring.language import LanguageProfile, is_emoji, profile, split_scripts, strip_noise
from domain.sentiment import Score, neutral_score

BACKEND = "lexicon"
EN_NEUTRAL_BAND = 0.05  # VADER's documented thresholds: compound >= 0.05 pos, <= -0.05 neg
ZH_NEUTRAL_BAND = 0.2  # wider: the Chinese lexicon is smaller and snownlp is noisy
SNOWNLP_WEIGHT_ALONE = 0.3  # alone, only a very sure snownlp (p < 1/6 or > 5/6) decides
SNOWNLP_MAX_CHARS = 300
SNOWNLP_MIN_HAN = 12  # trained on reviews: on short chat lines its verdicts are noise
NEGATION_SCOPE = 3  # characters between a negator/intensifier and its word
VADER_ALPHA = 15.0

# Chat words VADER lacks or rates for a register other than chat (values on VADER's scale).
EN_CHAT_WORDS: dict[str, float] = {
    "pog": 2.0, "poggers": 2.5, "pogchamp": 2.5, "based": 1.5, "cringe": -2.0, "mid": -1.2,
    "kms": -2.5, "fml": -2.5, "rip": -1.5, "tysm": 2.5, "goat": 1.5, "banger": 2.5,
    "bussin": 2.0, "wholesome": 2.0, "bruh": -0.8, "oof": -1.2, "yikes": -1.5, "welp": -0.5,
    "ugh": -1.8, "smh": -1.3, "ffs": -2.8, "ok": 0.0, "okay": 0.0, "k": 0.0, "help": 0.0,
    "helps": 0.0, "lit": 1.5, "dope": 2.0, "sucks": -2.0, "meh": -0.8, "ty": 1.6,
}
# Emoji whose VADER description misleads (💔 "broken heart" comes out positive).
EMOJI_WORDS: dict[str, str] = {
    "💔": "heartbroken", "😭": "crying", "😢": "sad", "😞": "sad", "😔": "sad",
    "😿": "sad", "🥺": "sad", "😩": "miserable", "😫": "miserable", "😤": "annoyed",
    "😡": "angry", "😠": "angry", "🤬": "furious", "🙄": "annoyed", "🤮": "disgusting",
    "👎": "bad", "😂": "haha", "🤣": "haha", "😆": "haha", "😊": "happy", "🙂": "smile",
    "😄": "happy", "😁": "happy", "😍": "love", "🥰": "love", "❤": "love", "❤️": "love",
    "💕": "love", "💖": "love", "👍": "good", "👏": "great", "🎉": "yay", "🥳": "yay",
    "✨": "nice", "🙏": "thanks", "💪": "strong", "🔥": "great", "💯": "perfect",
    "🤝": "good", "😅": "", "💀": "", "🤡": "stupid", "😓": "sad", "😰": "worried",
    "😨": "scared", "😱": "scared", "😪": "tired", "😴": "tired", "🤔": "", "😐": "",
}

_SLANG_TOKEN = re.compile(r"[a-z0-9]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class _Part:
    compound: float
    weight: float
    band: float


@cache
def _vader() -> Any:
    """The VADER analyser with Hearth's chat additions (built once; read-only afterwards)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(EN_CHAT_WORDS)
    analyzer.emojis.update(EMOJI_WORDS)
    return analyzer


_snow_lock = threading.Lock()


def _snownlp(text: str) -> float | None:
    """snownlp positive probability mapped to [-1, 1]; None if unavailable or no Han text."""
    try:
        from snownlp import SnowNLP
    except ImportError:  # pragma: no cover - snownlp is a core dependency
        return None
    sample = text[:SNOWNLP_MAX_CHARS]
    try:
        with _snow_lock:  # its classifier keeps module-level state; keep calls serial
            prob = float(SnowNLP(sample).sentiments)
    except Exception:  # snownlp raises on odd input (e.g. nothing it can segment)
        return None
    if math.isnan(prob):
        return None
    return 2.0 * prob - 1.0


@cache
def model_version() -> str:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "absent"

    return (
        f"vader-{version('vaderSentiment')}+{zh.LEXICON_VERSION}"
        f"+snownlp-{version('snownlp')}"
    )


def _normalise(total: float) -> float:
    """VADER's squashing of a valence sum into (-1, 1)."""
    return total / math.sqrt(total * total + VADER_ALPHA)


def english_compound(text: str) -> float:
    return float(_vader().polarity_scores(text)["compound"])


def emoji_compound(text: str) -> float:
    """Feeling carried by the emoji of a message alone (via VADER's emoji descriptions)."""
    emoji = " ".join(ch for ch in text if is_emoji(ch))
    return english_compound(emoji) if emoji else 0.0


@cache
def _zh_max_len() -> int:
    return max(
        len(w)
        for table in (zh.WORDS, zh.NEGATORS, zh.INTENSIFIERS, zh.SUFFIX_INTENSIFIERS)
        for w in table
    )


def _match(text: str, i: int) -> tuple[str, str] | None:
    """Longest lexicon entry starting at ``i``: (kind, word). Words beat modifiers on ties."""
    for length in range(min(_zh_max_len(), len(text) - i), 0, -1):
        piece = text[i : i + length]
        if piece in zh.SUFFIX_INTENSIFIERS:
            return "suffix", piece
        if piece in zh.WORDS:
            if piece in zh.INTENSIFIERS and _is_modifier_use(text, i + length):
                return "intensifier", piece
            return "word", piece
        if piece in zh.NEGATORS:
            return "negator", piece
        if piece in zh.INTENSIFIERS:
            return "intensifier", piece
        if piece in zh.CONTRASTS:
            return "contrast", piece
    return None


def _is_modifier_use(text: str, j: int) -> bool:
    """好/可 followed directly by a sentiment word modify it (好开心) instead of counting."""
    for length in range(min(_zh_max_len(), len(text) - j), 0, -1):
        piece = text[j : j + length]
        if piece in zh.WORDS and zh.WORDS[piece] != 0.0:
            return True
    return False


_PUNCT = set("，。！？；、,.!?;~～…\n")


def chinese_valence(text: str) -> tuple[float, int]:
    """Sum of lexicon valences (VADER scale) and how many sentiment words were found."""
    lowered = text.lower()
    total_before = 0.0
    total_after = 0.0
    seen_contrast = False
    hits = 0
    for token in _SLANG_TOKEN.findall(lowered):
        if token in zh.LATIN_SLANG and zh.LATIN_SLANG[token] != 0.0:
            total_before += zh.LATIN_SLANG[token]
            hits += 1
    negation = 1.0
    degree = 1.0
    modifier_gap = NEGATION_SCOPE + 1
    last_word_end = -1
    last_value = 0.0
    i = 0
    n = len(lowered)
    while i < n:
        ch = lowered[i]
        if ch in _PUNCT:
            negation, degree, modifier_gap = 1.0, 1.0, NEGATION_SCOPE + 1
            i += 1
            continue
        found = _match(lowered, i)
        if found is None:
            modifier_gap += 1
            if modifier_gap > NEGATION_SCOPE:
                negation, degree = 1.0, 1.0
            i += 1
            continue
        kind, piece = found
        end = i + len(piece)
        if kind == "negator":
            negation *= zh.NEGATORS[piece]
            modifier_gap = 0
        elif kind == "intensifier":
            degree *= zh.INTENSIFIERS[piece]
            modifier_gap = 0
        elif kind == "contrast":
            seen_contrast = True
            total_before *= 0.5
            negation, degree = 1.0, 1.0
        elif kind == "suffix" and last_word_end == i and last_value != 0.0:
            extra = last_value * (zh.SUFFIX_INTENSIFIERS[piece] - 1.0)
            if seen_contrast:
                total_after += extra * 1.5
            else:
                total_before += extra
        elif kind == "suffix" and piece not in zh.WORDS:
            pass  # a suffix with nothing to intensify carries no feeling of its own
        else:  # a word (or a suffix that stands alone and is a word: 他死了, 坏了)
            value = zh.WORDS[piece] * degree * negation
            if value != 0.0:
                hits += 1
            if seen_contrast:
                total_after += value * 1.5
            else:
                total_before += value
            last_word_end, last_value = end, value
            negation, degree, modifier_gap = 1.0, 1.0, NEGATION_SCOPE + 1
        i = end
    total = total_before + total_after
    bangs = min(lowered.count("!"), 4)
    if total and bangs:
        total += math.copysign(0.292 * bangs, total)
    return total, hits


def chinese_compound(text: str) -> tuple[float, int]:
    """Compound in (-1, 1) for Chinese text: lexicon + emoji, with a snownlp prior."""
    total, hits = chinese_valence(text)
    emoji = emoji_compound(text)
    if emoji:
        # Back on VADER's scale so emoji and words add up like words do.
        emoji_total = emoji * math.sqrt(VADER_ALPHA / max(1e-9, 1.0 - emoji * emoji))
        total += max(-4.0, min(4.0, emoji_total))
        hits += 1
    if hits:
        return _normalise(total), hits
    # Nothing in the lexicon: snownlp's opinion on review-length text, damped so that alone it
    # decides only when very sure. (Called only here: its segmenter costs milliseconds.)
    if len(_HAN.findall(text)) < SNOWNLP_MIN_HAN:
        return 0.0, 0
    snow = _snownlp(text)
    return (SNOWNLP_WEIGHT_ALONE * snow if snow is not None else 0.0), 0


def _label(compound: float, band: float) -> tuple[str, float]:
    if compound >= band:
        return "pos", min(1.0, abs(compound))
    if compound <= -band:
        return "neg", min(1.0, abs(compound))
    return "neu", max(0.0, 1.0 - abs(compound) / band * 0.5)


class LexiconScorer:
    """Scores one message at a time; thread-safe, no model to load."""

    backend = BACKEND

    @property
    def model_version(self) -> str:
        return model_version()

    def warm_up(self) -> None:
        """Load VADER's and snownlp's data now rather than on the first message."""
        _vader()
        _snownlp("好")

    def score(self, text: str, lang: str | None = None) -> Score:
        """Score ``text``; ``lang`` overrides detection (``en``/``zh``/``other``)."""
        plain = strip_noise(text or "")
        prof = profile(plain, cleaned=True)
        detected = lang if lang in ("en", "zh", "other", "none") else prof.lang
        if detected == "other":
            return neutral_score(BACKEND, model_version(), "other")
        if detected == "none":
            if prof.emoji == 0:
                return neutral_score(BACKEND, model_version(), "none")
            label, conf = _label(emoji_compound(plain), EN_NEUTRAL_BAND)
            return Score(label, conf, BACKEND, model_version(), "none")
        parts = self._parts(plain, prof, detected)
        weight = sum(p.weight for p in parts)
        compound = sum(p.compound * p.weight for p in parts) / weight
        band = parts[0].band
        label, conf = _label(compound, band)
        return Score(label, round(conf, 4), BACKEND, model_version(), detected)

    def score_many(self, texts: list[str]) -> list[Score]:
        return [self.score(text) for text in texts]

    def _parts(self, plain: str, prof: LanguageProfile, lang: str) -> list[_Part]:
        if lang == "en" and not prof.mixed:
            return [_Part(english_compound(plain), 1.0, EN_NEUTRAL_BAND)]
        if lang == "zh" and not prof.mixed:
            compound, _ = chinese_compound(plain)
            return [_Part(compound, 1.0, ZH_NEUTRAL_BAND)]
        han_part, latin_part = split_scripts(plain)
        zh_compound, _ = chinese_compound(han_part)
        en_compound = english_compound(latin_part) if latin_part else 0.0
        zh_weight = prof.han / 1.5
        en_weight = float(prof.english_words)
        own_band = ZH_NEUTRAL_BAND if lang == "zh" else EN_NEUTRAL_BAND
        zh_p = _Part(zh_compound, zh_weight, own_band)
        en_p = _Part(en_compound, en_weight, own_band)
        return [zh_p, en_p] if lang == "zh" else [en_p, zh_p]
