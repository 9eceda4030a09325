"""Reading the sidecar sample-metadata TSV with the stdlib: records, cells, list cells, column types.

Every cell is kept as the text the user wrote (stripped); numbers are only interpreted when a
numeric comparison needs them, so a Sample_ID such as '007' stays '007'.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

MAX_TSV_BYTES = 64 * 1024 * 1024
MAX_LIST_CELL_CHARS = 100_000
SAMPLE_ID = "Sample_ID"

# pandas' default NA tokens: such a cell counts as empty, as in upstream DivBase.
NA_TOKENS = frozenset(
    {
        "",
        "NA",
        "nan",
        "null",
        "NaN",
        "N/A",
        "None",
        "<NA>",
        "n/a",
        "-nan",
        "-NaN",
        "1.#IND",
        "1.#QNAN",
        "#N/A",
        "#NA",
        "NULL",
        "#N/A N/A",
        "-1.#IND",
        "-1.#QNAN",
    }
)

ColumnType = Literal["numeric", "string", "mixed"]
CellKind = Literal["numeric", "string"]
# A cell is its stripped text ("" when empty) or, for Python-list notation, the parsed list.
CellValue = str | list[object]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FIELD_END = re.compile(r"[\t\r\n]")


class TsvReadError(ValueError):
    """The text cannot be split into records (e.g. a double quote that is never closed)."""


@dataclass(frozen=True)
class RawRecord:
    """One record as written: the file line it starts on and its tab-separated fields."""

    line: int
    fields: list[str]


@dataclass(frozen=True)
class ListIssue:
    """A cell that starts with '[' but is not a usable list."""

    line: int
    column: int
    kind: Literal["syntax", "mixed"]
    shown: object  # what the message shows: the parsed list (mixed) or the raw text (syntax)


@dataclass
class Row:
    line: int
    cells: list[CellValue]


@dataclass
class MetadataTable:
    """A parsed sidecar TSV: columns without '#', rows in file order, column types, Sample_IDs."""

    name: str
    columns: list[str]
    rows: list[Row]
    column_types: dict[str, ColumnType]
    sample_ids: list[str]
    warnings: list[str] = field(default_factory=list)

    def index(self, column: str) -> int:
        return self.columns.index(column)


def text_too_large(text: str) -> bool:
    if len(text) > MAX_TSV_BYTES:
        return True
    if len(text) * 4 <= MAX_TSV_BYTES:
        return False
    return len(text.encode("utf-8", "surrogatepass")) > MAX_TSV_BYTES


def read_records(text: str) -> list[RawRecord]:
    """Split TSV text into records, skipping blank lines. Double-quoted fields follow csv rules."""
    text = text.removeprefix("\ufeff")
    records: list[RawRecord] = []
    pos, line, end_of_text = 0, 1, len(text)
    while pos < end_of_text:
        match = _LINE_BREAK.search(text, pos)
        line_end, next_pos = (match.start(), match.end()) if match else (end_of_text, end_of_text)
        line_text = text[pos:line_end]
        if '"' not in line_text:
            if line_text:
                records.append(RawRecord(line, line_text.split("\t")))
            pos, line = next_pos, line + 1
            continue
        fields, pos, last_line = _read_quoted_record(text, pos, line)
        records.append(RawRecord(line, fields))
        line = last_line + 1
    return records


def _read_quoted_record(text: str, pos: int, line: int) -> tuple[list[str], int, int]:
    """Read one record that contains double quotes. Returns fields, next position, last line."""
    start_line, fields = line, []
    while True:
        value = ""
        if text.startswith('"', pos):
            value, pos, line = _read_quoted_field(text, pos + 1, line, start_line)
        match = _FIELD_END.search(text, pos)
        end = match.start() if match else len(text)
        fields.append(value + text[pos:end])
        pos = end
        if pos >= len(text):
            return fields, pos, line
        if text[pos] == "\t":
            pos += 1
            continue
        pos += 2 if text.startswith("\r\n", pos) else 1
        return fields, pos, line


def _read_quoted_field(text: str, pos: int, line: int, start_line: int) -> tuple[str, int, int]:
    parts: list[str] = []
    while True:
        quote = text.find('"', pos)
        if quote < 0:
            raise TsvReadError(
                f"the double-quoted cell starting on line {start_line} is never closed. "
                "Close the quote or remove the stray double quote"
            )
        chunk = text[pos:quote]
        line += chunk.count("\n") + chunk.count("\r") - chunk.count("\r\n")
        parts.append(chunk)
        if text.startswith('"', quote + 1):
            parts.append('"')
            pos = quote + 2
            continue
        return "".join(parts), quote + 1, line


def clean_cell(raw: str) -> str:
    """Strip whitespace; pandas' NA tokens become the empty string."""
    value = raw.strip()
    return "" if value in NA_TOKENS else value


def column_names(header: Sequence[str]) -> list[str]:
    return [name.lstrip("#").strip() for name in header]


def parse_list_cell(value: str) -> tuple[list[object] | None, Literal["syntax", "mixed"] | None]:
    """Parse a cell written in Python-list notation. Returns (list, None) or (None|list, problem)."""
    if len(value) > MAX_LIST_CELL_CHARS:
        return None, "syntax"
    try:
        parsed = ast.literal_eval(value)
    except Exception:  # literal_eval raises many types (SyntaxError, ValueError, MemoryError, ...)
        return None, "syntax"
    if not isinstance(parsed, list):
        return None, "syntax"
    numeric = [isinstance(element, int | float) for element in parsed]
    if any(numeric) and not all(numeric):
        return parsed, "mixed"
    return parsed, None


def cell_kind(value: CellValue) -> CellKind | None:
    """numeric, string, or None for an empty cell or an empty list (they say nothing about type)."""
    if isinstance(value, list):
        if not value:
            return None
        return "numeric" if all(isinstance(element, int | float) for element in value) else "string"
    if value == "":
        return None
    try:
        float(value)
    except ValueError:
        return "string"
    return "numeric"


def build_rows(records: list[RawRecord]) -> tuple[list[Row], list[ListIssue]]:
    """Data rows as pandas would keep them: too-long rows dropped, short rows padded, lists parsed."""
    width = len(records[0].fields)
    rows: list[Row] = []
    issues: list[ListIssue] = []
    for record in records[1:]:
        if len(record.fields) > width:
            continue
        cells: list[CellValue] = []
        for column, raw in enumerate(record.fields + [""] * (width - len(record.fields))):
            value = clean_cell(raw)
            if not value.startswith("["):
                cells.append(value)
                continue
            parsed, problem = parse_list_cell(value)
            if problem is None and parsed is not None:
                cells.append(parsed)
                continue
            issues.append(ListIssue(record.line, column, problem or "syntax", parsed or value))
            cells.append(value)
        rows.append(Row(record.line, cells))
    return rows, issues
