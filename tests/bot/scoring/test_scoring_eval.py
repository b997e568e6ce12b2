"""``hearth sentiment eval``: input validation, metrics, CLI output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.scoring.cli import sentiment_app
from bot.scoring.config import SentimentSettings
from bot.scoring.evaluate import (
    EvalInputError,
    LabelledLine,
    evaluate,
    evaluate_file,
    parse_line,
    read_labelled,
)
from domain.sentiment import DistressSignal, Score

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sentiment_sample.jsonl"
NO_EMBEDDINGS = SentimentSettings(distress={"embeddings": False})


def line(**fields) -> str:
    base = {"text": "hi", "lang": "en", "sentiment": "neu", "distress": False}
    base.update(fields)
    return json.dumps(base, ensure_ascii=False)


def test_sample_file_is_valid_and_covers_what_it_should() -> None:
    items, errors = read_labelled(SAMPLE)
    assert errors == []
    assert {it.lang for it in items} == {"en", "zh"}
    assert {it.sentiment for it in items} == {"pos", "neg", "neu"}
    for lang in ("en", "zh"):
        assert sum(1 for it in items if it.distress and it.lang == lang) >= 5
    assert sum(1 for it in items if it.toxic is not None) >= 4


def test_report_keys_on_the_sample(detector) -> None:
    report = evaluate_file(SAMPLE, detector=detector)
    for key in ("sentiment_accuracy", "distress_recall", "distress_false_positive_rate",
                "toxic_f1"):
        assert key in report
    assert set(report["sentiment_accuracy"]) == {"en", "zh", "all"}
    assert report["backend"] == "lexicon" and report["errors"] == []
    assert report["lines"] == sum(1 for raw in SAMPLE.read_text().splitlines() if raw.strip())
    # regression guards, far below what the sample gives today
    assert report["sentiment_accuracy"]["en"] >= 0.6
    assert report["sentiment_accuracy"]["zh"] >= 0.6
    assert report["distress_recall"] >= 0.8
    assert report["distress_false_positive_rate"] <= 0.1


def test_bad_lines_are_reported_by_number_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                line(text="I love it", sentiment="pos"),
                "{not json",
                line(lang="fr"),
                "",
                json.dumps({"text": "x", "lang": "en", "sentiment": "neu"}),
                line(text="不想活了", lang="zh", sentiment="neg", distress=True),
                line(distress="yes"),
                "[1, 2]",
            ]
        ),
        encoding="utf-8",
    )
    report = evaluate_file(path, settings=NO_EMBEDDINGS)
    assert report["lines"] == 2
    by_line = {e["line"]: e["error"] for e in report["errors"]}
    assert set(by_line) == {2, 3, 5, 7, 8}
    assert "not valid JSON" in by_line[2] and "mixed.jsonl:2" in by_line[2]
    assert '"lang" must be "en" or "zh"' in by_line[3]
    assert "missing 'distress'" in by_line[5]
    assert '"distress" must be true or false' in by_line[7]
    assert "expected a JSON object" in by_line[8]
    assert report["distress_recall"] == 1.0
    assert "toxic_f1" not in report


def test_unusable_files_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="no such file"):
        evaluate_file(tmp_path / "missing.jsonl")
    empty = tmp_path / "bad.jsonl"
    empty.write_text("{oops\n", encoding="utf-8")
    with pytest.raises(EvalInputError, match=r"no valid labelled lines.*bad\.jsonl:1"):
        evaluate_file(empty)
    with pytest.raises(EvalInputError, match="--backend must be"):
        evaluate_file(SAMPLE, backend="magic")
    with pytest.raises(EvalInputError, match="needs a model"):
        evaluate_file(SAMPLE, backend="transformers")


def test_metrics_arithmetic() -> None:
    items = [
        LabelledLine(1, "a", "en", "pos", True, True),
        LabelledLine(2, "b", "en", "neg", True, False),
        LabelledLine(3, "c", "zh", "neu", False, True),
        LabelledLine(4, "d", "zh", "neu", False, None),
    ]

    def score(texts):
        labels = {"a": "pos", "b": "pos", "c": "neu", "d": "neg"}
        return [Score(labels[t], 0.9, "fake", "v", "en" if t in "ab" else "zh") for t in texts]

    def detect(texts):
        return [DistressSignal(t in ("a", "d"), 0.9) for t in texts]

    def toxic(texts):
        return [t in ("a", "b") for t in texts]

    report = evaluate(items, score=score, detect=detect, toxic=toxic)
    assert report["sentiment_accuracy"] == {"all": 0.5, "en": 0.5, "zh": 0.5}
    assert report["distress_recall"] == 0.5
    assert report["distress_false_positive_rate"] == 0.5
    assert report["distress_missed_lines"] == [2] and report["distress_false_alarm_lines"] == [4]
    assert report["toxic_f1"] == 0.5  # tp=1 (a), fp=1 (b), fn=1 (c)
    assert report["language_detection_accuracy"] == 1.0


def test_transformers_backend_that_fails_falls_back(tmp_path: Path) -> None:
    report = evaluate_file(SAMPLE, backend="transformers", model=str(tmp_path / "none"),
                           settings=NO_EMBEDDINGS)
    assert report["backend"] == "lexicon" and "does not exist" in report["backend_error"]


def test_transformers_backend_with_tiny_model(tiny_model_dir: Path) -> None:
    report = evaluate_file(SAMPLE, backend="transformers", model=str(tiny_model_dir),
                           settings=NO_EMBEDDINGS)
    assert report["backend"] == "transformers" and report["backend_error"] is None
    assert 0.0 <= report["sentiment_accuracy"]["all"] <= 1.0


def test_cli_json_and_text_output(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join([line(text="I love it", sentiment="pos", toxic=False),
                               "garbage"]), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(sentiment_app, ["eval", "--file", str(path), "--json"],
                           obj=NO_EMBEDDINGS)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["sentiment_accuracy"]["en"] == 1.0 and report["toxic_f1"] is None
    assert "s.jsonl:2" in result.stderr
    text = runner.invoke(sentiment_app, ["eval", "--file", str(path)], obj=NO_EMBEDDINGS)
    assert "sentiment accuracy" in text.stdout and "distress recall" in text.stdout
    missing = runner.invoke(sentiment_app, ["eval", "--file", str(tmp_path / "x.jsonl")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr


@given(st.text(max_size=200))
@settings(max_examples=150, deadline=None)
def test_parse_line_fails_only_with_value_error(raw: str) -> None:
    try:
        parsed = parse_line(raw, 1)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(parsed, LabelledLine)
