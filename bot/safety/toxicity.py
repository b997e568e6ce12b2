"""Toxicity / sensitive-category scorers.

A scorer turns messages into ``{category: score}`` maps (scores in 0..1, categories from
:data:`bot.safety.config.CATEGORIES`); :meth:`FilterEngine.category_hits` turns scores into
rule hits with each category's threshold and action.

Two backends share the :class:`ToxicityScorer` protocol:

* :class:`KeywordCategoryScorer` — offline, always available: hand-written English and
  Chinese patterns (some Russian) for the twelve categories, run on normalised text. It is a
  floor, not a judge: a single pattern scores 0.8, two different ones 0.95.
* :class:`TransformersToxicityScorer` — any Hugging Face text-classification model (hub id or
  local path from config), loaded lazily on first use (``import transformers`` costs
  seconds), called with ``top_k=None`` and ``truncation=True``; model labels are mapped to
  categories with ``label_map`` (unmapped labels such as "neutral" are ignored).

:class:`CombinedScorer` takes the maximum per category over several scorers, so the
patterns still catch Chinese medical or financial claims a toxicity model knows nothing of.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from domain.safety.normalise import normalise


@runtime_checkable
class ToxicityScorer(Protocol):
    """Scores messages per sensitive category."""

    name: str

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """One ``{category: score}`` dict per text (categories absent score 0)."""
        ...


class ScorerUnavailable(RuntimeError):
    """The configured model cannot be loaded (the message names the model and the cause)."""


_EN = r"\b(?:{})\b"

# Patterns: (category, language tag, regex). English patterns are word-bounded; Chinese ones
# are plain substrings. They run on normalised, case-folded text.
PATTERNS: dict[str, list[str]] = {
    "self_harm": [
        _EN.format(r"kill(?:ing)? my ?self|end(?:ing)? my (?:own )?life|take my (?:own )?life"),
        _EN.format(r"suicid(?:e|al)|self[- ]?harm(?:ing)?|cut(?:ting)? my(?:self| wrists?)"),
        _EN.format(r"(?:i )?want(?:ed)? to die|no reason to (?:live|go on)|better off dead"),
        _EN.format(r"how (?:many|much) [\w ]{0,20}pills? (?:to|would) (?:die|kill)"),
        r"自杀|自残|轻生|割腕|不想活|活不下去|想死|结束(?:自己的)?生命|跳楼",
        r"покончить с собой|суицид|не хочу жить",
    ],
    "medical_claims": [
        _EN.format(r"cures? (?:cancer|diabetes|covid|hiv|aids|autism|all diseases|everything)"),
        _EN.format(r"(?:miracle|natural|secret|guaranteed) (?:cure|remedy|treatment)"),
        _EN.format(r"doctors (?:hate|don'?t want you to know)|big pharma (?:hides|doesn'?t want)"),
        _EN.format(r"(?:reverse|eliminate|heal) (?:your )?(?:diabetes|cancer|autism)"),
        _EN.format(r"(?:stop|no need for|throw away) (?:your )?(?:chemo|insulin|medication|meds)"),
        _EN.format(r"vaccines? (?:cause|causes|causing) (?:autism|infertility|cancer|death)"),
        _EN.format(r"lose \d+ ?(?:kg|lbs?|pounds) in \d+ (?:days|weeks?)|100% (?:cure|effective)"),
        r"包治百病|根治(?:癌症|糖尿病|高血压|乙肝|艾滋)|治愈(?:癌症|糖尿病|艾滋)|祖传秘方|神药|"
        r"特效药|偏方|无任何?副作用|抗癌神|疫苗(?:导致|引起|会导致)(?:自闭症|不孕|癌症)|"
        r"一周瘦\d*|不节食不运动",
        r"лечит рак|чудо[- ]?средство",
    ],
    "financial_promises": [
        _EN.format(r"guaranteed (?:returns?|profits?|income|roi|gains?)"),
        _EN.format(r"(?:double|triple|10x|100x) your (?:money|investment|btc|crypto|income)"),
        _EN.format(r"\d{1,4} ?% (?:daily|weekly|monthly|per day|a day|per week|profit|roi|"
                   r"returns?|apy)"),
        _EN.format(r"risk[- ]free (?:investment|profits?|returns?|trading)|zero risk"),
        _EN.format(r"passive income|get rich quick|financial freedom|money doubling"),
        _EN.format(r"(?:earn|make|making) \$?\d[\d,.]*k? ?(?:\$|usd|dollars)? ?(?:daily|a day|"
                   r"per day|/day|a week|per week|weekly|a month|per month)"),
        _EN.format(r"(?:signals?|pump) group|invest(?:ment)? (?:plan|opportunity|platform)"),
        r"稳赚不赔|保本保息|保本高息|高收益|日赚|日入\d|月入(?:过万|\d)|躺赚|财务自由|零风险|"
        r"稳定收益|带你(?:赚钱|炒币|投资)|稳赢|(?:收益|本金|资金)翻倍|翻(?:三|十)倍|一个月回本",
        r"гарантированн\w* доход|пассивный доход|заработок от|прибыль гарантирована",
    ],
    "scams": [
        _EN.format(r"send (?:me )?(?:\d[\d.,]* )?(?:btc|eth|usdt|crypto|bitcoin|gift ?cards?)"),
        _EN.format(r"claim (?:your|the|my) (?:reward|prize|airdrop|gift|nitro|tokens?|bonus)"),
        _EN.format(r"free (?:nitro|robux|v-?bucks|crypto|btc|eth|usdt|airdrop|iphone)"),
        _EN.format(r"(?:verify|validate|sync|connect|re-?sync) (?:your )?wallet"),
        _EN.format(r"(?:enter|send|share|give|type|submit) (?:me )?(?:your|ur) (?:seed|recovery|"
                   r"secret) phrase|(?:enter|send|share|submit) (?:your|ur) private key"),
        _EN.format(r"you(?:'ve| have)? (?:been selected|won)|account (?:will be )?"
                   r"(?:suspended|disabled|locked|deleted|frozen)"),
        _EN.format(r"recover (?:your )?(?:lost|stolen) (?:funds|crypto|money)|"
                   r"(?:dm|message|text|whatsapp) me (?:for|to) (?:details|earn|invest|profit)"),
        r"刷单|返利|领取奖品|免费领取|加微信|加v|加vx|\+ ?vx?[:：]|客服退款|冻结账户|"
        r"账户(?:已被|将被|被)冻结|解冻|验证钱包|助记词|空投(?:活动|领取)|领取空投|兼职日结|跑分|"
        r"垫付",
        r"вы выиграли|бесплатн\w* раздача|переходи по ссылке|подтвердите данные",
    ],
    "hate": [
        _EN.format(r"n[i1]gg(?:er|a|uh)s?|f[a4]gg?[o0]ts?|k[i1]kes?|sp[i1]cs?|"
                   r"tr[a4]nn(?:y|ies)|wetbacks?|ragheads?"),
        _EN.format(r"(?:jews|muslims|blacks|gays|immigrants|refugees|asians|mexicans|women) "
                   r"(?:are|r) (?:animals|vermin|subhuman|parasites|rats|a disease)"),
        _EN.format(r"(?:jews|muslims|blacks|gays|immigrants|refugees|asians) should "
                   r"(?:all )?(?:die|be killed|be gassed|be exterminated)"),
        _EN.format(r"subhuman|untermensch|go back to your (?:own )?country"),
        r"支那|黑鬼|尼哥|死基佬|小日本|日本鬼子|穆畜|滚回你的国家|同性恋都该死",
    ],
    "harassment": [
        _EN.format(r"kys|kill yourself|go die|nobody (?:likes|wants) you"),
        _EN.format(r"(?:you(?:'re| are)|ur|u r) (?:an? |so |such an? )?(?:idiot|moron|stupid|"
                   r"retard(?:ed)?|loser|worthless|pathetic|trash|garbage|useless)"),
        _EN.format(r"piece of (?:shit|crap|trash)|fuck (?:you|off|u)|stfu|shut the fuck up"),
        _EN.format(r"(?:dumb|stupid|fat|ugly) (?:bitch|cunt|whore|slut|fuck)"),
        r"傻逼|傻b|煞笔|脑残|去死|滚蛋|废物|贱人|你妈死了|草泥马|操你妈|智障|弱智|死全家",
        r"иди нахуй|дебил|урод|сука",
    ],
    "sexual_content": [
        _EN.format(r"porn\w*|nsfw|nudes|onlyfans|sex ?cams?|cam ?girls?|hookups?|horny|sexting"),
        _EN.format(r"send (?:me )?(?:nudes|pics)|(?:dick|cock|pussy|tits|boobs) pics?"),
        _EN.format(r"18\+ (?:content|videos?|chat|only)|spicy pics|private videos"),
        r"色情|黄片|约炮|裸聊|成人视频|一夜情|援交|上门服务|福利视频|看片|同城约|寂寞少妇",
        r"интим|порно|секс знакомства",
    ],
    "violence_threats": [
        _EN.format(r"i(?:'ll| will|'m going to| am going to| gonna) (?:kill|shoot|stab|hurt|"
                   r"murder|beat|find) (?:you|u|him|her|them|your)"),
        _EN.format(r"you(?:'re| are) (?:dead|going to die)|watch your back|"
                   r"i know where you live"),
        _EN.format(r"(?:bomb|shoot up|blow up) (?:the|this|your|a) (?:school|office|server|"
                   r"building|house|mosque|church|synagogue)|mass shooting"),
        r"弄死你|杀了你|砍死你|打死你|我知道你住哪|炸了(?:学校|你家|公司)|你死定了|让你好看",
        r"убью тебя|я тебя найду",
    ],
    "personal_data": [
        _EN.format(r"doxx?(?:ed|ing)?|(?:his|her|their) (?:home )?address is|"
                   r"(?:here'?s|this is) (?:his|her|their) (?:address|phone|number|ssn)"),
        r"\b\d{3}-\d{2}-\d{4}\b",  # US SSN
        r"\b[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dx]\b",  # CN ID
        r"(?<!\d)1[3-9]\d{9}(?!\d)",  # CN mobile number
        r"\b(?:\d{4}[ -]){3}\d{4}\b",  # card number
        r"身份证号|人肉|开盒|家庭住址|住址是|手机号是",
    ],
    "extremism": [
        _EN.format(r"heil hitler|sieg heil|white power|white genocide|great replacement|"
                   r"race war|rahowa|day of the rope"),
        _EN.format(r"join (?:isis|daesh|the jihad|the caliphate)|glory to the (?:martyrs|"
                   r"mujahideen)|death to (?:all )?(?:infidels|kafirs|jews|americans)"),
        r"圣战|加入伊斯兰国|白人至上|纳粹万岁|东突",
    ],
    "illegal_goods": [
        _EN.format(r"(?:buy|sell|selling|order|cheap) (?:weed|cocaine|coke|meth|mdma|lsd|"
                   r"xanax|oxy(?:contin)?|fentanyl|heroin|ketamine|adderall|guns?|firearms?|ammo)"),
        _EN.format(r"(?:fake|counterfeit|scannable) (?:passports?|ids?|driver'?s licen[cs]es?|"
                   r"money|banknotes|bills|documents|diplomas?)"),
        _EN.format(r"stolen (?:credit cards?|cc|accounts?|data)|fresh (?:logs|fullz|cvv)|"
                   r"(?:cvv|fullz|dumps) (?:shop|for sale|available)|cracked (?:software|adobe)"),
        r"出售(?:枪支|毒品|假证|身份证|银行卡|冰毒|大麻)|代开发票|办证|假钞|买卖银行卡|四件套|"
        r"迷药|听话水|枪支弹药|冰毒|海洛因|回收(?:各类)?银行卡",
    ],
    "misinformation": [
        _EN.format(r"(?:covid|the virus|coronavirus) (?:is|was) (?:a )?(?:hoax|fake|"
                   r"bioweapon|planned)|plandemic|chemtrails"),
        _EN.format(r"5g (?:causes|spreads) (?:covid|cancer|the virus)|"
                   r"vaccines? (?:contain|have) (?:microchips|nanobots|trackers)"),
        _EN.format(r"(?:the )?earth is flat|(?:moon landing|holocaust) (?:was|is) "
                   r"(?:fake|a hoax|staged)|share before (?:they|it gets) (?:delete|remove)"),
        r"5g(?:导致|传播)(?:新冠|病毒|癌症)|疫苗(?:里有|含有)芯片|不转不是中国人|速看即将删除|"
        r"紧急扩散",
    ],
}


def _re2_prefilter_pattern(pattern: str) -> str | None:
    """A RE2 pattern matching at least wherever Python's ``pattern`` matches, or None.

    Used only as a prefilter (the Python pattern confirms every candidate), so it may match
    more but never less: ``\\d``/``\\w`` become their Unicode classes (Python's are Unicode
    too; RE2's are ASCII), word boundaries are dropped (RE2's ``\\b`` is ASCII-only, and
    removing an assertion can only widen a match), the digit look-arounds become consuming
    ``[^\\pN]`` alternatives, and a pattern with any other look-around is left to Python.
    """
    pattern = pattern.replace("(?<!\\d)", "(?:^|[^\\pN])").replace("(?!\\d)", "(?:[^\\pN]|$)")
    if "(?<" in pattern or "(?=" in pattern or "(?!" in pattern:
        return None
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            if pair == "\\b" and not in_class:
                pass  # RE2's \b is ASCII-only; dropping the assertion only widens matches
            elif pair == "\\B":
                return None
            elif pair == "\\d":
                out.append("\\pN")
            elif pair == "\\w":
                out.append("\\pL\\pN_" if in_class else "[\\pL\\pN_]")
            else:
                out.append(pair)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


@dataclass
class KeywordCategoryScorer:
    """Offline pattern scorer for the twelve categories (en + zh, some ru).

    All patterns also go into one RE2 ``Set`` used as a prefilter: a single linear-time pass
    over the message says which patterns could match, and only those run in Python's ``re``
    (for the evidence). Ordinary chat matches nothing, so it costs one pass instead of ~60
    regex searches.
    """

    name: str = "keywords"
    single_hit: float = 0.8
    multi_hit: float = 0.95
    _compiled: dict[str, list[re.Pattern[str]]] = field(default_factory=dict, repr=False)
    _flat: list[tuple[str, re.Pattern[str]]] = field(default_factory=list, repr=False)
    _set: Any = field(default=None, repr=False)
    _always: tuple[int, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        self._compiled = {
            category: [re.compile(p, re.IGNORECASE) for p in patterns]
            for category, patterns in PATTERNS.items()
        }
        self._flat = [(c, p) for c, patterns in self._compiled.items() for p in patterns]
        self._set, self._always = _build_prefilter([p.pattern for _, p in self._flat])

    def matches(self, text: str) -> dict[str, list[str]]:
        """Evidence per category: the matched pieces of the normalised text."""
        folded = normalise(text).casefold() if isinstance(text, str) else ""
        return self.matches_folded(folded)

    def matches_folded(self, folded: str) -> dict[str, list[str]]:
        """:meth:`matches` for text already normalised and case-folded."""
        if self._set is None:
            candidates: Sequence[int] = range(len(self._flat))
        else:
            found = self._set.Match(folded) or ()
            candidates = sorted({*found, *self._always}) if self._always else sorted(found)
        result: dict[str, list[str]] = {}
        for index in candidates:
            category, pattern = self._flat[index]
            m = pattern.search(folded)
            if m is not None:
                result.setdefault(category, []).append(m.group())
        return result

    def score_one(self, text: str) -> dict[str, float]:
        return self._scores(self.matches(text))

    def score_folded(self, folded: str) -> tuple[dict[str, float], dict[str, str]]:
        """Scores and evidence for normalised, case-folded text (the line-1 fast path)."""
        found = self.matches_folded(folded)
        return self._scores(found), {c: ", ".join(p) for c, p in found.items()}

    def _scores(self, found: dict[str, list[str]]) -> dict[str, float]:
        return {
            category: self.multi_hit if len(pieces) > 1 else self.single_hit
            for category, pieces in found.items()
        }

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [self.score_one(t) for t in texts]

    def evidence(self, text: str) -> dict[str, str]:
        """``{category: "matched, pieces"}`` for rule-hit evidence."""
        return {c: ", ".join(p) for c, p in self.matches(text).items()}


def _build_prefilter(patterns: list[str]) -> tuple[Any, tuple[int, ...]]:
    """(RE2 Set over the patterns it can take, indices Python must always try)."""
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency
        return None, ()
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = False
    regex_set = re2.Set.SearchSet(options)
    always: list[int] = []
    added = 0
    for index, pattern in enumerate(patterns):
        translated = _re2_prefilter_pattern(pattern)
        if translated is None:
            always.append(index)
            continue
        try:
            position = regex_set.Add(translated)
        except re2.error:
            always.append(index)
            continue
        if position != added:  # pragma: no cover - RE2 numbers patterns in order
            return None, ()
        added += 1
    if not added:
        return None, tuple(always)
    # Set indices count only added patterns: map them back when something was skipped.
    if always:
        return _MappedSet(regex_set, [i for i in range(len(patterns)) if i not in always]), \
            tuple(always)
    regex_set.Compile()
    return regex_set, ()


class _MappedSet:
    """A compiled RE2 Set whose match indices are mapped back to pattern positions."""

    def __init__(self, regex_set: Any, positions: list[int]) -> None:
        regex_set.Compile()
        self._set = regex_set
        self._positions = positions

    def Match(self, text: str) -> list[int]:
        return [self._positions[i] for i in (self._set.Match(text) or ())]


class TransformersToxicityScorer:
    """Any Hugging Face text-classification model, loaded lazily, mapped to categories."""

    def __init__(
        self,
        model: str,
        *,
        label_map: Mapping[str, str] | None = None,
        batch_size: int = 16,
        max_length: int = 256,
        device: int | str = -1,
    ) -> None:
        from bot.safety.config import DEFAULT_LABEL_MAP

        self.model = model
        self.name = f"transformers:{model}"
        labels = DEFAULT_LABEL_MAP if label_map is None else label_map
        self.label_map = {k.lower(): v for k, v in labels.items()}
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self._pipeline: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Build the pipeline now (call from a background thread to warm up at start)."""
        if self._pipeline is not None:
            return
        with self._lock:
            if self._pipeline is not None:
                return
            try:
                from transformers import pipeline
            except ImportError as exc:
                raise ScorerUnavailable(
                    "the transformers scorer needs the 'ml' extra: pip install "
                    "'hearth-bot[ml]' (transformers + torch)"
                ) from exc
            try:
                self._pipeline = pipeline(
                    "text-classification", model=self.model, tokenizer=self.model,
                    device=self.device,
                )
            except Exception as exc:
                raise ScorerUnavailable(
                    f"cannot load text-classification model {self.model!r}: {exc}"
                ) from exc

    @property
    def loaded(self) -> bool:
        return self._pipeline is not None

    def raw_scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """``{model label (lower-case): score}`` per text."""
        if not texts:
            return []
        self.load()
        inputs = [t if isinstance(t, str) and t.strip() else " " for t in texts]
        outputs = self._pipeline(
            list(inputs),
            top_k=None,
            truncation=True,
            max_length=self.max_length,
            batch_size=self.batch_size,
        )
        result = []
        for item in outputs:
            entries = item if isinstance(item, list) else [item]
            result.append({str(e["label"]).lower(): float(e["score"]) for e in entries})
        return result

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        mapped = []
        for labels in self.raw_scores(texts):
            scores: dict[str, float] = {}
            for label, value in labels.items():
                category = self.label_map.get(label)
                if category is not None and value > scores.get(category, 0.0):
                    scores[category] = value
            mapped.append(scores)
        return mapped


@dataclass
class CombinedScorer:
    """Maximum per category over several scorers (e.g. a model plus the patterns)."""

    scorers: Sequence[ToxicityScorer]
    name: str = "combined"

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        combined: list[dict[str, float]] = [{} for _ in texts]
        for scorer in self.scorers:
            for merged, scores in zip(combined, scorer.score(texts), strict=True):
                for category, value in scores.items():
                    if value > merged.get(category, 0.0):
                        merged[category] = value
        return combined


def build_scorer(settings: Any) -> ToxicityScorer:
    """The scorer a :class:`bot.safety.config.ScorerSettings` asks for (model not loaded)."""
    keywords = KeywordCategoryScorer()
    if settings.backend == "keywords":
        return keywords
    model = TransformersToxicityScorer(
        settings.model,
        label_map=settings.label_map,
        batch_size=settings.batch_size,
        max_length=settings.max_length,
    )
    return CombinedScorer([model, keywords], name=f"combined:{settings.model}")
