"""Quality on public datasets, trained and scored exactly as a user would, beside a plain baseline.

Each dataset's training split is written to a JSONL file in the documented user format, trained with
`feedback-ai train --data FILE` (its defaults: 20% held out for the model card, then refit on all),
and its test split is scored with `feedback-ai classify`. Top-1 is the first returned theme (or the
returned kind); an item with none counts as wrong, and the unassigned share is shown beside it.
The baseline is TF-IDF (word 1-2 + char 2-5) + LinearSVC on the same split (one-vs-rest when an
item may carry several labels).

Usage: python bench/quality.py [--datasets DIR] [--only banking77,clinc150,clap,storyteller,promise]
       [--no-embeddings]
Prints our figures beside the baseline and the published ones (sources: ../shared/datasets/README.md).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import public_data as pd_
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from typer.testing import CliRunner

from feedback_ai.cli.main import app
from feedback_ai.ml.themes.taxonomy import slugify

PUBLISHED = {
    "banking77": "BERT 0.9366, USE+ConveRT 0.9336, fastText 0.873 (target >= 0.925)",
    "clinc150": "BERT 0.962/0.523, MLP-USE 0.934/0.491, Rasa 0.909/0.312 (target 0.93 @ oos recall 0.80)",
    "clap": "target macro-F1 >= 0.82",
    "storyteller": "published acc 0.935, F1 NULL 0.97, F 0.77, A 0.61 (target req-F1 >= 0.85, F >= 0.80)",
    "promise": "published 10-fold: F vs NFR F1 0.927; 12-class weighted F1 0.768",
}
OOS = "oos"
runner = CliRunner()


class User:
    """Runs the real `feedback-ai` console commands in-process, in a scratch directory."""

    def __init__(self, work: Path, *, embeddings: bool) -> None:
        self.work = work
        self.embeddings = embeddings

    def _invoke(self, args: list[str]) -> str:
        # The benchmark's models are registered in a database of its own, in the scratch
        # directory: not in the user's (./var/feedback.db), where one could become the champion.
        env = {"FEEDBACK_AI_DATABASE_URL": f"sqlite:///{self.work / 'bench.db'}"}
        result = runner.invoke(app, args, env=env)
        if result.exit_code != 0:
            raise SystemExit(f"feedback-ai {args[0]} failed:\n{result.output}")
        return result.output

    def train(self, rows: list[tuple[str, str]], *, head: str, name: str, source: str) -> Path:
        """`feedback-ai train --data FILE`; returns the saved model's directory."""
        data = pd_.write_jsonl(self.work / f"{name}.jsonl", rows, head=head, source=source)
        args = ["train", "--data", str(data), "--models-dir", str(self.work / "models")]
        out = self._invoke(args + ([] if self.embeddings else ["--no-embeddings"]))
        match = re.search(r"^trained \S+ -> (.+)$", out, re.MULTILINE)
        assert match, out
        return Path(match.group(1))

    def classify(
        self, model: Path, texts: list[str], *, head: str, source: str
    ) -> list[str | None]:
        """`feedback-ai classify FILE`; the first returned theme (or the kind) of each item."""
        given = self.work / "to_classify.jsonl"
        given.write_text(
            "".join(json.dumps({"text": t, "source": source}) + "\n" for t in texts),
            encoding="utf-8",
        )
        out = self.work / "classified.jsonl"
        self._invoke(["classify", str(given), "--model", str(model), "-o", str(out)])
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(rows) == len(texts)
        if head == "kind":
            return [r["kind"] for r in rows]
        return [r["themes"][0]["label"] if r["themes"] else None for r in rows]

    def run(
        self,
        train: list[tuple[str, str]],
        texts: list[str],
        *,
        head: str,
        name: str,
        source: str = "other",
    ) -> list[str | None]:
        model = self.train(train, head=head, name=name, source=source)
        return self.classify(model, texts, head=head, source=source)


def baseline(train: list[tuple[str, list[str]]], texts: list[str]) -> list[str | None]:
    """TF-IDF word 1-2 + char 2-5, LinearSVC (one-vs-rest if any item has 0 or 2+ labels); top-1."""
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    train_texts = [t for t, _ in train]
    X = sp.hstack([word.fit_transform(train_texts), char.fit_transform(train_texts)]).tocsr()
    T = sp.hstack([word.transform(texts), char.transform(texts)]).tocsr()
    if all(len(labels) == 1 for _, labels in train):
        svc = LinearSVC().fit(X, [labels[0] for _, labels in train])
        return svc.predict(T).tolist()
    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform([labels for _, labels in train])
    scores = OneVsRestClassifier(LinearSVC()).fit(X, Y).decision_function(T)
    best = np.argmax(scores, axis=1)
    return [binarizer.classes_[j] if s[j] > 0 else None for j, s in zip(best, scores, strict=True)]


