"""check_key: object keys that cannot leave the bucket, hide, or impersonate another key."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from divbase.core.errors import UnsafeKey
from divbase.core.keys import MAX_KEY_BYTES, check_key, is_safe


@pytest.mark.parametrize(
    "key",
    [
        "a.vcf.gz",
        "a/b/c.vcf.gz",
        "HOM_20ind_17SNPs.1.vcf.gz",
        "sample metadata.tsv",
        "results/result_of_job_12.vcf.gz",
        ".hidden.tsv",
        "a/.b/..c...",
        "Área/Ñandú.vcf.gz",  # composed (NFC) accents are fine
        "x.divbase/a",
        "sub/.divbase/a",  # only the top folder is reserved
    ],
)
def test_accepts_plain_keys(key: str) -> None:
    assert check_key(key) == key
    assert is_safe(key)


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("", "empty"),
        ("/etc/passwd", "absolute path"),
        ("../x", "'..' path segment"),
        ("a/../../x", "'..' path segment"),
        ("a/./b", "'.' path segment"),
        ("..", "'..' path segment"),
        ("a\x00b", "NUL byte"),
        ("a\\b", "backslash"),
        ("a\nb", "U+000A"),
        ("a\x7fb", "U+007F"),
        ("a\u202eb.vcf", "U+202E"),  # right-to-left override
        ("a\u200bb", "U+200B"),  # zero-width space
        ("a//b", "'//'"),
        ("a/", "names a folder"),
        (" a.vcf", "whitespace"),
        ("a.vcf ", "whitespace"),
        ("a/ b /c", "whitespace"),
        ("a\u2215b", "U+2215 (DIVISION SLASH)"),
        ("a\u2044b", "U+2044"),
        ("a\uff0fb", "NFKC"),
        ("\uff0e\uff0e/x", "'../x'"),
        ("\u2024\u2024/x", "'../x'"),
        ("a\ufe68b", "NFKC"),
        ("e\u0301.vcf", "NFKC"),  # decomposed accent
        ("\ufb01le.vcf", "'file.vcf'"),  # ligature
        (".divbase/etags.json", "reserved"),
        (".divbase", "reserved"),
        (".DIVBASE/x", "reserved"),
        ("a" * (MAX_KEY_BYTES + 1), "longer than"),
        ("d/" + "b" * 256, "longer than 255"),
    ],
)
def test_refuses_unsafe_keys(key: str, says: str) -> None:
    with pytest.raises(UnsafeKey) as caught:
        check_key(key)
    assert says in caught.value.message
    assert caught.value.message.startswith(f"Invalid file name {key!r}: ")
    assert caught.value.exit_code == 2
    assert "folder/file.vcf.gz" in str(caught.value)
    assert not is_safe(key)


@given(st.text(max_size=40))
def test_any_accepted_key_stays_inside(key: str) -> None:
    if not is_safe(key):
        with pytest.raises(UnsafeKey):
            check_key(key)
        return
    parts = key.split("/")
    assert "" not in parts and "." not in parts and ".." not in parts
    assert not key.startswith("/") and "\\" not in key and "\x00" not in key
    assert unicodedata.normalize("NFKC", key) == key
    assert parts[0].lower() != ".divbase"
