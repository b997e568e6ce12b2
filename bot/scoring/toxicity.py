"""Toxicity for ``hearth sentiment eval`` (en + zh): an insult lexicon, or a configured model.

The safety line owns moderation; this scorer exists so the evaluation command can report
``toxic_f1`` for labelled samples and so a configured toxicity model is exercised by the same
loading code as the sentiment model. The lexicon separates abuse aimed at a person ("you're
trash", 你就是个垃圾) from complaints about things ("this patch is trash"): words that are
only insults when aimed at someone need a second-person target in the message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.scoring.config import ToxicitySettings
from bot.scoring.language import strip_noise
from bot.scoring.transformers_backend import TextClassifier

# Abusive whatever the target.
_ALWAYS_EN = (
    r"\b(fuck (you|u|off|yourself)|f(u|ck|k) (you|u|off)|stfu|kys|kill yourself|go die|"
    r"go kill yourself|retard(ed)?|cunt|fag(got)?|n[i1]gg(er|a)|piece of shit|son of a bitch|"
    r"motherfucker|dickhead|asshole|shut the fuck up|nobody asked you)\b"
)
_ALWAYS_ZH = (
    r"傻逼|煞笔|傻b|沙比|脑残|智障|弱智|草泥马|操你|你妈|尼玛|nmsl|cnm|贱人|婊子|狗东西|"
    r"人渣|畜生|滚蛋|去死吧|你去死|狗娘养|死全家"
)
# Insults only when aimed at someone.
_DIRECTED_EN = (
    r"\b(idiot|stupid|moron|dumb(ass)?|loser|trash|garbage|pathetic|worthless|clown|bitch|"
    r"noob|useless|scum|shut up|ugly|disgusting|bastard)\b"
)
_DIRECTED_ZH = r"垃圾|废物|白痴|蠢货|傻子|辣鸡|闭嘴|滚|丑八怪|菜狗|恶心"
_SECOND_PERSON = re.compile(r"\b(you|u|ur|your|you're|youre|ya|yall|y'all)\b|你|妳|您|你们|<@")

_ALWAYS = re.compile(f"{_ALWAYS_EN}|{_ALWAYS_ZH}", re.IGNORECASE)
_DIRECTED = re.compile(f"{_DIRECTED_EN}|{_DIRECTED_ZH}", re.IGNORECASE)


def lexicon_toxic(text: str) -> bool:
    """Abuse in ``text``: an always-abusive term, or an insult with a second-person target."""
    raw = text or ""
    plain = strip_noise(raw)
    if _ALWAYS.search(plain):
        return True
    return bool(_DIRECTED.search(plain) and (_SECOND_PERSON.search(plain.lower()) or "<@" in raw))


class ToxicityScorer:
    """``predict(texts) -> [bool]``; uses the configured model when it loaded, else the lexicon."""

    def __init__(self, settings: ToxicitySettings | None = None) -> None:
        self.settings = settings or ToxicitySettings()
        self.classifier: TextClassifier | None = None
        if self.settings.model:
            self.classifier = TextClassifier(
                self.settings.model,
                label_map={label.lower(): "toxic" for label in self.settings.toxic_labels},
                required=("toxic",),
                require_all=False,
                purpose="toxicity",
            )

    def load(self) -> None:
        if self.classifier is not None:
            self.classifier.load()

    @property
    def backend(self) -> str:
        if self.classifier is not None and self.classifier.ready:
            return f"transformers:{self.classifier.status.model_version}"
        return "lexicon"

    def predict(self, texts: Sequence[str]) -> list[bool]:
        if self.classifier is not None and self.classifier.ready:
            probs = self.classifier.predict_proba([strip_noise(t) for t in texts])
            return [p.get("toxic", 0.0) >= self.settings.threshold for p in probs]
        return [lexicon_toxic(t) for t in texts]
