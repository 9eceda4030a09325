"""Helpers shared by the benchmark scripts: running processes, timing, environment facts."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO / ".bench"
TIME_BIN = Path("/usr/bin/time")


class BenchError(RuntimeError):
    """A benchmark step failed; the message says which command and why."""


def run(argv: Sequence[str | Path], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """Run an argv list; raise BenchError with its stderr if it fails."""
    proc = subprocess.run([str(a) for a in argv], capture_output=True, check=False, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        cmd = " ".join(str(a) for a in argv)
        raise BenchError(f"exit {proc.returncode}: {cmd}\n{proc.stderr.decode(errors='replace').strip()}")
    return proc  # type: ignore[no-any-return]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


@dataclass
class Timings:
    """Wall seconds of repeated runs of one thing."""

    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def spread(self) -> float:
        """(max - min) / median; over 0.10 means the run was noisy (performance.md C2)."""
        med = self.median
        if not med or len(self.seconds) < 2:
            return 0.0
        return (max(self.seconds) - min(self.seconds)) / med


def records_md5(vcf: Path, samples: Sequence[str] | None = None) -> str:
    """md5 of `bcftools view -H` (every record line), optionally after `-s` in a fixed order."""
    argv = ["bcftools", "view", "-H", "--no-version"]
    if samples is not None:
        argv += ["-s", ",".join(samples)]
    digest = hashlib.md5()
    with subprocess.Popen([*argv, str(vcf)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        for block in iter(lambda: proc.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
            digest.update(block)
        err = proc.stderr.read() if proc.stderr else b""
    if proc.returncode != 0:
        raise BenchError(f"bcftools view -H {vcf} failed: {err.decode(errors='replace').strip()}")
    return digest.hexdigest()


def header_samples(vcf: Path) -> list[str]:
    return run(["bcftools", "query", "-l", vcf]).stdout.decode().split()


def bcftools_version() -> str:
    return run(["bcftools", "--version-only"]).stdout.decode().strip()


def environment() -> dict[str, str]:
    return {
        "bcftools": bcftools_version(),
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def divbase_exe() -> Path:
    """The divbase entry point of this virtualenv, else the one on PATH."""
    local = Path(sys.executable).parent / "divbase"
    if local.exists():
        return local
    found = shutil.which("divbase")
    if found is None:
        raise BenchError("no divbase executable: install the package (pip install -e .)")
    return Path(found)


def run_measured(argv: Sequence[str | Path], rss_file: Path) -> tuple[float, int | None, bytes]:
    """Run argv; return (wall seconds, peak RSS KiB of the process tree's largest process, stdout).

    Uses /usr/bin/time -v when present, else getrusage(RUSAGE_CHILDREN) (the maximum over all
    children so far, so only an upper bound).
    """
    args = [str(a) for a in argv]
    if TIME_BIN.exists():
        args = [str(TIME_BIN), "-v", "-o", str(rss_file), *args]
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f"exit {proc.returncode}: {' '.join(args)}\n{proc.stderr.decode(errors='replace').strip()}")
    if TIME_BIN.exists():
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", rss_file.read_text())
        return seconds, int(match.group(1)) if match else None, proc.stdout
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, proc.stdout


def link_or_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def warm_cache(paths: Sequence[Path]) -> None:
    """Read files once so the page cache is warm (the protocol measures warm-cache runs)."""
    for path in paths:
        with path.open("rb") as f:
            while f.read(1 << 22):
                pass


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def summarize_json(stdout: bytes) -> str:
    """A short summary of a `--json` output: list lengths and scalars of its result object."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        return f"not JSON: {stdout[:200]!r}"
    result = doc.get("result", doc) if isinstance(doc, dict) else doc
    if not isinstance(result, dict):
        return json.dumps(result)[:200]
    parts = []
    for key, value in result.items():
        if isinstance(value, list):
            parts.append(f"{key}={len(value)}")
        elif isinstance(value, (str, int, float, bool)) or value is None:
            parts.append(f"{key}={value}")
        elif isinstance(value, dict):
            parts.append(f"{key}={{{len(value)} keys}}")
    status = doc.get("status") if isinstance(doc, dict) else None
    return (f"status={status} " if status else "") + " ".join(parts)
