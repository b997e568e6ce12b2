"""Sensitive-category scorers: offline patterns and a tiny local transformers model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.safety.config import CATEGORIES, ScorerSettings
from bot.safety.toxicity import (
    PATTERNS,
    CombinedScorer,
    KeywordCategoryScorer,
    ScorerUnavailable,
    ToxicityScorer,
    TransformersToxicityScorer,
    build_scorer,
)


@pytest.fixture(scope="module")
def keywords() -> KeywordCategoryScorer:
    return KeywordCategoryScorer()


def test_every_category_has_patterns() -> None:
    assert set(PATTERNS) == set(CATEGORIES)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("this tea cures cancer, doctors hate it", "medical_claims"),
        ("祖传秘方，包治百病", "medical_claims"),
        ("guaranteed returns of 20% monthly", "financial_promises"),
        ("稳赚不赔，日入500", "financial_promises"),
        ("connect your wallet to claim your reward", "scams"),
        ("刷单返利，兼职日结", "scams"),
        ("I want to die, there's no reason to live", "self_harm"),
        ("我不想活了", "self_harm"),
        ("I'll kill you, I know where you live", "violence_threats"),
        ("我知道你住哪，弄死你", "violence_threats"),
        ("you're a worthless idiot", "harassment"),
        ("你这个傻逼", "harassment"),
        ("selling fake passports and fake ids", "illegal_goods"),
        ("出售假证，代开发票", "illegal_goods"),
        ("onlyfans leaks and nudes", "sexual_content"),
        ("约炮裸聊", "sexual_content"),
        ("her home address is 12 Oak St, doxxing her", "personal_data"),
        ("他的手机号是13812345678", "personal_data"),
        ("join isis brothers", "extremism"),
        ("covid is a hoax, 5g causes cancer", "misinformation"),
        ("those immigrants are vermin", "hate"),
        ("ＣＵＲＥＳ ＣＡＮＣＥＲ", "medical_claims"),  # normalised before matching
    ],
)
def test_keyword_categories(keywords: KeywordCategoryScorer, text: str, category: str) -> None:
    scores = keywords.score([text])[0]
    assert scores.get(category, 0) >= 0.8, scores
    assert category in keywords.evidence(text)


@pytest.mark.parametrize(
    "text",
    [
        "good morning everyone!",
        "I bought a $40 keyboard",
        "my portfolio is down 20% this year",
        "don't click links from strangers, never share your password",
        "上周抽奖活动的获奖名单已经公布",
        "今天股市大涨，我的基金终于回本了",
        "the escort mission in this game is annoying",
    ],
)
def test_ordinary_chat_scores_nothing(keywords: KeywordCategoryScorer, text: str) -> None:
    assert keywords.score([text]) == [{}]


def test_two_patterns_score_higher(keywords: KeywordCategoryScorer) -> None:
    one = keywords.score(["passive income"])[0]["financial_promises"]
    two = keywords.score(["passive income with guaranteed returns"])[0]["financial_promises"]
    assert two > one


def test_keyword_scorer_survives_hostile_input(keywords: KeywordCategoryScorer) -> None:
    keywords.score(["a" * 50_000, "\x00" * 4000, "😂" * 4000, "1" * 4000, ""])


def test_protocol_conformance(keywords: KeywordCategoryScorer) -> None:
    assert isinstance(keywords, ToxicityScorer)
    assert isinstance(CombinedScorer([keywords]), ToxicityScorer)


def test_build_scorer_from_settings() -> None:
    assert isinstance(build_scorer(ScorerSettings()), KeywordCategoryScorer)
    combined = build_scorer(ScorerSettings(backend="transformers", model="some/model"))
    assert isinstance(combined, CombinedScorer)
    model = combined.scorers[0]
    assert isinstance(model, TransformersToxicityScorer) and not model.loaded  # lazy


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BERT with labels neutral/toxic/threat, built offline (never downloaded)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-tox")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "you", "are", "an", "idiot", "hello",
             "friend", "i", "will", "hurt", "good", "morning", "加", "微", "信"]
    vocab = {w: i for i, w in enumerate(words)}
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=True)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, num_labels=3,
        id2label={0: "neutral", 1: "toxic", 2: "threat"},
        label2id={"neutral": 0, "toxic": 1, "threat": 2},
    )
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_transformers_backend_with_tiny_local_model(tiny_model: Path) -> None:
    scorer = TransformersToxicityScorer(str(tiny_model), batch_size=4, max_length=32)
    assert not scorer.loaded
    texts = ["you are an idiot", "hello friend " * 400, "", "加微信"]  # long one is truncated
    raw = scorer.raw_scores(texts)
    assert scorer.loaded and len(raw) == 4
    for labels in raw:
        assert set(labels) == {"neutral", "toxic", "threat"}
        assert sum(labels.values()) == pytest.approx(1.0, abs=1e-4)
    mapped = scorer.score(texts)
    for labels, scores in zip(raw, mapped, strict=True):
        # default label_map: toxic -> harassment, threat -> violence_threats; neutral ignored
        assert scores == {"harassment": labels["toxic"], "violence_threats": labels["threat"]}
    custom = TransformersToxicityScorer(str(tiny_model), label_map={"threat": "extremism"})
    assert set(custom.score(["i will hurt you"])[0]) == {"extremism"}
    assert scorer.score([]) == []


def test_combined_takes_max_per_category(tiny_model: Path) -> None:
    model = TransformersToxicityScorer(str(tiny_model))
    combined = CombinedScorer([model, KeywordCategoryScorer()])
    scores = combined.score(["you're a worthless idiot", "cures cancer"])
    assert scores[0]["harassment"] >= 0.8  # the patterns' floor
    assert scores[1]["medical_claims"] >= 0.8
    assert "harassment" in scores[1]  # the model still contributes


def test_missing_model_gives_a_clear_error(tmp_path: Path) -> None:
    scorer = TransformersToxicityScorer(str(tmp_path / "no-such-model"))
    with pytest.raises(ScorerUnavailable, match="no-such-model"):
        scorer.score(["hello"])
