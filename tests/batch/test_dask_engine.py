"""DaskEngine on a real distributed.LocalCluster (2 worker processes): the in-process answers."""

from __future__ import annotations

import os
import signal

import pytest
from distributed import Client, LocalCluster

from feedback_ai.batch.dask_engine import DaskEngine
from feedback_ai.batch.engine import InlineEngine
from feedback_ai.batch.errors import ScoringError
from feedback_ai.batch.factory import make_engine
from feedback_ai.ml import FeedbackInput, FeedbackModel
from feedback_ai.ml.training.train import TrainResult
from tests.batch.conftest import same_predictions


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on this machine, no dashboard."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=40,
    ) as cluster:  # fmt: skip
        yield cluster


@pytest.fixture(scope="module")
def client(cluster: LocalCluster):
    """A client on the cluster, once both workers have joined."""
    with Client(cluster) as client:
        client.wait_for_workers(2, timeout=300)
        yield client


@pytest.fixture(scope="module")
def cluster_engine(client: Client, model: FeedbackModel):
    """The model sent to both workers once, for the module; 4 chunks in flight."""
    with DaskEngine(model, client=client, max_in_flight=4) as engine:
        yield engine


@pytest.fixture(scope="module")
def expected(model: FeedbackModel, chunks: list[list[FeedbackInput]]) -> list[list]:
    """What the in-process engine answers."""
    return list(InlineEngine(model).imap(chunks))


def check(got: list[list], expected: list[list]) -> None:
    """Same chunks, same predictions item for item."""
    assert [len(c) for c in got] == [len(c) for c in expected]
    for g, e in zip(got, expected, strict=True):
        same_predictions(g, e)


def test_equals_inline_item_for_item_on_both_workers(
    client: Client, cluster_engine: DaskEngine, model: FeedbackModel, chunks, expected
) -> None:
    # The model is in each worker's memory before any chunk is sent.
    versions = client.run(_model_version, cluster_engine._plugin)
    assert list(versions.values()) == [model.version] * 2
    got = list(cluster_engine.imap(iter(chunks)))
    # Both workers scored chunks.
    assert len({w for w, n in client.run(_tasks_run).items() if n}) == 2
    check(got, expected)
    assert {p.model_version for c in got for p in c} == {model.version}


def _model_version(plugin: str, dask_worker) -> str | None:
    held = dask_worker.plugins.get(plugin)
    return held.model.version if held else None


def _tasks_run(dask_worker) -> int:
    return sum(1 for key in dask_worker.state.log if "_score" in str(key))


def test_by_scheduler_address_through_the_factory(
    cluster: LocalCluster, model: FeedbackModel, trained: TrainResult, chunks, expected
) -> None:
    engine = make_engine(
        model=model, model_path=trained.path, dask_scheduler=cluster.scheduler_address
    )
    assert isinstance(engine, DaskEngine)
    with engine, Client(cluster.scheduler_address) as observer:
        got = list(engine.imap(chunks))
        plugin = engine._plugin
        assert list(observer.run(_model_version, plugin).values()) == [model.version] * 2
    check(got, expected)
    # Closed: the workers no longer hold that model.
    with Client(cluster.scheduler_address) as observer:
        assert list(observer.run(_model_version, plugin).values()) == [None, None]


def test_reads_ahead_only_a_bounded_number_of_chunks(cluster_engine: DaskEngine, items) -> None:
    taken = 0

    def endless():
        nonlocal taken
        while True:
            taken += 1
            yield items[:2]

    answers = cluster_engine.imap(endless())
    for _ in range(6):
        assert len(next(answers)) == 2
    answers.close()
    assert 6 <= taken <= 6 + cluster_engine.max_in_flight


def test_a_bad_chunk_names_itself(cluster_engine: DaskEngine, items) -> None:
    answers = cluster_engine.imap([items[:2], [None], items[2:4]])
    assert len(next(answers)) == 2
    with pytest.raises(ScoringError, match="chunk 1 could not be scored"):
        next(answers)
    assert [len(c) for c in cluster_engine.imap([items[:3]])] == [3]


def test_no_scheduler_there_is_a_clear_error(model) -> None:
    with pytest.raises(ScoringError, match="cannot reach the Dask scheduler"):
        DaskEngine(model, scheduler="tcp://127.0.0.1:1", connect_timeout_s=2).start()


def test_rescore_through_the_cluster_writes_what_inline_would(
    cluster_engine: DaskEngine, session, model: FeedbackModel
) -> None:
    from sqlalchemy import select

    from feedback_ai.batch.rescore import rescore
    from feedback_ai.feedback.models import Prediction
    from tests.api.domain_fixtures import add_feedback
    from tests.factories import TEXTS

    rows = [add_feedback(session, f"{t} ({i})") for i, t in enumerate(TEXTS * 2)]
    report = rescore(
        session=session, engine=cluster_engine, model_version=model.version, batch_size=3
    )
    assert report.rescored == len(rows)
    stored = {
        p.feedback_id: p for p in session.scalars(select(Prediction).where(Prediction.is_current))
    }
    expected = next(InlineEngine(model).imap([[FeedbackInput(r.text, r.source) for r in rows]]))
    for row, e in zip(rows, expected, strict=True):
        p = stored[row.id]
        assert (p.model_version, p.kind, p.kind_scores) == (model.version, e.kind, e.kind_scores)
        assert [c.statement for c in p.candidates] == [c.statement for c in e.candidates]


def test_a_worker_killed_mid_run_loses_no_chunk(
    client: Client, cluster_engine: DaskEngine, chunks, expected
) -> None:
    # Last in the module: it kills one of the cluster's worker processes (its nanny restarts it).
    answers = cluster_engine.imap(chunks)
    got = [next(answers)]
    victim = next(iter(client.run(os.getpid).values()))
    os.kill(victim, signal.SIGKILL)
    got += list(answers)
    check(got, expected)
