"""Stratified k-fold cross-validation of the spam classifier the bot actually runs.

Each fold trains a fresh :class:`bot.safety.spam.SpamClassifier` — the same class, features,
hyper-parameters and threshold the bot uses — on the other folds and scores the held-out
one, so the numbers describe the deployed model, not a lookalike.

Messages that are identical after normalisation are counted once per class: a spam wave
pasted 50 times would otherwise sit in both the training and the test folds and inflate the
scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from bot.safety.spam import DEFAULT_THRESHOLD, SpamClassifier, SpamModelError
from domain.safety.normalise import normalise


@dataclass(frozen=True, slots=True)
class EvalResult:
    f1: float
    precision: float
    recall: float
    folds: int
    n: int
    n_ham: int
    n_spam: int
    threshold: float
    duplicates_dropped: int = 0
    per_fold: list[dict[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _dedupe(texts: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for text in texts:
        key = normalise(text).casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def cross_validate(
    ham: Sequence[str],
    spam: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
    threshold: float = DEFAULT_THRESHOLD,
) -> EvalResult:
    """Mean precision/recall/F1 (spam = positive class) over stratified folds."""
    import numpy as np
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold

    if folds < 2:
        raise SpamModelError(f"--folds must be at least 2, got {folds}")
    ham_u, spam_u = _dedupe(ham), _dedupe(spam)
    dropped = len(ham) + len(spam) - len(ham_u) - len(spam_u)
    smallest = min(len(ham_u), len(spam_u))
    if smallest < folds:
        raise SpamModelError(
            f"{folds}-fold cross-validation needs at least {folds} distinct messages of each "
            f"class; got {len(ham_u)} ham and {len(spam_u)} spam"
        )
    texts = ham_u + spam_u
    labels = np.array([0] * len(ham_u) + [1] * len(spam_u))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    per_fold: list[dict[str, float]] = []
    for train_idx, test_idx in splitter.split(texts, labels):
        train_ham = [texts[i] for i in train_idx if labels[i] == 0]
        train_spam = [texts[i] for i in train_idx if labels[i] == 1]
        model = SpamClassifier(threshold=threshold).train(train_ham, train_spam)
        predicted = np.array(model.predict([texts[i] for i in test_idx]), dtype=int)
        truth = labels[test_idx]
        per_fold.append({
            "f1": float(f1_score(truth, predicted, zero_division=0)),
            "precision": float(precision_score(truth, predicted, zero_division=0)),
            "recall": float(recall_score(truth, predicted, zero_division=0)),
        })
    return EvalResult(
        f1=float(np.mean([f["f1"] for f in per_fold])),
        precision=float(np.mean([f["precision"] for f in per_fold])),
        recall=float(np.mean([f["recall"] for f in per_fold])),
        folds=folds,
        n=len(texts),
        n_ham=len(ham_u),
        n_spam=len(spam_u),
        threshold=threshold,
        duplicates_dropped=dropped,
        per_fold=per_fold,
    )
