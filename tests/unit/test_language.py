"""The cheap language guess used to flag non-English feedback."""

import pytest

from feedback_ai.ml.text.language import guess_language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The dashboard takes forever to load since the update", "en"),
        ("La aplicación no funciona y el soporte es muy lento", "es"),
        ("Die App stürzt ständig ab und der Support ist nicht erreichbar", "de"),
        ("Le tableau de bord ne charge pas depuis la mise à jour", "fr"),
        ("应用程序一直崩溃", "xx"),
        ("🔥🔥🔥", "und"),
        ("pls add sso", "en"),
    ],
)
def test_guess_language(text: str, code: str) -> None:
    assert guess_language(text) == code
