"""Reading import files (CSV, JSON Lines, JSON, Parquet; plain or gzip) into rows ready to ingest."""

from feedback_ai.imports.mapping import ColumnMapping, load_mapping, map_record, mapping_from
from feedback_ai.imports.presets import PRESETS, Preset, get_preset
from feedback_ai.imports.reader import ReadStats, detect_format, read_records, read_rows
from feedback_ai.imports.rows import ImportFormatError, ImportRow, Limits, Quarantined, stable_id

__all__ = [
    "PRESETS",
    "ColumnMapping",
    "ImportFormatError",
    "ImportRow",
    "Limits",
    "Preset",
    "Quarantined",
    "ReadStats",
    "detect_format",
    "get_preset",
    "load_mapping",
    "map_record",
    "mapping_from",
    "read_records",
    "read_rows",
    "stable_id",
]
