"""The upstream DivBase pipeline shape, replayed with bcftools (DESIGN section 4), as the reference."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


def bcftools(*args: str, cwd: Path) -> str:
    return subprocess.run(["bcftools", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def replay(
    inputs: Sequence[tuple[Path, Sequence[str] | None]], segments: Sequence[Sequence[str]], workdir: Path
) -> Path:
    """Per file and segment `view [-s LIST] ... -Ou -o temp`, index; group by samples; concat/merge; sort."""
    workdir.mkdir(parents=True, exist_ok=True)
    finals = []
    for f, (path, samples) in enumerate(inputs):
        bcftools("index", "-f", str(path), cwd=workdir)
        current = str(path)
        for c, segment in enumerate(segments):
            inject = ["-s", ",".join(samples)] if samples is not None and (c == 0) else []
            out = workdir / f"temp_subset_{c}_{f}.bcf"
            bcftools("view", *inject, *segment, current, "-Ou", "-o", str(out), cwd=workdir)
            bcftools("index", "-f", str(out), cwd=workdir)
            current = str(out)
        finals.append(current)
    groups: dict[str, list[str]] = {}
    for temp in finals:
        groups.setdefault(bcftools("query", "-l", temp, cwd=workdir), []).append(temp)
    merged = workdir / "merged_unsorted.bcf"
    concatenated = []
    for n, members in enumerate(groups.values()):
        if len(members) == 1:
            concatenated.append(members[0])
            continue
        out = workdir / f"concat_{n}.bcf"
        bcftools("concat", "-Ou", "-o", str(out), *members, cwd=workdir)
        bcftools("index", "-f", str(out), cwd=workdir)
        concatenated.append(str(out))
    if len(concatenated) == 1:
        merged = Path(concatenated[0])
    else:
        bcftools("merge", "-Ou", "-o", str(merged), *concatenated, cwd=workdir)
    result = workdir / "upstream_result.vcf.gz"
    bcftools("sort", "-Oz", "-o", str(result), str(merged), cwd=workdir)
    return result


def header_samples(path: Path) -> list[str]:
    return bcftools("query", "-l", str(path), cwd=path.parent).split()
