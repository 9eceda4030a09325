"""TSV reading: records, quoting, line numbers, cell cleaning, list cells and column typing."""

from __future__ import annotations

from pathlib import Path

import pytest

from divbase.core.errors import MetadataError
from divbase.core.metadata import MAX_TSV_BYTES, load_table, validate
from divbase.core.metadata.table import (
    MAX_LIST_CELL_CHARS,
    NA_TOKENS,
    TsvReadError,
    cell_kind,
    parse_list_cell,
    read_records,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared/fixtures/divbase-upstream"


def tsv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_records_carry_file_line_numbers_across_blank_lines_and_crlf() -> None:
    records = read_records("#Sample_ID\tA\r\n\r\nS1\t1\r\n\nS2\t2")
    assert [(r.line, r.fields) for r in records] == [
        (1, ["#Sample_ID", "A"]),
        (3, ["S1", "1"]),
        (5, ["S2", "2"]),
    ]


def test_lone_carriage_returns_end_lines_too() -> None:
    assert [r.line for r in read_records("#Sample_ID\rS1\rS2")] == [1, 2, 3]


def test_double_quoted_fields_follow_csv_rules() -> None:
    text = '#Sample_ID\tArea\nS1\t"North, South"\nS2\t"tab\there"\nS3\t"say ""hi"""\nS4\tmid"quote\n'
    fields = [r.fields for r in read_records(text)]
    assert fields[1:] == [
        ["S1", "North, South"],
        ["S2", "tab\there"],
        ["S3", 'say "hi"'],
        ["S4", 'mid"quote'],
    ]


def test_quoted_field_spanning_lines_keeps_next_record_line_number() -> None:
    records = read_records('#Sample_ID\tNote\nS1\t"two\nlines"\nS2\tx\n')
    assert [(r.line, r.fields) for r in records] == [
        (1, ["#Sample_ID", "Note"]),
        (2, ["S1", "two\nlines"]),
        (4, ["S2", "x"]),
    ]


def test_unterminated_quote_is_a_file_read_error() -> None:
    with pytest.raises(TsvReadError, match="starting on line 2 is never closed"):
        read_records('#Sample_ID\tA\nS1\t"open\nS2\tx\n')
    report = validate('#Sample_ID\tA\nS1\t"open\n')
    assert [(m.category, m.severity) for m in report.errors] == [("FILE_READ", "error")]
    assert report.errors[0].message.startswith("Failed to read file (TSV read stage): the double-quoted cell")


def test_bom_is_ignored() -> None:
    table = load_table("\ufeff#Sample_ID\tA\nS1\tx\n", "bom.tsv")
    assert table.columns == ["Sample_ID", "A"]


def test_sample_ids_stay_strings() -> None:
    table = load_table(tsv("#Sample_ID\tPop", "007\t1", "0.50\t2", "1e3\t3"), "ids.tsv")
    assert table.sample_ids == ["007", "0.50", "1e3"]
    assert table.column_types["Sample_ID"] == "string"


def test_cells_are_stripped_and_na_tokens_are_empty() -> None:
    table = load_table(tsv("#Sample_ID\tA\tB", "S1\t  x  \tNA", "S2\tn/a\t  ", "S3\tNone\t<NA>"), "na.tsv")
    assert [row.cells for row in table.rows] == [["S1", "x", ""], ["S2", "", ""], ["S3", "", ""]]
    assert {"", "NA", "nan", "null", "N/A", "#N/A N/A", "-1.#QNAN"} <= NA_TOKENS


def test_column_types() -> None:
    text = tsv(
        "#Sample_ID\tNum\tStr\tMixed\tEmpty\tLists\tStrList\tWithEmptyList",
        "S1\t1\ta\t1\t\t[1, 2.5]\t['a', \"b\"]\t[]",
        "S2\t-2.5\tb\tx\tNA\t[ 3 ]\t[]\t4",
        "S3\t1e3\tc\t2\t\t7\tz\t",
    )
    table = load_table(text, "types.tsv")
    assert table.column_types == {
        "Sample_ID": "string",
        "Num": "numeric",
        "Str": "string",
        "Mixed": "mixed",
        "Empty": "numeric",
        "Lists": "numeric",
        "StrList": "string",
        "WithEmptyList": "numeric",
    }
    assert table.rows[0].cells[5] == [1, 2.5]
    assert table.rows[0].cells[6] == ["a", "b"]


def test_list_cell_parsing() -> None:
    assert parse_list_cell("[1, 2]") == ([1, 2], None)
    assert parse_list_cell("[]") == ([], None)
    assert parse_list_cell('[1, "two"]') == ([1, "two"], "mixed")
    for bad in ("[4", "[1 2 3]", "[ref]", "[2;4]", "[1][0]", "[x for x in y]", "[" * 500 + "]" * 500):
        assert parse_list_cell(bad) == (None, "syntax"), bad
    huge = "[" + "1," * MAX_LIST_CELL_CHARS + "]"
    assert parse_list_cell(huge) == (None, "syntax")


def test_cell_kind() -> None:
    assert cell_kind("") is None
    assert cell_kind([]) is None
    assert cell_kind("2.5") == "numeric"
    assert cell_kind("1_000") == "numeric"  # float() accepts it, as upstream's classifier
    assert cell_kind("abc") == "string"
    assert cell_kind([1, 2.0]) == "numeric"
    assert cell_kind(["a"]) == "string"


def test_rows_with_too_many_fields_are_dropped_and_short_rows_padded_in_validate() -> None:
    report = validate(tsv("#Sample_ID\tA\tB", "S1\t1\t2", "S2\t1", "S3\t1\t2\t3"))
    assert report.table is not None
    assert [(row.line, row.cells) for row in report.table.rows] == [
        (2, ["S1", "1", "2"]),
        (3, ["S2", "1", ""]),
    ]


def test_load_table_raises_first_error_with_file_name() -> None:
    with pytest.raises(MetadataError) as caught:
        load_table(tsv("#Sample_ID\tA", "S1\t1", "S1\t2"), "dup.tsv")
    assert caught.value.message.startswith(
        "Sample metadata file 'dup.tsv': Duplicate Sample_IDs found: 'S1' appears in 2 row(s)."
    )
    assert "Each Sample_ID must be unique." in caught.value.message
    assert caught.value.hint is not None and "divbase validate-metadata dup.tsv" in caught.value.hint
    assert caught.value.exit_code == 1


def test_load_table_keeps_format_and_dimensions_warnings_only() -> None:
    text = tsv("#Sample_ID\tA\tB", "S1\t x\t1", "S2\ty,z\tq")
    table = load_table(text, "w.tsv", project_samples={"S1", "S2", "S3"})
    assert len(table.warnings) == 3
    assert table.warnings[0].startswith("Column 'A': Found 1 cell(s) with leading or trailing whitespace")
    assert table.warnings[1].startswith("Column 'A': Found 1 cell(s) containing a comma.")
    assert table.warnings[2].startswith(
        "The following samples in the DivBase project's dimensions index were not found in the TSV "
        "(count: 1, samples: ['S3'])."
    )
    assert table.column_types["B"] == "mixed"  # its TYPE_CLASSIFICATION warning is not forwarded


def test_load_table_rejects_samples_missing_from_the_project() -> None:
    with pytest.raises(MetadataError, match=r"not found in the DivBase project's dimensions index \(count: 1"):
        load_table(tsv("#Sample_ID", "S1", "S9"), "d.tsv", project_samples={"S1"})


def test_too_large_text_is_rejected_naming_the_limit() -> None:
    text = "#Sample_ID\n" + "x" * MAX_TSV_BYTES
    with pytest.raises(MetadataError, match="limit for a sample metadata TSV is 64 MiB"):
        load_table(text, "big.tsv")


def test_multibyte_text_is_measured_in_bytes() -> None:
    text = "#Sample_ID\n" + "é" * (MAX_TSV_BYTES // 2)
    report = validate(text)
    assert report.errors[0].category == "FILE_READ"
    assert "64 MiB" in report.errors[0].message


def test_empty_text() -> None:
    for text in ("", "\n\n", "\r\n"):
        report = validate(text)
        assert [m.message for m in report.errors] == ["File is empty"]
    with pytest.raises(MetadataError, match=r"Sample metadata file 'e\.tsv': File is empty"):
        load_table("", "e.tsv")


def test_upstream_fixture_loads() -> None:
    table = load_table((FIXTURES / "sample_metadata.tsv").read_text(), "sample_metadata.tsv")
    assert table.name == "sample_metadata.tsv"
    assert table.columns[0] == "Sample_ID"
    assert len(table.sample_ids) == 20
    assert table.sample_ids[:2] == ["8_HOM-E57", "8_HOM-E59"]
    assert table.column_types["Year"] == "numeric"
    assert table.column_types["Area"] == "string"
    assert table.column_types["Population_code"] == "mixed"  # '8' and '1a'


def test_tutorial_fixture_loads() -> None:
    table = load_table((FIXTURES / "tutorial_mock_metadata_mgpv3snps.tsv").read_text(), "t.tsv")
    assert len(table.sample_ids) == 18
    assert "Population" in table.columns and "Area" in table.columns
