"""Throughput of the shared predict (kind + themes + requirement extraction) on one core.

Usage: python bench/throughput.py [--model DIR] [--items 2000] [--runs 5]
Prints items/s per run, the median, and the peak RSS. Typical items: the 1-3 sentence texts of the
golden set, then of the seed, each text once (no item repeats within a run of up to ~2,800 items).

Machines differ by up to 3x, so each run also times spaCy's blank English tokenizer on the same
items, batch by batch right before predict, and prints how many times slower predict is: the ratio
is the figure that carries from one machine to another (target: within 25x). It is given in
wall-clock time and in this process's CPU time, which a busy shared machine disturbs less.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

# One core, as the target says: pin BLAS threads before numpy loads.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import spacy

from feedback_ai.ml import FeedbackInput, load_model, predict
from feedback_ai.ml.text.nlp import sentence_spans
from feedback_ai.ml.training.dataset import load_golden, load_seed
from feedback_ai.ml.training.train import train_model


def typical_items(n: int) -> list[FeedbackInput]:
    """Distinct items of 1-3 sentences, golden set first, then seed; cycled only past the pool."""
    examples = load_golden() + load_seed()
    spans = sentence_spans([ex.text for ex in examples])
    pool = list(
        {
            ex.text: FeedbackInput(ex.text, ex.source)
            for ex, s in zip(examples, spans, strict=True)
            if 1 <= len(s) <= 3
        }.values()
    )
    return [pool[i % len(pool)] for i in range(n)]


def tokenizer_rate(
    nlp: spacy.Language, texts: list[str], batch: int, passes: int = 5
) -> tuple[float, float]:
    """Items/s of a blank pipeline (tokenizer only) over the texts, in the same batches as predict:
    per second of wall-clock time and per second of this process's CPU time. One pass takes
    ~0.1 s, too short to time on a busy machine, so it is timed over several."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(passes):
        for i in range(0, len(texts), batch):
            for _ in nlp.pipe(texts[i : i + batch]):
                pass
    n = passes * len(texts)
    return n / (time.perf_counter() - started), n / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, help="A model directory; default trains one on the seed."
    )
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    if args.model is None:
        args.model = train_model(models_dir=tempfile.mkdtemp(), holdout=0.0, version="bench").path
    model = load_model(args.model)
    items = typical_items(args.items)
    texts = [item.text for item in items]
    print(f"{len(items)} items, {len({i.text for i in items})} distinct")
    predict(model, items[:200])  # warm-up: loads spaCy and the embeddings
    blank = spacy.blank("en")
    tokenizer_rate(blank, texts, args.batch, passes=1)  # warm-up: fills its vocabulary and cache
    gc.freeze()  # as the service does once the model is loaded: the model leaves GC scans
    rates, token_rates, ratios, cpu_ratios = [], [], [], []
    for run in range(args.runs):
        # Batch by batch, the tokenizer right before predict: both see the same load.
        wall = {"tokenizer": 0.0, "predict": 0.0}
        cpu = {"tokenizer": 0.0, "predict": 0.0}
        n_candidates = 0
        for i in range(0, len(items), args.batch):
            token_rate, token_cpu_rate = tokenizer_rate(
                blank, texts[i : i + args.batch], args.batch
            )
            n = len(texts[i : i + args.batch])
            wall["tokenizer"] += n / token_rate
            cpu["tokenizer"] += n / token_cpu_rate
            started, cpu_started = time.perf_counter(), time.process_time()
            n_candidates += sum(
                len(p.candidates) for p in predict(model, items[i : i + args.batch])
            )
            wall["predict"] += time.perf_counter() - started
            cpu["predict"] += time.process_time() - cpu_started
        rates.append(len(items) / wall["predict"])
        token_rates.append(len(items) / wall["tokenizer"])
        ratios.append(wall["predict"] / wall["tokenizer"])
        # On a shared machine wall-clock time includes waiting for a core; CPU time does not.
        cpu_ratios.append(cpu["predict"] / cpu["tokenizer"])
        print(
            f"run {run + 1}: predict {rates[-1]:,.0f} items/s ({n_candidates} candidate "
            f"requirements); blank tokenizer {token_rates[-1]:,.0f} items/s; "
            f"predict is {ratios[-1]:.1f}x slower ({cpu_ratios[-1]:.1f}x in CPU time)"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = statistics.median
    print(
        f"median over {args.runs} runs of {len(items)} items: predict {median(rates):,.0f} items/s, "
        f"blank tokenizer {median(token_rates):,.0f} items/s, ratio {median(ratios):.1f}x "
        f"(range {min(ratios):.1f}-{max(ratios):.1f}x; target <= 25x); in CPU time "
        f"{median(cpu_ratios):.1f}x (range {min(cpu_ratios):.1f}-{max(cpu_ratios):.1f}x); "
        f"peak RSS {peak_mb:,.0f} MB"
    )
    print(f"python {sys.version.split()[0]}, spaCy {spacy.__version__}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
