"""Differential test: any exact split of one VCF into a bucket gives what bcftools gives on the unsplit VCF.

Random buckets split a random VCF by contig runs, by sample groups or both, with shuffled header contig
and sample orders, scrambled contig blocks, awkward contig names (':' inside) and sample ids ('^' in
front), several records at one position, a file stored twice and a file that does not declare one of its
contigs. For random sample subsets and commands, `bcftools-pipe` with --jobs 1, 2 and 8 must give the
records and genotypes of the reference: `bcftools view -S SEL [per-file options] unsplit.vcf.gz |
bcftools view [sample-dependent options]` (the documented meaning: sample-dependent options see the
selected samples together), in the output header's contig order.

DIVBASE_DIFFERENTIAL_EXAMPLES raises the example count (benchmarks/README.md: the long run).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from divbase.local import LocalProject
from divbase.tasks.registry import by_name
from tests.strategies import partitions
from tests.vcfgen import Record, write_vcf

pytestmark = pytest.mark.integration

CONTIGS = ["chr1", "HLA-A*01:01:01:01", "c:2", "chrUn_KI270302v1", "chr10"]
SAMPLES = ["S1", "^S2", "a:b", "007", "S-5", "s6"]
ALLELES = [("A", "C"), ("A", "G"), ("A", "AT"), ("AT", "A")]
GENOTYPES = ["0/0", "0/1", "1/1", "./.", "0|1"]
EXAMPLES = int(os.environ.get("DIVBASE_DIFFERENTIAL_EXAMPLES", "12"))

# (command with -s, options of the reference's first view, options of its second view)
COMMANDS = [
    ("view -s", [], []),
    ("view -s -q 0.3:minor", [], ["-q", "0.3:minor"]),
    ("view -s -c 2", [], ["-c", "2"]),
    ("view -s -g het", [], ["-g", "het"]),
    ("view -s -i 'GT=\"alt\"'", [], ["-i", 'GT="alt"']),
    ("view -s -e 'FMT/DP<5'", [], ["-e", "FMT/DP<5"]),
    ("view -s -i 'QUAL>30' -v snps", ["-i", "QUAL>30", "-v", "snps"], []),
    ("view -v snps; view -s -u", ["-v", "snps"], ["-u"]),
    ("view -s -i 'FILTER=\"PASS\"' -m2 -M2", ["-i", 'FILTER="PASS"', "-m2", "-M2"], []),
]


@st.composite
def truths(draw: st.DrawFn) -> tuple[list[str], list[str], list[Record]]:
    contigs = draw(st.lists(st.sampled_from(CONTIGS), min_size=1, max_size=4, unique=True))
    samples = draw(st.lists(st.sampled_from(SAMPLES), min_size=2, max_size=6, unique=True))
    records = []
    for contig in contigs:
        for pos in sorted(draw(st.sets(st.integers(1, 9), min_size=1, max_size=4))):
            for k, (ref, alt) in enumerate(draw(st.lists(st.sampled_from(ALLELES), min_size=1, max_size=3))):
                calls = {s: (draw(st.sampled_from(GENOTYPES)), draw(st.integers(0, 9))) for s in samples}
                qual, flt = draw(st.sampled_from([10, 50])), draw(st.sampled_from(["PASS", "q10"]))
                records.append(Record(contig, pos * 100, f"v{pos}_{k}", ref, alt, qual, flt, calls))
    return contigs, samples, records


@st.composite
def layouts(draw: st.DrawFn, contigs: list[str], samples: list[str]) -> list[dict]:
    """Files as {samples, own contigs (block order), declared contigs}: sample groups x contig runs."""
    files = []
    runs = draw(partitions(contigs))
    for group in draw(partitions(samples)):
        for own in runs:
            declared = list(draw(st.permutations(contigs if draw(st.booleans()) else own)))
            if len(own) > 1 and draw(st.integers(0, 4)) == 0:
                declared.remove(own[-1])  # a contig with records but no ##contig line
            files.append(
                {"samples": draw(st.permutations(group)), "own": draw(st.permutations(own)), "declare": declared}
            )
    if draw(st.booleans()):
        files.append(dict(draw(st.sampled_from(files))))  # the same file stored under two keys
    return draw(st.permutations(files))


def bcftools(*args: str) -> str:
    return subprocess.run(["bcftools", *args], check=True, capture_output=True, text=True).stdout


def comparable(text: str) -> list[tuple[str, int, tuple[str, ...]]]:
    """(contig, pos, REF ALT QUAL FILTER and GTs) of each record, in file order."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        gts = tuple(call.split(":")[0] for call in f[9:])
        out.append((f[0], int(f[1]), (f[3], f[4], f[5], f[6], *gts)))
    return out


