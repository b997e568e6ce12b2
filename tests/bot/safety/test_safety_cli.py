"""``hearth spam train|eval`` and the filter benchmark function."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.safety.cli import bench_filters, spam_app
from bot.safety.spam import SpamClassifier

runner = CliRunner()

HAM = ["good morning all", "anyone up for a game?", "thanks for the help", "see you tomorrow",
       "the meeting moved to 3pm", "nice screenshot", "lol same", "I fixed the bug"]
SPAM = ["free crypto airdrop claim now", "earn $500 a day from home dm me",
        "free nitro at discord-gift.xyz", "guaranteed profit join my signals group",
        "claim your reward connect wallet", "hot singles in your area click here"]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    ham, spam = tmp_path / "ham.txt", tmp_path / "spam.txt"
    ham.write_text("\n".join(HAM) + "\n\n", encoding="utf-8")
    spam.write_text("\n".join(SPAM), encoding="utf-8")
    return ham, spam


def test_train_writes_a_loadable_model(files: tuple[Path, Path], tmp_path: Path) -> None:
    ham, spam = files
    out = tmp_path / "models" / "spam.bin"
    result = runner.invoke(spam_app, ["train", "--ham", str(ham), "--spam", str(spam),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "trained hearth-spam/1:" in result.output
    model = SpamClassifier.from_bytes(out.read_bytes())
    assert model.metadata["n_ham"] == len(HAM) and model.metadata["n_spam"] == len(SPAM)


def test_eval_json_has_the_metrics(files: tuple[Path, Path]) -> None:
    ham, spam = files
    result = runner.invoke(spam_app, ["eval", "--ham", str(ham), "--spam", str(spam),
                                      "--folds", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("f1", "precision", "recall"):
        assert 0.0 <= data[key] <= 1.0
    assert data["folds"] == 3 and data["n"] == len(HAM) + len(SPAM)


def test_eval_plain_output(files: tuple[Path, Path]) -> None:
    ham, spam = files
    result = runner.invoke(spam_app, ["eval", "--ham", str(ham), "--spam", str(spam),
                                      "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "f1" in result.output and "precision" in result.output and "recall" in result.output


def test_missing_and_empty_files_are_named(files: tuple[Path, Path], tmp_path: Path) -> None:
    ham, spam = files
    missing = tmp_path / "nope.txt"
    result = runner.invoke(spam_app, ["eval", "--ham", str(missing), "--spam", str(spam)])
    assert result.exit_code == 2
    assert "ham file" in result.output and "nope.txt" in result.output
    assert "does not exist" in result.output
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    result = runner.invoke(spam_app, ["train", "--ham", str(ham), "--spam", str(empty)])
    assert result.exit_code == 2
    assert "spam file" in result.output and "empty.txt" in result.output
    assert "is empty" in result.output
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00junk")
    result = runner.invoke(spam_app, ["train", "--ham", str(binary), "--spam", str(spam)])
    assert result.exit_code == 2 and "not UTF-8" in result.output


def test_eval_with_too_few_messages_for_folds(files: tuple[Path, Path]) -> None:
    ham, spam = files
    result = runner.invoke(spam_app, ["eval", "--ham", str(ham), "--spam", str(spam),
                                      "--folds", "7"])
    assert result.exit_code == 2 and "at least 7 distinct" in result.output


def test_bench_filters_reports_required_keys(capsys: pytest.CaptureFixture[str]) -> None:
    report = bench_filters(True, messages=600)
    assert capsys.readouterr().out == ""  # the CLI command prints it, exactly once
    for key in ("p99_ms", "naive_p99_ms", "speedup", "p50_ms", "naive_p50_ms"):
        assert report[key] > 0
    assert report["keywords"] == 1000 and report["regexes"] == 50
    assert report["engine_flagged"] > 0 and report["naive_flagged"] > 0


def test_bench_filters_command_prints_one_json_object(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli_features  # noqa: F401  (mounts the feature commands)
    import bot.safety.cli as safety_cli
    from bot.cli import app

    real = safety_cli.bench_filters
    monkeypatch.setattr(safety_cli, "bench_filters",
                        lambda json_out=False: real(json_out, messages=300))
    result = CliRunner().invoke(app, ["bench", "filters", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # one object, nothing else
    assert {"p99_ms", "naive_p99_ms", "speedup"} <= set(report)
