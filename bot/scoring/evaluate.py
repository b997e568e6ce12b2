"""``hearth sentiment eval``: accuracy of the scorers on a labelled JSONL file.

Each line: ``{"text": …, "lang": "en"|"zh", "sentiment": "pos"|"neg"|"neu",
"distress": true|false}`` and optionally ``"toxic": true|false``. A bad line is reported with
its number and skipped; the rest are still evaluated. Language is *detected* by the scorer
as in production; the labelled ``lang`` only groups the results.

Reported: ``sentiment_accuracy`` per language (and ``all``), ``distress_recall``,
``distress_false_positive_rate`` (share of non-distress lines flagged), ``toxic_f1`` when any
line has a toxic label — plus counts and the line numbers of misses (never the texts).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.scoring.config import SentimentSettings
from domain.sentiment import LABELS, Score

EVAL_LANGS = ("en", "zh")


class EvalInputError(Exception):
    """The file cannot be evaluated at all (missing, unreadable, no valid line)."""


@dataclass(frozen=True, slots=True)
class LabelledLine:
    line: int
    text: str
    lang: str
    sentiment: str
    distress: bool
    toxic: bool | None = None


def parse_line(raw: str, number: int) -> LabelledLine:
    """One JSONL line → a labelled example; ValueError says what is wrong and how to fix it."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    missing = [k for k in ("text", "lang", "sentiment", "distress") if k not in obj]
    if missing:
        raise ValueError(
            f"missing {', '.join(repr(k) for k in missing)}; each line needs "
            '{"text": ..., "lang": "en"|"zh", "sentiment": "pos"|"neg"|"neu", "distress": bool}'
        )
    text, lang, sentiment, distress = obj["text"], obj["lang"], obj["sentiment"], obj["distress"]
    if not isinstance(text, str):
        raise ValueError(f'"text" must be a string, got {type(text).__name__}')
    if lang not in EVAL_LANGS:
        raise ValueError(f'"lang" must be "en" or "zh", got {lang!r}')
    if sentiment not in LABELS:
        raise ValueError(f'"sentiment" must be one of "pos", "neg", "neu", got {sentiment!r}')
    if not isinstance(distress, bool):
        raise ValueError(f'"distress" must be true or false, got {distress!r}')
    toxic = obj.get("toxic")
    if toxic is not None and not isinstance(toxic, bool):
        raise ValueError(f'"toxic" must be true or false when given, got {toxic!r}')
    return LabelledLine(number, text, lang, sentiment, distress, toxic)


