"""Benchmark pieces (the full ~1 minute run is `hearth bench sentiment`, not a unit test)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import bot.scoring.bench as bench
from bot.scoring.cli import bench_sentiment_command


def test_messages_are_deterministic_and_mixed() -> None:
    first = bench.bench_messages(100)
    assert first == bench.bench_messages(100)
    assert any(m.isascii() for m in first) and any(not m.isascii() for m in first)


def test_vocab_has_specials_pieces_words_and_han() -> None:
    vocab = bench.build_vocab(cjk=100)
    assert vocab[:5] == list(bench.SPECIAL_TOKENS)
    assert "##a" in vocab and "the" in vocab and "一" in vocab
    assert len(vocab) == len(set(vocab))


def test_bench_runs_end_to_end_on_a_tiny_model(tiny_model_dir: Path) -> None:
    result = bench.bench_sentiment(
        json_out=True, model=str(tiny_model_dir), messages=64, batch_sizes=(1, 8),
        sweep_budget_s=0.3, lexicon_budget_s=0.2,
    )
    for key in ("pipeline_msgs_per_s", "model_msgs_per_s", "lexicon_msgs_per_s"):
        assert result[key] > 0
    assert result["best_batch_size"] in (1, 8)
    assert result["pipeline_backpressure"] == 0
    assert result["pipeline_scored_by_model"] == result["messages"]


def test_bench_reports_a_model_that_fails(tmp_path: Path) -> None:
    result = bench.bench_sentiment(model=str(tmp_path / "missing"))
    assert "failed to load" in result["error"]


def test_bench_command_prints_json(monkeypatch) -> None:
    fake = {"model": "m", "messages": 10, "torch_threads": 2, "batch_size_rates": {"8": 9.0},
            "best_batch_size": 8, "model_msgs_per_s": 10.0, "pipeline_msgs_per_s": 9.5,
            "lexicon_msgs_per_s": 1000.0, "pipeline_vs_model": 0.95}
    monkeypatch.setattr(bench, "bench_sentiment", lambda json_out, model: fake)
    import typer

    app = typer.Typer()
    app.command("sentiment")(bench_sentiment_command)
    out = CliRunner().invoke(app, ["--json"])
    assert out.exit_code == 0 and '"pipeline_msgs_per_s": 9.5' in out.stdout
    text = CliRunner().invoke(app, [])
    assert "95% of model" in text.stdout
