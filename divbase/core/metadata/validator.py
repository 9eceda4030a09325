"""The sidecar TSV validator: every upstream check, in upstream order, with its messages.

`validate` never raises: it collects errors and warnings (row numbers are file line numbers,
header = 1). `load_table` is the query-side use: the first error becomes a MetadataError.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from divbase.core.errors import MetadataError
from divbase.core.metadata.messages import comma_message, list_message, semicolon_message
from divbase.core.metadata.table import (
    MAX_TSV_BYTES,
    SAMPLE_ID,
    ColumnType,
    ListIssue,
    MetadataTable,
    RawRecord,
    Row,
    TsvReadError,
    build_rows,
    cell_kind,
    column_names,
    read_records,
    text_too_large,
)

Severity = Literal["error", "warning"]
FULL_LIST_HINT = "To view full validation lists, run: divbase validate-metadata <TSV_FILE> --untruncated."
_SHOWN_CHARS = 200
_FORWARDED_WARNINGS = ("FORMAT", "DIMENSIONS")


@dataclass(frozen=True)
class Message:
    category: str
    severity: Severity
    message: str


@dataclass
class ValidationStats:
    total_columns: int = 0
    user_defined_columns: int = 0
    samples_in_tsv: int = 0
    samples_matching_project: int = 0
    total_project_samples: int = 0
    numeric_columns: list[str] = field(default_factory=list)
    string_columns: list[str] = field(default_factory=list)
    mixed_type_columns: list[str] = field(default_factory=list)
    empty_cells_per_column: dict[str, int] = field(default_factory=dict)
    has_multi_values: bool = False

    @property
    def numeric_column_count(self) -> int:
        return len(self.numeric_columns)

    @property
    def string_column_count(self) -> int:
        return len(self.string_columns)

    @property
    def mixed_type_column_count(self) -> int:
        return len(self.mixed_type_columns)


@dataclass
class ValidationReport:
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    stats: ValidationStats = field(default_factory=ValidationStats)
    table: MetadataTable | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(
    text: str, project_samples: Collection[str] | None = None, preview_limit: int | None = 20
) -> ValidationReport:
    """Run every check on the TSV text. project_samples None skips the DIMENSIONS checks."""
    return _Validation(preview_limit).run(text, project_samples)


def load_table(text: str, name: str, project_samples: Collection[str] | None = None) -> MetadataTable:
    """Parse a TSV for queries: any validation error raises MetadataError with the first error."""
    report = validate(text, project_samples)
    if report.errors or report.table is None:
        first = report.errors[0].message if report.errors else "File is empty"
        raise MetadataError(
            f"Sample metadata file '{name}': {first}",
            hint=f"Run 'divbase validate-metadata {name}' to list every problem, fix them and upload the file again.",
        )
    warnings = [m.message for m in report.warnings if m.category in _FORWARDED_WARNINGS]
    return replace(report.table, name=name, warnings=warnings)


def _show(value: object) -> str:
    shown = str(value)
    return shown if len(shown) <= _SHOWN_CHARS else shown[:_SHOWN_CHARS] + "..."


class _Validation:
    def __init__(self, preview_limit: int | None) -> None:
        self.limit = preview_limit
        self.report = ValidationReport()
        self.hard_cells: set[tuple[int, int]] = set()

    def error(self, category: str, message: str) -> None:
        self.report.errors.append(Message(category, "error", message))

    def warn(self, category: str, message: str) -> None:
        self.report.warnings.append(Message(category, "warning", message))

    def preview(self, values: Sequence[tuple[int, object]]) -> tuple[str, str]:
        """'Row r ('v'), ...' truncated at the limit, and the hint to add when truncated."""
        shown = values if self.limit is None else values[: self.limit]
        text = ", ".join(f"Row {line} ('{_show(value)}')" for line, value in shown)
        if len(shown) == len(values):
            return text, ""
        return f"{text}, ... ({len(values) - len(shown)} more)", f" {FULL_LIST_HINT}"

    def names_preview(self, names: set[str]) -> tuple[str, str]:
        ordered = sorted(names)
        if self.limit is None or len(ordered) <= self.limit:
            return f"count: {len(ordered)}, samples: {ordered}", ""
        shown = ordered[: self.limit]
        return f"count: {len(ordered)}, showing first {self.limit}: {shown}", f" {FULL_LIST_HINT}"

    def run(self, text: str, project_samples: Collection[str] | None) -> ValidationReport:
        records = self.read(text)
        if not records:
            return self.report
        self.check_header(records[0].fields)
        self.check_rows(records)
        rows, issues = build_rows(records)
        columns = column_names(records[0].fields)
        self.check_list_cells(columns, issues)
        self.check_separators(columns, rows)
        sample_ids = self.check_sample_ids(columns, rows)
        types = self.classify_columns(columns, rows)
        tsv_samples = {sid for sid in sample_ids if sid}
        if project_samples is not None:
            self.check_dimensions(tsv_samples, set(project_samples))
        self.collect_stats(columns, rows, types, tsv_samples, project_samples)
        self.report.table = MetadataTable("", columns, rows, types, sample_ids)
        return self.report

    def read(self, text: str) -> list[RawRecord]:
        if text_too_large(text):
            self.error(
                "FILE_READ",
                f"File is too large: the limit for a sample metadata TSV is {MAX_TSV_BYTES // 2**20} MiB "
                f"({MAX_TSV_BYTES} bytes). "
                "Split the metadata into several smaller TSV files.",
            )
            return []
        try:
            records = read_records(text)
        except TsvReadError as exc:
            self.error("FILE_READ", f"Failed to read file (TSV read stage): {exc}")
            return []
        if not records:
            self.error("FILE_READ", "File is empty")
        return records

    def check_header(self, header: list[str]) -> None:
        cleaned = [name.lstrip("#") for name in header]
        empty = [i + 1 for i, name in enumerate(cleaned) if not name.strip()]
        if empty:
            self.error(
                "HEADER",
                f"Empty column name(s) found at position(s): {empty}. All columns must have a non-empty name.",
            )
        seen: set[str] = set()
        duplicates: list[str] = []
        for name in (name.strip() for name in cleaned):
            if name in seen and name not in duplicates:
                duplicates.append(name)
            seen.add(name)
        if duplicates:
            self.error(
                "HEADER",
                f"Duplicate column names found: {duplicates}. Each column name must be unique in the metadata file.",
            )
        if header[0] != "#Sample_ID":
            self.error("SAMPLE_ID_COLUMN", f"First column must be named '#Sample_ID', found: '{header[0]}'")

    def check_rows(self, records: list[RawRecord]) -> None:
        header = column_names(records[0].fields)
        width = len(header)
        spaced: defaultdict[str, list[tuple[int, object]]] = defaultdict(list)
        for record in records[1:]:
            if len(record.fields) != width:
                self.error(
                    "ROW_FORMAT",
                    f"Row {record.line}: Expected {width} tab-separated columns from reading the header, "
                    f"found {len(record.fields)} (Sample_ID: '{_show(record.fields[0])}'). "
                    "Check that all cells in the TSV are separated by tabs (not spaces).",
                )
                continue
            for index, cell in enumerate(record.fields):
                if cell != cell.strip():
                    spaced[header[index]].append((record.line, cell))
        for column, cells in spaced.items():
            text, hint = self.preview(cells)
            self.warn(
                "FORMAT",
                f"Column '{column}': Found {len(cells)} cell(s) with leading or trailing whitespace "
                "(this is allowed, but note that they will be stripped by DivBase server when the TSV is "
                f"used for queries). Affected cells: {text}.{hint}",
            )

    def check_list_cells(self, columns: list[str], issues: list[ListIssue]) -> None:
        ordered = sorted(issues, key=lambda issue: (issue.column, issue.line))
        self.hard_cells = {(issue.line, issue.column) for issue in issues}
        for kind in ("mixed", "syntax"):
            by_column: defaultdict[int, list[tuple[int, object]]] = defaultdict(list)
            for issue in ordered:
                if issue.kind == kind:
                    by_column[issue.column].append((issue.line, issue.shown))
            for column, cells in by_column.items():
                text, hint = self.preview(cells)
                self.error(*list_message(kind, columns[column], cells, text, hint))

    def check_separators(self, columns: list[str], rows: list[Row]) -> None:
        for column, name in enumerate(columns):
            if name == SAMPLE_ID:
                continue
            first = next(iter(self.plain_cells_with(";", column, rows)), None)
            if first is not None:
                text, hint = self.preview([first])
                self.warn("FORMAT", semicolon_message(name, text, hint))
        for column, name in enumerate(columns):
            cells = list(self.plain_cells_with(",", column, rows))
            if cells:
                text, hint = self.preview(cells)
                self.warn("FORMAT", comma_message(name, len(cells), text, hint))

    def plain_cells_with(self, char: str, column: int, rows: list[Row]) -> Iterator[tuple[int, object]]:
        """Plain string cells (not lists, not already reported as broken lists) containing `char`."""
        for row in rows:
            cell = row.cells[column]
            if char in cell and isinstance(cell, str) and (row.line, column) not in self.hard_cells:
                yield row.line, cell

    def check_sample_ids(self, columns: list[str], rows: list[Row]) -> list[str]:
        """Checks the Sample_ID values; returns them in row order ('' for empty or list cells)."""
        if SAMPLE_ID not in columns:
            self.error("SAMPLE_ID_COLUMN", "The 'Sample_ID' column is required in the metadata file.")
            return []
        index = columns.index(SAMPLE_ID)
        values = [row.cells[index] for row in rows]
        empty = [(row.line, "<empty>") for row, value in zip(rows, values, strict=True) if value == ""]
        if empty:
            text, hint = self.preview(list(empty))
            self.error(
                "SAMPLE_ID_VALUE",
                f"Sample_ID is empty or missing in {len(empty)} row(s). Affected rows: {text}.{hint} "
                "All rows must have a valid Sample_ID.",
            )
        self.check_duplicate_ids(rows, values)
        listed = [v for v in values if isinstance(v, list) or (v.startswith("[") and v.endswith("]"))]
        if listed:
            self.error(
                "SAMPLE_ID_VALUE",
                f"Sample_ID column contains list values: {listed}. "
                "Sample_ID must contain only one value per row (list notation is not allowed).",
            )
        return [value if isinstance(value, str) else "" for value in values]

    def check_duplicate_ids(self, rows: list[Row], values: list[str | list[object]]) -> None:
        lines: defaultdict[str, list[tuple[int, object]]] = defaultdict(list)
        for row, value in zip(rows, values, strict=True):
            if isinstance(value, str) and value:
                lines[value].append((row.line, value))
        for sample_id, found in lines.items():
            if len(found) > 1:
                text, hint = self.preview(found)
                self.error(
                    "SAMPLE_ID_VALUE",
                    f"Duplicate Sample_IDs found: '{sample_id}' appears in {len(found)} row(s). "
                    f"Affected rows: {text}.{hint} Each Sample_ID must be unique.",
                )

    def classify_columns(self, columns: list[str], rows: list[Row]) -> dict[str, ColumnType]:
        types: dict[str, ColumnType] = {}
        for column, name in enumerate(columns):
            types.setdefault(name, "string" if name == SAMPLE_ID else self.classify(column, name, rows))
        return types

    def classify(self, column: int, name: str, rows: list[Row]) -> ColumnType:
        cells: dict[str, list[tuple[int, object]]] = {"numeric": [], "string": []}
        filled = False
        for row in rows:
            value = row.cells[column]
            filled = filled or value != ""
            kind = None if (row.line, column) in self.hard_cells else cell_kind(value)
            if kind is not None:
                cells[kind].append((row.line, value))
        numeric, string = cells["numeric"], cells["string"]
        if numeric and string:
            self.warn("TYPE_CLASSIFICATION", self.mixed_message(column, name, numeric, string))
            return "mixed"
        return "numeric" if numeric or not filled else "string"

    def mixed_message(
        self, column: int, name: str, numeric: list[tuple[int, object]], string: list[tuple[int, object]]
    ) -> str:
        parts = [
            f"Column '{name}': This column contains mixed-type cells ({len(numeric)} numeric, "
            f"{len(string)} string type cells), and will be treated as string type. Numeric query "
            "operations (ranges, inequalities) are not applicable to string columns."
        ]
        hard = sum(1 for _, hard_column in self.hard_cells if hard_column == column)
        if hard:
            parts.append(
                f"{hard} cell(s) in this column have hard list-format/type errors and are reported "
                "separately under ERRORS."
            )
        if len(numeric) != len(string):
            minority, kind = (string, "string") if len(string) < len(numeric) else (numeric, "numeric")
            text, hint = self.preview(minority)
            parts.append(f"The {kind} cells are in minority and are: {text}.{hint}")
        return " ".join(parts)

    def check_dimensions(self, tsv_samples: set[str], project_samples: set[str]) -> None:
        missing_from_project = tsv_samples - project_samples
        if missing_from_project:
            text, hint = self.names_preview(missing_from_project)
            self.error(
                "DIMENSIONS",
                f"The following samples in the TSV were not found in the DivBase project's dimensions index "
                f"({text}). DivBase requires that all samples in the TSV file must be present in the "
                f"project's dimensions index to be used for queries.{hint}",
            )
        missing_from_tsv = project_samples - tsv_samples
        if missing_from_tsv:
            text, hint = self.names_preview(missing_from_tsv)
            self.warn(
                "DIMENSIONS",
                f"The following samples in the DivBase project's dimensions index were not found in the TSV "
                f"({text}). This is allowed for DivBase metadata TSV files, but please be aware that these "
                f"samples will not be considered when making queries with this metadata file.{hint}",
            )

    def collect_stats(
        self,
        columns: list[str],
        rows: list[Row],
        types: dict[str, ColumnType],
        tsv_samples: set[str],
        project_samples: Collection[str] | None,
    ) -> None:
        stats = self.report.stats
        stats.total_columns = len(columns)
        stats.user_defined_columns = len(columns) - 1
        project = set(project_samples or ())
        stats.samples_in_tsv = len(tsv_samples)
        stats.samples_matching_project = len(tsv_samples & project)
        stats.total_project_samples = len(project)
        user_columns = [(i, name) for i, name in enumerate(columns) if name != SAMPLE_ID]
        for wanted, target in (
            ("numeric", stats.numeric_columns),
            ("string", stats.string_columns),
            ("mixed", stats.mixed_type_columns),
        ):
            target.extend(name for _, name in user_columns if types.get(name) == wanted)
        stats.has_multi_values = any(isinstance(cell, list) for row in rows for cell in row.cells)
        for index, name in user_columns:
            empty = sum(1 for row in rows if row.cells[index] == "")
            if empty:
                stats.empty_cells_per_column[name] = empty