def _single(rows: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    return [(t, [y]) for t, y in rows]


def _accuracy(truth: list[str], guess: list[str | None]) -> dict:
    return {
        "accuracy": float(np.mean([g == y for g, y in zip(guess, truth, strict=True)])),
        "unassigned": float(np.mean([g is None for g in guess])),
    }


def run_banking77(root: Path, user: User) -> tuple[dict, dict]:
    train, test = pd_.banking77(root)
    texts, truth = [t for t, _ in test], [slugify(y) for _, y in test]
    ours = user.run(train, texts, head="themes", name="banking77")
    base = [slugify(y) for y in baseline(_single(train), texts)]
    return _accuracy(truth, ours), _accuracy(truth, base)


def _scope(truth: list[str], guess: list[str | None]) -> dict:
    """In-scope accuracy, out-of-scope recall, and accuracy over all 151 classes (oos = none)."""
    pairs = list(zip(truth, guess, strict=True))
    inside = [(y, g) for y, g in pairs if y != OOS]
    outside = [g for y, g in pairs if y == OOS]
    return {
        "in_scope_accuracy": float(np.mean([g == y for y, g in inside])),
        "oos_recall": float(np.mean([g is None for g in outside])),
        "overall_accuracy": float(np.mean([g == (None if y == OOS else y) for y, g in pairs])),
        "in_scope_unassigned": float(np.mean([g is None for _, g in inside])),
    }


def run_clinc150(root: Path, user: User) -> tuple[dict, dict]:
    """The user's file holds train + val with their out-of-scope examples (no themes); the
    model chooses its own scope threshold from that file alone. The test split is never seen."""
    data = pd_.clinc150(root)
    train = data["train"] + data["oos_train"] + data["val"] + data["oos_val"]
    test = data["test"] + data["oos_test"]
    texts = [t for t, _ in test]
    truth = [OOS if y == OOS else slugify(y) for _, y in test]
    ours = user.run(train, texts, head="themes", name="clinc150")
    # The baseline learns out-of-scope as one more class, the usual CLINC150 baseline.
    base = [None if y == OOS else slugify(y) for y in baseline(_single(train), texts)]
    return _scope(truth, ours), _scope(truth, base)


def _kind_figures(truth: list[str], guess: list[str | None], extra) -> dict:
    filled = [g or "" for g in guess]
    return {
        **extra(truth, filled),
        "unassigned": float(np.mean([g is None for g in guess])),
    }


def _clap_figures(truth: list[str], guess: list[str]) -> dict:
    per = f1_score(truth, guess, labels=["BUG", "FEATURE"], average=None)
    return {
        "macro_f1": f1_score(truth, guess, average="macro"),
        "f1_BUG": per[0],
        "f1_FEATURE": per[1],
    }


def _folds(
    rows: list[tuple[str, str]], k: int, user: User, name: str, source: str
) -> tuple[list[str], list, list]:
    labels = np.array([y for _, y in rows])
    truth: list[str] = []
    ours: list = []
    base: list = []
    folds = StratifiedKFold(k, shuffle=True, random_state=0).split(np.zeros(len(rows)), labels)
    for n, (tr, te) in enumerate(folds):
        train = [rows[i] for i in tr]
        texts = [rows[i][0] for i in te]
        ours += user.run(train, texts, head="kind", name=f"{name}{n}", source=source)
        base += baseline(_single(train), texts)
        truth += [rows[i][1] for i in te]
    return truth, ours, base


def run_clap(root: Path, user: User) -> tuple[dict, dict]:
    truth, ours, base = _folds(pd_.clap(root), 5, user, "clap", "app_review")
    return _kind_figures(truth, ours, _clap_figures), _kind_figures(truth, base, _clap_figures)


def _storyteller_figures(truth: list[str], guess: list[str]) -> dict:
    per = f1_score(truth, guess, labels=["NULL", "F", "A"], average=None)
    return {
        "accuracy": accuracy_score(truth, guess),
        "requirement_f1": f1_score([y != "NULL" for y in truth], [g != "NULL" for g in guess]),
        "f1_NULL": per[0],
        "f1_F": per[1],
        "f1_A": per[2],
    }


def run_storyteller(root: Path, user: User) -> tuple[dict, dict]:
    train, test = pd_.storyteller(root)
    texts, truth = [t for t, _ in test], [y for _, y in test]
    ours = user.run(train, texts, head="kind", name="storyteller")
    base = baseline(_single(train), texts)
    return (
        _kind_figures(truth, ours, _storyteller_figures),
        _kind_figures(truth, base, _storyteller_figures),
    )


def _promise_figures(truth: list[str], guess: list[str]) -> dict:
    binary = f1_score([y == "F" for y in truth], [g == "F" for g in guess])
    nfr = f1_score([y != "F" for y in truth], [g != "F" for g in guess])
    return {
        "f_vs_nfr_f1": (binary + nfr) / 2,
        "weighted_f1_12": f1_score(truth, guess, average="weighted"),
    }


def run_promise(root: Path, user: User) -> tuple[dict, dict]:
    truth, ours, base = _folds(pd_.promise_exp(root), 10, user, "promise", "other")
    return _kind_figures(truth, ours, _promise_figures), _kind_figures(
        truth, base, _promise_figures
    )


RUNNERS = {
    "banking77": run_banking77,
    "clinc150": run_clinc150,
    "clap": run_clap,
    "storyteller": run_storyteller,
    "promise": run_promise,
}


def _show(figures: dict) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in figures.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", help="Folder with the public datasets.")
    parser.add_argument("--only", default=",".join(RUNNERS), help="Comma-separated subset.")
    parser.add_argument("--no-embeddings", action="store_true", help="TF-IDF features only.")
    args = parser.parse_args()
    root = pd_.datasets_dir(args.datasets)
    print("ours: `feedback-ai train --data` (defaults) then `feedback-ai classify`")
    with tempfile.TemporaryDirectory() as tmp:
        user = User(Path(tmp), embeddings=not args.no_embeddings)
        for name in args.only.split(","):
            started = time.perf_counter()
            ours, base = RUNNERS[name](root, user)
            print(f"{name:<12} ours:      {_show(ours)}  [{time.perf_counter() - started:.0f}s]")
            print(f"{'':<12} baseline:  {_show(base)}")
            print(f"{'':<12} published: {PUBLISHED[name]}", flush=True)


if __name__ == "__main__":
    main()
