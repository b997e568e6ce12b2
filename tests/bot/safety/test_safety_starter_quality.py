"""The shipped starter spam model on a held-out set it was never trained on.

``data/holdout_*.txt`` were written separately from the starter data (different phrasings,
languages and scam families) and are not used for training; the test guards against a
change to the data or the model that makes the model the bot ships worse on unseen text.
"""

from __future__ import annotations

from pathlib import Path

from bot.safety.spam import STARTER_HAM, STARTER_SPAM, read_lines
from bot.safety.wiring import starter_model
from domain.safety.normalise import normalise

DATA = Path(__file__).with_name("data")


def test_holdout_is_not_part_of_the_training_data() -> None:
    train = {normalise(t).casefold() for t in read_lines(STARTER_HAM) + read_lines(STARTER_SPAM)}
    held = read_lines(DATA / "holdout_ham.txt") + read_lines(DATA / "holdout_spam.txt")
    assert not [t for t in held if normalise(t).casefold() in train]


def test_starter_model_quality_on_holdout() -> None:
    ham = read_lines(DATA / "holdout_ham.txt")
    spam = read_lines(DATA / "holdout_spam.txt")
    model = starter_model()
    flagged_ham = sum(model.score(t) >= model.threshold for t in ham)
    caught = sum(model.score(t) >= model.threshold for t in spam)
    precision = caught / (caught + flagged_ham)
    recall = caught / len(spam)
    f1 = 2 * precision * recall / (precision + recall)
    # measured 0.963 / 0.975 / 0.969 when the data was written; the floor leaves room for
    # harmless retraining noise but fails if a change makes the shipped model clearly worse
    assert precision >= 0.94 and recall >= 0.94 and f1 >= 0.95, (precision, recall, f1)
