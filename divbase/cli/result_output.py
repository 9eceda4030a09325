"""`-o/--output` and `-O/--output-type` of tasks with a result file: like bcftools' own output options.

The result in the bucket is always a bgzipped VCF with a CSI index; `-o PATH` also writes it to PATH in
the format `-O` or PATH's extension names, `-o -` to stdout. Checked before the task is queued, so a bad
target costs nothing and writes nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from divbase.cli.output import info
from divbase.core.errors import InvalidInput
from divbase.core.ports import BcftoolsRunner

FORMATS = {"z": "bgzipped VCF", "b": "BCF", "v": "uncompressed VCF", "u": "uncompressed BCF"}
_EXTENSIONS = ((".vcf.gz", "z"), (".vcf.bgz", "z"), (".bcf", "b"), (".vcf", "v"))
_INDEXED = ("z", "b")


@dataclass(frozen=True)
class Target:
    """Where the result also goes: a path (None: stdout) and a bcftools output type."""

    path: Path | None
    fmt: str


def resolve(output: Path | None, output_type: str | None, as_json: bool) -> Target | None:
    """The output target of `-o`/`-O`, or None without `-o`; InvalidInput (exit 2) when it cannot work."""
    if output_type is not None and output_type not in FORMATS:
        choices = ", ".join(f"{k} ({v})" for k, v in FORMATS.items())
        raise InvalidInput(f"-O/--output-type '{output_type}' is not a known output type.", f"Use one of {choices}.")
    if output is None:
        if output_type is not None:
            raise InvalidInput("-O/--output-type needs -o/--output.", "Add -o PATH, or -o - for stdout.")
        return None
    if str(output) == "-":
        if as_json:
            raise InvalidInput(
                "-o - writes the result to stdout, where --json writes its answer too.",
                "Drop --json, or write the result to a file with -o PATH.",
            )
        return Target(None, output_type or "v")
    fmt = output_type or next((f for ext, f in _EXTENSIONS if output.name.endswith(ext)), None)
    if fmt is None:
        raise InvalidInput(
            f"Cannot tell the output format from '{output.name}'.",
            "Name it .vcf.gz, .bcf or .vcf, or give -O z|b|v|u.",
        )
    return Target(output, fmt)


def refuse_inside(target: Target | None, bucket: Path) -> None:
    """A result written into the bucket would be indexed as data by the next dimensions-update."""
    if target is None or target.path is None:
        return
    path, root = target.path.expanduser().resolve(), bucket.resolve()
    if path == root or path.is_relative_to(root):
        raise InvalidInput(
            f"-o {target.path} is inside the bucket {root}: the next dimensions-update would index it as a "
            "project file and later queries would read it.",
            f"Write it outside the bucket, e.g. -o {root.parent / target.path.name}. The result is kept in "
            "the bucket anyway (result_of_job_<id>.vcf.gz).",
        )


def write(result: Path, target: Target, bcftools: BcftoolsRunner) -> None:
    """Write `result` (bgzipped VCF with `<result>.csi`) to the target, never partially."""
    if target.path is None:
        _to_stdout(result, target.fmt, bcftools)
        return
    target.path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.path.parent, prefix=".divbase-") as tmp:
        staged = Path(tmp) / "out"
        if target.fmt == "z":
            shutil.copyfile(result, staged)
            shutil.copyfile(f"{result}.csi", f"{staged}.csi")
        else:
            run = ["view", "--no-version", "-O", target.fmt, "-o", str(staged), str(result)]
            bcftools.run(run, operation="writing the result", target=str(target.path))
            if target.fmt in _INDEXED:
                bcftools.run(["index", "-f", str(staged)], operation="indexing the result", target=str(target.path))
        if target.fmt in _INDEXED:
            os.replace(f"{staged}.csi", f"{target.path}.csi")
        os.replace(staged, target.path)
    info(f"Wrote {target.path} ({FORMATS[target.fmt]})")


def _to_stdout(result: Path, fmt: str, bcftools: BcftoolsRunner) -> None:
    sys.stdout.flush()
    if fmt == "z":
        with result.open("rb") as handle:
            shutil.copyfileobj(handle, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    bcftools.run(
        ["view", "--no-version", "-O", fmt, str(result)],
        operation="writing the result to stdout",
        target="stdout",
        stdout=Path("/dev/stdout"),
    )
