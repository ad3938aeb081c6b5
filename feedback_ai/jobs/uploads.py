"""A multipart upload streamed to disk part by part, with a size limit: never held in memory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from feedback_ai.errors import FeedbackAIError
from feedback_ai.ids import new_id

MAX_FIELD_BYTES = 64 * 1024
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadTooLarge(FeedbackAIError):
    """The upload is over the configured size (answered 413)."""


class BadUpload(FeedbackAIError):
    """Not a multipart body with one `file` part (answered 422)."""


class UploadSink:
    """Feed it the body's chunks; it writes the `file` part to `directory` and keeps the fields."""

    def __init__(self, content_type: str, *, directory: Path, limit: int) -> None:
        kind, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise BadUpload("send multipart/form-data with a `file` part, or JSON with a `path`")
        self.directory, self.limit, self.size = directory, limit, 0
        self.path: Path | None = None
        self.fields: dict[str, list[str]] = {}
        self._file: BinaryIO | None = None
        self._field: tuple[str, bytearray] | None = None
        self._header: list[bytes] = [b"", b""]
        self._headers: dict[bytes, bytes] = {}
        self._parser = MultipartParser(boundary, {
            "on_header_field": lambda d, s, e: self._add(0, d[s:e]),
            "on_header_value": lambda d, s, e: self._add(1, d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._part_begin,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
        })  # fmt: skip

    def write(self, chunk: bytes) -> None:
        """Parse one chunk of the body; UploadTooLarge once past the limit."""
        self.size += len(chunk)
        if self.size > self.limit:
            raise UploadTooLarge(f"the upload is over the limit of {self.limit:,} bytes")
        try:
            self._parser.write(chunk)
        except MultipartParseError as e:
            raise BadUpload(f"the multipart body is malformed: {e}") from e

    def finish(self) -> Path:
        """The stored file's path; BadUpload if there was none."""
        try:
            self._parser.finalize()
        except MultipartParseError as e:
            raise BadUpload(f"the multipart body is malformed: {e}") from e
        self.close()
        if self.path is None:
            raise BadUpload("the multipart body has no `file` part with a file name")
        return self.path

    def close(self) -> None:
        """Close the file being written (kept on disk)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def discard(self) -> None:
        """Close and delete what was written (a refused or broken upload)."""
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None

    def _add(self, which: int, data: bytes) -> None:
        self._header[which] += data

    def _header_end(self) -> None:
        self._headers[self._header[0].strip().lower()] = self._header[1].strip()
        self._header = [b"", b""]

    def _part_begin(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._headers = {}
        name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        if name == "file" and filename:
            if self.path is not None:
                raise BadUpload("send one `file` part per upload")
            safe = SAFE_NAME.sub("_", Path(filename.decode("utf-8", "replace")).name)[-100:]
            self.directory.mkdir(parents=True, exist_ok=True)
            self.path = self.directory / f"{new_id()}-{safe or 'upload'}"
            self._file = self.path.open("wb")
        else:
            self._field = (name, bytearray())

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
        elif self._field is not None:
            self._field[1].extend(data[start:end])
            if len(self._field[1]) > MAX_FIELD_BYTES:
                raise BadUpload(f"form field {self._field[0]!r} is over {MAX_FIELD_BYTES} bytes")

    def _part_end(self) -> None:
        if self._file is not None:
            self.close()
        elif self._field is not None:
            name, value = self._field
            self.fields.setdefault(name, []).append(value.decode("utf-8", "replace"))
            self._field = None
