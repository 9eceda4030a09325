"""The CLI in-process against real bcftools: hostile and legitimate corpora, pass-through, overlaps,
incremental dimensions, validation, history and provenance."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from divbase.adapters.bcftools import Bcftools
from divbase.cli.app import main
from divbase.core.command import parse_command
from divbase.local import LocalProject
from divbase.tasks.registry import by_name
from tests.conftest import REPO, Run, records
from tests.fixture_sets import FIRST_10, HOM, LAST_10
from tests.integration.upstream import replay
from tests.unit.test_command import LEGITIMATE
from tests.unit.test_command_corpus import ALL_SAMPLES_HOSTILE, HOSTILE

pytestmark = pytest.mark.integration

QUERY = [FIRST_10, LAST_10, "sample_metadata.tsv"]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def run(*args: str) -> Run:
        with pytest.raises(SystemExit) as stop:
            main(list(args))
        out = capsys.readouterr()
        return Run(int(stop.value.code or 0), out.out, out.err)

    return run


@pytest.fixture
def example(tmp_path: Path, cli: Callable[..., Run]) -> Path:
    root = tmp_path / "example"
    shutil.copytree(REPO / "examples" / "data", root)
    assert cli("run", "dimensions-update", "--bucket-dir", str(root)).code == 0
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".divbase" not in p.parts
    }


def test_hostile_corpus_exits_2_and_writes_nothing(
    indexed_project: Callable[..., Path], cli: Callable[..., Run]
) -> None:
    root = indexed_project(QUERY)
    before, tasks = snapshot(root), LocalProject(root).db.tasks(limit=1000)
    cases = [(text, "--samples", "5a_HOM-I7") for text, _ in HOSTILE]
    cases += [(text, "--all-samples") for text, _ in ALL_SAMPLES_HOSTILE]
    assert len(cases) >= 40
    for command, *selection in cases:
        result = cli("run", "bcftools-pipe", "--bucket-dir", str(root), "--command", command, *selection)
        assert result.code == 2, (command, result.stderr)
        assert "Error:" in result.stderr, command
    assert snapshot(root) == before
    assert LocalProject(root).db.tasks(limit=1000) == tasks


def test_legitimate_corpus_runs(indexed_project: Callable[..., Path], cli: Callable[..., Run]) -> None:
    root = indexed_project(QUERY)
    for text, _ in LEGITIMATE:
        # adapt contig and FILTER names to the fixture's header; bcftools refuses unknown ones at run time
        text = (
            text.replace("chr1", "1")
            .replace("{chr:1}", "{1}")
            .replace("A;B", "PASS")
            .replace("q10", "PASS")
            .replace("INFO/DP", "QUAL")
        )
        command = re.sub(r"(-[rt]) 2(?=\s|$)", r"\1 21", text)
        result = cli(
            "run",
            "bcftools-pipe",
            "--bucket-dir",
            str(root),
            "--json",
            "--command",
            command,
            "--samples",
            "5a_HOM-I7,8_HOM-E57",
        )
        if {"-x", "-X"} & {a for seg in parse_command(command).segments for a in seg.args}:
            # the two samples are in files of different sample sets: "private" has no meaning across them
            assert result.code == 1 and result.json()["error"]["exc_type"] == "CommandRejected", command
            assert "compares the selected samples with the other samples of the same file" in result.stderr
            continue
        assert result.code == 0, (command, result.stderr)
        output = root / result.json()["result"]["output_file"]
        header = [line for line in records(output) if line.startswith("#CHROM")]
        drops_genotypes = any("-G" in seg.args for seg in parse_command(command).segments)
        samples = [] if drops_genotypes else ["5a_HOM-I7", "8_HOM-E57"]
        assert header and header[0].rstrip("\n").split("\t")[9:] == samples, command


def test_refused_command_with_json_prints_an_error_object(
    indexed_project: Callable[..., Path], cli: Callable[..., Run]
) -> None:
    root = indexed_project(QUERY)
    result = cli(
        "run",
        "bcftools-pipe",
        "--bucket-dir",
        str(root),
        "--json",
        "--all-samples",
        "--command",
        "view -o out.vcf",
    )
    assert result.code == 2
    body = result.json()
    assert body["status"] == "error" and body["error"]["type"] == "CommandRejected"
    assert "-o/--output" in body["error"]["message"]


def test_whole_file_selection_is_copied_unchanged(example: Path, cli: Callable[..., Run]) -> None:
    result = cli(
        "run",
        "bcftools-pipe",
        "--bucket-dir",
        str(example),
        "--json",
        "--tsv-filter",
        "Area:West",
        "--command",
        "view -s",
    )
    assert result.code == 0, result.stderr
    body = result.json()["result"]
    assert body["files"] == ["batch2/chr1_new_samples.vcf.gz"]
    source = example / "batch2" / "chr1_new_samples.vcf.gz"
    assert (example / body["output_file"]).read_bytes() == source.read_bytes()
    assert "copying it unchanged" in (example / body["log_file"]).read_text()


def test_overlapping_concat_inputs_are_sorted_and_deduplicated(
    make_project: Callable[..., Path], cli: Callable[..., Run], tmp_path: Path
) -> None:
    single = f"{HOM}.1.vcf.gz"
    root = make_project({"copy_a.vcf.gz": single, "copy_b.vcf.gz": single, "ref/one.vcf.gz": single})
    (root / "ref" / "one.vcf.gz").rename(tmp_path / "one.vcf.gz")
    assert cli("run", "dimensions-update", "--bucket-dir", str(root)).code == 0
    result = cli(
        "run",
        "bcftools-pipe",
        "--bucket-dir",
        str(root),
        "--json",
        "--all-samples",
        "--command",
        "view -v snps",
    )
    assert result.code == 0, result.stderr
    body = result.json()["result"]
    expected = Bcftools().run(["view", "-v", "snps", str(tmp_path / "one.vcf.gz")], operation="t", target="t")
    got = records(root / body["output_file"])
    assert got == [line + "\n" for line in expected.splitlines() if not line.startswith("##")]
    assert "bcftools concat --allow-overlaps --rm-dups exact" in (root / body["log_file"]).read_text()


def test_sorted_plans_skip_the_sort(indexed_project: Callable[..., Path], cli: Callable[..., Run]) -> None:
    root = indexed_project(QUERY)
    result = cli(
        "run",
        "bcftools-pipe",
        "--bucket-dir",
        str(root),
        "--json",
        "--samples",
        "5a_HOM-I7,8_HOM-E57",
        "--command",
        "view -s",
    )
    log = (root / result.json()["result"]["log_file"]).read_text()
    assert "bcftools merge" in log and "bcftools sort" not in log
    result = cli(
        "run",
        "bcftools-pipe",
        "--bucket-dir",
        str(root),
        "--json",
        "--all-samples",
        "--command",
        "view -r 21,1",
    )
    body = result.json()["result"]
    log = (root / body["log_file"]).read_text()
    assert "bcftools merge" in log and "bcftools sort" not in log
    lines = records(root / body["output_file"])
    contigs = [line.split("\t", 1)[0] for line in lines if not line.startswith("#")]
    assert contigs == sorted(contigs, key=lambda c: c != "1") and {"1", "21"} <= set(contigs)


def test_unchanged_dimensions_update_runs_no_bcftools(
    make_project: Callable[..., Path], cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(QUERY)
    calls: list[list[str]] = []
    original = Bcftools.run

    def counting(self: Bcftools, args: list[str], **kwargs: object) -> str:
        calls.append(list(args))
        return original(self, args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Bcftools, "run", counting)
    assert cli("run", "dimensions-update", "--bucket-dir", str(root)).code == 0
    assert len(calls) == 6  # header, index build, index stats for each of the two files
    calls.clear()
    result = cli("run", "dimensions-update", "--bucket-dir", str(root), "--json")
    assert result.code == 0 and calls == []
    assert result.json()["result"]["indexed"] == [] and result.json()["result"]["unchanged"] == 2


def test_validate_metadata(fixtures: Path, indexed_project: Callable[..., Path], cli: Callable[..., Run]) -> None:
    bad = cli("validate-metadata", str(fixtures / "sample_metadata_incorrect_formatting_to_test_tsv_validator.tsv"))
    assert bad.code == 1
    for phrase in (
        "Expected 4 tab-separated columns from reading the header, found 2",
        "mixed element types",
        "Sample_ID is empty or missing in 2 row(s)",
        "Duplicate Sample_IDs found: 'test_duplicate' appears in 2 row(s)",
        "Sample_ID column contains list values",
        "Found 3 cell(s) with leading or trailing whitespace",
        "This column contains mixed-type cells",
        "Validation failed! Please fix the errors above before uploading.",
    ):
        assert phrase in bad.stdout, phrase
    root = indexed_project(QUERY)
    good = cli("validate-metadata", str(root / "sample_metadata.tsv"), "--bucket-dir", str(root))
    assert good.code == 0, good.stdout
    assert "Samples matching project VCF dimensions: 20/20" in good.stdout


def test_history_shows_queued_then_final_states(example: Path, cli: Callable[..., Run]) -> None:
    project = LocalProject(example)
    spec = by_name("sample-metadata-query")
    assert spec is not None
    number = project.db.create_task(
        "queued-uuid",
        spec.celery_name,
        {"tsv_filter": "Area:North"},
        user_id=project.user_id,
        project_id=project.project_id,
        queue="quick",
    )
    queued = cli("task-history", "id", str(number), "--bucket-dir", str(example), "--json").json()
    assert queued["state"] == "QUEUED" and queued["started_at"] is None and queued["runtime"] is None
    cli("run", "bcftools-pipe", "--bucket-dir", str(example), "--samples", "nobody", "--command", "view -s")
    rows = cli("task-history", "user", "--bucket-dir", str(example), "--json").json()
    states = [(r["name"], r["state"]) for r in rows]
    assert states[:3] == [
        ("tasks.bcftools_query", "FAILURE"),
        ("tasks.sample_metadata_query", "QUEUED"),
        ("tasks.update_vcf_dimensions_task", "SUCCESS"),
    ]
    assert rows[0]["result"]["exc_type"] == "TaskError" and "nobody" in rows[0]["result"]["exc_message"]
    assert rows[2]["result"]["indexed"] and rows[2]["runtime"] >= 0
    assert rows[0]["kwargs"]["samples"] == ["nobody"] and rows[0]["kwargs"]["project_name"] == "example"


def test_provenance_and_log(example: Path, cli: Callable[..., Run], tmp_path: Path) -> None:
    out = tmp_path / "out" / "north.vcf.gz"
    result = cli(
        "run",
        "bcftools-pipe",
        "--bucket-dir",
        str(example),
        "--json",
        "--tsv-filter",
        "Area:North",
        "--command",
        "view -s -r chr1",
        "-o",
        str(out),
    )
    assert result.code == 0, result.stderr
    body = result.json()
    provenance = json.loads((example / body["result"]["provenance_file"]).read_text())
    assert provenance["task_id"] == body["task_id"] and provenance["mode"] == "local"
    assert provenance["query"]["tsv_filter"] == "Area:North"
    assert provenance["samples"] == body["result"]["samples"]
    assert [i["key"] for i in provenance["inputs"]] == ["chr1.vcf.gz"]
    assert provenance["bcftools_version"].startswith("bcftools")
    log = (example / body["result"]["log_file"]).read_text()
    assert "Job Status: SUCCESS" in log and "TSV query string: 'Area:North'" in log
    assert out.exists() and Path(f"{out}.csi").exists()
    assert records(out) == records(example / body["result"]["output_file"])


def test_version_prints_bcftools(cli: Callable[..., Run]) -> None:
    result = cli("--version")
    assert result.code == 0 and result.stdout.startswith("divbase ") and "bcftools 1." in result.stdout


def test_local_state_of_another_schema_is_set_aside(example: Path, cli: Callable[..., Run]) -> None:
    state = example / ".divbase" / "divbase.sqlite"
    state.unlink()
    with sqlite3.connect(state) as conn:
        conn.execute("CREATE TABLE vcf_files (id INTEGER)")  # an old layout without a schema version
    result = cli("run", "bcftools-pipe", "--bucket-dir", str(example), "--all-samples", "--command", "view -r chr1")
    assert result.code == 1
    assert "dimensions index in project 'example' is missing or empty" in result.stderr
    assert (example / ".divbase" / "divbase.sqlite.schema-1.bak").exists()
    assert cli("run", "dimensions-update", "--bucket-dir", str(example)).code == 0


@pytest.mark.parametrize("command", ["view -s", "view -s -v snps; view -G"], ids=["one-segment", "two-segments"])
def test_single_file_split_by_contig_gives_the_same_records(
    make_project: Callable[..., Path], cli: Callable[..., Run], tmp_path: Path, command: str
) -> None:
    root = make_project([QUERY[0]])
    assert cli("run", "dimensions-update", "--bucket-dir", str(root)).code == 0
    outputs = []
    for jobs in ("1", "4"):
        result = cli(
            "run",
            "bcftools-pipe",
            "--bucket-dir",
            str(root),
            "--json",
            "--jobs",
            jobs,
            "--samples",
            "1b_HOM-G58,5a_HOM-I7",
            "--command",
            command,
        )
        assert result.code == 0, result.stderr
        body = result.json()["result"]
        outputs.append(records(root / body["output_file"]))
        split = "parallel pieces" in (root / body["log_file"]).read_text()
        assert split == (jobs == "4")
    segments = [seg.split()[1:] for seg in command.split(";")]
    segments[0] = [a for a in segments[0] if a != "-s"]
    expected = records(replay([(root / QUERY[0], ["5a_HOM-I7", "1b_HOM-G58"])], segments, tmp_path / "ref"))
    assert outputs[0] == outputs[1] == expected
