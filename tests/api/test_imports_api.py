"""Imports over HTTP: admin only, paths confined to the import folder, uploads size-limited."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.jobs.helpers import MAPPING, write_tickets

FIELDS = {"text_columns": ["subject", "body"], "id_column": "id", "date_column": "date",
          "account_column": "account", "source": "support_ticket"}  # fmt: skip


@pytest.fixture
def folders(client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An import folder and an upload folder for this test, with a 200 KB upload limit."""
    (tmp_path / "in").mkdir()
    settings = client.app.state.settings.model_copy(
        update={
            "import_dir": tmp_path / "in",
            "import_upload_dir": tmp_path / "up",
            "max_upload_bytes": 200_000,
        }
    )
    monkeypatch.setattr(client.app.state, "settings", settings)
    return tmp_path


def _h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_only_admins_may_import_or_read_jobs(
    client: TestClient, ingest_key: str, reviewer_key: str, folders: Path
) -> None:
    for key in (ingest_key, reviewer_key):
        r = client.post("/v1/imports", json={"path": "x.csv", "preset": "survey"}, headers=_h(key))
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        r = client.get("/v1/jobs/0193a0f4-7c1e-7abc-8def-0123456789ab", headers=_h(key))
        assert r.status_code == 403
    assert client.post("/v1/imports", json={"path": "x.csv"}).status_code == 401


def test_a_path_in_the_folder_is_imported_and_followed(
    client: TestClient, admin_key: str, folders: Path
) -> None:
    expected = write_tickets(folders / "in" / "tickets.csv", 80)
    r = client.post("/v1/imports", json={"path": "tickets.csv", **FIELDS}, headers=_h(admin_key))
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert r.json()["status"] == "queued"
    assert client.get(f"/v1/jobs/{job_id}", headers=_h(admin_key)).json()["status"] == "queued"
    ran = client.app.state.job_runner.run_once()
    assert ran is not None and ran.id == job_id
    body = client.get(f"/v1/jobs/{job_id}", headers=_h(admin_key)).json()
    assert body["status"] == "succeeded" and body["progress"] == 1.0 and body["rate"] > 0
    assert body["summary"] == {"read": expected.read, "imported": expected.imported,
                               "duplicates": expected.duplicates,
                               "quarantined": expected.quarantined}  # fmt: skip
    page = client.get(f"/v1/jobs/{job_id}/quarantine?limit=2", headers=_h(admin_key)).json()
    assert len(page["items"]) == 2 and page["next_after"] is not None
    assert {"row_number", "reason", "raw", "file"} <= set(page["items"][0])
    rest = client.get(
        f"/v1/jobs/{job_id}/quarantine?limit=1000&after={page['next_after']}", headers=_h(admin_key)
    ).json()
    assert len(page["items"]) + len(rest["items"]) == expected.quarantined
    assert rest["next_after"] is None
    again = client.post(f"/v1/jobs/{job_id}/cancel", headers=_h(admin_key))
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_paths_outside_the_folder_are_refused(
    client: TestClient, admin_key: str, folders: Path
) -> None:
    outside = folders / "secret.csv"
    write_tickets(outside, 3)
    os.symlink(outside, folders / "in" / "link.csv")
    for given in ("../secret.csv", str(outside), "link.csv", "nope.csv", "/etc/passwd"):
        r = client.post("/v1/imports", json={"path": given, **FIELDS}, headers=_h(admin_key))
        assert r.status_code == 422, (given, r.text)
        assert r.json()["code"] == "path_not_allowed" and r.json()["errors"][0]["field"] == "path"


def test_bad_options_are_a_422_naming_them(
    client: TestClient, admin_key: str, folders: Path
) -> None:
    write_tickets(folders / "in" / "t.csv", 3)
    r = client.post("/v1/imports", json={"path": "t.csv", "preset": "nope"}, headers=_h(admin_key))
    assert r.status_code == 422 and "unknown preset" in r.json()["message"]
    r = client.post("/v1/imports", json={"path": "t.csv", "bogus": 1}, headers=_h(admin_key))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "bogus"


def test_an_upload_is_streamed_to_disk_and_imported(
    client: TestClient, admin_key: str, folders: Path
) -> None:
    source = folders / "t.csv"
    expected = write_tickets(source, 40)
    r = client.post(
        "/v1/imports", files={"file": ("my tickets.csv", source.read_bytes(), "text/csv")},
        data=FIELDS, headers=_h(admin_key),
    )  # fmt: skip
    assert r.status_code == 202, r.text
    stored = list((folders / "up").iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == source.read_bytes()
    job = client.app.state.job_runner.run_once()
    assert job is not None and job.status == "succeeded"
    assert (job.imported, job.quarantined) == (expected.imported, expected.quarantined)
    # The same bytes again: the job that imported them is finished, so a new one finds only
    # duplicates; its upload is kept for it.
    r = client.post(
        "/v1/imports", files={"file": ("t.csv", source.read_bytes(), "text/csv")},
        data=FIELDS, headers=_h(admin_key),
    )  # fmt: skip
    assert r.status_code == 202
    job = client.app.state.job_runner.run_once()
    assert job is not None and job.imported == 0


def test_an_upload_over_the_limit_is_refused_and_removed(
    client: TestClient, admin_key: str, folders: Path
) -> None:
    big = b"id,subject,body,date,account\n" + b"1,a,b,2026-01-01,x\n" * 20_000
    r = client.post(
        "/v1/imports", files={"file": ("big.csv", big, "text/csv")}, data=FIELDS,
        headers=_h(admin_key),
    )  # fmt: skip
    assert r.status_code == 413 and r.json()["code"] == "upload_too_large"
    assert not any((folders / "up").glob("*")) if (folders / "up").exists() else True
    r = client.post("/v1/imports", content=b"just bytes", headers=_h(admin_key) | {
        "Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    broken = b'--xx\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n[\r\n'
    r = client.post("/v1/imports", content=broken, headers=_h(admin_key) | {
        "Content-Type": "multipart/form-data; boundary=xx"})  # fmt: skip
    assert r.status_code == 422 and "malformed" in r.json()["message"]
    assert not list((folders / "up").glob("*")) if (folders / "up").exists() else True


def test_cancel_a_queued_job_and_unknown_jobs(
    client: TestClient, admin_key: str, folders: Path
) -> None:
    write_tickets(folders / "in" / "t.csv", 10)
    options = {"path": "t.csv", "mapping": MAPPING}
    job_id = client.post("/v1/imports", json=options, headers=_h(admin_key)).json()["job_id"]
    r = client.post(f"/v1/jobs/{job_id}/cancel", headers=_h(admin_key))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.app.state.job_runner.run_once() is None  # nothing left to work
    unknown = "0193a0f4-7c1e-7abc-8def-0123456789ab"
    for method, url in (("get", f"/v1/jobs/{unknown}"), ("post", f"/v1/jobs/{unknown}/cancel"),
                        ("get", f"/v1/jobs/{unknown}/quarantine")):  # fmt: skip
        r = getattr(client, method)(url, headers=_h(admin_key))
        assert r.status_code == 404 and r.json()["code"] == "not_found"
