"""The validator: every upstream check with its category, severity, message and row numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from divbase.core.metadata import FULL_LIST_HINT, ValidationReport, render_report, validate

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared/fixtures/divbase-upstream"
BROKEN = FIXTURES / "sample_metadata_incorrect_formatting_to_test_tsv_validator.tsv"


def tsv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def messages(report: ValidationReport) -> list[tuple[str, str, str]]:
    return [(m.category, m.severity, m.message) for m in report.errors + report.warnings]


@pytest.fixture(scope="module")
def broken() -> ValidationReport:
    return validate(BROKEN.read_text())


def test_upstream_broken_fixture_substrings(broken: ValidationReport) -> None:
    output = render_report(broken, str(BROKEN), "split-scaffold-project")
    for expected in (
        "VALIDATION SUMMARY",
        "ERRORS",
        "WARNINGS",
        "Expected 4 tab-separated columns from reading the header, found 2",
        "mixed element types",
        "in lists",
        "Found 2 cell(s) with",
        "Column 'Population'",
        "Sample_ID is empty or missing in 2 row(s)",
        "Duplicate Sample_IDs found: 'test_duplicate' appears in 2 row(s)",
        "Sample_ID column contains list values",
        "Found 3 cell(s) with leading or trailing whitespace",
        "This column contains mixed-type cells",
    ):
        assert expected in output, expected
    assert output.endswith("Validation failed! Please fix the errors above before uploading.\n")
    assert not broken.ok


def test_upstream_broken_fixture_errors_in_order(broken: ValidationReport) -> None:
    errors = [(m.category, m.message) for m in broken.errors]
    assert [category for category, _ in errors] == [
        "ROW_FORMAT",
        "ROW_FORMAT",
        "ROW_FORMAT",
        "MIXED_TYPE",
        "LIST_SYNTAX",
        "SAMPLE_ID_VALUE",
        "SAMPLE_ID_VALUE",
        "SAMPLE_ID_VALUE",
    ]
    assert errors[0][1] == (
        "Row 22: Expected 4 tab-separated columns from reading the header, found 2 "
        "(Sample_ID: 'noTab    0  vscode_spaces'). Check that all cells in the TSV are separated by tabs "
        "(not spaces)."
    )
    assert errors[1][1].startswith("Row 23: Expected 4 tab-separated columns from reading the header, found 5")
    assert errors[2][1].startswith("Row 24: Expected 4 tab-separated columns from reading the header, found 5")
    assert errors[3][1] == (
        "Column 'Population': Found 2 cell(s) with mixed element types (both numeric and string values) in "
        "lists. All elements in a list must be the same type. Use either all numbers (e.g. [1, 2, 3]) or all "
        'strings (e.g. ["a", "b", "c"]). Affected cells: Row 8 (\'[1, \'three\', 5]\'), '
        "Row 14 ('[12, 'one', 68]')."
    )
    assert errors[4][1] == (
        "Column 'Population': Found 2 cell(s) with invalid list syntax or not parsed as list. Multi-value "
        'cells must use valid Python list notation, e.g. [1, 2, 3] or ["a", "b"]. '
        "Affected cells: Row 3 ('[2;4]'), Row 7 ('[6 3 5]')."
    )
    # Row numbers are file line numbers (upstream's pandas index drifts after skipped lines).
    assert errors[5][1] == (
        "Sample_ID is empty or missing in 2 row(s). Affected rows: Row 25 ('<empty>'), Row 26 ('<empty>'). "
        "All rows must have a valid Sample_ID."
    )
    assert errors[6][1] == (
        "Duplicate Sample_IDs found: 'test_duplicate' appears in 2 row(s). Affected rows: "
        "Row 19 ('test_duplicate'), Row 20 ('test_duplicate'). Each Sample_ID must be unique."
    )
    assert errors[7][1] == (
        "Sample_ID column contains list values: [['test_duplicate', 'test_duplicate2']]. Sample_ID must "
        "contain only one value per row (list notation is not allowed)."
    )


def test_upstream_broken_fixture_warnings(broken: ValidationReport) -> None:
    warnings = [(m.category, m.message) for m in broken.warnings]
    assert [category for category, _ in warnings] == [
        "FORMAT",
        "FORMAT",
        "TYPE_CLASSIFICATION",
        "TYPE_CLASSIFICATION",
    ]
    assert warnings[0][1] == (
        "Column 'Test': Found 3 cell(s) with leading or trailing whitespace (this is allowed, but note that "
        "they will be stripped by DivBase server when the TSV is used for queries). Affected cells: "
        "Row 3 (' three '), Row 5 ('1    '), Row 26 ('two    ')."
    )
    assert warnings[1][1].startswith("Column 'Area': Found 1 cell(s) containing a comma.")
    assert 'enclose the value in double quotes in your filter (e.g. Area:"North,South").' in warnings[1][1]
    assert warnings[1][1].endswith("Affected cells: Row 3 ('East,West').")
    assert warnings[2][1] == (
        "Column 'Population': This column contains mixed-type cells (18 numeric, 1 string type cells), and "
        "will be treated as string type. Numeric query operations (ranges, inequalities) are not applicable "
        "to string columns. 4 cell(s) in this column have hard list-format/type errors and are reported "
        "separately under ERRORS. The string cells are in minority and are: Row 22 ('one')."
    )
    assert warnings[3][1].startswith("Column 'Test': This column contains mixed-type cells (7 numeric, 15 string")
    assert warnings[3][1].endswith(
        "The numeric cells are in minority and are: "
        + ", ".join(f"Row {r} ('{v}')" for r, v in [(5, 1), (15, 1), (16, 2), (18, 1), (19, 1), (20, 1), (21, 1)])
        + "."
    )


def test_upstream_broken_fixture_stats(broken: ValidationReport) -> None:
    stats = broken.stats
    assert (stats.total_columns, stats.user_defined_columns) == (4, 3)
    assert stats.numeric_columns == [] and stats.string_columns == ["Area"]
    assert stats.mixed_type_columns == ["Population", "Test"]
    assert stats.has_multi_values
    assert stats.empty_cells_per_column == {"Area": 1, "Test": 1}
    assert stats.samples_in_tsv == 19


def test_render_summary_lines(broken: ValidationReport) -> None:
    lines = render_report(broken, "x.tsv", "P").splitlines()
    assert lines[:11] == [
        "Validating local metadata file: x.tsv",
        "Project: P",
        "",
        "VALIDATION SUMMARY:",
        "  Total columns: 4 (3 user-defined + 1 Sample_ID column)",
        "  Samples matching project VCF dimensions: 0/19 (project has 0 total)",
        "  Numeric columns (0): None",
        "  String columns (1): Area",
        "  Mixed-type columns treated as string (2): Population, Test",
        "  Multi-value cells: Yes (Python list notation detected)",
        "  User-defined columns with empty cells (2): Area (1), Test (1)",
    ]
    assert "ERRORS (must be fixed):" in lines and "WARNINGS (should be reviewed):" in lines
    assert (
        "  - Sample_ID column contains list values: [['test_duplicate', 'test_duplicate2']]. Sample_ID "
        "must contain only one value per row (list notation is not allowed)." in lines
    )


def test_render_passed_and_passed_with_warnings() -> None:
    clean = validate(tsv("#Sample_ID\tA", "S1\t1", "S2\t2"), project_samples={"S1", "S2"})
    assert clean.ok and not clean.warnings
    output = render_report(clean, "meta.tsv")
    assert "ERRORS" not in output and "WARNINGS" not in output
    assert "  Samples matching project VCF dimensions: 2/2 (project has 2 total)" in output
    assert "  Numeric columns (1): A" in output and "  Multi-value cells: No" in output
    assert output.endswith(
        "Validation passed! The metadata file meets all DivBase requirements. The file is ready to be "
        "uploaded to your DivBase project with 'divbase files upload meta.tsv'\n"
    )
    warned = validate(tsv("#Sample_ID\tA", "S1\t a"))
    assert warned.ok
    assert render_report(warned).endswith("Validation passed with warnings! Review the warnings above.\n")


def test_header_errors() -> None:
    report = validate(tsv("Sample_ID\tA\t#A\t\t ", "S1\t1\t2\t3\t4"))
    assert [(m.category, m.message) for m in report.errors] == [
        (
            "HEADER",
            "Empty column name(s) found at position(s): [4, 5]. All columns must have a non-empty name.",
        ),
        (
            "HEADER",
            "Duplicate column names found: ['A', '']. Each column name must be unique in the metadata file.",
        ),
        ("SAMPLE_ID_COLUMN", "First column must be named '#Sample_ID', found: 'Sample_ID'"),
    ]


def test_missing_sample_id_column() -> None:
    report = validate(tsv("#Name\tA", "S1\t1"))
    assert [(m.category, m.message) for m in report.errors] == [
        ("SAMPLE_ID_COLUMN", "First column must be named '#Sample_ID', found: '#Name'"),
        ("SAMPLE_ID_COLUMN", "The 'Sample_ID' column is required in the metadata file."),
    ]


def test_semicolon_warning_reports_first_cell_per_column_and_skips_sample_id() -> None:
    report = validate(tsv("#Sample_ID\tA", "S;1\tx;y", "S2\tp;q"))
    assert messages(report) == [
        (
            "FORMAT",
            "warning",
            "Column 'A': Found 1 cell(s) containing a semicolon. Note that DivBase query syntax uses "
            "semicolons to separate filter key:value pairs, so this exact cell value cannot be matched via "
            "queries. Affected cells: Row 2 ('x;y').",
        )
    ]


def test_comma_warning_covers_sample_id_and_every_column() -> None:
    report = validate(tsv("#Sample_ID\tA\tB", "S,1\tx,y\t1", "S2\tz\t2,3"))
    assert [m.message.split(":")[0] for m in report.warnings if m.category == "FORMAT"] == [
        "Column 'Sample_ID'",
        "Column 'A'",
        "Column 'B'",
    ]
    assert all("containing a comma" in m.message for m in report.warnings[:3])


def test_preview_truncates_at_limit_with_hint() -> None:
    lines = ["#Sample_ID\tA"] + [f"S{i}\t x" for i in range(25)]
    report = validate(tsv(*lines))
    message = report.warnings[0].message
    assert "Found 25 cell(s) with leading or trailing whitespace" in message
    assert "Row 21 (' x'), ... (5 more). " + FULL_LIST_HINT in message
    assert "Row 22 (' x')" not in message
    assert FULL_LIST_HINT == ("To view full validation lists, run: divbase validate-metadata <TSV_FILE> --untruncated.")
    full = validate(tsv(*lines), preview_limit=None).warnings[0].message
    assert "Row 26 (' x')" in full and "more)" not in full and FULL_LIST_HINT not in full


def test_dimensions_checks() -> None:
    report = validate(tsv("#Sample_ID", "S1", "S2", "X1"), project_samples={"S1", "S2", "P1", "P2"})
    assert messages(report) == [
        (
            "DIMENSIONS",
            "error",
            "The following samples in the TSV were not found in the DivBase project's dimensions index "
            "(count: 1, samples: ['X1']). DivBase requires that all samples in the TSV file must be present "
            "in the project's dimensions index to be used for queries.",
        ),
        (
            "DIMENSIONS",
            "warning",
            "The following samples in the DivBase project's dimensions index were not found in the TSV "
            "(count: 2, samples: ['P1', 'P2']). This is allowed for DivBase metadata TSV files, but please "
            "be aware that these samples will not be considered when making queries with this metadata file.",
        ),
    ]
    assert (report.stats.samples_in_tsv, report.stats.samples_matching_project) == (3, 2)
    assert report.stats.total_project_samples == 4
    assert messages(validate(tsv("#Sample_ID", "S1", "X1"))) == []  # None skips the check


def test_dimensions_preview_truncates_sorted_names() -> None:
    samples = [f"S{i:02d}" for i in range(30)]
    report = validate(tsv("#Sample_ID", *samples), project_samples=set())
    message = report.errors[0].message
    assert f"(count: 30, showing first 20: {samples[:20]})" in message
    assert message.endswith(FULL_LIST_HINT)


def test_numeric_sample_ids_are_compared_as_written() -> None:
    report = validate(tsv("#Sample_ID", "007", "7"), project_samples={"007", "7"})
    assert messages(report) == []


def test_mixed_minority_not_listed_when_equal() -> None:
    report = validate(tsv("#Sample_ID\tA", "S1\t1", "S2\tx"))
    assert report.warnings[0].message == (
        "Column 'A': This column contains mixed-type cells (1 numeric, 1 string type cells), and will be "
        "treated as string type. Numeric query operations (ranges, inequalities) are not applicable to "
        "string columns."
    )
