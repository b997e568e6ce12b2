"""CLI pieces of the Feelings feature, mounted by ``bot/cli.py``.

* ``sentiment_app`` — a Typer sub-app: ``hearth sentiment eval --file FILE.jsonl``;
* ``bench_sentiment_command`` — the ``hearth bench sentiment [--json]`` command function.

Heavy imports (transformers, torch) happen inside the commands so ``hearth --help`` is fast.
Configuration: if the parent app puts the loaded config on ``ctx.obj`` (a
``SentimentSettings``, or anything with a ``.sentiment`` attribute holding one), it is used;
otherwise the defaults apply.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from bot.scoring.config import SentimentSettings

sentiment_app = typer.Typer(
    help="Sentiment scoring: evaluate scorers on labelled data.", no_args_is_help=True
)


@sentiment_app.callback()
def _group() -> None:
    """Sentiment scoring: evaluate scorers on labelled data."""


def _settings(ctx: typer.Context | None) -> SentimentSettings:
    obj = getattr(ctx, "obj", None) if ctx is not None else None
    if isinstance(obj, SentimentSettings):
        return obj
    candidate = getattr(obj, "sentiment", None)
    return candidate if isinstance(candidate, SentimentSettings) else SentimentSettings()


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


@sentiment_app.command("eval")
def eval_command(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--file", "-f", help="JSONL: text, lang, sentiment, distress"),
    backend: str | None = typer.Option(
        None, "--backend", help="lexicon or transformers (default: from config)"
    ),
    model: str | None = typer.Option(
        None, "--model", help="HF model id or local path for --backend transformers"
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Accuracy per language, distress recall / false-positive rate, toxic F1."""
    from bot.scoring.evaluate import EvalInputError, evaluate_file

    try:
        report = evaluate_file(file, backend=backend, model=model, settings=_settings(ctx))
    except EvalInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for err in report["errors"]:
        typer.echo(f"skipped {err['error']}", err=True)
    if report.get("backend_error"):
        typer.echo(
            f"warning: model failed to load ({report['backend_error']}); evaluated the lexicon",
            err=True,
        )
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{report['file']}: {report['lines']} lines, backend {report['backend']} "
               f"({report['model_version']})")
    for lang, acc in report["sentiment_accuracy"].items():
        n = report["sentiment_counts"][lang]
        typer.echo(f"  sentiment accuracy {lang:>3}: {_pct(acc)}  (n={n})")
    c = report["distress_counts"]
    typer.echo(f"  distress recall: {_pct(report['distress_recall'])}  "
               f"false-positive rate: {_pct(report['distress_false_positive_rate'])}  "
               f"(tp {c['tp']}, fn {c['fn']}, fp {c['fp']}, tn {c['tn']})")
    if report["distress_missed_lines"]:
        typer.echo(f"  missed distress on lines: {report['distress_missed_lines']}")
    if report["distress_false_alarm_lines"]:
        typer.echo(f"  false alarms on lines: {report['distress_false_alarm_lines']}")
    if "toxic_f1" in report:
        typer.echo(f"  toxic F1: {report['toxic_f1']}  ({report['toxicity_backend']})")
    typer.echo(f"  distress models: {report['distress_components']}")


def bench_sentiment_command(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    model: str | None = typer.Option(
        None, "--model", help="HF model id or path (default: random MiniLM-L6-size model)"
    ),
) -> None:
    """Model alone vs. live pipeline vs. lexicon throughput (about a minute)."""
    from bot.scoring.bench import bench_sentiment

    result = bench_sentiment(json_out=json_out, model=model)
    if "error" in result:
        typer.echo(f"error: {result['error']}", err=True)
        raise typer.Exit(1)
    if json_out:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(f"model: {result['model']}  ({result['messages']} messages, "
               f"{result['torch_threads']} torch threads)")
    for b, rate in result["batch_size_rates"].items():
        typer.echo(f"  model alone, batch {b:>3}: {rate:8.1f} msgs/s")
    typer.echo(f"  model alone (best, batch {result['best_batch_size']}): "
               f"{result['model_msgs_per_s']:8.1f} msgs/s")
    typer.echo(f"  live pipeline:                 {result['pipeline_msgs_per_s']:8.1f} msgs/s  "
               f"({result['pipeline_vs_model'] * 100:.0f}% of model; target ≥ 90%)")
    typer.echo(f"  lexicon:                       {result['lexicon_msgs_per_s']:8.1f} msgs/s")
