"""Admin endpoints for API keys."""

from __future__ import annotations

from fastapi import APIRouter, status

from feedback_ai.api_errors import ERROR_RESPONSES, ApiError, ErrorBody
from feedback_ai.auth import service
from feedback_ai.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, ApiKeysPublic
from feedback_ai.deps import AdminKeyDep, IdPath, SessionDep
from feedback_ai.ops.context import request_id_var

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERROR_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_key(body: ApiKeyCreate, session: SessionDep, actor: AdminKeyDep) -> ApiKeyCreated:
    """Create an API key; the response shows the secret once."""
    key, token = service.create_key(
        session=session,
        name=body.name,
        role=body.role,
        actor_key=actor,
        request_id=request_id_var.get(),
    )
    return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), key=token)


@router.get("", response_model=ApiKeysPublic)
def read_keys(session: SessionDep, _actor: AdminKeyDep) -> ApiKeysPublic:
    """List every key, revoked ones included."""
    keys = service.list_keys(session=session)
    return ApiKeysPublic(items=[ApiKeyPublic.model_validate(k) for k in keys])


@router.post(
    "/{key_id}/revoke",
    response_model=ApiKeyPublic,
    responses={
        404: {"model": ErrorBody, "description": "No such key"},
        409: {"model": ErrorBody, "description": "Last active admin key"},
    },
)
def revoke_key(key_id: IdPath, session: SessionDep, actor: AdminKeyDep) -> ApiKeyPublic:
    """Revoke a key at once; revoking twice is harmless."""
    key = service.get_key(session=session, key_id=key_id)
    if key is None:
        raise ApiError(404, "not_found", f"no API key with id {key_id!r}")
    try:
        key = service.revoke_key(
            session=session, key=key, actor_key=actor, request_id=request_id_var.get()
        )
    except service.LastAdminError as e:
        raise ApiError(409, "last_admin_key", str(e)) from e
    return ApiKeyPublic.model_validate(key)
