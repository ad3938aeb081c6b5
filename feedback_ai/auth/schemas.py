"""Request and response bodies for API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_ai.fields import CleanStr

Role = Literal["ingest", "reviewer", "admin"]


class ApiKeyCreate(BaseModel):
    """A key to create."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "zendesk-connector", "role": "ingest"}]},
    )

    name: CleanStr = Field(min_length=1, max_length=100)
    role: Role


class ApiKeyPublic(BaseModel):
    """A key as listed: never the secret."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    role: Role
    prefix: str = Field(description="First characters of the key after `fai_`, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    """A new key, with its secret shown this one time."""

    key: str = Field(description="The API key; store it now, it cannot be shown again")


class ApiKeysPublic(BaseModel):
    """All keys."""

    items: list[ApiKeyPublic]
