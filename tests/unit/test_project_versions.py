"""Project version rules (core/project_versions.py): names, descriptions, what a snapshot records, picking
the files of a version for a download."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from divbase.core.errors import InvalidInput, NotFound
from divbase.core.ports import ObjectInfo
from divbase.core.project_versions import (
    EMPTY_PROJECT,
    MAX_DESCRIPTION,
    MAX_NAME,
    check_description,
    check_name,
    pick,
    snapshot,
)


@pytest.mark.parametrize("name", ["v1", "v1.0", "submitted 2024-05", "é-ünïcode", "a" * MAX_NAME, "v 2?#%&"])
def test_good_names_pass(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "the name is empty"),
        ("a" * (MAX_NAME + 1), "longer than 100 characters"),
        (" v1", "starts or ends with whitespace"),
        ("v1\n", "starts or ends with whitespace"),
        ("a/b", "contains '/'"),
        ("a\\b", "contains '\\\\'"),
        ("..", "'.' and '..' are not names"),
        ("a\x00b", "U+0000"),
        ("a\u200bb", "U+200B"),
        ("a\x1bb", "U+001B"),
    ],
)
def test_bad_names_are_refused_with_the_reason(name: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_name(name)
    assert caught.value.message.startswith(f"Invalid version name {name!r}: ")
    assert problem in caught.value.message
    assert caught.value.exit_code == 2


@given(st.text(max_size=120))
def test_names_accepted_are_short_and_printable(name: str) -> None:
    try:
        check_name(name)
    except InvalidInput:
        return
    assert 1 <= len(name) <= MAX_NAME and "/" not in name and "\\" not in name
    assert all(unicodedata.category(c)[0] != "C" for c in name)


def test_descriptions() -> None:
    assert check_description("") == ""
    assert check_description("line one\n\tline two") == "line one\n\tline two"
    assert check_description("x" * MAX_DESCRIPTION)
    with pytest.raises(InvalidInput, match="501 characters long; at most 500"):
        check_description("x" * (MAX_DESCRIPTION + 1))
    with pytest.raises(InvalidInput, match=r"U\+0000"):
        check_description("a\x00b")


def _info(key: str, version: str = "v", size: int = 1) -> ObjectInfo:
    return ObjectInfo(key, version, size, f"etag-{key}")


def test_snapshot_records_files_but_not_results_or_folder_markers() -> None:
    objects = [
        _info("b.tsv", "2", 20),
        _info("a/x.vcf.gz", "1", 10),
        _info("a/"),
        _info("result_of_job_3.vcf.gz"),
        _info("out/result_of_job_4.log"),
    ]
    assert snapshot(objects) == {
        "a/x.vcf.gz": {"version_id": "1", "etag": "etag-a/x.vcf.gz", "size": 10},
        "b.tsv": {"version_id": "2", "etag": "etag-b.tsv", "size": 20},
    }
    assert list(snapshot(objects)) == ["a/x.vcf.gz", "b.tsv"]


@pytest.mark.parametrize("objects", [[], [_info("result_of_job_1.vcf.gz")], [_info("folder/")]])
def test_an_empty_snapshot_is_refused(objects: list[ObjectInfo]) -> None:
    with pytest.raises(InvalidInput) as caught:
        snapshot(objects)
    assert caught.value.message == EMPTY_PROJECT == "Cannot create a version of an empty project: upload files first."


def test_pick() -> None:
    files = {"b.tsv": {"version_id": "2"}, "a.tsv": {"version_id": "1"}}
    assert pick(files, [], "v1") == {"a.tsv": "1", "b.tsv": "2"}
    assert pick(files, ["b.tsv"], "v1") == {"b.tsv": "2"}
    with pytest.raises(NotFound) as caught:
        pick(files, ["b.tsv", "c.tsv", "d.tsv"], "my v")
    assert caught.value.message == "Version 'my v' does not hold: c.tsv, d.tsv."
    assert "divbase version info 'my v'" in str(caught.value)
