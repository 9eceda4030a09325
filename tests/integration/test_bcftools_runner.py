"""The bcftools runner against the real bcftools binary (and fake executables for the edge cases)."""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from divbase.adapters.bcftools import Bcftools
from divbase.core.errors import BcftoolsError, Unavailable, VcfError

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools not installed"),
]

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared/fixtures/divbase-upstream"
SPEC = FIXTURES / "vcf_specification_v45_example11.vcf.gz"
UNSORTED = FIXTURES / "HOM_20ind_17SNPs_last_10_samples_with_edit_to_scramble_coordinates.vcf.gz"


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (dead, waiting for a reaper) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def test_success_returns_stdout() -> None:
    out = Bcftools().run(["query", "-l", str(SPEC)], operation="listing samples", target="spec.vcf.gz")
    assert out.splitlines() == ["NA00001", "NA00002", "NA00003"]


def test_stdout_to_file_and_cwd(tmp_path: Path) -> None:
    shutil.copy(SPEC, tmp_path / "in.vcf.gz")
    target = tmp_path / "samples.txt"
    out = Bcftools().run(
        ["query", "-l", "in.vcf.gz"], operation="listing samples", target="in", cwd=tmp_path, stdout=target
    )
    assert out == ""
    assert target.read_text() == "NA00001\nNA00002\nNA00003\n"


def test_failure_raises_the_classified_error(tmp_path: Path) -> None:
    shutil.copy(UNSORTED, tmp_path / "u.vcf.gz")
    with pytest.raises(VcfError) as caught:
        Bcftools().run(["index", "-f", "u.vcf.gz"], operation="indexing", target="proj/u.vcf.gz", cwd=tmp_path)
    assert str(caught.value).startswith("proj/u.vcf.gz is not sorted by position")
    assert "bcftools sort" in str(caught.value)


def test_failure_with_stdout_file_leaves_no_partial_output(tmp_path: Path) -> None:
    target = tmp_path / "out.vcf"
    with pytest.raises(BcftoolsError) as caught:
        Bcftools().run(["view", "missing.vcf.gz"], operation="querying", target="missing", stdout=target)
    assert "bcftools failed while querying for missing.\nDetails from bcftools:\n" in str(caught.value)
    assert "No such file or directory" in str(caught.value)
    assert not target.exists()


def test_shell_metacharacters_are_passed_literally(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = f"x; touch {marker} && echo $HOME `id` | cat > {marker}"
    echo = Bcftools(executable=shutil.which("echo") or "/bin/echo")
    out = echo.run([evil, "*"], operation="echoing", target="t", cwd=tmp_path)
    assert out == f"{evil} *\n"
    with pytest.raises(BcftoolsError) as caught:
        Bcftools().run(["view", "-s", evil, str(SPEC)], operation="querying", target="spec")
    assert "subset called for sample that does not exist in header" in str(caught.value)
    assert not marker.exists()


def test_stdin_is_closed(tmp_path: Path) -> None:
    fake = _script(tmp_path, "reader", "cat; echo done\n")
    assert Bcftools(str(fake), timeout=10).run([], operation="reading", target="t") == "done\n"


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    fake = _script(tmp_path, "slow-bcftools", f"sleep 300 &\necho $! > {pidfile}\nsleep 300\n")
    started = time.monotonic()
    with pytest.raises(BcftoolsError) as caught:
        Bcftools(str(fake), timeout=1).run(["index", "x"], operation="indexing", target="proj/x.vcf.gz")
    assert time.monotonic() - started < 15
    assert str(caught.value).startswith("bcftools timed out after 1 s while indexing for proj/x.vcf.gz.")
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_interrupted_parent_kills_the_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A KeyboardInterrupt (or any exception) while waiting kills bcftools before propagating."""
    import subprocess

    pidfile = tmp_path / "child.pid"
    fake = _script(tmp_path, "stuck", f"sleep 300 &\necho $! > {pidfile}\nsleep 300\n")
    real = subprocess.Popen.communicate

    def interrupted(self: subprocess.Popen[bytes], input: bytes | None = None, timeout: float | None = None) -> object:
        if timeout == 10:  # the runner reaping the killed group
            return real(self, input, timeout)
        deadline = time.monotonic() + 5
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess.Popen, "communicate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Bcftools(str(fake), timeout=60).run([], operation="waiting", target="t")
    monkeypatch.undo()
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_missing_executable_is_unavailable_with_install_hint(tmp_path: Path) -> None:
    with pytest.raises(Unavailable) as caught:
        Bcftools(str(tmp_path / "nope" / "bcftools")).version()
    assert caught.value.exit_code == 5
    assert "apt-get install bcftools" in str(caught.value)
    assert "DIVBASE_BCFTOOLS" in str(caught.value)

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", str(empty))
        with pytest.raises(Unavailable) as on_path:
            Bcftools().run(["--version"], operation="checking", target="t")
    assert str(on_path.value).startswith("bcftools was not found on PATH.\nInstall it (Debian/Ubuntu:")


def test_not_executable_is_unavailable(tmp_path: Path) -> None:
    plain = tmp_path / "bcftools"
    plain.write_text("not a program")
    with pytest.raises(Unavailable, match="is not executable"):
        Bcftools(str(plain)).version()


def test_version_is_cached_first_line() -> None:
    tool = Bcftools()
    assert tool.version().startswith("bcftools 1.")
    tool.executable = "/nonexistent"
    assert tool.version().startswith("bcftools 1.")


def test_from_env(tmp_path: Path) -> None:
    assert Bcftools.from_env({"DIVBASE_BCFTOOLS": "/opt/bcftools"}).executable == "/opt/bcftools"
    assert Bcftools.from_env({}).executable == "bcftools"
