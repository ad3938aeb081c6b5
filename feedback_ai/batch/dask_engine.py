"""Batch scoring on a Dask cluster: the model goes to each worker once, answers come back in order.

Workers only score: they get a chunk of texts and return predictions. Everything that touches the
database stays in the calling process (the one writer), so a cluster of any size opens no more
database connections than one machine does.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator

from distributed import Client, KilledWorker, WorkerPlugin, get_worker

from feedback_ai.batch.engine import in_order
from feedback_ai.batch.errors import ScoringError
from feedback_ai.ml import FeedbackInput, FeedbackModel, Prediction, predict

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 30


class ModelPlugin(WorkerPlugin):
    """Carries the model to every worker of the cluster, present and future, once each.

    A plugin rather than `client.scatter(model, broadcast=True)`: the scheduler's active memory
    manager drops the extra replicas of scattered data within seconds (ReduceReplicas), after
    which every chunk would pull the model across the network again. A plugin is not data: each
    worker keeps its copy until the engine closes, and a worker that joins later (or a restarted
    one) is sent the plugin by the scheduler when it registers.
    """

    def __init__(self, model: FeedbackModel, name: str) -> None:
        self.model = model
        self.name = name


def _score(plugin_name: str, chunk: list[FeedbackInput]) -> list[Prediction]:
    """On a worker: the one predict, with the model its plugin holds."""
    plugin = get_worker().plugins[plugin_name]
    return predict(plugin.model, chunk)  # type: ignore[attr-defined]


class DaskEngine:
    """Scores chunks on the workers of a Dask cluster, given its scheduler address or a Client.

    start() puts one copy of the model in each worker's memory (ModelPlugin); then only the
    texts travel per chunk. At most `max_in_flight` chunks (default: twice the cluster's
    threads) are submitted at a time.
    """

    def __init__(
        self,
        model: FeedbackModel,
        *,
        scheduler: str | None = None,
        client: Client | None = None,
        max_in_flight: int | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
    ) -> None:
        if (scheduler is None) == (client is None):
            raise ValueError("give either a scheduler address or a Client")
        self.model = model
        self.model_version = model.version
        self.scheduler = scheduler
        self.max_in_flight = max_in_flight or 0
        self.connect_timeout_s = connect_timeout_s
        self._client = client
        self._owns_client = client is None
        self._plugin: str | None = None

    @property
    def client(self) -> Client:
        """The connected client; start() first."""
        if self._client is None:
            raise RuntimeError("DaskEngine is not started; call start() first")
        return self._client

    def start(self) -> DaskEngine:
        """Connect (if given an address), wait for a worker, and send the model to every worker."""
        if self._plugin is not None:
            return self
        if self._client is None:
            try:
                self._client = Client(self.scheduler, timeout=self.connect_timeout_s)
            except OSError as e:
                raise ScoringError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {e}. Start one with "
                    "`dask scheduler` and workers with `dask worker <address>`."
                ) from e
        try:
            self.client.wait_for_workers(1, timeout=self.connect_timeout_s)
        except TimeoutError as e:
            self.close()
            raise ScoringError(
                f"the Dask scheduler at {self.scheduler} has no workers; start some with "
                "`dask worker <address>`"
            ) from e
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        threads = sum(w.get("nthreads", 1) for w in workers.values())
        self.max_in_flight = self.max_in_flight or 2 * max(threads, 1)
        name = f"feedback-ai-model-{self.model_version}-{uuid.uuid4().hex[:8]}"
        self.client.register_plugin(ModelPlugin(self.model, name), name=name)
        self._plugin = name
        log.info("model %s sent to %d Dask workers", self.model_version, len(workers))
        return self

    def close(self) -> None:
        """Remove the model from the workers; disconnect if this engine opened the connection."""
        if self._plugin is not None:
            try:
                self.client.unregister_worker_plugin(self._plugin)
            except Exception:  # the cluster is gone: nothing left to free
                log.warning("could not remove the model from the Dask workers", exc_info=True)
            self._plugin = None
        if self._client is not None and self._owns_client:
            self._client.close()
            self._client = None

    def __enter__(self) -> DaskEngine:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    def imap(self, chunks: Iterable[list[FeedbackInput]]) -> Iterator[list[Prediction]]:
        """Submit chunks in a bounded window; yield each chunk's predictions in input order."""
        if self._plugin is None:
            raise RuntimeError("DaskEngine is not started; call start() first")
        client, plugin = self.client, self._plugin
        # No `retries`: a chunk that raises would raise again. A chunk whose worker died is rerun
        # elsewhere by the scheduler (up to its allowed-failures, then KilledWorker).
        return in_order(
            chunks,
            submit=lambda chunk: client.submit(_score, plugin, chunk, pure=False),
            max_in_flight=self.max_in_flight,
            explain=_explain,
        )


def _explain(number: int, error: Exception) -> str | None:
    if isinstance(error, KilledWorker):
        return (
            f"chunk {number} killed the Dask workers that tried it ({error}); "
            "they may be out of memory"
        )
    return None
