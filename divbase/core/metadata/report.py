"""Text rendering of a validation report, as upstream's `dimensions validate-metadata-file` prints it."""

from __future__ import annotations

from divbase.core.metadata.validator import ValidationReport

PASSED = (
    "Validation passed! The metadata file meets all DivBase requirements. "
    "The file is ready to be uploaded to your DivBase project with 'divbase files upload {path}'"
)
FAILED = "Validation failed! Please fix the errors above before uploading."
PASSED_WITH_WARNINGS = "Validation passed with warnings! Review the warnings above."


def render_report(report: ValidationReport, path: str | None = None, project: str | None = None) -> str:
    """The report as lines of text (no colour markup). `path`/`project` add the two heading lines."""
    lines: list[str] = []
    if path is not None:
        lines.append(f"Validating local metadata file: {path}")
    if project is not None:
        lines.append(f"Project: {project}")
    if lines:
        lines.append("")
    lines.extend(_summary(report))
    lines.append("")
    for title, messages in (
        ("ERRORS (must be fixed):", report.errors),
        ("WARNINGS (should be reviewed):", report.warnings),
    ):
        if messages:
            lines.append(title)
            lines.extend(f"  - {message.message}" for message in messages)
            lines.append("")
    if report.errors:
        lines.append(FAILED)
    elif report.warnings:
        lines.append(PASSED_WITH_WARNINGS)
    else:
        lines.append(PASSED.format(path=path if path is not None else "PATH"))
    return "\n".join(lines) + "\n"


def _summary(report: ValidationReport) -> list[str]:
    stats = report.stats
    lines = [
        "VALIDATION SUMMARY:",
        f"  Total columns: {stats.total_columns} ({stats.user_defined_columns} user-defined + 1 Sample_ID column)",
        f"  Samples matching project VCF dimensions: {stats.samples_matching_project}/{stats.samples_in_tsv} "
        f"(project has {stats.total_project_samples} total)",
        _columns_line("Numeric columns", stats.numeric_columns),
        _columns_line("String columns", stats.string_columns),
        _columns_line("Mixed-type columns treated as string", stats.mixed_type_columns),
        "  Multi-value cells: Yes (Python list notation detected)"
        if stats.has_multi_values
        else "  Multi-value cells: No",
    ]
    empty = stats.empty_cells_per_column
    if empty:
        listed = ", ".join(f"{column} ({count})" for column, count in empty.items())
        lines.append(f"  User-defined columns with empty cells ({len(empty)}): {listed}")
    return lines


def _columns_line(label: str, columns: list[str]) -> str:
    return f"  {label} ({len(columns)}): {', '.join(columns) if columns else 'None'}"
