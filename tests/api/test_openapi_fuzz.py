"""Schemathesis against our own OpenAPI schema, in-process: no 500s, answers match the schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from sqlalchemy import Engine

from feedback_ai.settings import Settings
from tests.conftest import clear_tables
from tests.factories import make_key

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
]


@pytest.fixture(scope="module")
def fuzz_state(settings: Settings, engine: Engine) -> Iterator[dict]:
    """A separate app (schemathesis runs its lifespan) and an admin key to send."""
    from feedback_ai.main import create_app

    clear_tables(engine)
    app = create_app(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=25,
        deterministic=True,
        database="none",
    )
    schema.config.checks.update(included_check_names=CHECKS)
    yield {"schema": schema, "key": make_key(engine, "admin", "fuzz")}
    clear_tables(engine)


@pytest.fixture
def api_schema(fuzz_state: dict) -> schemathesis.BaseSchema:
    """The lazily loaded schema."""
    return fuzz_state["schema"]


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case, fuzz_state: dict) -> None:
    """Every generated request, valid or not, gets a documented, schema-conformant answer."""
    case.call_and_validate(headers={"X-API-Key": fuzz_state["key"]})
