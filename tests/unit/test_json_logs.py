"""Log lines are one JSON object each, with extras kept and terminal noise left out."""

from __future__ import annotations

import json
import logging

from feedback_ai.ops.logging import JsonFormatter


def _line(**extra: object) -> dict[str, object]:
    record = logging.makeLogRecord(
        {"name": "uvicorn.error", "levelname": "INFO", "msg": "Started server process [%d]",
         "args": (42,), **extra}
    )  # fmt: skip
    return json.loads(JsonFormatter().format(record))


def test_a_line_keeps_the_message_and_the_extras() -> None:
    data = _line(method="POST", status=201)
    assert data["msg"] == "Started server process [42]"
    assert data["logger"] == "uvicorn.error" and data["level"] == "INFO"
    assert data["method"] == "POST" and data["status"] == 201


def test_uvicorns_coloured_copy_of_the_message_is_left_out() -> None:
    data = _line(color_message="Started server process [\x1b[36m%d\x1b[0m]")
    assert "color_message" not in data
    assert "\x1b" not in json.dumps(data)
