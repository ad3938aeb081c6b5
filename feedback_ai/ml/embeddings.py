"""Static sentence embeddings (model2vec, distilled from all-MiniLM-L6-v2) bundled with the package."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from feedback_ai.errors import ArtifactError

BUNDLED_EMBEDDINGS = (
    Path(__file__).resolve().parent.parent / "data" / "embeddings" / "minilm-l6-static-256"
)


def embeddings_fingerprint(path: Path = BUNDLED_EMBEDDINGS) -> str:
    """sha256 over the embedding folder's files, so an artifact knows which vectors it was fit on."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=2)
def _load(path: str):
    from model2vec import StaticModel

    if not Path(path, "config.json").exists():
        raise ArtifactError(
            f"Static embeddings not found at {path}. Reinstall feedback-ai, or train with "
            "`--no-embeddings` to use TF-IDF features only."
        )
    return StaticModel.from_pretrained(path)


def encode(texts: list[str], *, path: Path = BUNDLED_EMBEDDINGS) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text."""
    model = _load(str(path))
    vectors = np.asarray(model.encode(texts, show_progress_bar=False), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
