"""Sidecar sample metadata: TSV reading, the validator, the filter grammar and report rendering.

Pure core: stdlib only, no frameworks, no processes, no network.
"""

from divbase.core.metadata.filter import (
    ALL_RECORDS,
    MAX_FILTER_CHARS,
    Clause,
    FilterResult,
    Term,
    apply_filter,
    parse_filter,
)
from divbase.core.metadata.report import render_report
from divbase.core.metadata.table import MAX_TSV_BYTES, MetadataTable, Row
from divbase.core.metadata.validator import (
    FULL_LIST_HINT,
    Message,
    ValidationReport,
    ValidationStats,
    load_table,
    validate,
)

__all__ = [
    "ALL_RECORDS",
    "FULL_LIST_HINT",
    "MAX_FILTER_CHARS",
    "MAX_TSV_BYTES",
    "Clause",
    "FilterResult",
    "Message",
    "MetadataTable",
    "Row",
    "Term",
    "ValidationReport",
    "ValidationStats",
    "apply_filter",
    "load_table",
    "parse_filter",
    "render_report",
    "validate",
]
