"""Logging in and out of the review UI: keys, cookies, CSRF, expiry and revocation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from feedback_ai.auth import service as auth_service
from feedback_ai.auth.models import ApiKey
from feedback_ai.web.models import WebSession
from tests.web.conftest import form_csrf, login


def test_pages_redirect_to_login_when_logged_out(ui: TestClient) -> None:
    response = ui.get("/ui/requirements", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?next=/ui/requirements"
    fetch = ui.get("/ui/requirements", headers={"Accept": "application/json"})
    assert fetch.status_code == 401 and fetch.json()["code"] == "login_required"


def test_reviewer_logs_in_with_a_strict_httponly_cookie_and_only_its_hash_is_stored(
    ui: TestClient, keys: dict[str, str], engine: Engine
) -> None:
    form = ui.get("/ui/login?next=/ui/themes")
    response = ui.post("/ui/login", data={"api_key": keys["reviewer"], "next": "/ui/themes",
                                          "csrf_token": form_csrf(form.text)},
                       follow_redirects=False)  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/ui/themes"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "fai_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie  # plain http here; https requests get Secure
    token = cookie.split("fai_session=")[1].split(";")[0]
    with Session(engine) as s:
        stored = s.scalars(select(WebSession.token_sha256)).all()
    assert len(stored) == 1 and token not in stored[0]
    assert ui.get("/ui/themes").status_code == 200


def test_cookie_is_secure_over_https(ui: TestClient, keys: dict[str, str]) -> None:
    https = TestClient(ui.app, base_url="https://testserver")
    form = https.get("/ui/login")
    response = https.post("/ui/login", data={"api_key": keys["admin"],
                                             "csrf_token": form_csrf(form.text)},
                          follow_redirects=False)  # fmt: skip
    cookie = next(c for c in response.headers.get_list("set-cookie") if "fai_session=" in c)
    assert "Secure" in cookie


def test_ingest_and_wrong_keys_cannot_log_in(ui: TestClient, keys: dict[str, str]) -> None:
    for token in (keys["ingest"], "fai_000000000000_" + "x" * 40, "nonsense"):
        form = ui.get("/ui/login")
        response = ui.post("/ui/login", data={"api_key": token,
                                              "csrf_token": form_csrf(form.text)},
                           follow_redirects=False)  # fmt: skip
        assert response.status_code == 401
        assert "cannot log in" in response.text
        assert "fai_session=" not in response.headers.get("set-cookie", "")


def test_login_without_the_form_token_is_refused(ui: TestClient, keys: dict[str, str]) -> None:
    ui.get("/ui/login")
    response = ui.post("/ui/login", data={"api_key": keys["admin"], "csrf_token": "forged"},
                       follow_redirects=False)  # fmt: skip
    assert response.status_code == 403
    assert "fai_session=" not in response.headers.get("set-cookie", "")


def test_login_never_redirects_off_site(ui: TestClient, keys: dict[str, str]) -> None:
    for target in ("https://evil.example/", "//evil.example/ui/x", "/ui/\\evil.example"):
        form = ui.get("/ui/login")
        response = ui.post("/ui/login", data={"api_key": keys["admin"], "next": target,
                                              "csrf_token": form_csrf(form.text)},
                           follow_redirects=False)  # fmt: skip
        assert response.headers["location"] == "/ui/queue"


def test_logout_needs_csrf_and_ends_the_session(
    ui: TestClient, keys: dict[str, str], engine: Engine
) -> None:
    csrf = login(ui, keys["reviewer"])
    refused = ui.post("/ui/logout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    assert ui.get("/ui/requirements", follow_redirects=False).status_code == 200
    cookie = ui.cookies.get("fai_session")
    done = ui.post("/ui/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/ui/login"
    with Session(engine) as s:
        assert s.scalars(select(WebSession)).all() == []
    ui.cookies.set("fai_session", cookie, path="/ui")  # a copied cookie is dead too
    assert ui.get("/ui/requirements", follow_redirects=False).status_code == 303


def test_revoking_the_key_ends_its_sessions(
    ui: TestClient, keys: dict[str, str], engine: Engine
) -> None:
    login(ui, keys["reviewer"])
    with Session(engine) as s:
        key = s.scalars(select(ApiKey).where(ApiKey.role == "reviewer")).one()
        auth_service.revoke_key(session=s, key=key)
    assert ui.get("/ui/requirements", follow_redirects=False).status_code == 303


def test_an_expired_session_is_refused(
    ui: TestClient, keys: dict[str, str], engine: Engine
) -> None:
    login(ui, keys["reviewer"])
    with Session(engine) as s:
        row = s.scalars(select(WebSession)).one()
        row.expires_at = row.created_at
        s.commit()
    assert ui.get("/ui/requirements", follow_redirects=False).status_code == 303


def test_pages_carry_a_strict_content_security_policy(ui: TestClient, keys: dict[str, str]) -> None:
    login(ui, keys["reviewer"])
    for path in ("/ui/login", "/ui/requirements", "/ui/themes", "/ui/model", "/ui/queue"):
        csp = ui.get(path).headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
