"""Imports over HTTP (admin only): queue a file, follow its job, page its quarantine, cancel."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from feedback_ai.api_errors import ERROR_RESPONSES, NOT_FOUND, STATE_CONFLICT, ApiError
from feedback_ai.deps import AdminKeyDep, IdPath, JobRunnerDep, SessionDep, SettingsDep
from feedback_ai.jobs import service
from feedback_ai.jobs.options import import_options, inside_import_dir
from feedback_ai.jobs.schemas import (
    ImportQueued,
    ImportRequest,
    JobPublic,
    QuarantinedRowPublic,
    QuarantinePage,
)
from feedback_ai.jobs.uploads import UploadSink

router = APIRouter(prefix="/v1", tags=["imports"], responses=ERROR_RESPONSES)
UPLOAD_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}, "preset": {"type": "string"},
                "text_columns": {"type": "array", "items": {"type": "string"}}}}},
            "application/json": {"schema": ImportRequest.model_json_schema()},
        }
    }
}  # fmt: skip
JSON_LIMIT = 64 * 1024


async def _json_body(request: Request) -> ImportRequest:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > JSON_LIMIT:
            raise ApiError(413, "request_too_large", f"a JSON import request is at most {JSON_LIMIT} bytes")  # fmt: skip
    try:
        return ImportRequest.model_validate_json(bytes(raw))
    except ValidationError as e:
        raise RequestValidationError(e.errors()) from e


async def _upload(request: Request, directory: Path, limit: int) -> tuple[Path, ImportRequest]:
    sink = UploadSink(request.headers.get("content-type", ""), directory=directory, limit=limit)
    try:
        async for chunk in request.stream():
            await to_thread.run_sync(sink.write, chunk)
        path = await to_thread.run_sync(sink.finish)
        fields: dict[str, object] = {k: v[-1] for k, v in sink.fields.items()}
        fields["text_columns"] = sink.fields.get("text_columns", [])
        if "mapping" in fields:
            fields["mapping"] = ImportRequest.model_validate_json(
                '{"mapping": ' + str(fields["mapping"]) + "}"
            ).mapping
        return path, ImportRequest.model_validate(fields)
    except ValidationError as e:
        sink.discard()
        raise RequestValidationError(e.errors()) from e
    except BaseException:
        sink.discard()
        raise


@router.post(
    "/imports", status_code=status.HTTP_202_ACCEPTED, response_model=ImportQueued,
    openapi_extra=UPLOAD_DOC, responses={413: ERROR_RESPONSES[413]},
)  # fmt: skip
async def create_import(
    request: Request, key: AdminKeyDep, session: SessionDep, settings: SettingsDep,
    runner: JobRunnerDep,
) -> ImportQueued:  # fmt: skip
    """Upload a file (multipart, field `file`) or name one in the import folder (JSON `path`)."""
    uploaded = "json" not in request.headers.get("content-type", "")
    if uploaded:
        path, body = await _upload(request, settings.import_upload_dir, settings.max_upload_bytes)
    else:
        body = await _json_body(request)
        path = inside_import_dir(settings.import_dir, body.path or "")
    try:
        options = await to_thread.run_sync(partial(
            import_options, path=path, preset=body.preset, fmt=body.format, mapping=body.mapping,
            overrides=body.overrides(),
        ))  # fmt: skip
        job, resumed = await to_thread.run_sync(partial(
            service.queue_import, session=session, path=path, options=options,
            actor_key_id=key.id,
        ))  # fmt: skip
    except BaseException:
        if uploaded:
            path.unlink(missing_ok=True)
        raise
    if uploaded and job.file_path != str(path):
        path.unlink(missing_ok=True)  # the same bytes are queued already
    if runner is not None:
        runner.wake()
    return ImportQueued(job_id=job.id, status=job.status, resumed=resumed)


@router.get("/jobs/{job_id}", response_model=JobPublic, responses=NOT_FOUND)
def read_job(job_id: IdPath, session: SessionDep, _key: AdminKeyDep) -> JobPublic:
    """Status, progress, rate and summary of a job."""
    return JobPublic.of(service.progress(service.get_job(session=session, job_id=job_id)))


@router.get("/jobs/{job_id}/quarantine", response_model=QuarantinePage, responses=NOT_FOUND)
def read_quarantine(
    job_id: IdPath, session: SessionDep, _key: AdminKeyDep,
    after: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> QuarantinePage:  # fmt: skip
    """The job's quarantined rows (file, row number, reason, raw row), in file order."""
    rows = service.quarantine_page(session=session, job_id=job_id, after=after, limit=limit)
    return QuarantinePage(
        items=[QuarantinedRowPublic.of(r) for r in rows],
        next_after=rows[-1].id if len(rows) == limit else None,
    )


@router.post("/jobs/{job_id}/cancel", response_model=JobPublic, responses={**NOT_FOUND, **STATE_CONFLICT})  # fmt: skip
def cancel_job(job_id: IdPath, session: SessionDep, _key: AdminKeyDep) -> JobPublic:
    """Stop a job; rows already committed stay, the rest is not imported."""
    return JobPublic.of(service.progress(service.cancel_job(session=session, job_id=job_id)))
