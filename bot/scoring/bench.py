"""``hearth bench sentiment``: model alone vs. the live pipeline vs. the lexicon, in one run.

What is compared (same messages, same process, same run, so ratios are meaningful):

* ``model_msgs_per_s`` — the model alone at its best batch size: batches formed exactly as
  the batcher forms them under backlog (pools of ``sort_pool`` batches sorted by length),
  called directly, no queue, no event loop;
* ``pipeline_msgs_per_s`` — the live path: every message through ``SentimentScorer.score``
  (cleaning, language detection, the asyncio micro-batcher, the model thread, futures),
  all submitted at once as a burst, with the batch size found best above;
* ``lexicon_msgs_per_s`` — the offline backend, one message at a time.

With no model configured it builds a randomly initialised BERT of all-MiniLM-L6 size
(hidden 384, 6 layers, 12 heads, intermediate 1536) in a temporary directory, with a
tokenizer over a vocabulary written here — same shapes and cost, nothing downloaded. The
run is bounded (about a minute on 2 idle cores): the batch-size sweep stops each size after
its time budget, and the head-to-head uses as many messages as the model scores in ~5 s.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.scoring.config import SentimentSettings

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
MINILM_L6 = {"hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
             "intermediate_size": 1536}
BATCH_SIZES = (1, 8, 16, 32, 64)


def build_vocab(words: Sequence[str] = (), *, cjk: int = 20_000) -> list[str]:
    """A WordPiece vocabulary: specials, ASCII characters and ``##`` pieces, common English
    words (ours + VADER's), and the first ``cjk`` CJK ideographs (BERT splits Han per
    character)."""
    from bot.scoring.language import english_words

    vocab: list[str] = list(SPECIAL_TOKENS)
    chars = [chr(c) for c in range(33, 127)]
    vocab += chars + [f"##{c}" for c in chars if c.isalnum()]
    vocab += sorted({w.lower() for w in (*english_words(), *words) if w.isascii()} - set(vocab))
    vocab += [chr(0x4E00 + i) for i in range(min(cjk, 0x9FFF - 0x4E00))]
    return list(dict.fromkeys(vocab))


def build_random_model(
    directory: Path,
    *,
    hidden_size: int = 384,
    num_hidden_layers: int = 6,
    num_attention_heads: int = 12,
    intermediate_size: int = 1536,
    labels: Sequence[str] = ("negative", "neutral", "positive"),
    vocab: Sequence[str] | None = None,
    max_position_embeddings: int = 512,
    seed: int = 0,
) -> Path:
    """Save a randomly initialised BERT text classifier + tokenizer to ``directory``.

    Used by the benchmark (MiniLM-L6 size) and by tests (tiny sizes). Never downloads.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    torch.manual_seed(seed)
    words = list(vocab) if vocab is not None else build_vocab()
    tokenizer = BertTokenizer(vocab={w: i for i, w in enumerate(words)}, do_lower_case=True)
    config = BertConfig(
        vocab_size=len(words),
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=num_attention_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model = BertForSequenceClassification(config).eval()
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


_EN_BITS = (
    "hey everyone", "does anyone know how to fix the login bug", "thanks so much for the help",
    "this update is terrible and broke everything again", "gg that was a great match",
    "I'm not sure what happened but the server is down", "lol same here",
    "can someone review my pull request when you have time",
    "I really love how friendly this community is", "ugh my build keeps failing",
    "what time does the event start tomorrow", "honestly this patch made the game worse",
    "welcome to the server, glad you're here", "I've been stuck on this level for hours",
    "the docs are confusing, I can't find the config option",
)
_ZH_BITS = (
    "大家好", "有人知道登录的问题怎么解决吗", "谢谢大家的帮助", "这个更新太烂了，又全坏了",
    "今天的比赛太精彩了", "服务器好像又挂了", "哈哈哈笑死我了", "有空帮我看看这个合并请求",
    "这个社区的氛围真好", "构建一直失败，烦死了", "明天活动几点开始", "这个版本真的变差了",
    "欢迎新朋友", "这一关卡了好几个小时了", "文档写得太乱了，找不到配置项",
)


def bench_messages(n: int = 512, seed: int = 7) -> list[str]:
    """Realistic chat: 1–4 sentences, mostly English, a third Chinese, lengths mixed."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        bits = _ZH_BITS if rng.random() < 0.33 else _EN_BITS
        k = rng.choices((1, 2, 3, 4), weights=(5, 3, 2, 1))[0]
        sep = "，" if bits is _ZH_BITS else ". "
        out.append(sep.join(rng.choice(bits) for _ in range(k)))
    return out


def _model_rate(classifier: Any, texts: Sequence[str], batch: int, pool: int,
                budget_s: float | None = None) -> float:
    """Messages/s of the model alone on batcher-shaped batches.

    With ``budget_s`` it stops after the first pool that ends past the budget (for the batch
    size sweep); without, it scores every text (for the head-to-head with the pipeline).
    """
    done = 0
    started = time.perf_counter()
    step = batch * pool
    for start in range(0, len(texts), step):
        chunk = sorted(texts[start : start + step], key=len)
        for b in range(0, len(chunk), batch):
            part = chunk[b : b + batch]
            classifier.predict_proba(part)
            done += len(part)
        if budget_s is not None and time.perf_counter() - started > budget_s:
            break
    return done / (time.perf_counter() - started)


async def _pipeline_rate(scorer: Any, texts: Sequence[str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    scores = await asyncio.gather(*(scorer.score(t) for t in texts))
    elapsed = time.perf_counter() - started
    by_model = sum(1 for s in scores if s.backend == "transformers")
    pressured = sum(1 for s in scores if s.backpressure)
    return len(texts) / elapsed, by_model, pressured


def _lexicon_rate(texts: Sequence[str], budget_s: float = 3.0) -> float:
    from bot.scoring.lexicon import LexiconScorer

    lex = LexiconScorer()
    lex.warm_up()
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < budget_s:
        for text in texts:
            lex.score(text)
        done += len(texts)
    return done / (time.perf_counter() - started)


def bench_sentiment(
    json_out: bool = False,
    model: str | None = None,
    *,
    messages: int = 384,
    batch_sizes: Sequence[int] = BATCH_SIZES,
    sweep_budget_s: float = 2.5,
    lexicon_budget_s: float = 2.0,
) -> dict[str, Any]:
    """Run the benchmark (about a minute on 2 CPU cores) and return its numbers.

    ``json_out`` only changes what the CLI prints; the dict is the same. The keyword-only
    knobs shrink the run (tests use them); the defaults are the real benchmark.
    """
    del json_out  # printing is the CLI's job
    import torch

    from bot.scoring.scorer import SentimentScorer
    from bot.scoring.transformers_backend import TransformersSentiment

    started = time.perf_counter()
    texts = bench_messages(messages)
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
        if model:
            model_id, description = model, model
        else:
            model_id = str(build_random_model(Path(tmp) / "minilm-l6-random", **MINILM_L6))
            description = "random-init BERT, MiniLM-L6 size (384h, 6L, 12 heads)"
        settings = SentimentSettings(
            backend="transformers",
            model=model_id,
            model_languages=["en", "zh", "other"],
            queue_size=len(texts) + 1,
            max_wait_ms=20,
        )
        sentiment = TransformersSentiment.from_settings(settings)
        status = sentiment.classifier.load()
        if status.state != "ready":
            return {"error": f"model {model_id!r} failed to load: {status.reason}"}
        clf = sentiment.classifier
        clf.predict_proba(texts[:16])  # warm-up
        pool = 4
        rates: dict[int, float] = {}
        for b in batch_sizes:
            sample = texts[:32] if b == 1 else texts
            rates[b] = round(_model_rate(clf, sample, b, pool, budget_s=sweep_budget_s), 2)
        best = max(rates, key=lambda b: rates[b])
        # Head-to-head on the same messages, sized to about 5 s of model work each.
        n = min(len(texts), max(best * pool, int(rates[best] * 5)))
        same = texts[:n]

        async def run_pipeline() -> tuple[float, float, int, int]:
            cfg = settings.model_copy(update={"batch_size": best})
            scorer = SentimentScorer(cfg, model=sentiment)
            await scorer.start()
            model_best = 0.0
            pipe_best = (0.0, 0, 0)
            for _ in range(2):  # interleaved repeats: both sides see the same machine state
                model_best = max(model_best, _model_rate(clf, same, best, pool))
                pipe = await _pipeline_rate(scorer, same)
                if pipe[0] > pipe_best[0]:
                    pipe_best = pipe
            await scorer.stop()
            return model_best, *pipe_best

        model_rate, pipe_rate, by_model, pressured = asyncio.run(run_pipeline())
    lexicon_rate = _lexicon_rate(texts, budget_s=lexicon_budget_s)
    return {
        "model": description,
        "model_version": status.model_version,
        "messages": n,
        "device": "cpu",
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "batch_size_rates": {str(b): r for b, r in rates.items()},
        "best_batch_size": best,
        "model_msgs_per_s": round(model_rate, 2),
        "pipeline_msgs_per_s": round(pipe_rate, 2),
        "lexicon_msgs_per_s": round(lexicon_rate, 1),
        "pipeline_vs_model": round(pipe_rate / model_rate, 3) if model_rate else None,
        "pipeline_scored_by_model": by_model,
        "pipeline_backpressure": pressured,
        "seconds": round(time.perf_counter() - started, 1),
    }
