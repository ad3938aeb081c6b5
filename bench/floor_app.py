"""The cost floor for bench/api_load.py: the smallest FastAPI + SQLAlchemy service that stores one
posted row, written the way the FastAPI and SQLAlchemy tutorials write it.

It takes the same JSON body as POST /v1/feedback, validates it with a Pydantic model, inserts one
ORM row in a session from a dependency, commits, and answers 201 with the stored row. It runs
under the same uvicorn settings on the same kind of database (engine settings from
feedback_ai.db.make_engine), so our CPU per request divided by its CPU per request says what our
service spends beyond "FastAPI + SQLAlchemy + one insert". No model, no auth, no linking.

    uvicorn bench.floor_app:create_app --factory      # FLOOR_DATABASE_URL=sqlite:///...
"""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, status
from pydantic import BaseModel, Field
from sqlalchemy import String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from feedback_ai.db import make_engine


class FloorBase(DeclarativeBase):
    """The floor's own metadata: one table."""


class Item(FloorBase):
    """One posted item."""

    __tablename__ = "floor_item"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ItemIn(BaseModel):
    """The body: the same fields the bench posts to /v1/feedback."""

    text: str = Field(min_length=1, max_length=20_000)
    source: str = Field(max_length=32)
    external_id: str | None = Field(default=None, max_length=200)


class ItemOut(ItemIn):
    """The stored row."""

    id: str
    created_at: datetime


def create_app() -> FastAPI:
    """The floor service on FLOOR_DATABASE_URL (its table is created if missing)."""
    engine = make_engine(os.environ["FLOOR_DATABASE_URL"])
    FloorBase.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    app = FastAPI(title="floor")

    def get_session() -> Iterator[Session]:
        with factory() as session:
            yield session

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/feedback", status_code=status.HTTP_201_CREATED, response_model=ItemOut)
    def create_item(body: ItemIn, session: Annotated[Session, Depends(get_session)]) -> Item:
        item = Item(id=uuid.uuid4().hex, created_at=datetime.now(UTC), **body.model_dump())
        session.add(item)
        session.commit()
        return item

    return app
