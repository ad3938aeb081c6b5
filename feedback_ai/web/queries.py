"""Page query strings read into the API's filter models, as a GET form sends them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

Q = TypeVar("Q", bound=BaseModel)


class BadFilters(Exception):
    """A page's query string did not validate; the page answers 422 with the reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def form_query(model: type[Q]) -> Callable[[Request], Awaitable[Q]]:
    """A dependency reading `model` from the query string, ignoring the empty fields a GET form
    sends for 'any'."""

    async def read(request: Request) -> Q:
        raw = {k: v for k, v in request.query_params.items() if v.strip()}
        try:
            return model.model_validate(raw)
        except ValidationError as e:
            first = e.errors()[0]
            raise BadFilters(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from e

    return read