def read_labelled(path: Path) -> tuple[list[LabelledLine], list[dict[str, Any]]]:
    """Valid lines and ``[{"line": n, "error": …}]`` for the bad ones (blank lines skipped)."""
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalInputError(
            f"{path}: no such file; give a JSONL file of labelled lines"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalInputError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    items: list[LabelledLine] = []
    errors: list[dict[str, Any]] = []
    for number, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            items.append(parse_line(raw, number))
        except ValueError as exc:
            errors.append({"line": number, "error": f"{path.name}:{number}: {exc}"})
    return items, errors


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def evaluate(
    items: Sequence[LabelledLine],
    *,
    score: Callable[[list[str]], list[Score]],
    detect: Callable[[list[str]], list[Any]],
    toxic: Callable[[list[str]], list[bool]] | None = None,
) -> dict[str, Any]:
    """Metrics for ``items`` given batch scoring functions (pure arithmetic; no I/O)."""
    texts = [it.text for it in items]
    scores = score(texts)
    signals = detect(texts)
    per_lang: dict[str, list[int]] = {}
    lang_detected_ok = 0
    for it, sc in zip(items, scores, strict=True):
        correct = int(sc.label == it.sentiment)
        for key in (it.lang, "all"):
            tally = per_lang.setdefault(key, [0, 0])
            tally[0] += correct
            tally[1] += 1
        lang_detected_ok += int(sc.lang == it.lang)
    tp = fp = fn = tn = 0
    missed: list[int] = []
    false_alarms: list[int] = []
    for it, sig in zip(items, signals, strict=True):
        if it.distress and sig.is_distress:
            tp += 1
        elif it.distress:
            fn += 1
            missed.append(it.line)
        elif sig.is_distress:
            fp += 1
            false_alarms.append(it.line)
        else:
            tn += 1
    report: dict[str, Any] = {
        "sentiment_accuracy": {k: _ratio(v[0], v[1]) for k, v in sorted(per_lang.items())},
        "sentiment_counts": {k: v[1] for k, v in sorted(per_lang.items())},
        "language_detection_accuracy": _ratio(lang_detected_ok, len(items)),
        "distress_recall": _ratio(tp, tp + fn),
        "distress_false_positive_rate": _ratio(fp, fp + tn),
        "distress_precision": _ratio(tp, tp + fp),
        "distress_counts": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "distress_missed_lines": missed,
        "distress_false_alarm_lines": false_alarms,
    }
    labelled = [it for it in items if it.toxic is not None]
    if labelled and toxic is not None:
        predicted = toxic([it.text for it in labelled])
        t_tp = sum(1 for it, p in zip(labelled, predicted, strict=True) if it.toxic and p)
        t_fp = sum(1 for it, p in zip(labelled, predicted, strict=True) if not it.toxic and p)
        t_fn = sum(1 for it, p in zip(labelled, predicted, strict=True) if it.toxic and not p)
        denom = 2 * t_tp + t_fp + t_fn
        report["toxic_f1"] = round(2 * t_tp / denom, 4) if denom else None
        report["toxic_counts"] = {"tp": t_tp, "fp": t_fp, "fn": t_fn, "n": len(labelled)}
    return report


def evaluate_file(
    path: Path,
    *,
    backend: str | None = None,
    model: str | None = None,
    settings: SentimentSettings | None = None,
    detector: Any = None,
) -> dict[str, Any]:
    """Load the scorers (synchronously), evaluate ``path``, return the report dict.

    ``backend`` / ``model`` override the configured ones. A transformers model that fails to
    load is reported in ``backend_error`` and the lexicon is evaluated instead — the same
    fallback Hearth uses live. ``detector`` lets a caller reuse a loaded DistressDetector.
    """
    from bot.scoring.distress import DistressDetector
    from bot.scoring.lexicon import LexiconScorer
    from bot.scoring.toxicity import ToxicityScorer

    started = time.perf_counter()
    settings = settings or SentimentSettings()
    if backend not in (None, "lexicon", "transformers"):
        raise EvalInputError(f"--backend must be lexicon or transformers, got {backend!r}")
    chosen = backend or settings.backend
    model_id = model or settings.model
    if chosen == "transformers" and not model_id:
        raise EvalInputError(
            "--backend transformers needs a model: pass --model ID_OR_PATH or set "
            "sentiment.model in the config"
        )
    items, errors = read_labelled(path)
    if not items:
        detail = f" ({len(errors)} bad line(s); first: {errors[0]['error']})" if errors else ""
        raise EvalInputError(f"{path}: no valid labelled lines to evaluate{detail}")

    lexicon = LexiconScorer()
    score_fn: Callable[[list[str]], list[Score]] = lexicon.score_many
    used, version, backend_error = "lexicon", lexicon.model_version, None
    if chosen == "transformers":
        from bot.scoring.language import profile, strip_noise
        from bot.scoring.transformers_backend import TransformersSentiment

        effective = settings.model_copy(update={"backend": "transformers", "model": model_id})
        tm = TransformersSentiment.from_settings(effective)
        status = tm.classifier.load()
        if status.state == "ready":
            used, version = "transformers", status.model_version
            langs_ok = set(effective.model_languages)

            def score_fn(texts: list[str]) -> list[Score]:
                out: list[Score] = []
                for start in range(0, len(texts), effective.batch_size):
                    chunk = texts[start : start + effective.batch_size]
                    plain = [strip_noise(t) for t in chunk]
                    langs = [profile(p, cleaned=True).lang for p in plain]
                    model_idx = [i for i, lg in enumerate(langs) if lg in langs_ok]
                    model_scores = tm.predict([plain[i] for i in model_idx],
                                              [langs[i] for i in model_idx])
                    by_idx = dict(zip(model_idx, model_scores, strict=True))
                    out.extend(by_idx.get(i) or lexicon.score(t) for i, t in enumerate(chunk))
                return out
        else:
            backend_error = status.reason

    if detector is None:
        detector = DistressDetector(settings.distress)
        detector.load()
    toxicity = ToxicityScorer(settings.toxicity)
    toxicity.load()
    report = evaluate(items, score=score_fn, detect=detector.detect_many, toxic=toxicity.predict)
    components = {name: st.state if st.reason is None else f"{st.state}: {st.reason}"
                  for name, st in detector.status().items()}
    report.update(
        {
            "file": str(path),
            "lines": len(items),
            "errors": errors,
            "backend": used,
            "model_version": version,
            "backend_error": backend_error,
            "distress_components": components or {"embeddings": "off"},
            "toxicity_backend": toxicity.backend,
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
    return report
