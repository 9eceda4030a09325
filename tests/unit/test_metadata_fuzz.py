"""Property tests: the filter parser and the TSV reader only ever raise their own errors.

Inputs are bounded in size (at most a few times MAX_FILTER_CHARS), so every call is quick by
construction: all the code paths are linear scans.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from divbase.core.errors import FilterError, MetadataError
from divbase.core.metadata import (
    MAX_FILTER_CHARS,
    MetadataTable,
    apply_filter,
    load_table,
    parse_filter,
    render_report,
    validate,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TABLE_TSV = (
    "#Sample_ID\tNum\tArea\tCode\tTags\tEmpty\n"
    "S1\t1\tNorth\t8\t[1, 2]\t\n"
    '007\t-2.5\t"North,South"\t1a\t[]\t\n'
    'S3\t[3, -4.5]\t["West", "East"]\t1-2\t[\'x\']\t\n'
    "S4\t\tSouth\t\t[0.5]\tNA\n"
)
COLUMNS = ["Sample_ID", "Num", "Area", "Code", "Tags", "Empty", "Missing"]
FILTER_ATOMS = [";", ":", ",", "!", '"', "-", ".", ">", "<", "=", ">=", "<=", "=<", "=>", " ", "[", "]"]
TSV_ATOMS = ["\t", "\n", "\r\n", "\r", '"', "[", "]", ",", ";", "#", " ", "NA", "1", "-2.5", "'a'", "x"]


@pytest.fixture(scope="module")
def table() -> MetadataTable:
    return load_table(TABLE_TSV, "fuzz.tsv")


filter_like = st.lists(
    st.one_of(
        st.sampled_from(FILTER_ATOMS),
        st.sampled_from(COLUMNS),
        st.integers(-1000, 1000).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.text(max_size=5),
    ),
    max_size=60,
).map("".join)

repeated = st.builds(
    lambda atom, count: atom * count,
    st.sampled_from(["[", '"', "!", "-", ";", ":", ",", ">", "=<1", "Num:", "Num:1-", '"a,', "9"]),
    st.integers(1, 3 * MAX_FILTER_CHARS),
)

any_filter = st.one_of(st.text(max_size=300), filter_like, repeated)


@FUZZ
@given(text=any_filter)
def test_parse_filter_raises_only_filter_error(text: str) -> None:
    try:
        clauses = parse_filter(text)
    except FilterError as error:
        assert error.message
        return
    assert len(text) <= MAX_FILTER_CHARS
    for clause in clauses:
        assert all(term.text == term.text.strip() for term in clause.terms)


@FUZZ
@given(text=any_filter)
def test_apply_filter_raises_only_filter_error(table: MetadataTable, text: str) -> None:
    try:
        result = apply_filter(table, text)
    except FilterError as error:
        assert error.message
        return
    assert set(result.sample_ids) <= set(table.sample_ids)
    order = [table.sample_ids.index(sample) for sample in result.sample_ids]
    assert order == sorted(order)
    assert all(isinstance(warning, str) for warning in result.warnings)


@FUZZ
@given(key=st.sampled_from(COLUMNS[:-1]), values=st.lists(st.text(max_size=8), max_size=6))
def test_negation_is_the_complement_of_the_positive_match(table: MetadataTable, key: str, values: list[str]) -> None:
    plain = [v.replace('"', "").replace(",", "").replace(";", "").strip().lstrip("!").strip() for v in values]
    plain = [v for v in plain if v and not v.startswith(("=<", "=>"))]
    if not plain or table.column_types[key] == "numeric":
        return
    positive = set(apply_filter(table, f"{key}:{','.join(plain)}").sample_ids)
    negative = set(apply_filter(table, f"{key}:{','.join('!' + v for v in plain)}").sample_ids)
    assert positive.isdisjoint(negative)
    column = table.index(key)
    empty = {sid for sid, row in zip(table.sample_ids, table.rows, strict=True) if row.cells[column] in ("", [])}
    assert positive | negative == set(table.sample_ids)
    assert empty <= negative


tsv_like = st.lists(
    st.one_of(st.sampled_from(TSV_ATOMS), st.text(max_size=4), st.sampled_from(["#Sample_ID", "Sample_ID"])),
    max_size=80,
).map("".join)

nested = st.builds(
    lambda opening, count, middle: opening * count + middle + "]" * count,
    st.sampled_from(["[", "[(", '["', "[[1,", "{", "[-"]),
    st.integers(1, 3000),
    st.sampled_from(["", "1", "'a'", "1e999", "9" * 5000]),
).map(lambda cell: f"#Sample_ID\tA\nS1\t{cell}\nS2\t1\n")

any_tsv = st.one_of(
    st.text(max_size=400),
    tsv_like,
    tsv_like.map(lambda body: "#Sample_ID\tA\tB\n" + body),
    nested,
)


@FUZZ
@given(text=any_tsv, samples=st.none() | st.sets(st.sampled_from(["S1", "S2", "x", "007"])))
def test_validate_never_raises(text: str, samples: set[str] | None) -> None:
    report = validate(text, project_samples=samples)
    assert all(m.severity == "error" for m in report.errors)
    assert all(m.severity == "warning" for m in report.warnings)
    assert report.ok == (not report.errors)
    rendered = render_report(report)
    assert rendered.startswith("VALIDATION SUMMARY:")
    if report.errors:
        assert rendered.endswith("Validation failed! Please fix the errors above before uploading.\n")


@FUZZ
@given(text=any_tsv, filter_text=filter_like)
def test_load_table_raises_only_metadata_error(text: str, filter_text: str) -> None:
    try:
        table = load_table(text, "fuzz.tsv")
    except MetadataError as error:
        assert error.message.startswith("Sample metadata file 'fuzz.tsv': ")
        return
    assert table.columns[0] == "Sample_ID"
    assert len(table.sample_ids) == len(table.rows)
    assert all(isinstance(sample, str) and sample for sample in table.sample_ids)
    with contextlib.suppress(FilterError):
        apply_filter(table, filter_text)
