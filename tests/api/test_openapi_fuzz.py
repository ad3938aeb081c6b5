"""Schemathesis against our own OpenAPI schema, in-process, with every check (`--checks all`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
import schemathesis.specs.openapi.checks  # registers the OpenAPI checks
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from sqlalchemy import Engine

from feedback_ai.settings import Settings
from tests.conftest import clear_tables
from tests.factories import make_key, serve_model

# Every check schemathesis has ("--checks all"): beyond "no 5xx", the answers, their headers,
# the 405s and the accepted and refused inputs must agree with the schema.
CHECKS = [check.__name__ for check in schemathesis.checks.CHECKS.get_all()]


@pytest.fixture(scope="module")
def fuzz_state(settings: Settings, engine: Engine) -> Iterator[dict]:
    """A separate app (schemathesis runs its lifespan) and an admin key to send."""
    from feedback_ai.main import create_app

    clear_tables(engine)
    serve_model(engine, settings.models_dir / "test-model")
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


# Query parameters whose validity a schema cannot state: an opaque cursor only this API makes,
# a theme id that must exist in the (runtime) taxonomy, and a date range that must not be empty.
STATEFUL = {
    "GET /v1/feedback": ({"cursor", "theme"}, ("received_from", "received_to")),
    "GET /v1/review/queue": ({"cursor"}, ()),
}
# Bodies with a rule across fields that a schema cannot state (bulk: ids or a filter; a reject
# needs a reason, a relabel a kind or themes): a refusal must be a 422 naming the body.
CROSS_FIELD_BODIES = {"POST /v1/review/bulk", "POST /v1/review/bulk/preview"}


# Whether an import is accepted depends on files the schema cannot know of (a path must exist
# in the import folder, columns must be in the file): valid-looking ones may get a 422.
SERVER_FILES = {"POST /v1/imports"}


# Free-form JSON metadata may hold any string, but not a NUL byte (PostgreSQL cannot store one in
# JSON text); a schema cannot state "no NUL anywhere inside": such a body must get a 422 naming it.
NUL_FREE_METADATA = {"POST /v1/feedback"}


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _stateful(case: schemathesis.Case) -> set[str]:
    """Which of the schema-silent rules a generated request touches."""
    single, pair = STATEFUL.get(case.operation.label, (set(), ()))
    query = case.query or {}
    touched = {name for name in single if name in query}
    if case.operation.label in CROSS_FIELD_BODIES:
        touched.add("body")
    body = case.body if isinstance(case.body, dict) else {}
    if case.operation.label in NUL_FREE_METADATA and _has_nul(body.get("metadata")):
        touched.add("metadata")
    if pair and all(query.get(name) is not None for name in pair):
        touched.add(pair[1])
    return touched


@pytest.mark.slow
@schema.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case, fuzz_state: dict) -> None:
    """Every generated request, valid or not, gets a documented, schema-conformant answer."""
    if case.operation.label in SERVER_FILES:
        case.call_and_validate(
            headers={"X-API-Key": fuzz_state["key"]},
            excluded_checks=[schemathesis.specs.openapi.checks.positive_data_acceptance],
        )
        return
    touched = _stateful(case)
    if not touched or not case.meta.generation.mode.is_positive:
        case.call_and_validate(headers={"X-API-Key": fuzz_state["key"]})
        return
    # Schema-valid values that may still be refused: every other check runs, and a refusal must
    # be a 422 naming one of those parameters.
    response = case.call_and_validate(
        headers={"X-API-Key": fuzz_state["key"]},
        excluded_checks=[schemathesis.specs.openapi.checks.positive_data_acceptance],
    )
    if response.status_code == 422:
        assert {e["field"] for e in response.json()["errors"]} <= touched | {"query"}, response.text
