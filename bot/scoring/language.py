"""Per-message language detection (en / zh / other / none) and chat-text cleaning.

Why heuristics and not a language-ID model: one chat message is often a few words, where
statistical language ID is unreliable, and we only need to route between two scorers. Han
characters (without kana/hangul) mean Chinese; Latin-script words are English when English
function/common words outnumber the function words of other Latin-script languages. With no
evidence either way the message is ``other``: scored neutral, never guessed. ``none`` means
no words at all (empty, emoji-only, code-only); emoji are still scored by the lexicon.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

MAX_CHARS = 10_000  # longer messages are analysed on their first MAX_CHARS characters

_CODE_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_DISCORD_TOKEN = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:(\w+):\d+>")
_AT_MENTION = re.compile(r"(?<!\w)@\w+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"))
_LATIN_WORD = re.compile(r"[a-zà-öø-ÿāăąćčďđēėęěğīįıľłńňōőœřśşšťūůűųźżž]+(?:'[a-z]+)?")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")


def _words(block: str) -> list[str]:
    """Word lists are kept as text blocks: easy to read and extend."""
    return block.split()


# Latin-script tokens of Chinese internet slang: they count as Chinese, not English.
ZH_LATIN_SLANG = frozenset(
    _words(
        """
        yyds xswl awsl nb nmsl sb cnm tmd wtm dbq xdm yygq zqsg u1s1 emo 666 2333 233 hhh
        hhhh hhhhh nbcs gg
        """
    )
)

_ENGLISH_COMMON = _words(
    """
    a about above after again against ago all almost also always am an and another any anybody
    anyone anything anyway are aren't around as ask asked at away back bad be because been
    before being below best better between big bit both but by can can't cannot could couldn't
    day days did didn't do does doesn't doing don't done down during each else enough even
    ever every everyone everything few find first for found from get gets getting give go goes
    going gone good got great had hadn't has hasn't have haven't having he he's her here hers
    herself him himself his home how i i'd i'll i'm i've if in into is isn't it it's its itself
    just keep know last least less let let's like little long look lot lots made make makes
    many may maybe me might mine more most much must my myself need needs never new next no
    nobody none nor not nothing now of off often oh ok okay old on once one only or other our
    ours out over own people please pls plz pretty probably put quite rather re really right
    said same say says see seem seems she she's should shouldn't since so some somebody
    someone something sometimes soon still such sure take tell than thank thanks thx that
    that's the their theirs them themselves then there there's these they they're thing things
    think this those though thought through time to today together tomorrow tonight too took
    try trying two under until up us use used very want wanted wants was wasn't way we we're
    we've well went were weren't what what's when where which while who whole why will with
    without won't work works would wouldn't yeah yes yesterday yet you you'd you'll you're
    you've your yours yourself lol lmao lmfao omg wtf idk imo imho tbh btw brb afk gg wp ty np
    ikr smh rofl haha hahaha hehe yay nope yep yup gonna wanna gotta kinda sorta dunno u ur r
    im dont cant wont didnt doesnt isnt wasnt thats whats youre ive ill id hey hi hello bye
    thanks guys guy man dude bro everybody game games play played playing server bot code bug
    help question issue problem fix fixed update new version work working broken stuff team
    week weekend morning night tonight life love hate friend friends family kids school job
    """
)

# Function words of other Latin-script languages (English homographs are removed at load).
_FOREIGN_COMMON = _words(
    """
    el la los las que de del y por para con una muy pero como estoy esta está gracias hola
    bueno qué sí yo tu tú mi mis su sus es son está están nosotros usted también porque cuando
    le les des est et je il elle nous vous pas qui une avec pour dans c'est merci bonjour très
    oui mais au aux du sur ce cette sont suis ça
    der das und ist ich nicht ein eine zu mit sie auf für danke ja nein sehr aber wie gut
    auch noch schon wir ihr mein dein kein nur oder wenn dann
    não você obrigado obrigada eu muito com mas isso tudo bem também
    il di che è non sono per ciao grazie molto questo questa anche ma perché
    het een ik niet dat van je wat zijn maar dank ook
    dan yang ini itu saya tidak aku kamu terima kasih apa ada sudah belum bisa
    ve bir bu ben sen çok değil teşekkür
    wo ni ta shi bu le ma hao nihao xiexie mei zhe na
    """
)


@cache
def _vader_words() -> frozenset[str]:
    """VADER's English sentiment vocabulary (~7.5k words), loaded once, lazily."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:  # pragma: no cover - vaderSentiment is a core dependency
        return frozenset()
    return frozenset(w for w in SentimentIntensityAnalyzer().lexicon if w.isalpha())


@cache
def english_words() -> frozenset[str]:
    return frozenset(_ENGLISH_COMMON) | _vader_words()


