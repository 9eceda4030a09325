"""Validator messages that need more than one line to say, worded as upstream says them."""

from __future__ import annotations


def list_message(kind: str, column: str, cells: list[tuple[int, object]], text: str, hint: str) -> tuple[str, str]:
    if kind == "mixed":
        return (
            "MIXED_TYPE",
            f"Column '{column}': Found {len(cells)} cell(s) with mixed element types (both numeric and "
            "string values) in lists. All elements in a list must be the same type. Use either all numbers "
            f'(e.g. [1, 2, 3]) or all strings (e.g. ["a", "b", "c"]). Affected cells: {text}.{hint}',
        )
    return (
        "LIST_SYNTAX",
        f"Column '{column}': Found {len(cells)} cell(s) with invalid list syntax or not parsed as list. "
        'Multi-value cells must use valid Python list notation, e.g. [1, 2, 3] or ["a", "b"]. '
        f"Affected cells: {text}.{hint}",
    )


def semicolon_message(column: str, text: str, hint: str) -> str:
    return (
        f"Column '{column}': Found 1 cell(s) containing a semicolon. Note that DivBase query syntax uses "
        "semicolons to separate filter key:value pairs, so this exact cell value cannot be matched via "
        f"queries. Affected cells: {text}.{hint}"
    )


def comma_message(column: str, count: int, text: str, hint: str) -> str:
    return (
        f"Column '{column}': Found {count} cell(s) containing a comma. If you intended to describe multiple "
        'values, use Python list notation instead (e.g. [1, 2] or ["a", "b"]). If the comma is intentional, '
        "note that DivBase query syntax uses commas to separate filter values. To query for this exact "
        'string, enclose the value in double quotes in your filter (e.g. Area:"North,South"). '
        f"Affected cells: {text}.{hint}"
    )