def reference(truth: Path, columns: list[str], first: list[str], second: list[str], work: Path) -> list:
    """`bcftools view -S columns [first] truth | bcftools view [second]`."""
    listing = work / "columns.txt"
    listing.write_text("".join(f"{s}\n" for s in columns))
    subset = work / "subset.bcf"
    bcftools("view", "-S", str(listing), *first, "-Ob", "-o", str(subset), str(truth))
    return comparable(bcftools("view", *second, str(subset)))


def check(got: list, want: list, header: list[str]) -> None:
    """Same records per position, and records in the header's contig order."""
    rank = {c: n for n, c in enumerate(header)}
    keys = [(rank[c], pos) for c, pos, _ in got]
    assert keys == sorted(keys), "records out of the output header's contig order"
    assert Counter(got) == Counter(want)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), truth=truths())
def test_split_buckets_give_the_unsplit_answer(data: st.DataObject, truth: tuple) -> None:
    contigs, samples, records = truth
    files = data.draw(layouts(contigs, samples))
    selection = data.draw(st.none() | st.lists(st.sampled_from(samples), min_size=1, unique=True))
    command, first, second = data.draw(st.sampled_from(COMMANDS))
    if data.draw(st.booleans()):
        picked = data.draw(st.sampled_from(contigs))
        command += f" -r {{{picked}}}" if ":" in picked else f" -r {picked}"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "-r" in command:  # bcftools 1.16 cannot parse such names in -r text: the reference gets a file
            (work / "picked.regions").write_text(f"{picked}\t1\t2147483647\n")
            first = [*first, "-R", str(work / "picked.regions")]
        truth_vcf = write_vcf(work / "truth.vcf.gz", contigs, samples, records)
        bcftools("index", str(truth_vcf))
        bucket = work / "bucket"
        for n, f in enumerate(files):
            rows = [r for c in f["own"] for r in records if r.contig == c]
            write_vcf(bucket / f"k{n:02d}.vcf.gz", f["own"], f["samples"], rows, f["declare"])
        run_all(bucket, work, command, selection or samples, selection is None, (first, second))


def run_all(bucket: Path, work: Path, command: str, samples: list[str], everyone: bool, ref: tuple) -> None:
    pipe, update = by_name("bcftools-pipe"), by_name("dimensions-update")
    assert pipe is not None and update is not None
    assert LocalProject(bucket).run(update, update.request()).status == "SUCCESS"
    mode: dict[str, object] = {"samples": samples}
    if everyone:
        command = command.replace("view -s", "view") if command != "view -s" else "view -v snps,indels,mnps"
        mode = {"all_samples": True}
    results = []
    for jobs in (1, 2, 8):
        outcome = LocalProject(bucket, jobs).run(pipe, pipe.request(command=command, **mode))
        assert outcome.error is None, (command, outcome.error)
        result = outcome.result
        text = bcftools("view", str(bucket / result.output_file))  # type: ignore[union-attr]
        assert result.records == len(comparable(text))  # type: ignore[union-attr]
        results.append("\n".join(line for line in text.splitlines() if not line.startswith("##bcftools")))
    assert len(set(results)) == 1, f"--jobs changes the result of {command!r}"
    text = results[0]
    columns = text.split("#CHROM", 1)[1].splitlines()[0].split("\t")[9:]
    assert sorted(columns) == sorted(samples)
    order = [line.split("ID=", 1)[1].split(",")[0].rstrip(">") for line in text.splitlines() if "##contig" in line]
    want = reference(work / "truth.vcf.gz", columns, *ref, work)
    check(comparable(text), want, order)
