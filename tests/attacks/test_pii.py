"""PII and secrets (issue 12, item 3): each pattern is masked, ordinary feedback is not, and no role
but admin sees secrets, account names or metadata unmasked, nor finds them by search."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import CandidateRequirement, Feedback
from feedback_ai.ml.text.pii import mask_pii, prepare
from tests.factories import feedback_payload, headers

STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
IBAN = "DE89 3704 0044 0532 0130 00"

SECRETS = [
    # (text, the secret that must disappear, the placeholder that replaces it)
    (f"our key {STRIPE} stopped working", STRIPE, "[SECRET]"),
    ("test key sk_test_51HxYzAbCdEfGhIjKl works", "sk_test_51HxYzAbCdEfGhIjKl", "[SECRET]"),
    ("restricted rk_live_51HxYzAbCdEfGhIjKl fails", "rk_live_51HxYzAbCdEfGhIjKl", "[SECRET]"),
    ("token ghp_16C7e42F292c6912E7710c838347Ae178B4a leaked", "ghp_16C7e42F292c6912E7710c8", "[SECRET]"),
    ("pat github_pat_11ABCDEFG0aBcDeFgHiJkL_MnOpQrStUvWxYz0123456789 set",
     "github_pat_11ABCDEFG0aBcDeFgHiJkL", "[SECRET]"),
    ("aws AKIAIOSFODNN7EXAMPLE in the logs", "AKIAIOSFODNN7EXAMPLE", "[SECRET]"),
    (f"session {JWT} expired", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV", "[SECRET]"),
    ("slack xoxb-2048-4096-AbCdEfGhIjKlMnOp posted", "xoxb-2048-4096-AbCdEfGhIjKlMnOp", "[SECRET]"),
    ("header Bearer abcdefghijklmnopqrstuvwxyz0123 sent", "abcdefghijklmnopqrstuvwxyz0123", "[SECRET]"),
    ("set api_key=abc123XYZ in the config", "abc123XYZ", "[SECRET]"),
    ("use apiKey: 'Zm9vYmFy42' please", "Zm9vYmFy42", "[SECRET]"),
    ("login failed with password=letmein", "letmein", "[SECRET]"),
    ("my password: hunter2 does not work", "hunter2", "[SECRET]"),
    ("client_secret = s3cr3t-v4lue", "s3cr3t-v4lue", "[SECRET]"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",
     "MIIEpAIBAAKCAQEA7", "[SECRET]"),
    (f"wire to IBAN {IBAN} please", "0532 0130", "[IBAN]"),
    ("pay GB82WEST12345698765432 today", "GB82WEST12345698765432", "[IBAN]"),
    ("IBAN: FR14 2004 1010 0505 0001 3M02 607 (typo?)", "2004 1010", "[IBAN]"),
    ("iban DE00 1234 5678 9012 3456 78", "5678 9012", "[IBAN]"),  # called one: masked anyway
]  # fmt: skip


@pytest.mark.parametrize(("text", "secret", "placeholder"), SECRETS)
def test_each_secret_pattern_is_masked(text: str, secret: str, placeholder: str) -> None:
    masked = mask_pii(text)
    assert secret not in masked and placeholder in masked, masked
    assert "[CARD]" not in masked and "[PHONE]" not in masked, masked  # masked whole, not in part


def test_keyed_secret_keeps_its_name() -> None:
    """Only the value is masked: the reader still sees what kind of secret was pasted."""
    assert mask_pii("set api_key=abc123XYZ now") == "set api_key=[SECRET] now"


@pytest.mark.parametrize(
    "text",
    [
        "Upgraded to version 5.2.1 (build 2024.11.3) and the export breaks",
        "Order ORD-2024-118823 and invoice INV-20931 were charged twice, 1,250.00 USD",
        "Ticket #4471823 about SKU AB12CDEF3456GH is still open after 3 days",
        "The password reset page is slow; the API key page too",
        "Reset password: doesn't work on Safari 17.2",
        "Token bucket limits at 100 req/s hurt our sync",
        "Please support paying by IBAN transfer",
        "Our sk_live keys page should show when a key was last used",
        "Bearer tokens expire after 3600 seconds which is too short",
        "Error code E4012 when uploading 12 MB files on iOS 17.4.1",
    ],
)
def test_ordinary_feedback_is_not_masked(text: str) -> None:
    assert mask_pii(text) == text


def test_offsets_of_a_masked_secret_map_back_to_it() -> None:
    text = f"Hi,  our key {STRIPE} and IBAN {IBAN} leaked"
    mapped = prepare(text)
    for placeholder, secret in (("[SECRET]", STRIPE), ("[IBAN]", IBAN)):
        i = mapped.text.index(placeholder)
        start, end = mapped.to_original(i, i + len(placeholder))
        assert text[start:end] == secret


LEAKY = {
    "text": f"Checkout fails. Our key {STRIPE} and token {JWT} were pasted; IBAN {IBAN}. "
    "Please add a retry button.",
    "account_name": "Jane Doe jane@corp.com",
    "metadata": {"contact": "jane@corp.com", "notes": [f"api_key={STRIPE}"], "n": 3},
}


def _post_leaky(client: TestClient, key: str) -> dict:
    r = client.post("/v1/feedback", json=feedback_payload(**LEAKY), headers=headers(key))
    assert r.status_code == 201, r.text
    return r.json()


def _assert_clean(item: dict) -> None:
    shown = str(item)
    for secret in (STRIPE, JWT, "0532 0130", "jane@corp.com"):
        assert secret not in shown, secret
    assert item["text"] is None
    assert item["account_name"] == "Jane Doe [EMAIL]"
    assert item["metadata"] == {"contact": "[EMAIL]", "notes": ["api_key=[SECRET]"], "n": 3}


class TestRoles:
    """Reviewers and ingest keys see masked values; admins see what was sent."""

    def test_reviewer_and_ingest_see_masked_fields(
        self, client: TestClient, ingest_key: str, reviewer_key: str
    ) -> None:
        created = _post_leaky(client, ingest_key)
        _assert_clean(created)
        _assert_clean(
            client.get(f"/v1/feedback/{created['id']}", headers=headers(reviewer_key)).json()
        )
        listed = client.get("/v1/feedback", headers=headers(reviewer_key)).json()["items"]
        _assert_clean(listed[0])

    def test_admin_sees_the_original(self, client: TestClient, admin_key: str) -> None:
        created = _post_leaky(client, admin_key)
        item = client.get(f"/v1/feedback/{created['id']}", headers=headers(admin_key)).json()
        assert STRIPE in item["text"] and item["account_name"] == LEAKY["account_name"]
        assert item["metadata"] == LEAKY["metadata"]
        assert STRIPE not in item["masked_text"]

    @pytest.mark.parametrize("q", ["sk_live", STRIPE[:16], "eyJhbGci", "AKIA", "DE89", "jane@"])
    def test_search_does_not_find_secrets(
        self, client: TestClient, ingest_key: str, reviewer_key: str, q: str
    ) -> None:
        _post_leaky(client, ingest_key)
        r = client.get("/v1/feedback", params={"q": q}, headers=headers(reviewer_key))
        assert r.status_code == 200 and r.json()["items"] == [], q
        found = client.get("/v1/feedback", params={"q": "retry"}, headers=headers(reviewer_key))
        assert len(found.json()["items"]) == 1  # the item is there, its secrets are not

    def test_requirements_show_masked_evidence(
        self, client: TestClient, ingest_key: str, reviewer_key: str
    ) -> None:
        body = feedback_payload(
            text=f"Please add an option to rotate the key {STRIPE} automatically."
        )
        assert (
            client.post("/v1/feedback", json=body, headers=headers(ingest_key)).status_code == 201
        )
        client.app.state.linker.join()
        listing = client.get("/v1/requirements", headers=headers(reviewer_key)).json()["items"]
        assert listing, "the candidate was linked"
        for req in listing:
            detail = client.get(f"/v1/requirements/{req['id']}", headers=headers(reviewer_key))
            assert STRIPE not in detail.text and "[SECRET]" in detail.text


def test_store_raw_text_false_keeps_no_original(
    client: TestClient, ingest_key: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FEEDBACK_AI_STORE_RAW_TEXT=false: nothing stored holds the secrets, the PII or the raw text."""
    app = client.app
    monkeypatch.setattr(
        app.state, "settings", app.state.settings.model_copy(update={"store_raw_text": False})
    )
    body = feedback_payload(**{**LEAKY, "text": f"Please add SSO. My key is {STRIPE} today."})
    created = client.post("/v1/feedback", json=body, headers=headers(ingest_key)).json()
    with Session(engine) as session:
        row = session.get(Feedback, created["id"])
        assert row.text == row.masked_text and STRIPE not in row.text
        assert row.account_name == "Jane Doe [EMAIL]"
        assert "jane@corp.com" not in str(row.extra) and STRIPE not in str(row.extra)
        cands = session.scalars(
            select(CandidateRequirement).where(CandidateRequirement.feedback_id == row.id)
        ).all()
        assert cands and all(STRIPE not in c.sentence + c.statement for c in cands)
