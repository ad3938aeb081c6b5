"""The requirement, themes and model pages: highlighted evidence, masking, escaping, roles."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.themes.models import ThemeProposal
from tests.web.conftest import login

PII_TEXT = "Please add SSO with Okta. Call me at jane.doe@example.com about it."


def test_requirement_page_highlights_evidence_and_lists_accounts(
    ui: TestClient, keys: dict[str, str], seed
) -> None:
    rid = seed("We need SSO with Okta before rollout.", ["Add SSO with Okta"], account="Acme",
               arr=50_000.0)  # fmt: skip
    seed("Okta SSO is a must for us.", ["Add SSO with Okta"], account="Globex", arr=20_000.0)
    login(ui, keys["reviewer"])
    html = ui.get(f"/ui/requirements/{rid}").text
    assert re.search(r"<mark>[^<]*SSO[^<]*</mark>", html)
    accounts = html.split('id="accounts"')[1].split("</table>")[0]
    assert accounts.index("Acme") < accounts.index("Globex")  # by ARR
    assert "$50,000" in accounts and "$70,000" in html  # ARR total
    assert "<svg" in html and "Priority breakdown" in html


def test_pii_is_masked_for_reviewers_and_shown_to_admins(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    from feedback_ai.ml import mask_pii

    rid = seed(PII_TEXT, ["Add SSO with Okta"])
    # The stored masked text is what the ingest path stores.
    from feedback_ai.feedback.models import Feedback

    row = db.scalars(select(Feedback)).one()
    row.masked_text = mask_pii(row.text)
    db.commit()
    login(ui, keys["reviewer"])
    reviewer_view = ui.get(f"/ui/requirements/{rid}").text
    assert "jane.doe@example.com" not in reviewer_view
    login(ui, keys["admin"])
    assert "jane.doe@example.com" in ui.get(f"/ui/requirements/{rid}").text


def test_feedback_html_is_escaped(ui: TestClient, keys: dict[str, str], seed) -> None:
    rid = seed("<script>alert(1)</script> add <img src=x onerror=alert(2)> export <b>now</b>",
               ["add export"])  # fmt: skip
    login(ui, keys["admin"])
    html = ui.get(f"/ui/requirements/{rid}").text
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>now" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_unknown_requirement_is_a_404_page(ui: TestClient, keys: dict[str, str]) -> None:
    login(ui, keys["reviewer"])
    response = ui.get("/ui/requirements/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and "No requirement" in response.text
    assert ui.get("/ui/requirements/not-an-id").status_code == 422


def _proposal(db: Session) -> ThemeProposal:
    proposal = ThemeProposal(fingerprint="f" * 32, name="VAT invoices", keywords=["vat"],
                             stems=["vat"], feedback_ids=[], example_ids=[], size=6,
                             cohesion=0.5)  # fmt: skip
    db.add(proposal)
    db.commit()
    return proposal


def test_reviewer_sees_no_taxonomy_buttons_and_cannot_post_them(
    ui: TestClient, keys: dict[str, str], db: Session
) -> None:
    proposal = _proposal(db)
    csrf = login(ui, keys["reviewer"])
    html = ui.get("/ui/themes").text
    assert "VAT invoices" in html and "accept-proposal" not in html
    assert "rename-proposal" not in html and "dismiss-proposal" in html
    for action, data in (("accept", {}), ("rename", {"name": "Renamed"})):
        response = ui.post(f"/ui/themes/proposals/{proposal.id}/{action}",
                           data={"csrf_token": csrf, **data}, follow_redirects=False)  # fmt: skip
        assert response.status_code == 403
    db.refresh(proposal)
    assert proposal.status == "proposed" and proposal.name == "VAT invoices"


def test_admin_accepts_a_proposal_from_the_themes_page(
    ui: TestClient, keys: dict[str, str], db: Session
) -> None:
    proposal = _proposal(db)
    csrf = login(ui, keys["admin"])
    assert "accept-proposal" in ui.get("/ui/themes").text
    without = ui.post(f"/ui/themes/proposals/{proposal.id}/accept", follow_redirects=False)
    assert without.status_code == 403  # no CSRF token
    done = ui.post(f"/ui/themes/proposals/{proposal.id}/accept", data={"csrf_token": csrf},
                   follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    db.refresh(proposal)
    assert proposal.status == "accepted" and proposal.theme_id


def test_model_page_without_a_model_says_so(ui: TestClient, keys: dict[str, str]) -> None:
    login(ui, keys["reviewer"])
    assert "No model is loaded" in ui.get("/ui/model").text


def test_empty_filter_fields_mean_any_and_bad_ones_are_a_422_page(
    ui: TestClient, keys: dict[str, str], seed
) -> None:
    seed("Please add a dark mode.", ["Add a dark mode"])
    login(ui, keys["reviewer"])
    listed = ui.get("/ui/requirements?status=&theme=&source=&account=&sort=priority")
    assert listed.status_code == 200 and "Add a dark mode" in listed.text
    assert ui.get("/ui/queue?type=&theme=&kind=&source=&account=&q=").status_code == 200
    bad = ui.get("/ui/queue?type=nonsense")
    assert bad.status_code == 422 and "type" in bad.text
    assert ui.get("/ui/requirements?status=bogus").status_code == 422


def test_accepting_a_requirement_from_its_page_is_recorded(
    ui: TestClient, keys: dict[str, str], seed
) -> None:
    rid = seed("Please add a dark mode.", ["Add a dark mode"])
    csrf = login(ui, keys["reviewer"])
    assert 'id="status-accepted"' in ui.get(f"/ui/requirements/{rid}").text
    assert ui.post(f"/ui/requirements/{rid}/status", data={"status": "accepted"}).status_code == 403
    done = ui.post(f"/ui/requirements/{rid}/status", data={"status": "accepted",
                                                           "csrf_token": csrf},
                   follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    html = ui.get(f"/ui/requirements/{rid}").text
    assert "Edited the requirement" in html and "reviewer" in html.split('id="audit"')[1]
    assert 'class="status status-accepted"' in html