@cache
def foreign_words() -> frozenset[str]:
    return frozenset(_FOREIGN_COMMON) - english_words()


def strip_noise(text: str) -> str:
    """Text without code, links, mentions, zero-width characters and zalgo marks.

    NFKC folds full-width letters and punctuation; combining marks that survive NFC
    composition (stacked "zalgo" diacritics) are dropped while composed letters such as é
    stay. Code blocks go first: ``kill -9`` in a fenced block is not the author's feelings.
    """
    if not text:
        return ""
    text = text[:MAX_CHARS]
    text = _CODE_FENCE.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _DISCORD_TOKEN.sub(lambda m: f" {m.group(1) or ''} ", text)
    text = _AT_MENTION.sub(" ", text)
    text = text.translate(_ZERO_WIDTH)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Me"))
    return re.sub(r"\s+", " ", text).strip()


def is_emoji(ch: str) -> bool:
    """Pictographs and symbols that carry feeling (emoji, dingbats, hearts)."""
    cp = ord(ch)
    return (
        0x1F300 <= cp <= 0x1FAFF
        or 0x2600 <= cp <= 0x27BF
        or 0x1F000 <= cp <= 0x1F2FF
        or cp in (0x2764, 0x2665, 0x263A, 0x2639)
    )


@dataclass(frozen=True, slots=True)
class LanguageProfile:
    """What a message is made of; ``lang`` is the routing decision."""

    lang: str
    han: int
    english_words: int
    foreign_words: int
    latin_words: int
    other_letters: int
    emoji: int

    @property
    def mixed(self) -> bool:
        """Chinese and English both present in earnest (each scorer sees its part)."""
        return self.han >= 2 and self.english_words >= 2


def profile(text: str, *, cleaned: bool = False) -> LanguageProfile:
    """Analyse ``text`` (raw, or already passed through :func:`strip_noise`)."""
    plain = text if cleaned else strip_noise(text)
    han = len(_HAN.findall(plain))
    kana = len(_KANA.findall(plain))
    hangul = len(_HANGUL.findall(plain))
    emoji = sum(1 for ch in plain if is_emoji(ch))
    lowered = plain.lower()
    words = _LATIN_WORD.findall(lowered)
    slang = [w for w in re.findall(r"[a-z0-9]+", lowered) if w in ZH_LATIN_SLANG]
    eng_vocab, foreign_vocab = english_words(), foreign_words()
    english = sum(1 for w in words if w in eng_vocab and w not in ZH_LATIN_SLANG)
    foreign = sum(1 for w in words if w in foreign_vocab or not w.isascii())
    other_letters = sum(
        1
        for ch in plain
        if ch.isalpha()
        and not ch.isascii()
        and not _HAN.match(ch)
        and unicodedata.category(ch).startswith("L")
        and not ("\u00c0" <= ch <= "\u024f")
    )
    lang = _decide(
        han=han,
        kana=kana,
        hangul=hangul,
        english=english,
        foreign=foreign,
        slang=len(slang),
        words=len(words),
        other_letters=other_letters,
    )
    return LanguageProfile(lang, han, english, foreign, len(words), other_letters, emoji)


def _decide(
    *,
    han: int,
    kana: int,
    hangul: int,
    english: int,
    foreign: int,
    slang: int,
    words: int,
    other_letters: int,
) -> str:
    if kana >= 2 and kana * 4 >= han:  # Japanese (Chinese chat borrows at most a stray の)
        return "other"
    if hangul >= 2 and hangul >= han:
        return "other"
    zh_units = han / 1.5 + slang
    if zh_units > 0 and zh_units >= english:
        return "zh"
    if english > foreign and english > 0:
        # Another script dominating (Cyrillic, Arabic …) with a few English words is not English.
        other_units = (other_letters - kana - hangul) / 4
        return "en" if english >= other_units else "other"
    if words == 0 and han == 0 and other_letters == 0:
        return "none"
    return "other"


def detect_language(text: str) -> str:
    """``en``, ``zh``, ``other`` (unknown: score neutral) or ``none`` (no words)."""
    return profile(text).lang


def split_scripts(text: str) -> tuple[str, str]:
    """(Chinese part, Latin part) of a cleaned mixed message, for per-language scoring."""
    han_runs: list[str] = []
    latin_runs: list[str] = []
    for run in re.split(r"(\s+)", text):
        if _HAN.search(run):
            han_runs.append(run)
            latin_only = re.sub(
                r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+", " ", run
            )
            if _LATIN_WORD.search(latin_only.lower()):
                latin_runs.append(latin_only)
        else:
            latin_runs.append(run)
    return " ".join(han_runs).strip(), re.sub(r"\s+", " ", "".join(latin_runs)).strip()
