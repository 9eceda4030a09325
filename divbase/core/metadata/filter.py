"""The sample-metadata filter grammar (`Area:North,!South;Year:>2010`): parse and apply.

Parsing is syntax only and linear in the input (plain string scans, no regular expressions), so a
bad filter is rejected before anything is queued. Applying follows upstream DivBase semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from divbase.core.errors import FilterError
from divbase.core.metadata.table import CellValue, MetadataTable

MAX_FILTER_CHARS = 10_000
ALL_RECORDS = "ALL RECORDS (no filter)"
_FORMAT_HINT = "Expected format 'key:value1,value2' or 'key:min-max' for numeric ranges"
_OPERATORS = (">=", "<=", ">", "<")

NumberTest = Callable[[float], bool]


@dataclass(frozen=True)
class Term:
    """One filter value: quotes removed, stripped, '!' (NOT) taken off into `negated`."""

    text: str
    negated: bool


@dataclass(frozen=True)
class Clause:
    key: str
    values_text: str  # everything after the first ':' (stripped), as in upstream messages
    values: tuple[str, ...]  # the comma-split values, '!' kept, as upstream lists them
    terms: tuple[Term, ...]


@dataclass
class FilterResult:
    sample_ids: list[str]
    warnings: list[str] = field(default_factory=list)
    query_message: str = ALL_RECORDS


def parse_filter(text: str) -> list[Clause]:
    """Parse a filter string. "" means all rows and gives []; bad syntax raises FilterError."""
    if len(text) > MAX_FILTER_CHARS:
        raise FilterError(
            f"Filter is too long: {len(text)} characters, the limit is {MAX_FILTER_CHARS}. "
            "Use fewer or shorter filter values, or select the samples with a samples list instead."
        )
    if text == "":
        return []
    clauses = [_parse_clause(part) for part in text.split(";") if part.strip()]
    if not clauses:
        raise FilterError(_no_conditions(text))
    return clauses


def _parse_clause(part: str) -> Clause:
    if ":" not in part:
        raise FilterError(f"Invalid filter format: '{part}'. {_FORMAT_HINT}")
    key, values_text = (piece.strip() for piece in part.split(":", 1))
    values = tuple(split_values(values_text))
    terms = tuple(Term(value[1:].strip(), True) if value.startswith("!") else Term(value, False) for value in values)
    for term in terms:
        if term.text[:2] in ("=<", "=>") and is_number(term.text[2:]):
            raise FilterError(
                f"Invalid operator format '{term.text[:2]}' in filter '{key}:{values_text}'. "
                "Use standard operators: '<=' (not '=<') or '>=' (not '=>')"
            )
    return Clause(key, values_text, values, terms)


def split_values(values_text: str) -> list[str]:
    """Split at commas outside double quotes; quotes are removed, values stripped, empty ones dropped."""
    values: list[str] = []
    current: list[str] = []
    for position, segment in enumerate(values_text.split('"')):
        if position % 2:  # inside double quotes: commas are literal
            current.append(segment)
            continue
        first, *rest = segment.split(",")
        current.append(first)
        for piece in rest:
            values.append("".join(current).strip())
            current = [piece]
    values.append("".join(current).strip())
    return [value for value in values if value]


def is_number(text: str) -> bool:
    """NUM := -?DIGITS.?DIGITS* (upstream's regex -?\\d+\\.?\\d*)."""
    body = text[1:] if text.startswith("-") else text
    whole, dot, fraction = body.partition(".")
    return whole.isdecimal() and (not fraction or fraction.isdecimal()) and (bool(dot) or not fraction)


def number_test(text: str) -> NumberTest | None:
    """Inequality, inclusive range or discrete number; None for a term that is none of these."""
    operator = text[:2] if text[:2] in _OPERATORS else text[:1] if text[:1] in _OPERATORS else ""
    if operator and is_number(text[len(operator) :]):
        return _inequality(operator, float(text[len(operator) :]))
    dash = text.find("-", 1)
    if dash > 0 and is_number(text[:dash]) and is_number(text[dash + 1 :]):
        low, high = float(text[:dash]), float(text[dash + 1 :])
        return lambda x: low <= x <= high
    try:
        target: float = float(text) if "." in text else int(text)
    except (ValueError, OverflowError):
        return None
    return lambda x: x == target


def _inequality(operator: str, threshold: float) -> NumberTest:
    if operator == ">":
        return lambda x: x > threshold
    if operator == ">=":
        return lambda x: x >= threshold
    if operator == "<":
        return lambda x: x < threshold
    return lambda x: x <= threshold


def apply_filter(table: MetadataTable, text: str) -> FilterResult:
    """Sample_IDs (TSV row order) of the rows matching every clause, with upstream's warnings."""
    clauses = parse_filter(text)
    if not clauses:
        return FilterResult(list(table.sample_ids), [], ALL_RECORDS)
    warnings: list[str] = []
    conditions: list[list[bool]] = []
    for clause in clauses:
        if clause.key not in table.columns:
            warnings.append(f"Column '{clause.key}' not found in the TSV file. Skipping this filter condition.")
            continue
        if table.column_types.get(clause.key) == "numeric":
            condition = _numeric_condition(table, clause, warnings)
        else:
            condition = _string_condition(table, clause, warnings)
        if condition is not None:
            conditions.append(condition)
    if not conditions:
        raise FilterError(_no_conditions(text))
    keep = [all(condition[i] for condition in conditions) for i in range(len(table.rows))]
    sample_ids = [sample for sample, kept in zip(table.sample_ids, keep, strict=True) if kept]
    return FilterResult(sample_ids, warnings, text)


def _no_conditions(text: str) -> str:
    return (
        f"Invalid filter conditions: no valid filter conditions could be parsed from '{text}'. "
        "Please check your filter keys, value spelling, and syntax. "
        "Expected format: 'Key:Value1,Value2' or 'Key:min-max' for numeric ranges."
    )


def _elements(cell: CellValue) -> list[object]:
    if isinstance(cell, list):
        return cell
    return [cell] if cell else []


def _as_float(value: object) -> float | None:
    if not isinstance(value, str | int | float):
        return None
    try:
        return float(value)
    except (ValueError, OverflowError):
        return None


def _numeric_condition(table: MetadataTable, clause: Clause, warnings: list[str]) -> list[bool] | None:
    positive = [t for t in (number_test(term.text) for term in clause.terms if not term.negated) if t]
    negative = [t for t in (number_test(term.text) for term in clause.terms if term.negated) if t]
    if not positive and not negative:
        warnings.append(
            f"No valid numeric values, ranges, or inequalities provided for column '{clause.key}'. "
            "Filter condition will not match any rows."
        )
        return None
    column = table.index(clause.key)
    condition: list[bool] = []
    for row in table.rows:
        numbers = [n for n in map(_as_float, _elements(row.cells[column])) if n is not None]
        included = any(test(n) for n in numbers for test in positive) if positive else True
        condition.append(included and not any(test(n) for n in numbers for test in negative))
    if not any(condition):
        warnings.append(f"No values in column '{clause.key}' match the filter: {clause.values_text}")
    return condition


def _string_condition(table: MetadataTable, clause: Clause, warnings: list[str]) -> list[bool] | None:
    _warn_string_column(table, clause, warnings)
    positive = {term.text for term in clause.terms if not term.negated}
    negative = {term.text for term in clause.terms if term.negated}
    if not positive and not negative:
        return None
    column = table.index(clause.key)
    condition: list[bool] = []
    for row in table.rows:
        texts = [str(element) for element in _elements(row.cells[column])]
        included = any(t in positive for t in texts) if positive else True
        condition.append(included and not any(t in negative for t in texts))
    if not any(condition):
        warnings.append(f"No results for the filter {list(clause.values)} were found in column '{clause.key}'.")
    return condition


def _warn_string_column(table: MetadataTable, clause: Clause, warnings: list[str]) -> None:
    mixed = table.column_types.get(clause.key) == "mixed"
    operators = [v for v in (value.lstrip("!") for value in clause.values) if _looks_like_comparison(v)]
    if not mixed and not operators:
        return
    lines = [f"Column '{clause.key}':"]
    if mixed:
        lines.append("      - Contains mixed types (both numeric and non-numeric values).")
        lines.append("        This column is treated as a string column.")
    if operators:
        lines.append(
            f"      - Your filter contains comparison operators {operators}, which are not supported on string columns."
        )
        lines.append("        DivBase comparison operators (>, <, >=, <=) only work on numeric columns.")
        lines.append(f"        Use exact string matching instead (e.g., '{clause.key}:value1,value2').")
    warnings.append("\n".join(lines))


def _looks_like_comparison(value: str) -> bool:
    """Upstream's ^(>=|<=|>|<).+$ on a stripped value."""
    rest = value[1:]
    return value[:1] in ("<", ">") and bool(rest) and "\n" not in rest
