"""The filter grammar: parse errors, the worked examples of 5a, warnings, quoting, ranges, fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from divbase.core.errors import FilterError, InvalidInput
from divbase.core.metadata import (
    MAX_FILTER_CHARS,
    Clause,
    MetadataTable,
    Term,
    apply_filter,
    load_table,
    parse_filter,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared/fixtures/divbase-upstream"

# Upstream's unit fixture `sample_tsv_with_numeric_data` (list notation version).
NUMERIC_TSV = (
    (
        "#Sample_ID\tPopulation\tWeight\tAge\tArea\tSingleNumber\tSingleString\tTemperature\tLongitude\t"
        "Latitude\tElevation\n"
    )
    + """S1\t1\t20.2\t5.0\tNorth\t100\tString\t-5.5\t-2.78305556\t51.5\t100
S2\t[2, 4]\t25.0\t10\tEast\t200\tStrings\t-10.2\t-0.12765\t52.2\t-50
S3\t3\t30.8\t15\t["West", "South", "East"]\t300\tSting\t0\t1.25\t50.8\t-100.5
S4\t4\t35.1\t20\tWest\t400\tStings\t15.5\t[-3.5, -2.1]\t49.5\t200
S5\t5\t40.0\t25\tNorth\t500\tThing\t-20\t0\t48.2\t-25
S6\t6\t45.4\t30\tEast\t600\tThings\t10\t2.5\t53.1\t150
S7\t[1, 3, 5]\t50.9\t35\tSouth\t700\tStrong\t5\t-1.5\t52.8\t50
S8\t2\t55.2\t40\tWest\t800\tStrung\t20\t3.0\t51.0\t75
S9\t7\t62.6\t45\tNorth\t900\tStang\t-15\t-2.0\t54.5\t-10
S10\t8\t70.7\t52\tEast\t1000\tSong\t25\t1.5\t50.5\t200
"""
)

# The docs example (docs/user-guides/sidecar-metadata.md), in list notation.
DOCS_TSV = """#Sample_ID\tPopulation\tArea\tWeight
S1\t1\tNorth\t12.1
S2\t[2, 4]\tEast\t18.8
S3\t3\t["West", "South"]\t15.0
S4\t4\tWest\t20.2
S5\t5\tNorth\t16.1
S6\t6\tEast\t25.2
S7\t[1, 3, 5]\tSouth\t22.6
S8\t2\tWest\t19.5
"""


@pytest.fixture(scope="module")
def numeric() -> MetadataTable:
    return load_table(NUMERIC_TSV, "numeric.tsv")


@pytest.fixture(scope="module")
def docs() -> MetadataTable:
    return load_table(DOCS_TSV, "docs.tsv")


def ids(table: MetadataTable, text: str) -> list[str]:
    return apply_filter(table, text).sample_ids


# --- parse_filter -----------------------------------------------------------------------------


def test_parse_filter_structure() -> None:
    clauses = parse_filter(' Area : North,"A, B", !South ;; Year:>2010;')
    assert clauses == [
        Clause(
            "Area",
            'North,"A, B", !South',
            ("North", "A, B", "!South"),
            (Term("North", False), Term("A, B", False), Term("South", True)),
        ),
        Clause("Year", ">2010", (">2010",), (Term(">2010", False),)),
    ]


def test_empty_filter_means_all_rows(numeric: MetadataTable) -> None:
    assert parse_filter("") == []
    result = apply_filter(numeric, "")
    assert result.sample_ids == [f"S{i}" for i in range(1, 11)]
    assert result.query_message == "ALL RECORDS (no filter)"
    assert result.warnings == []


def test_clause_without_colon() -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter("Area North")
    assert str(caught.value) == (
        "Invalid filter format: 'Area North'. Expected format 'key:value1,value2' or 'key:min-max' for numeric ranges"
    )
    assert isinstance(caught.value, InvalidInput) and caught.value.exit_code == 2


@pytest.mark.parametrize("operator", ["=<", "=>"])
def test_reversed_operators_are_rejected(operator: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(f"Weight:>1,!{operator}25")
    assert str(caught.value) == (
        f"Invalid operator format '{operator}' in filter 'Weight:>1,!{operator}25'. "
        "Use standard operators: '<=' (not '=<') or '>=' (not '=>')"
    )


def test_filter_length_limit() -> None:
    parse_filter("A:" + "x" * (MAX_FILTER_CHARS - 2))
    with pytest.raises(FilterError, match=f"Filter is too long: 10001 characters, the limit is {MAX_FILTER_CHARS}"):
        parse_filter("A:" + "x" * (MAX_FILTER_CHARS - 1))


@pytest.mark.parametrize("text", [";", " ", " ; ;"])
def test_filter_without_clauses_is_rejected(text: str) -> None:
    with pytest.raises(FilterError, match="Invalid filter conditions: no valid filter conditions could be parsed"):
        parse_filter(text)


# --- worked examples ---------------------------------------------------------------------------


def test_worked_examples_numeric(numeric: MetadataTable) -> None:
    assert ids(numeric, "Population:<4,!2") == ["S1", "S3", "S7"]
    assert ids(numeric, "Population:!2") == ["S1", "S3", "S4", "S5", "S6", "S7", "S9", "S10"]
    assert ids(numeric, "Age:!20-30") == ["S1", "S2", "S3", "S7", "S8", "S9", "S10"]
    assert ids(numeric, "Weight:>30,!50.9,!55.2") == ["S3", "S4", "S5", "S6", "S9", "S10"]


def test_worked_examples_docs(docs: MetadataTable) -> None:
    assert ids(docs, "Area:North,West,!South;Weight:>10,<=20,!15,18-22") == ["S1", "S4", "S5", "S8"]
    assert ids(docs, "Area:North") == ["S1", "S5"]
    assert ids(docs, "Sample_ID:S1") == ["S1"]


def test_inequalities_ranges_and_discrete_values(numeric: MetadataTable) -> None:
    assert ids(numeric, "Weight:>=62.6") == ["S9", "S10"]
    assert ids(numeric, "Weight:<=20.2") == ["S1"]
    assert ids(numeric, "Population:>6") == ["S9", "S10"]
    assert ids(numeric, "Population:4") == ["S2", "S4"]  # list cell [2, 4] matches an element
    assert ids(numeric, "Age:5") == ["S1"]  # 5.0 == 5
    assert ids(numeric, "Age:10-20,52") == ["S2", "S3", "S4", "S10"]
    assert ids(numeric, "Age:20-10") == []  # a > b matches nothing
    assert ids(numeric, "SingleNumber:>250;Weight:<45") == ["S3", "S4", "S5"]


def test_negative_numbers(numeric: MetadataTable) -> None:
    assert ids(numeric, "Elevation:-100--50") == ["S2"]  # S3 is -100.5
    assert ids(numeric, "Elevation:-101--50") == ["S2", "S3"]
    assert ids(numeric, "Temperature:<-10") == ["S2", "S5", "S9"]
    assert ids(numeric, "Temperature:-10.2") == ["S2"]
    assert ids(numeric, "Longitude:-3.5--2.5") == ["S1", "S4"]  # list cell [-3.5, -2.1]
    assert ids(numeric, "Elevation:>=-25,!-10") == ["S1", "S4", "S5", "S6", "S7", "S8", "S10"]


def test_string_columns_are_exact_and_case_sensitive(numeric: MetadataTable) -> None:
    assert ids(numeric, "Area:East") == ["S2", "S3", "S6", "S10"]
    assert ids(numeric, "Area:east") == []
    assert ids(numeric, "Area:!East") == ["S1", "S4", "S5", "S7", "S8", "S9"]
    assert ids(numeric, "SingleString:String,Song") == ["S1", "S10"]


def test_clauses_are_anded_and_unknown_columns_skipped(numeric: MetadataTable) -> None:
    result = apply_filter(numeric, "Area:North;Nope:1;Population:>1")
    assert result.sample_ids == ["S5", "S9"]
    assert result.warnings == ["Column 'Nope' not found in the TSV file. Skipping this filter condition."]
    assert result.query_message == "Area:North;Nope:1;Population:>1"


def test_only_unknown_columns_is_an_error(numeric: MetadataTable) -> None:
    with pytest.raises(FilterError) as caught:
        apply_filter(numeric, "NonExistentColumn:value")
    assert str(caught.value) == (
        "Invalid filter conditions: no valid filter conditions could be parsed from "
        "'NonExistentColumn:value'. Please check your filter keys, value spelling, and syntax. "
        "Expected format: 'Key:Value1,Value2' or 'Key:min-max' for numeric ranges."
    )


def test_unparsable_numeric_terms_are_dropped(numeric: MetadataTable) -> None:
    result = apply_filter(numeric, "Population:abc,1e3,>.5,2")
    assert result.sample_ids == ["S2", "S8"]
    assert result.warnings == []
    result = apply_filter(numeric, "Area:North;Population:abc,>.5")
    assert result.sample_ids == ["S1", "S5", "S9"]  # the numeric clause does not restrict
    assert result.warnings == [
        "No valid numeric values, ranges, or inequalities provided for column 'Population'. "
        "Filter condition will not match any rows."
    ]
    with pytest.raises(FilterError, match="Invalid filter conditions"):
        apply_filter(numeric, "Population:abc")


def test_no_match_warnings(numeric: MetadataTable) -> None:
    result = apply_filter(numeric, "Population:>100")
    assert result.sample_ids == []
    assert result.warnings == ["No values in column 'Population' match the filter: >100"]
    result = apply_filter(numeric, "Area:Nowhere,!East")
    assert result.sample_ids == []
    assert result.warnings == ["No results for the filter ['Nowhere', '!East'] were found in column 'Area'."]


def test_comparison_operator_on_string_column_warns(numeric: MetadataTable) -> None:
    result = apply_filter(numeric, "Area:>North,!<=South,East")
    assert result.sample_ids == ["S2", "S3", "S6", "S10"]
    assert result.warnings == [
        "Column 'Area':\n"
        "      - Your filter contains comparison operators ['>North', '<=South'], which are not supported on "
        "string columns.\n"
        "        DivBase comparison operators (>, <, >=, <=) only work on numeric columns.\n"
        "        Use exact string matching instead (e.g., 'Area:value1,value2')."
    ]


def test_mixed_column_is_string_with_warning() -> None:
    table = load_table("#Sample_ID\tCode\nS1\t8\nS2\t1a\nS3\t1-2\nS4\t10\n", "mixed.tsv")
    result = apply_filter(table, "Code:1-2,8")
    assert result.sample_ids == ["S1", "S3"]  # ranges are literal strings on a string column
    assert result.warnings == [
        "Column 'Code':\n"
        "      - Contains mixed types (both numeric and non-numeric values).\n"
        "        This column is treated as a string column."
    ]
    assert ids(table, "Code:>5") == []


def test_empty_cells_never_match_and_survive_negation() -> None:
    table = load_table("#Sample_ID\tA\tN\nS1\tx\t1\nS2\t\t\nS3\ty\t3\n", "e.tsv")
    assert ids(table, "A:x") == ["S1"]
    assert ids(table, "A:!x") == ["S2", "S3"]
    assert ids(table, "N:!1") == ["S2", "S3"]
    assert ids(table, "N:<10") == ["S1", "S3"]


def test_double_quoted_values_keep_commas() -> None:
    table = load_table('#Sample_ID\tArea\nS1\t"North,South"\nS2\tNorth\nS3\tSouth\n', "q.tsv")
    assert table.warnings[0].startswith("Column 'Area': Found 1 cell(s) containing a comma.")
    assert ids(table, 'Area:"North,South"') == ["S1"]
    assert ids(table, "Area:North,South") == ["S2", "S3"]
    assert ids(table, 'Area:!"North,South"') == ["S2", "S3"]
    assert ids(table, "Area:'North,South'") == []  # single quotes are literal


def test_sample_ids_stay_strings_in_queries() -> None:
    table = load_table("#Sample_ID\tA\n007\tx\n7\ty\n", "ids.tsv")
    assert ids(table, "Sample_ID:007") == ["007"]
    assert ids(table, "Sample_ID:7") == ["7"]
    assert ids(table, "A:x,y") == ["007", "7"]


def test_list_cells_in_string_columns_compare_each_element() -> None:
    table = load_table('#Sample_ID\tTags\nS1\t["a", "b"]\nS2\t[]\nS3\tc\n', "l.tsv")
    assert ids(table, "Tags:b") == ["S1"]
    assert ids(table, "Tags:!a") == ["S2", "S3"]


def test_upstream_fixture_query() -> None:
    table = load_table((FIXTURES / "sample_metadata.tsv").read_text(), "sample_metadata.tsv")
    result = apply_filter(table, "Area:West of Ireland,Northern Portugal;Sex:F")
    assert result.sample_ids == [
        "5a_HOM-I13",
        "5a_HOM-I14",
        "5a_HOM-I20",
        "5a_HOM-I21",
        "5a_HOM-I7",
        "1b_HOM-G58",
    ]
    assert result.warnings == []
    missing = apply_filter(table, "Area:ValueThatDoesNotExistInFixtures")
    assert missing.sample_ids == []
    assert missing.warnings == [
        "No results for the filter ['ValueThatDoesNotExistInFixtures'] were found in column 'Area'."
    ]
    assert ids(table, "Area:Northern Portugal;Year:2016;Longitude:<-9") == [
        "5a_HOM-I13",
        "5a_HOM-I14",
        "5a_HOM-I20",
        "5a_HOM-I21",
        "5a_HOM-I7",
    ]
    assert ids(table, "Area:West of Ireland;Sex:F") == ["1b_HOM-G58"]
