"""`-o/--output` and `-O/--output-type` of bcftools-pipe, like bcftools' own: formats, stdout, refusals."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import divbase, records

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
QUERY = ["--tsv-filter", "Area:North,West;Sex:F", "--command", "view -s -r chr1"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "bucket"
    shutil.copytree(REPO / "examples" / "data", root)
    assert divbase("run", "dimensions-update", "--bucket-dir", str(root)).code == 0
    return root


def divbase_bytes(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The real CLI with stdout kept as bytes (a result may be written there)."""
    return subprocess.run([sys.executable, "-m", "divbase", *args], capture_output=True, timeout=600)


def pipe(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return divbase_bytes("run", "bcftools-pipe", "--bucket-dir", str(root), *QUERY, *args)


def bcftools_records(path: Path | str) -> list[str]:
    text = subprocess.run(["bcftools", "view", str(path)], capture_output=True, text=True, check=True).stdout
    return [line + "\n" for line in text.splitlines() if not line.startswith("##")]


def latest_result(root: Path) -> Path:
    return max(root.glob("result_of_job_*.vcf.gz"), key=lambda p: int(p.name.split("_")[3].split(".")[0]))


@pytest.mark.parametrize(
    ("name", "extra", "magic", "index"),
    [
        ("out.bcf", [], b"BCF\x02", True),
        ("out.vcf", [], b"##fileformat=VCF", False),
        ("out.vcf.gz", [], b"\x1f\x8b", True),
        ("anything.dat", ["-O", "b"], b"BCF\x02", True),
    ],
)
def test_the_format_follows_the_extension_or_output_type(
    demo: Path, tmp_path: Path, name: str, extra: list[str], magic: bytes, index: bool
) -> None:
    out = tmp_path / name
    run = pipe(demo, "-o", str(out), *extra)
    assert run.returncode == 0, run.stderr.decode()
    raw = out.read_bytes()
    head = gzip.decompress(raw)[:16] if raw.startswith(b"\x1f\x8b") and magic != b"\x1f\x8b" else raw[:16]
    assert head.startswith(magic)
    assert Path(f"{out}.csi").exists() is index
    assert bcftools_records(out) == records(latest_result(demo))


def test_dash_writes_the_vcf_to_stdout_and_messages_to_stderr(demo: Path) -> None:
    run = pipe(demo, "-o", "-")
    assert run.returncode == 0, run.stderr.decode()
    text = run.stdout.decode()
    assert text.startswith("##fileformat=VCF")
    assert [line + "\n" for line in text.splitlines() if not line.startswith("##")] == records(latest_result(demo))
    assert b"Output file ready" in run.stderr and b"records" in run.stderr
    compressed = pipe(demo, "-o", "-", "-O", "z")
    assert compressed.returncode == 0 and gzip.decompress(compressed.stdout).startswith(b"##fileformat=VCF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "INSIDE/x.vcf.gz"], "is inside the bucket"),
        (["-o", "INSIDE/.divbase/x.vcf.gz"], "is inside the bucket"),
        (["-O", "b"], "-O/--output-type needs -o/--output"),
        (["-o", "OUT/x.txt"], "Cannot tell the output format from 'x.txt'"),
        (["-o", "OUT/x.vcf", "-O", "q"], "'q' is not a known output type"),
        (["-o", "-", "--json"], "--json writes its answer too"),
    ],
)
def test_bad_targets_are_refused_before_anything_runs(
    demo: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    before = sorted(p.name for p in demo.rglob("*") if ".divbase" not in p.parts)
    tasks = divbase("task-history", "user", "--bucket-dir", str(demo), "--json").stdout
    argv = [a.replace("INSIDE", str(demo)).replace("OUT", str(tmp_path)) for a in args]
    run = pipe(demo, *argv)
    assert run.returncode == 2, run.stderr.decode()
    assert message in run.stderr.decode() or message in run.stdout.decode()
    assert sorted(p.name for p in demo.rglob("*") if ".divbase" not in p.parts) == before
    assert divbase("task-history", "user", "--bucket-dir", str(demo), "--json").stdout == tasks
    assert not list(tmp_path.iterdir())


def test_help_says_how_samples_are_ordered() -> None:
    run = divbase_bytes("run", "bcftools-pipe", "--help")
    text = " ".join(run.stdout.decode().replace("│", " ").split())
    assert "Samples are in header order, files in key order" in text
