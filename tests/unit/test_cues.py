"""Ask and defect cue families: each wording lands in its family, and plain moods in none."""

import pytest

from feedback_ai.ml.features.cues import FAMILIES, cue_block, cue_flags


def _families(text: str) -> set[str]:
    return {name for name, hit in zip(FAMILIES, cue_flags(text), strict=True) if hit}


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("love it, pls add a dark theme", "request"),
        ("could you bring back the old layout", "request"),
        ("would be nice if it synced with my watch", "wish"),
        ("I wish it had a widget", "wish"),
        ("the only thing i miss is an undo button", "absent"),
        ("sadly lacks a search", "absent"),
        ("it doesn't have a tablet layout", "absent"),
        ("keeps crashing when i open the camera", "defect"),
        ("the app wont open since the update", "defect"),
    ],
)
def test_wordings_land_in_their_family(text: str, family: str) -> None:
    assert family in _families(text)


@pytest.mark.parametrize("text", ["love this app 😍", "way too expensive", "ok i guess"])
def test_plain_moods_have_no_cue(text: str) -> None:
    assert _families(text) == set()


def test_block_has_one_column_per_family_at_the_weight() -> None:
    block = cue_block(["please add sync", "great"], weight=0.5)
    assert block.shape == (2, len(FAMILIES))
    assert block[0, FAMILIES.index("request")] == pytest.approx(0.5)
    assert block[1].nnz == 0
