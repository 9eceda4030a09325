"""Run one divbase command for a rule and publish its outputs atomically.

Query rules: divbase writes the VCF and its index to temp names in the output directory; both are
checked (bgzip magic and BGZF end-of-file block, index present) and renamed into place, the VCF last,
so a killed job never leaves a file Snakemake would trust. Other rules: stdout (divbase --json) goes to
the single output through a temp file. Diagnostics go to the rule's log.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def bgzipped(path: Path) -> bool:
    if path.stat().st_size < len(BGZF_EOF):
        return False
    with path.open("rb") as handle:
        head = handle.read(4)
        handle.seek(-len(BGZF_EOF), os.SEEK_END)
        return head[:3] == b"\x1f\x8b\x08" and handle.read() == BGZF_EOF


def call(argv: list[str], out: IO[Any], err: IO[Any]) -> None:
    """Run divbase; if this job is stopped, let divbase stop its bcftools processes before leaving."""
    proc = subprocess.Popen(argv, stdout=out, stderr=err)
    try:
        code = proc.wait()
    except BaseException:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    if code:
        raise subprocess.CalledProcessError(code, argv)


def run_query(argv: list[str], vcf: Path, csi: Path, log: Path) -> None:
    tmp = vcf.with_name(f".{vcf.name}.{os.getpid()}.tmp.vcf.gz")
    tmp_csi = Path(f"{tmp}.csi")
    try:
        with log.open("w") as err:
            call([*argv, "-o", str(tmp)], err, err)
        if not bgzipped(tmp) or not tmp_csi.exists():
            raise RuntimeError(f"divbase wrote an incomplete result for {vcf} (see {log}).")
        os.replace(tmp_csi, csi)
        os.replace(tmp, vcf)
    finally:
        tmp.unlink(missing_ok=True)
        tmp_csi.unlink(missing_ok=True)


def run_json(argv: list[str], output: Path, log: Path) -> None:
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        with log.open("w") as err, tmp.open("w") as out:
            call(argv, out, err)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup in `finally` blocks
    job: Any = globals()["snakemake"]  # the job object Snakemake injects into scripts
    argv = [str(a) for a in job.params.argv]
    log = Path(job.log[0])
    log.parent.mkdir(parents=True, exist_ok=True)
    outputs = [Path(p) for p in job.output]
    outputs[0].parent.mkdir(parents=True, exist_ok=True)
    if len(outputs) == 2:
        run_query(argv, outputs[0], outputs[1], log)
    else:
        run_json(argv, outputs[0], log)


main()
