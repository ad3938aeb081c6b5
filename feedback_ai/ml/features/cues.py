"""Ask and defect cues: a few phrase families shared across their many wordings, as features.

Real reviews state an ask in many ways ("would be nice if", "please add", "i wish", "could you",
"i miss the ...", "lack of ...") and the seed cannot teach every wording through its own n-grams.
Each family is one binary column, so an example written with one wording moves the weight that all
the family's wordings share. Only the kind head's featurizer uses them (FitConfig.use_cues); the
columns come after the word block, so explanations still index words from column 0.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp

# Text is lowered before matching; apostrophes are optional because reviewers drop them.
CUE_FAMILIES: dict[str, re.Pattern[str]] = {
    # Direct requests to the makers.
    "request": re.compile(
        r"\b(?:please|pls|plz|pleas)\s+(?:add|make|include|bring|give|let|allow|put|consider|"
        r"update|implement|support)\b|\b(?:could|can|would|will)\s+(?:you|u|they|the devs?)\s+"
        r"(?:please\s+)?(?:add|make|include|bring|give|let|allow|put|consider|implement)\b|"
        r"\bconsider\s+adding\b|\bbring\s+(?:back|it back)\b|\bhope\s+(?:you|they|u)\s+"
        r"(?:will\s+|can\s+)?add\b|\bneeds?\s+to\s+(?:add|have|include|support)\b"
    ),
    # Wishes and conditionals: the ask wrapped in politeness.
    "wish": re.compile(
        r"\bwish(?:ed)?\b|\bwould\s+(?:be|b)\s+(?:\w+\s+)?(?:nice|great|good|awesome|cool|better|"
        r"helpful|perfect|amazing|useful|fantastic|lovely)\b|\bwould\s+love\b|\bi\s*d\s+love\b|"
        r"\bid\s+love\b|\bwould\s+(?:really\s+)?like\s+(?:to|a|an|the|it|if|more|some)\b|"
        r"\bif\s+only\b|\bhoping\s+for\b|\bwould\s+(?:make|give)\s+it\s+(?:5|five|perfect)\b"
    ),
    # Something absent: "i miss the ...", "lack of ...", "no option to ...".
    "absent": re.compile(
        r"\b(?:i|we|really|still|only\s+thing\s+i|all\s+i)\s+miss\b|\bmiss(?:ing|es)?\s+(?:the|a|an)\s+"
        r"\w+\s+(?:feature|option|button|function|mode|setting)\b|\bmissing\s+(?:feature|option|"
        r"function|a\s+feature|an\s+option)s?\b|\black(?:s|ing)?\b|\bno\s+(?:option|way|setting|"
        r"ability|support)\s+(?:to|for)\b|\bdoes\s*n[o']?t\s+(?:have|support|offer|let|allow)\b|"
        r"\bdoesnt\s+(?:have|support|offer|let|allow)\b|\bshould\s+(?:have|add|include|let|allow|"
        r"be\s+able|support|offer)\b|\b(?:option|ability)\s+to\b|\bneeds?\s+(?:a|an|more|some)\s+"
        r"\w+"
    ),
    # Concrete defects: something stops, fails or misbehaves.
    "defect": re.compile(
        r"\bcrash(?:es|ed|ing)?\b|\bfreez(?:es|ing)?\b|\bfroze\b|\bforce\s+clos|\bwo\s*n[o']?t\s+"
        r"(?:open|load|work|start|sync|let|play|connect)\b|\bwont\s+(?:open|load|work|start|sync|"
        r"let|play|connect)\b|\bdoes\s*n[o']?t\s+work\b|\bdoesnt\s+work\b|\bnot\s+working\b|"
        r"\bstopped\s+working\b|\berror\b|\bglitch|\bbug(?:s|gy)?\b|\bblack\s+screen\b|"
        r"\bkeeps?\s+(?:crashing|closing|stopping|freezing|loading)\b"
    ),
}
FAMILIES = tuple(CUE_FAMILIES)


def cue_flags(text: str) -> list[bool]:
    """Which cue families occur in `text` (any case), in FAMILIES order."""
    lowered = text.lower()
    return [pattern.search(lowered) is not None for pattern in CUE_FAMILIES.values()]


def cue_block(texts: list[str], *, weight: float) -> sp.csr_matrix:
    """One row per text, one column per family: `weight` where the family occurs, else 0."""
    rows, cols = [], []
    for i, text in enumerate(texts):
        for j, hit in enumerate(cue_flags(text)):
            if hit:
                rows.append(i)
                cols.append(j)
    data = np.full(len(rows), weight, dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), len(FAMILIES)), dtype=np.float32)
